"""Holds and releases update ``RoomNight.rooms_held`` on every booking; make those updates HOT.

A HOT update (heap-only tuple) writes the new row version on the same page and touches no
index, but only when no indexed column changes and the page has room. ``rooms_held`` is in
no index; this leaves a fifth of each page free for the new versions, and drops the
room type's own index, which the unique (room_type, night) index makes redundant.

The fillfactor applies to pages written from now on (new nights, as the inventory horizon
moves). To give existing pages their room at once, rewrite the table in a quiet hour:
``VACUUM FULL reservations_roomnight`` (it locks the table while it runs).
"""

import django.db.models.deletion
from django.db import migrations, models

# Percent of each heap page filled by INSERTs; the rest is kept for updated row versions.
ROOM_NIGHT_FILLFACTOR = 80


def _fillfactor_set(schema_editor, fillfactor: int) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE reservations_roomnight SET (fillfactor = {fillfactor})")


def room_nights_leave_room(apps, schema_editor) -> None:
    _fillfactor_set(schema_editor, ROOM_NIGHT_FILLFACTOR)


def room_nights_fill_pages(apps, schema_editor) -> None:
    _fillfactor_set(schema_editor, 100)  # PostgreSQL's default for tables


class Migration(migrations.Migration):
    dependencies = [
        ("reservations", "0002_reservations_cancellations_policies"),
    ]

    operations = [
        migrations.AlterField(
            model_name="roomnight",
            name="room_type",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="room_nights",
                to="reservations.roomtype",
            ),
        ),
        migrations.RunPython(room_nights_leave_room, room_nights_fill_pages),
    ]
