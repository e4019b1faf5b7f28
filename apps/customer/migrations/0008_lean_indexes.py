"""No index of the timeline's entry alone: mypage_timeline_in_order (entry, sequence) covers it."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('customer', '0007_analyze_pace'),
    ]

    operations = [
        migrations.AlterField(
            model_name='mypagetimelineentry',
            name='entry',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='timeline', to='customer.mypageentry', verbose_name='mypage entry'),
        ),
    ]
