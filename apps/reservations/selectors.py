"""Reads of the catalogue and the inventory: hotel lists, quotes, availability, stay checks."""

from collections.abc import Iterable
from datetime import date, timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet

from apps.reservations.dtos import NightPrice, RoomTypeAvailability, RoomTypeSummary, StayQuote
from apps.reservations.errors import (
    HotelNotFound,
    InvalidStay,
    ReservationsError,
    ReservationsErrorCode,
    RoomTypeNotFound,
)
from apps.reservations.models import Hotel, HotelierMembership, NightlyRate, RoomNight, RoomType

#: The longest stay one booking may cover.
MAX_STAY_NIGHTS = 30


# --- Stay checks ---------------------------------------------------------------------------


def stay_check(*, check_in: date, check_out: date, today: date) -> int:
    """Check the dates of a stay ``[check_in, check_out)``; return its number of nights.

    ``today`` is the hotel's local date: check-in today is fine, yesterday is not.
    """
    if check_out <= check_in:
        raise InvalidStay(
            ReservationsErrorCode.INVALID_STAY,
            "Check-out must be at least one night after check-in.",
            details={"field": "check_out", "check_in": check_in.isoformat()},
        )
    if check_in < today:
        raise InvalidStay(
            ReservationsErrorCode.INVALID_STAY,
            "Check-in cannot be in the past.",
            details={"field": "check_in", "hotel_today": today.isoformat()},
        )
    nights = (check_out - check_in).days
    if nights > MAX_STAY_NIGHTS:
        raise InvalidStay(
            ReservationsErrorCode.INVALID_STAY,
            f"A stay is at most {MAX_STAY_NIGHTS} nights.",
            details={"field": "check_out", "max_nights": MAX_STAY_NIGHTS, "nights": nights},
        )
    return nights


def stay_range_check(*, check_in: date, check_out: date, rooms: int) -> int:
    """The shape-only check used when rooms are released (past stays included)."""
    if check_out <= check_in:
        raise InvalidStay(
            ReservationsErrorCode.INVALID_STAY,
            "Check-out must be at least one night after check-in.",
            details={"field": "check_out", "check_in": check_in.isoformat()},
        )
    rooms_check(rooms=rooms)
    return (check_out - check_in).days


def guests_check(*, guests: int, capacity: int | None = None) -> None:
    """At least one guest, and (given a room type's ``capacity``) no more than fit in a room."""
    if guests < 1:
        raise InvalidStay(
            ReservationsErrorCode.INVALID_STAY,
            "A stay needs at least one guest.",
            details={"field": "guests"},
        )
    if capacity is not None and guests > capacity:
        raise ReservationsError(
            ReservationsErrorCode.TOO_MANY_GUESTS,
            f"This room type sleeps at most {capacity} guests.",
            details={"field": "guests", "capacity": capacity},
            http_status=400,
        )


def rooms_check(*, rooms: int) -> None:
    if rooms < 1:
        raise InvalidStay(
            ReservationsErrorCode.INVALID_ROOMS,
            "At least one room must be held or released.",
            details={"field": "rooms"},
        )


def stay_nights(*, check_in: date, check_out: date) -> list[date]:
    return [check_in + timedelta(days=n) for n in range((check_out - check_in).days)]


# --- Catalogue -----------------------------------------------------------------------------


def hotel_list() -> QuerySet[Hotel]:
    """All hotels, in a stable order (the API filters and paginates it)."""
    return Hotel.objects.order_by("name", "id")


def hotel_detail_list() -> QuerySet[Hotel]:
    """Hotels with their room types prefetched."""
    return hotel_list().prefetch_related("room_types")


def hotel_get(*, hotel_id: int) -> Hotel:
    try:
        return Hotel.objects.get(pk=hotel_id)
    except Hotel.DoesNotExist:
        raise HotelNotFound(hotel_id=hotel_id) from None


def room_type_get(*, room_type_id: int) -> RoomType:
    try:
        return RoomType.objects.select_related("hotel").get(pk=room_type_id)
    except RoomType.DoesNotExist:
        raise RoomTypeNotFound(room_type_id=room_type_id) from None


def room_type_summary(*, room_type_id: int) -> RoomTypeSummary:
    room_type = room_type_get(room_type_id=room_type_id)
    return RoomTypeSummary(
        hotel_id=room_type.hotel_id,
        hotel_name=room_type.hotel.name,
        hotel_time_zone=room_type.hotel.time_zone,
        room_type_id=room_type.pk,
        room_type_name=room_type.name,
        capacity=room_type.capacity,
        nightly_rate_krw=room_type.nightly_rate_krw,
    )


