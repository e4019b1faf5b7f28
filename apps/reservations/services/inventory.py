"""Writes to the nightly inventory and the catalogue's rates.

Availability is never checked and then acted on: rooms are taken by one guarded UPDATE per
stay (``rooms_held + rooms <= rooms_total`` in its WHERE clause), so two guests can never get
the last room, whatever the concurrency. The check constraints on ``RoomNight`` back it up.
"""

import logging
from collections.abc import Mapping
from datetime import date, timedelta
from typing import NoReturn
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import F, QuerySet, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from apps.reservations.dtos import HeldStay, RoomTypeSummary
from apps.reservations.errors import (
    InvalidStay,
    ReservationsError,
    ReservationsErrorCode,
    RoomUnavailable,
)
from apps.reservations.models import NightlyRate, RoomNight
from apps.reservations.selectors import (
    guests_check,
    room_type_get,
    room_type_summary_of,
    rooms_check,
    stay_check,
    stay_length_check,
    stay_nights,
    stay_quote_build,
    stay_range_check,
)

logger = logging.getLogger(__name__)

#: How far ahead a new room type's inventory is opened (from the hotel's local today).
INVENTORY_HORIZON_NIGHTS = 365


def _stay_room_nights(*, room_type_id: int, check_in: date, check_out: date) -> QuerySet[RoomNight]:
    return RoomNight.objects.filter(
        room_type_id=room_type_id, night__gte=check_in, night__lt=check_out
    )


def rooms_hold(*, room_type_id: int, check_in: date, check_out: date, rooms: int = 1) -> None:
    """Hold ``rooms`` rooms of the room type on every night of ``[check_in, check_out)``.

    All nights or none: if any night has fewer than ``rooms`` rooms left (or no inventory), the
    whole hold is rolled back and ``RoomUnavailable`` (409) names the sold-out nights. Also
    raises ``RoomTypeNotFound`` (404) and ``InvalidStay`` (400: empty, past or too long stay).

    Locks and transactions: runs in its own short transaction. It locks the stay's
    ``RoomNight`` rows in night order (``SELECT ... FOR UPDATE ORDER BY night``, so overlapping
    stays queue instead of deadlocking), then one guarded UPDATE takes the rooms; the locks end
    at commit. Call it outside any transaction (the booking flow then calls the payment
    provider with no lock held). Inside an outer ``atomic`` block it becomes a savepoint and
    the row locks last until the outer transaction ends: never make network calls there.
    Undo with ``rooms_release`` (exactly once per successful hold).
    """
    room_type = room_type_get(room_type_id=room_type_id)
    nights = stay_check(check_in=check_in, check_out=check_out, today=room_type.hotel.local_today())
    rooms_check(rooms=rooms)
    stay = _stay_room_nights(room_type_id=room_type_id, check_in=check_in, check_out=check_out)
    with transaction.atomic():
        # The lock order, and what a refusal reports. The decision is the UPDATE's alone.
        left = {
            night: total - held
            for night, total, held in stay.select_for_update()
            .order_by("night")
            .values_list("night", "rooms_total", "rooms_held")
        }
        # Raising inside the atomic block rolls back the nights this UPDATE did take.
        _rooms_take(
            room_type_id=room_type_id,
            check_in=check_in,
            check_out=check_out,
            nights=nights,
            rooms=rooms,
            left=left,
        )


def _rooms_take(
    *,
    room_type_id: int,
    check_in: date,
    check_out: date,
    nights: int,
    rooms: int,
    left: dict[date, int],
) -> None:
    """The guarded UPDATE that decides every hold, on nights the caller has locked; raises
    ``RoomUnavailable`` naming the nights with fewer than ``rooms`` ``left`` unless it took
    every night (the caller's transaction must then roll back)."""
    with transaction.get_connection().cursor() as cursor:
        cursor.execute(_ROOMS_TAKE_SQL, [rooms, room_type_id, check_in, check_out, rooms])
        taken = cursor.rowcount
    if taken != nights:
        raise RoomUnavailable(
            room_type_id=room_type_id,
            rooms=rooms,
            sold_out_nights=[
                night
                for night in stay_nights(check_in=check_in, check_out=check_out)
                if left.get(night, 0) < rooms
            ],
        )


