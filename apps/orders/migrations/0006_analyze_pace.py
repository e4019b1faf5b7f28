"""ANALYZE the booking tables after 10,000 changed rows, not after 50 plus a tenth: found by
key, they need no fresh statistics while young (hotel/column_statistics.py says why)."""

from django.db import migrations

from hotel.column_statistics import analyzed_after


class Migration(migrations.Migration):
    dependencies = [("orders", "0005_translated_names")]

    operations = [
        analyzed_after("orders_order", 10_000),
        analyzed_after("orders_bookingrequest", 10_000),
    ]