def hotel_ids_managed_by(*, user: AbstractBaseUser) -> QuerySet[HotelierMembership]:
    """The ids of the hotels ``user`` is a hotelier of (a subquery: use with ``__in``)."""
    return HotelierMembership.objects.filter(user_id=user.pk).values("hotel_id")


# --- Quotes and availability ---------------------------------------------------------------


def _stay_quote_build(
    *,
    room_type: RoomType,
    check_in: date,
    check_out: date,
    guests: int,
    inventory: dict[date, int],
    overrides: dict[date, int],
) -> StayQuote:
    night_prices = tuple(
        NightPrice(
            night=night,
            rate_krw=overrides.get(night, room_type.nightly_rate_krw),
            rooms_left=inventory.get(night, 0),
        )
        for night in stay_nights(check_in=check_in, check_out=check_out)
    )
    rooms_left = min(price.rooms_left for price in night_prices)
    return StayQuote(
        hotel_id=room_type.hotel_id,
        room_type_id=room_type.pk,
        check_in=check_in,
        check_out=check_out,
        guests=guests,
        nights=len(night_prices),
        night_prices=night_prices,
        total_krw=sum(price.rate_krw for price in night_prices),
        rooms_left=rooms_left,
        available=rooms_left >= 1 and guests <= room_type.capacity,
    )


def _stay_inventory(
    *, room_type_ids: Iterable[int], check_in: date, check_out: date
) -> tuple[dict[int, dict[date, int]], dict[int, dict[date, int]]]:
    """Rooms left and rate overrides per room type and night (two queries for any count)."""
    room_type_ids = list(room_type_ids)
    inventory: dict[int, dict[date, int]] = {pk: {} for pk in room_type_ids}
    overrides: dict[int, dict[date, int]] = {pk: {} for pk in room_type_ids}
    stay = {"room_type_id__in": room_type_ids, "night__gte": check_in, "night__lt": check_out}
    for room_type_id, night, total, held in RoomNight.objects.filter(**stay).values_list(
        "room_type_id", "night", "rooms_total", "rooms_held"
    ):
        inventory[room_type_id][night] = max(total - held, 0)
    for room_type_id, night, rate in NightlyRate.objects.filter(**stay).values_list(
        "room_type_id", "night", "rate_krw"
    ):
        overrides[room_type_id][night] = rate
    return inventory, overrides


def stay_quote(*, room_type_id: int, check_in: date, check_out: date, guests: int) -> StayQuote:
    """Price and availability of one room for the stay; refuses invalid stays.

    Raises ``RoomTypeNotFound`` (404), ``InvalidStay`` (400, bad dates or guests < 1) or a
    ``too_many_guests`` ``ReservationsError`` (400). A sold-out stay is not an error here: the
    quote says ``available=False``. Reads only; takes no locks.
    """
    room_type = room_type_get(room_type_id=room_type_id)
    stay_check(check_in=check_in, check_out=check_out, today=room_type.hotel.local_today())
    guests_check(guests=guests, capacity=room_type.capacity)
    inventory, overrides = _stay_inventory(
        room_type_ids=[room_type.pk], check_in=check_in, check_out=check_out
    )
    return _stay_quote_build(
        room_type=room_type,
        check_in=check_in,
        check_out=check_out,
        guests=guests,
        inventory=inventory[room_type.pk],
        overrides=overrides[room_type.pk],
    )


def hotel_availability(
    *, hotel_id: int, check_in: date, check_out: date, guests: int
) -> list[RoomTypeAvailability]:
    """Every room type of the hotel with its quote for the stay.

    Room types too small for ``guests`` are listed too, with ``fits_guests=False`` and
    ``available=False``, so the guest sees why.
    """
    hotel = hotel_get(hotel_id=hotel_id)
    stay_check(check_in=check_in, check_out=check_out, today=hotel.local_today())
    guests_check(guests=guests)
    room_types = list(hotel.room_types.order_by("nightly_rate_krw", "id"))
    inventory, overrides = _stay_inventory(
        room_type_ids=[room_type.pk for room_type in room_types],
        check_in=check_in,
        check_out=check_out,
    )
    return [
        RoomTypeAvailability(
            room_type_id=room_type.pk,
            name=room_type.name,
            description=room_type.description,
            capacity=room_type.capacity,
            fits_guests=guests <= room_type.capacity,
            quote=_stay_quote_build(
                room_type=room_type,
                check_in=check_in,
                check_out=check_out,
                guests=guests,
                inventory=inventory[room_type.pk],
                overrides=overrides[room_type.pk],
            ),
        )
        for room_type in room_types
    ]
