"""The stay search's indexes: a stay's nights and rate overrides of every room type, by night.

The search (``apps/reservations/selectors/stay_search.py``) counts the free nights
``[check_in, check_out)`` of all room types at once. The unique ``(room_type, night)`` indexes
lead with the room type, so without these PostgreSQL read both tables whole (a year of
inventory for a two-night stay). With them it reads the stay's nights only, and the overrides
from the index alone. EXPLAIN ANALYZE on the bench's database (``bench/stay_search_bench.py
--explain-only``: 1,000 hotels x 4 room types x 365 nights, rows laid room type by room type),
alternating runs on a busy two-core machine: a two-night search anywhere 74-91 ms without
them, 18-20 ms with both; seven nights 93-101 against 31-36 ms; two nights in one city 13
against 4-5 ms (the overrides' index alone gives that one: the city's room types' nights come
through the unique index).

``rooms_held`` is in neither index, so holds and releases stay HOT updates (migration 0003).
Carrying ``rooms_total`` and ``rooms_held`` in the nights' index (``INCLUDE``) would let the
search skip the table (13-22 against 18-31 ms for two nights anywhere, same runs) but would
make every hold and release write to that index: not worth it.

The overrides' index carries ``rate_krw`` (PostgreSQL ``INCLUDE``; SQLite has none and builds
the plain index), so it is read without the table; overrides change rarely.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("reservations", "0003_room_night_hot_updates")]

    operations = [
        migrations.AddIndex(
            model_name="roomnight",
            index=models.Index(fields=["night", "room_type"], name="room_night_by_night"),
        ),
        migrations.AddIndex(
            model_name="nightlyrate",
            index=models.Index(
                fields=["night", "room_type"], include=["rate_krw"], name="nightly_rate_by_night"
            ),
        ),
    ]