# The booking path's two statements (see ``stay_hold``; ``rooms_hold`` shares the UPDATE),
# written out: the ORM would spend more CPU compiling them than the database spends running
# them, on every booking.
_STAY_LOCK_SQL = """
SELECT night.night, night.rooms_total, night.rooms_held, rate.rate_krw,
       room_type.hotel_id, hotel.name, hotel.time_zone, room_type.name, room_type.capacity,
       room_type.nightly_rate_krw
FROM reservations_roomnight night
JOIN reservations_roomtype room_type ON room_type.id = night.room_type_id
JOIN reservations_hotel hotel ON hotel.id = room_type.hotel_id
LEFT JOIN reservations_nightlyrate rate
       ON rate.room_type_id = night.room_type_id AND rate.night = night.night
WHERE night.room_type_id = %s AND night.night >= %s AND night.night < %s
ORDER BY night.night
"""
_ROOMS_TAKE_SQL = """
UPDATE reservations_roomnight SET rooms_held = rooms_held + %s
WHERE room_type_id = %s AND night >= %s AND night < %s AND rooms_held + %s <= rooms_total
"""


def stay_hold(
    *,
    hotel_id: int,
    room_type_id: int,
    check_in: date,
    check_out: date,
    guests: int,
    rooms: int = 1,
) -> HeldStay:
    """Check, price and hold a booking's stay in one go: the booking path's two statements.

    Validates like ``stay_quote`` (404, 400s), then locks the stay's nights in night order
    while reading each night's rate override and the room type and hotel they belong to, and
    takes the rooms with the same guarded UPDATE as ``rooms_hold``; a short count raises
    ``RoomUnavailable`` (409). The quote's rooms_left are the rooms that were left before this
    hold.

    Locks and transactions: runs in the caller's transaction (the booking's first one, which
    creates the order), without a savepoint: a refusal raises and the caller's transaction rolls
    back whole, locks included. The nights stay locked until the caller commits, so the caller
    must not make network calls before then.
    """
    nights = stay_length_check(check_in=check_in, check_out=check_out)
    guests_check(guests=guests)
    rooms_check(rooms=rooms)
    connection = transaction.get_connection()
    lock = " FOR UPDATE OF night" if connection.features.has_select_for_update_of else ""
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute(_STAY_LOCK_SQL + lock, [room_type_id, check_in, check_out])
        locked = cursor.fetchall()
        if not locked:  # no such room type, or no inventory: say which
            _stay_hold_refuse(
                hotel_id=hotel_id,
                room_type_id=room_type_id,
                check_in=check_in,
                check_out=check_out,
                guests=guests,
                rooms=rooms,
            )
        _, _, _, _, room_type_hotel_id, hotel_name, time_zone, name, capacity, rate = locked[0]
        room_type = RoomTypeSummary(
            hotel_id=room_type_hotel_id,
            hotel_name=hotel_name,
            hotel_time_zone=time_zone,
            room_type_id=room_type_id,
            room_type_name=name,
            capacity=capacity,
            nightly_rate_krw=rate,
        )
        _stay_hold_check(room_type, hotel_id=hotel_id, check_in=check_in, check_out=check_out)
        guests_check(guests=guests, capacity=capacity)
        _rooms_take(
            room_type_id=room_type_id,
            check_in=check_in,
            check_out=check_out,
            nights=nights,
            rooms=rooms,
            left={row[0]: row[1] - row[2] for row in locked},
        )
    quote = stay_quote_build(
        room_type=room_type,
        check_in=check_in,
        check_out=check_out,
        guests=guests,
        inventory={row[0]: max(row[1] - row[2], 0) for row in locked},
        overrides={row[0]: row[3] for row in locked if row[3] is not None},
    )
    return HeldStay(room_type=room_type, quote=quote)


def _stay_hold_check(
    room_type: RoomTypeSummary, *, hotel_id: int, check_in: date, check_out: date
) -> None:
    if room_type.hotel_id != hotel_id:
        raise ReservationsError(
            ReservationsErrorCode.ROOM_TYPE_NOT_IN_HOTEL,
            "That room type belongs to another hotel.",
            details={"field": "room_type_id"},
            http_status=400,
        )
    today = timezone.localdate(timezone=ZoneInfo(room_type.hotel_time_zone))
    stay_check(check_in=check_in, check_out=check_out, today=today)


def _stay_hold_refuse(
    *, hotel_id: int, room_type_id: int, check_in: date, check_out: date, guests: int, rooms: int
) -> NoReturn:
    """Why a stay with no inventory rows cannot be held: 404, a 400, or sold out (409)."""
    room_type = room_type_summary_of(room_type_get(room_type_id=room_type_id))
    _stay_hold_check(room_type, hotel_id=hotel_id, check_in=check_in, check_out=check_out)
    guests_check(guests=guests, capacity=room_type.capacity)
    raise RoomUnavailable(
        room_type_id=room_type_id,
        rooms=rooms,
        sold_out_nights=stay_nights(check_in=check_in, check_out=check_out),
    )


