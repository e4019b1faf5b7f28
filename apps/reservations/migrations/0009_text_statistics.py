"""No planner statistics for the hotels' messages' texts (hotel/column_statistics.py says
why)."""

from django.db import migrations

from hotel.column_statistics import statistics_off


class Migration(migrations.Migration):
    dependencies = [("reservations", "0008_translated_names")]

    operations = [
        statistics_off("reservations_hotelnotification", ["body", "template_parameters"]),
    ]
