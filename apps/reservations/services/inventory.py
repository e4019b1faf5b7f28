"""Writes to the nightly inventory and the catalogue's rates.

Availability is never checked and then acted on: rooms are taken by one guarded UPDATE per
stay (``rooms_held + rooms <= rooms_total`` in its WHERE clause), so two guests can never get
the last room, whatever the concurrency. The check constraints on ``RoomNight`` back it up.
"""

import logging
from collections.abc import Mapping
from datetime import date, timedelta

from django.db import transaction
from django.db.models import F, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Greatest

from apps.reservations.dtos import HeldStay
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
        locked = {
            night: total - held
            for night, total, held in stay.select_for_update()
            .order_by("night")
            .values_list("night", "rooms_total", "rooms_held")
        }
        taken = stay.filter(rooms_held__lte=F("rooms_total") - rooms).update(
            rooms_held=F("rooms_held") + rooms
        )
        if taken != nights:
            sold_out = [
                night
                for night in stay_nights(check_in=check_in, check_out=check_out)
                if locked.get(night, 0) < rooms
            ]
            # Raising inside the atomic block rolls back the nights this UPDATE did take.
            raise RoomUnavailable(room_type_id=room_type_id, rooms=rooms, sold_out_nights=sold_out)


def stay_hold(
    *,
    hotel_id: int,
    room_type_id: int,
    check_in: date,
    check_out: date,
    guests: int,
    rooms: int = 1,
) -> HeldStay:
    """Check, price and hold a booking's stay in one go: the booking path's three queries.

    Validates like ``stay_quote`` (404, 400s), then locks the stay's nights in night order
    while reading each night's rate override, and takes the rooms with the same guarded UPDATE
    as ``rooms_hold``; a short count raises ``RoomUnavailable`` (409). The quote's rooms_left
    are the rooms that were left before this hold.

    Locks and transactions: runs in the caller's transaction (the booking's first one, which
    creates the order), without a savepoint: a refusal raises and the caller's transaction rolls
    back whole. The nights stay locked until the caller commits, so the caller must not make
    network calls before then.
    """
    room_type = room_type_get(room_type_id=room_type_id)
    if room_type.hotel_id != hotel_id:
        raise ReservationsError(
            ReservationsErrorCode.ROOM_TYPE_NOT_IN_HOTEL,
            "That room type belongs to another hotel.",
            details={"field": "room_type_id"},
            http_status=400,
        )
    nights = stay_check(check_in=check_in, check_out=check_out, today=room_type.hotel.local_today())
    guests_check(guests=guests, capacity=room_type.capacity)
    rooms_check(rooms=rooms)
    stay = _stay_room_nights(room_type_id=room_type_id, check_in=check_in, check_out=check_out)
    override = NightlyRate.objects.filter(
        room_type_id=OuterRef("room_type_id"), night=OuterRef("night")
    ).values("rate_krw")[:1]
    with transaction.atomic(savepoint=False):
        locked = list(
            stay.select_for_update(of=("self",))
            .order_by("night")
            .annotate(override=Subquery(override))
            .values_list("night", "rooms_total", "rooms_held", "override")
        )
        taken = stay.filter(rooms_held__lte=F("rooms_total") - rooms).update(
            rooms_held=F("rooms_held") + rooms
        )
        if taken != nights:
            left = {night: total - held for night, total, held, _ in locked}
            raise RoomUnavailable(
                room_type_id=room_type_id,
                rooms=rooms,
                sold_out_nights=[
                    night
                    for night in stay_nights(check_in=check_in, check_out=check_out)
                    if left.get(night, 0) < rooms
                ],
            )
    quote = stay_quote_build(
        room_type=room_type,
        check_in=check_in,
        check_out=check_out,
        guests=guests,
        inventory={night: max(total - held, 0) for night, total, held, _ in locked},
        overrides={night: rate for night, _, _, rate in locked if rate is not None},
    )
    return HeldStay(room_type=room_type_summary_of(room_type), quote=quote)


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
