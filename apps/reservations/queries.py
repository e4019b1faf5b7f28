"""The booking path's two statements on the inventory, written out as SQL.

Every booking runs them (``services.stay_hold``: lock the stay's nights with their rates,
room type and hotel, then take the rooms), and profiling the booking request showed Django
compiling SQL as the largest share of its CPU: the ORM would spend more CPU compiling these
statements than the database spends running them. So they skip the compiler; everything off
that path (error paths included) stays on the ORM.

Table and column names come from the models' ``_meta``, so the SQL follows the models.
Parameters are plain ``%s``, read by PostgreSQL and SQLite alike.
"""

from types import SimpleNamespace

from django.db import models

from apps.reservations.models import CancellationPolicy, Hotel, NightlyRate, RoomNight, RoomType


def _table(model: type[models.Model], *fields: str) -> SimpleNamespace:
    """``model``'s table name (``.table``) and the column of each of ``fields`` (by name)."""
    meta = model._meta
    return SimpleNamespace(
        table=meta.db_table, **{field: meta.get_field(field).column for field in fields}
    )


_night = _table(RoomNight, "room_type", "night", "rooms_total", "rooms_held")
_room_type = _table(RoomType, "id", "hotel", "name", "capacity", "nightly_rate_krw")
_hotel = _table(Hotel, "id", "name", "time_zone")
_rate = _table(NightlyRate, "room_type", "night", "rate_krw")
_policy = _table(CancellationPolicy, "hotel", "room_type", "free_until_days_before", "fee_percent")

#: Lock the nights of ``[check_in, check_out)`` of a room type in night order (parameters:
#: room type id, check-in, check-out), reading each night's rooms and rate override, the
#: room type and hotel they belong to, and the cancellation policy that applies (the room
#: type's own, else the hotel-wide one: both unique, so no night is read twice; NULLs when
#: there is none; the policy's columns are NOT NULL, so COALESCE picks the room type's).
#: Append ``STAY_LOCK_ROWS`` where the database supports it (SQLite has no ``FOR UPDATE``:
#: its IMMEDIATE transactions already serialise writers).
STAY_LOCK_SQL = f"""
SELECT night.{_night.night}, night.{_night.rooms_total}, night.{_night.rooms_held},
       rate.{_rate.rate_krw}, room_type.{_room_type.hotel}, hotel.{_hotel.name},
       hotel.{_hotel.time_zone}, room_type.{_room_type.name}, room_type.{_room_type.capacity},
       room_type.{_room_type.nightly_rate_krw},
       COALESCE(own_policy.{_policy.free_until_days_before},
                hotel_policy.{_policy.free_until_days_before}),
       COALESCE(own_policy.{_policy.fee_percent}, hotel_policy.{_policy.fee_percent})
FROM {_night.table} night
JOIN {_room_type.table} room_type ON room_type.{_room_type.id} = night.{_night.room_type}
JOIN {_hotel.table} hotel ON hotel.{_hotel.id} = room_type.{_room_type.hotel}
LEFT JOIN {_rate.table} rate
       ON rate.{_rate.room_type} = night.{_night.room_type}
      AND rate.{_rate.night} = night.{_night.night}
LEFT JOIN {_policy.table} own_policy
       ON own_policy.{_policy.room_type} = room_type.{_room_type.id}
LEFT JOIN {_policy.table} hotel_policy
       ON hotel_policy.{_policy.hotel} = room_type.{_room_type.hotel}
      AND hotel_policy.{_policy.room_type} IS NULL
WHERE night.{_night.room_type} = %s AND night.{_night.night} >= %s AND night.{_night.night} < %s
ORDER BY night.{_night.night}
"""

#: ``STAY_LOCK_SQL``'s row lock: the nights only, not the joined rows.
STAY_LOCK_ROWS = " FOR UPDATE OF night"

#: The guarded UPDATE that decides every hold: it takes ``rooms`` on each night of the stay
#: that still has them (parameters: rooms, room type id, check-in, check-out, rooms), so it
#: updates fewer rows than the stay has nights when any night is short.
ROOMS_TAKE_SQL = f"""
UPDATE {_night.table} SET {_night.rooms_held} = {_night.rooms_held} + %s
WHERE {_night.room_type} = %s AND {_night.night} >= %s AND {_night.night} < %s
  AND {_night.rooms_held} + %s <= {_night.rooms_total}
"""
