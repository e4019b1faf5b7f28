"""The stay search's indexes: a stay's nights and rate overrides of every room type, by night.

The search (``apps/reservations/selectors/stay_search.py``) aggregates the nights
``[check_in, check_out)`` of all room types at once. The unique ``(room_type, night)`` indexes
lead with the room type, so without these PostgreSQL read every row of both tables (a
sequential scan of a year of inventory) or made one index descent per room type. With them it
reads the stay's nights only. On the bench's 1,000 hotels x 4 room types x 365 nights
(``bench/stay_search_bench.py``), EXPLAIN ANALYZE of a 3-night search went from ~130 ms (both
tables scanned whole) to ~10 ms; with the room nights' index alone, ~25 ms (the overrides
still scanned whole).

``rooms_held`` is in neither index, so holds and releases stay HOT updates (migration 0003).
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