def rooms_release(*, room_type_id: int, check_in: date, check_out: date, rooms: int = 1) -> None:
    """Give back ``rooms`` rooms on every night of ``[check_in, check_out)``; the hold's inverse.

    Never takes a night below zero rooms held: a night holding fewer than ``rooms`` goes to
    zero and is logged as a warning (a release without a matching hold is a caller's bug).
    Past nights are released too (a stay cancelled mid-way). Raises ``InvalidStay`` (400) for
    an empty range or ``rooms < 1``; a missing room type or night is logged, not raised, so
    compensation paths (payment declined, reservation rejected) never fail here.

    Locks and transactions: its own short transaction, locking the nights in night order like
    ``rooms_hold``. Not idempotent: the caller releases once per successful hold (e.g. behind
    a status transition committed in the same transaction).
    """
    nights = stay_range_check(check_in=check_in, check_out=check_out, rooms=rooms)
    stay = _stay_room_nights(room_type_id=room_type_id, check_in=check_in, check_out=check_out)
    with transaction.atomic():
        locked = dict(stay.select_for_update().order_by("night").values_list("night", "rooms_held"))
        stay.update(rooms_held=Greatest(F("rooms_held") - rooms, Value(0)))
    short = sorted(night.isoformat() for night, held in locked.items() if held < rooms)
    if short or len(locked) != nights:
        logger.warning(
            "rooms_release: room type %s, %s..%s, %s rooms: nights holding fewer %s, "
            "%s of %s nights without inventory",
            room_type_id,
            check_in,
            check_out,
            rooms,
            short,
            nights - len(locked),
            nights,
        )


def inventory_open(*, room_type_id: int, first_night: date, nights: int) -> int:
    """Create the missing ``RoomNight`` rows for ``nights`` nights from ``first_night``.

    Each opens with the room type's ``room_count`` rooms, none held. Existing nights are left
    as they are, so it is safe to run again (and concurrently). Returns the rows created.
    """
    if nights < 1:
        raise InvalidStay(
            ReservationsErrorCode.INVALID_STAY,
            "Open at least one night.",
            details={"field": "nights"},
        )
    room_type = room_type_get(room_type_id=room_type_id)
    last_night = first_night + timedelta(days=nights)
    existing = set(
        _stay_room_nights(
            room_type_id=room_type_id, check_in=first_night, check_out=last_night
        ).values_list("night", flat=True)
    )
    missing = [
        RoomNight(room_type_id=room_type_id, night=night, rooms_total=room_type.room_count)
        for night in stay_nights(check_in=first_night, check_out=last_night)
        if night not in existing
    ]
    RoomNight.objects.bulk_create(missing, batch_size=500, ignore_conflicts=True)
    return len(missing)


def inventory_resize(*, room_type_id: int, first_night: date) -> int:
    """Apply the room type's (new) ``room_count`` to every night from ``first_night`` on.

    A night never drops below the rooms already held on it. Returns the nights updated.
    """
    room_type = room_type_get(room_type_id=room_type_id)
    return RoomNight.objects.filter(room_type_id=room_type_id, night__gte=first_night).update(
        rooms_total=Greatest(Value(room_type.room_count), F("rooms_held"))
    )


def room_night_rooms_total_set(*, room_night_id: int, rooms_total: int) -> int:
    """Set one night's total rooms (e.g. rooms closed for works); returns the total applied.

    Touches ``rooms_total`` only, never ``rooms_held``, and never goes below the rooms held at
    the moment of the UPDATE (so a hold racing this edit is never overbooked).
    """
    if rooms_total < 0:
        raise InvalidStay(
            ReservationsErrorCode.INVALID_ROOMS,
            "The total rooms cannot be negative.",
            details={"field": "rooms_total"},
        )
    with transaction.atomic():
        RoomNight.objects.filter(pk=room_night_id).update(
            rooms_total=Greatest(Value(rooms_total), F("rooms_held"))
        )
        return RoomNight.objects.values_list("rooms_total", flat=True).get(pk=room_night_id)


def nightly_rates_set(
    *, room_type_id: int, rates: Mapping[date, int], replace: bool = True
) -> None:
    """Set per-night rate overrides (KRW).

    With ``replace=False`` nights that already have an override keep it (the demo data uses
    this so a hotelier's own prices survive a restart).
    """
    if any(rate < 0 for rate in rates.values()):
        raise InvalidStay(
            ReservationsErrorCode.INVALID_STAY,
            "A nightly rate cannot be negative.",
            details={"field": "rate_krw"},
        )
    room_type_get(room_type_id=room_type_id)
    overrides = [
        NightlyRate(room_type_id=room_type_id, night=night, rate_krw=rate)
        for night, rate in sorted(rates.items())
    ]
    if replace:
        NightlyRate.objects.bulk_create(
            overrides,
            batch_size=500,
            update_conflicts=True,
            unique_fields=["room_type", "night"],
            update_fields=["rate_krw"],
        )
    else:
        NightlyRate.objects.bulk_create(overrides, batch_size=500, ignore_conflicts=True)
