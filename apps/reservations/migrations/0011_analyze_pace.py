"""ANALYZE the tables each booking's request writes after 10,000 changed rows, not after 50
plus a tenth: found by key, they need no fresh statistics while young
(hotel/column_statistics.py says why)."""

from django.db import migrations

from hotel.column_statistics import analyzed_after


class Migration(migrations.Migration):
    dependencies = [("reservations", "0010_hotel_notification_pages")]

    operations = [
        analyzed_after("reservations_reservation", 10_000),
        analyzed_after("reservations_reservationstatuschange", 10_000),
        analyzed_after("reservations_hotelnotification", 10_000),
    ]
