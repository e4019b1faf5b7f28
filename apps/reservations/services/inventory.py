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

from apps.reservations.cancellation_terms import FULL_REFUND_RULE, cancellation_rule
from apps.reservations.dtos import HeldStay, RoomTypeSummary
from apps.reservations.errors import (
    InvalidStay,
    ReservationsError,
    ReservationsErrorCode,
    RoomUnavailable,
)
from apps.reservations.models import NightlyRate, RoomNight
from apps.reservations.queries import ROOMS_TAKE_SQL, STAY_LOCK_ROWS, STAY_LOCK_SQL
from apps.reservations.selectors.catalogue import room_type_get, room_type_summary_of
from apps.reservations.selectors.stay_quotes import stay_quote_build
from apps.reservations.stays import (
    check_guests,
    check_rooms,
    check_stay,
    check_stay_length,
    check_stay_range,
    stay_nights,
)

logger = logging.getLogger(__name__)

#: How far ahead a new room type's inventory is opened (from the hotel's local today).
INVENTORY_HORIZON_NIGHTS = 365


def _stay_room_nights(*, room_type_id: int, check_in: date, check_out: date) -> QuerySet[RoomNight]:
    return RoomNight.objects.filter(
        room_type_id=room_type_id, night__gte=check_in, night__lt=check_out
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
        cursor.execute(ROOMS_TAKE_SQL, [rooms, room_type_id, check_in, check_out, rooms])
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


def stay_hold(
    *,
    hotel_id: int,
    room_type_id: int,
    check_in: date,
    check_out: date,
    guests: int,
    rooms: int = 1,
) -> HeldStay:
    """Check, price and hold a booking's stay in one go: the booking path's two statements
    (``apps/reservations/queries.py``). The one way rooms are held. The held stay carries the
    cancellation terms it is booked under, from the policy read by the same locking SELECT.

    Validates like ``stay_quote``: ``RoomTypeNotFound`` (404), ``InvalidStay`` (400: empty,
    past or too long stay, no guest, ``rooms < 1``) or ``too_many_guests`` (400); and
    ``room_type_not_in_hotel`` (400) when the room type is another hotel's. Then it locks the
    stay's nights in night order (so overlapping stays queue instead of deadlocking) while
    reading each night's rate override and the room type and hotel they belong to, and takes
    ``rooms`` rooms on every night with one guarded UPDATE: all nights or none. A night with
    fewer rooms left (or no inventory) raises ``RoomUnavailable`` (409) naming the sold-out
    nights. The quote's rooms_left are the rooms that were left before this hold. Undo with
    ``rooms_release``, exactly once per successful hold.

    Locks and transactions: runs in the caller's transaction (the booking's first one, which
    creates the order), without a savepoint: a refusal raises and the caller's transaction rolls
    back whole, locks included. The nights stay locked until the caller commits, so the caller
    must not make network calls before then. Called outside any transaction, it runs in its own.
    """
    nights = check_stay_length(check_in=check_in, check_out=check_out)
    check_guests(guests=guests)
    check_rooms(rooms=rooms)
    connection = transaction.get_connection()
    lock = STAY_LOCK_ROWS if connection.features.has_select_for_update_of else ""
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute(STAY_LOCK_SQL + lock, [room_type_id, check_in, check_out])
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
        (
            *_,
            room_type_hotel_id,
            hotel_name,
            time_zone,
            name,
            capacity,
            rate,
            free_until_days_before,
            fee_percent,
        ) = locked[0]
        room_type = RoomTypeSummary(
            hotel_id=room_type_hotel_id,
            hotel_name=hotel_name,
            hotel_time_zone=time_zone,
            room_type_id=room_type_id,
            room_type_name=name,
            capacity=capacity,
            nightly_rate_krw=rate,
        )
        _check_stay_at_hotel(room_type, hotel_id=hotel_id, check_in=check_in, check_out=check_out)
        check_guests(guests=guests, capacity=capacity)
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
        cancellation_rule=FULL_REFUND_RULE
        if free_until_days_before is None
        else cancellation_rule(
            free_until_days_before=free_until_days_before, fee_percent=fee_percent
        ),
    )
    assert quote.cancellation_terms is not None  # a rule was given
    return HeldStay(room_type=room_type, quote=quote, cancellation_terms=quote.cancellation_terms)


def _check_stay_at_hotel(
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
    check_stay(check_in=check_in, check_out=check_out, today=today)


def _stay_hold_refuse(
    *, hotel_id: int, room_type_id: int, check_in: date, check_out: date, guests: int, rooms: int
) -> NoReturn:
    """Why a stay with no inventory rows cannot be held: 404, a 400, or sold out (409)."""
    room_type = room_type_summary_of(room_type_get(room_type_id=room_type_id))
    _check_stay_at_hotel(room_type, hotel_id=hotel_id, check_in=check_in, check_out=check_out)
    check_guests(guests=guests, capacity=room_type.capacity)
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
    ``stay_hold``. Not idempotent: the caller releases once per successful hold (e.g. behind
    a status transition committed in the same transaction).
    """
    nights = check_stay_range(check_in=check_in, check_out=check_out, rooms=rooms)
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
