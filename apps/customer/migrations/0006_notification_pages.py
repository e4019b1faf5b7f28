"""Guest messages: room on each page for the row marked sent after it is written
(hotel/page_fill.py), and no index of the guest alone, which notification_by_guest covers."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from hotel.page_fill import pages_filled_to


class Migration(migrations.Migration):
    dependencies = [
        ("customer", "0005_text_statistics"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="notification",
            name="guest",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="notifications",
                to=settings.AUTH_USER_MODEL,
                verbose_name="guest",
            ),
        ),
        pages_filled_to("customer_notification", 80),
    ]
