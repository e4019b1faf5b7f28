"""No index of the reservation's hotel alone: reservation_hotel_status (hotel, status, check_in)
covers it."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('reservations', '0011_analyze_pace'),
    ]

    operations = [
        migrations.AlterField(
            model_name='reservation',
            name='hotel',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='reservations', to='reservations.hotel', verbose_name='hotel'),
        ),
    ]
