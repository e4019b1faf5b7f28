"""No planner statistics for the stored events' payloads (hotel/column_statistics.py says why)."""

from django.db import migrations

from hotel.column_statistics import statistics_off


class Migration(migrations.Migration):
    dependencies = [("eventbus", "0005_worker_lag")]

    operations = [statistics_off("eventbus_event", ["payload"])]
