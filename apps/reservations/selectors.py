"""Reads: the catalogue and inventory (hotel lists, quotes, availability, stay checks), the
cancellation policy's quotes, and the reservations a hotelier may see."""

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.utils import timezone

from apps.reservations.dtos import (
    CancellationData,
    CancellationQuote,
    NightPrice,
    ReservationData,
    RoomTypeAvailability,
    RoomTypeSummary,
    StayQuote,
)
from apps.reservations.errors import (
    HotelNotFound,
    InvalidStay,
    ReservationNotFound,
    ReservationsError,
    ReservationsErrorCode,
    RoomTypeNotFound,
)
from apps.reservations.models import (
    Cancellation,
    CancellationPolicy,
    Hotel,
    HotelierMembership,
    NightlyRate,
    Reservation,
    RoomNight,
    RoomType,
)

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
    return stay_length_check(check_in=check_in, check_out=check_out)


def stay_length_check(*, check_in: date, check_out: date) -> int:
    """The part of ``stay_check`` that needs no hotel: one night at least, at most the
    longest stay. Returns the number of nights."""
    nights = (check_out - check_in).days
    if nights < 1:
        raise InvalidStay(
            ReservationsErrorCode.INVALID_STAY,
            "Check-out must be at least one night after check-in.",
            details={"field": "check_out", "check_in": check_in.isoformat()},
        )
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
    return room_type_summary_of(room_type_get(room_type_id=room_type_id))


def room_type_summary_of(room_type: RoomType) -> RoomTypeSummary:
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


def stay_quote_build(
    *,
    room_type: RoomTypeSummary,
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
        room_type_id=room_type.room_type_id,
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
    return stay_quote_build(
        room_type=room_type_summary_of(room_type),
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
            quote=stay_quote_build(
                room_type=room_type_summary_of(room_type),
                check_in=check_in,
                check_out=check_out,
                guests=guests,
                inventory=inventory[room_type.pk],
                overrides=overrides[room_type.pk],
            ),
        )
        for room_type in room_types
    ]


# --- Cancellation policy -------------------------------------------------------------------

#: What a hotel without a cancellation policy tells its guests.
FULL_REFUND_SUMMARY = "Free cancellation: the hotel refunds in full."


def cancellation_policy_for(*, room_type: RoomType) -> CancellationPolicy | None:
    """The room type's own policy, else its hotel's, else ``None`` (full refund)."""
    policies = CancellationPolicy.objects.filter(hotel_id=room_type.hotel_id).filter(
        Q(room_type_id=room_type.pk) | Q(room_type__isnull=True)
    )
    return min(policies, key=lambda policy: policy.room_type_id is None, default=None)


def cancellation_quote_build(
    *, policy: CancellationPolicy | None, check_in: date, total_krw: int, on: date
) -> CancellationQuote:
    """The fee for cancelling on the hotel-local date ``on``, under ``policy``.

    Free up to and including ``check_in - free_until_days_before``; ``fee_percent`` of the
    total (rounded down, in the guest's favour) from the next day; everything from the
    check-in day on. Without a policy, a full refund whatever the date.
    """
    if total_krw < 0:
        raise InvalidStay(
            ReservationsErrorCode.INVALID_STAY,
            "A total cannot be negative.",
            details={"field": "total_krw"},
        )
    if policy is None:
        return CancellationQuote(
            fee_krw=0,
            refund_krw=total_krw,
            free_until=None,
            policy_summary=FULL_REFUND_SUMMARY,
            refundable=total_krw > 0,
        )
    free_until = check_in - timedelta(days=policy.free_until_days_before)
    if on <= free_until:
        fee_krw = 0
    elif on < check_in:
        fee_krw = total_krw * policy.fee_percent // 100
    else:
        fee_krw = total_krw
    return CancellationQuote(
        fee_krw=fee_krw,
        refund_krw=total_krw - fee_krw,
        free_until=free_until,
        policy_summary=policy.summary(),
        refundable=fee_krw < total_krw,
    )


def cancellation_quote(
    *, room_type_id: int, check_in: date, total_krw: int, at: datetime | None = None
) -> CancellationQuote:
    """What cancelling a stay of this room type costs at ``at`` (default: now).

    The day boundaries are the hotel's: ``at`` is read as a date in ``Hotel.time_zone``.
    """
    at = timezone.now() if at is None else at
    if timezone.is_naive(at):
        raise ValueError("cancellation_quote needs an aware datetime")
    room_type = room_type_get(room_type_id=room_type_id)
    return cancellation_quote_build(
        policy=cancellation_policy_for(room_type=room_type),
        check_in=check_in,
        total_krw=total_krw,
        on=room_type.hotel.local_date(at),
    )


# --- Reservations --------------------------------------------------------------------------


def _hotelier_scope(queryset: QuerySet, *, user: AbstractBaseUser | AnonymousUser, path: str):
    """Superusers see every row; a hotelier their hotels' rows; anyone else none."""
    if not user.is_authenticated:
        return queryset.none()
    if user.is_superuser:
        return queryset
    return queryset.filter(**{f"{path}__in": hotel_ids_managed_by(user=user)})


def reservation_list_for(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Reservation]:
    """The reservations of the hotels ``user`` manages (all of them for a superuser)."""
    return _hotelier_scope(
        Reservation.objects.select_related("hotel", "room_type", "cancellation"),
        user=user,
        path="hotel",
    )


def reservation_get_for(
    *, reservation_id: int, user: AbstractBaseUser | AnonymousUser
) -> Reservation:
    """One reservation ``user`` may see; ``ReservationNotFound`` (404) otherwise."""
    try:
        return reservation_list_for(user=user).get(pk=reservation_id)
    except Reservation.DoesNotExist:
        raise ReservationNotFound(reservation_id=reservation_id) from None


def cancellation_list_for(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Cancellation]:
    """The cancellations of the hotels ``user`` manages (all of them for a superuser)."""
    return _hotelier_scope(
        Cancellation.objects.select_related("reservation__hotel", "reservation__room_type"),
        user=user,
        path="reservation__hotel",
    )


def reservation_data(reservation: Reservation) -> ReservationData:
    cancellation = getattr(reservation, "cancellation", None)
    return ReservationData(
        reservation_id=reservation.pk,
        order_id=reservation.order_id,
        guest_id=reservation.guest_id,
        hotel_id=reservation.hotel_id,
        room_type_id=reservation.room_type_id,
        check_in=reservation.check_in,
        check_out=reservation.check_out,
        guests=reservation.guests,
        total_krw=reservation.total_krw,
        status=reservation.status,
        rejection_reason=reservation.rejection_reason,
        requested_at=reservation.requested_at,
        decided_at=reservation.decided_at,
        cancellation=None
        if cancellation is None
        else CancellationData(
            cancellation_id=cancellation.pk,
            cancelled_by=cancellation.cancelled_by,
            reason=cancellation.reason,
            fee_krw=cancellation.fee_krw,
            refund_krw=cancellation.refund_krw,
            policy_summary=cancellation.policy_summary,
            cancelled_at=cancellation.cancelled_at,
        ),
    )


def reservation_for_order(*, order_id: int) -> ReservationData | None:
    reservation = (
        Reservation.objects.select_related("cancellation").filter(order_id=order_id).first()
    )
    return None if reservation is None else reservation_data(reservation)
