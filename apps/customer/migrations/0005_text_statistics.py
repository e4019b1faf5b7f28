"""No planner statistics for the timeline's details and the messages' texts
(hotel/column_statistics.py says why)."""

from django.db import migrations

from hotel.column_statistics import statistics_off


class Migration(migrations.Migration):
    dependencies = [("customer", "0004_translated_names")]

    operations = [
        statistics_off("customer_mypagetimelineentry", ["details"]),
        statistics_off("customer_notification", ["body", "template_parameters"]),
    ]
