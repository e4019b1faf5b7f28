"""The reservations context's hand-written SQL: the booking path's two statements on the
inventory, and the reads its event handlers make every worker round.

Every booking runs them (``services.stay_hold``: lock the stay's nights with their rates,
room type and hotel, then take the rooms), and profiling the booking request showed Django
compiling SQL as the largest share of its CPU: the ORM would spend more CPU compiling these
statements than the database spends running them. So they skip the compiler; everything off
that path (error paths included) stays on the ORM. The handlers' reads are here for the
same reason (their section says more).

Table and column names come from the models' ``_meta``, so the SQL follows the models.
Parameters are plain ``%s``, read by PostgreSQL and SQLite alike.
"""

from collections.abc import Collection
from types import SimpleNamespace

from django.db import connection, models

from apps.reservations.models import (
    Cancellation,
    CancellationPolicy,
    Hotel,
    NightlyRate,
    Reservation,
    RoomNight,
    RoomType,
)
from hotel.model_rows import ModelRows
from hotel.sql_lists import in_list


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


# --- What the event handlers read each round --------------------------------------------------
# A live worker round carries a booking or two; compiling these reads cost the worker more CPU
# than PostgreSQL spends answering them. Each reads a batch by a list of ids
# (``hotel.sql_lists.in_list``); the rows become instances as ``select_related`` leaves them.

_quote = connection.ops.quote_name
_room_types = ModelRows(RoomType, table="room_type")
_hotels = ModelRows(Hotel, table="hotel")
_reservations = ModelRows(Reservation, table="reservation")
_cancellations = ModelRows(Cancellation, table="cancellation")


def _column(model: type[models.Model], table: str, field_name: str) -> str:
    return f"{_quote(table)}.{_quote(model._meta.get_field(field_name).column)}"


def _join(model: type[models.Model], table: str, on: str) -> str:
    return f" JOIN {_quote(model._meta.db_table)} AS {_quote(table)} ON {on}"


_ROOM_TYPES_SQL = (
    f"SELECT {_room_types.columns}, {_hotels.columns}"
    f" FROM {_quote(RoomType._meta.db_table)} AS {_quote('room_type')}"
    + _join(
        Hotel,
        "hotel",
        f"{_column(Hotel, 'hotel', 'id')} = {_column(RoomType, 'room_type', 'hotel')}",
    )
    + " WHERE "
)


def room_types_with_hotels(*, room_type_ids: Collection[int]) -> list[RoomType]:
    """The room types ``room_type_ids`` (those that exist), each with its hotel loaded."""
    if not room_type_ids:
        return []
    where, params = in_list(connection, _column(RoomType, "room_type", "id"), room_type_ids)
    with connection.cursor() as cursor:
        cursor.execute(_ROOM_TYPES_SQL + where, params)
        rows = cursor.fetchall()
    room_types = _room_types.instances(rows)
    for room_type, hotel in zip(
        room_types, _hotels.instances(rows, start=_room_types.width), strict=True
    ):
        room_type.hotel = hotel
    return room_types


_RESERVATIONS_SQL = (
    f"SELECT {_reservations.columns}, {_hotels.columns}, {_room_types.columns},"
    f" {_cancellations.columns}"
    f" FROM {_quote(Reservation._meta.db_table)} AS {_quote('reservation')}"
    + _join(
        Hotel,
        "hotel",
        f"{_column(Hotel, 'hotel', 'id')} = {_column(Reservation, 'reservation', 'hotel')}",
    )
    + _join(
        RoomType,
        "room_type",
        f"{_column(RoomType, 'room_type', 'id')}"
        f" = {_column(Reservation, 'reservation', 'room_type')}",
    )
    + " LEFT"
    + _join(
        Cancellation,
        "cancellation",
        f"{_column(Cancellation, 'cancellation', 'reservation')}"
        f" = {_column(Reservation, 'reservation', 'id')}",
    )
    + " WHERE "
)
_HOTEL_AT = _reservations.width
_ROOM_TYPE_AT = _HOTEL_AT + _hotels.width
_CANCELLATION_AT = _ROOM_TYPE_AT + _room_types.width
_CANCELLATION_ID = _CANCELLATION_AT + _cancellations.position("id")
_no_cancellation = Reservation.cancellation.related  # where a reservation caches its own


def reservations_with_stays(*, reservation_ids: Collection[int]) -> list[Reservation]:
    """The reservations ``reservation_ids`` (those that exist), each with its hotel, room type
    and cancellation (or none) loaded: reading ``reservation.cancellation`` takes no query."""
    if not reservation_ids:
        return []
    where, params = in_list(connection, _column(Reservation, "reservation", "id"), reservation_ids)
    with connection.cursor() as cursor:
        cursor.execute(_RESERVATIONS_SQL + where, params)
        rows = cursor.fetchall()
    reservations = _reservations.instances(rows)
    hotels = _hotels.instances(rows, start=_HOTEL_AT)
    room_types = _room_types.instances(rows, start=_ROOM_TYPE_AT)
    for row, reservation, hotel, room_type in zip(
        rows, reservations, hotels, room_types, strict=True
    ):
        reservation.hotel = hotel
        reservation.room_type = room_type
        if row[_CANCELLATION_ID] is None:
            _no_cancellation.set_cached_value(reservation, None)
        else:
            reservation.cancellation = _cancellations.instance(row, start=_CANCELLATION_AT)
    return reservations
