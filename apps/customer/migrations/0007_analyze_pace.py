"""ANALYZE the mypage and message tables after 10,000 changed rows, not after 50 plus a
tenth: found by key, they need no fresh statistics while young (hotel/column_statistics.py
says why)."""

from django.db import migrations

from hotel.column_statistics import analyzed_after


class Migration(migrations.Migration):
    dependencies = [("customer", "0006_notification_pages")]

    operations = [
        analyzed_after("customer_mypageentry", 10_000),
        analyzed_after("customer_mypagetimelineentry", 10_000),
        analyzed_after("customer_notification", 10_000),
    ]
