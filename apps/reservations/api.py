"""The reservations context's published interface: the only module other contexts may call.

Plain frozen dataclasses in, plain data out; never model instances. Amounts are integer KRW,
stays are ``[check_in, check_out)`` date ranges in the hotel's local calendar.
"""

from datetime import date, datetime

from apps.reservations import selectors, services
from apps.reservations.dtos import (
    CancellationData,
    CancellationQuote,
    HeldStay,
    NightPrice,
    ReservationData,
    RoomTypeSummary,
    StayQuote,
)
from apps.reservations.errors import (
    HotelNotFound,
    IllegalReservationTransition,
    InvalidStay,
    ReservationNotFound,
    ReservationsError,
    ReservationsErrorCode,
    RoomTypeNotFound,
    RoomUnavailable,
)
from apps.reservations.selectors import MAX_STAY_NIGHTS

__all__ = [
    "MAX_STAY_NIGHTS",
    "CancellationData",
    "CancellationQuote",
    "HeldStay",
    "HotelNotFound",
    "IllegalReservationTransition",
    "InvalidStay",
    "NightPrice",
    "ReservationData",
    "ReservationNotFound",
    "ReservationsError",
    "ReservationsErrorCode",
    "RoomTypeNotFound",
    "RoomTypeSummary",
    "RoomUnavailable",
    "StayQuote",
    "cancellation_quote",
    "reservation_for_order",
    "room_type_summary",
    "rooms_hold",
    "rooms_release",
    "stay_hold",
    "stay_quote",
]


def stay_quote(*, room_type_id: int, check_in: date, check_out: date, guests: int) -> StayQuote:
    """The server's price for one room over the stay, night by night, and its availability.

    Raises ``RoomTypeNotFound`` (404), ``InvalidStay`` (400) or ``ReservationsError`` with code
    ``too_many_guests`` (400). Sold out is not an error: ``available`` is False.
    """
    return selectors.stay_quote(
        room_type_id=room_type_id, check_in=check_in, check_out=check_out, guests=guests
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
    """Check, price and hold a booking's stay, inside the caller's transaction.

    Raises like ``stay_quote`` (404, 400), ``room_type_not_in_hotel`` (400) when the room type
    is another hotel's, and ``RoomUnavailable`` (409) when a night is sold out; the caller's
    transaction then rolls back whole. The nights stay locked until the caller commits: make
    no network call before that.
    """
    return services.stay_hold(
        hotel_id=hotel_id,
        room_type_id=room_type_id,
        check_in=check_in,
        check_out=check_out,
        guests=guests,
        rooms=rooms,
    )


def rooms_hold(*, room_type_id: int, check_in: date, check_out: date, rooms: int = 1) -> None:
    """Hold rooms on every night of the stay, all or none, in its own short transaction.

    Raises ``RoomUnavailable`` (409, ``details["sold_out_nights"]``), ``RoomTypeNotFound``
    (404) or ``InvalidStay`` (400). Call it outside any transaction, and call the payment
    provider only after it has returned (no row lock is then held). See
    ``services.rooms_hold`` for the locking contract.
    """
    services.rooms_hold(
        room_type_id=room_type_id, check_in=check_in, check_out=check_out, rooms=rooms
    )


def rooms_release(*, room_type_id: int, check_in: date, check_out: date, rooms: int = 1) -> None:
    """Give back rooms held by ``rooms_hold`` (once per hold; never below zero)."""
    services.rooms_release(
        room_type_id=room_type_id, check_in=check_in, check_out=check_out, rooms=rooms
    )


def room_type_summary(*, room_type_id: int) -> RoomTypeSummary:
    """The hotel and room type names, capacity and time zone; ``RoomTypeNotFound`` if none."""
    return selectors.room_type_summary(room_type_id=room_type_id)


def cancellation_quote(
    *, room_type_id: int, check_in: date, total_krw: int, at: datetime | None = None
) -> CancellationQuote:
    """What cancelling a stay costs at ``at`` (an aware datetime; default now).

    The room type's cancellation policy, else its hotel's, else a full refund. Days are the
    hotel's local dates: free up to and including ``free_until``, then the policy's fee
    percentage (rounded down), and no refund from the check-in day on. When the order is
    cancelled, reservations computes the same quote once, at the time the guest cancelled
    (``OrderCancelled.cancelled_at``), and stores it with the cancellation. Raises
    ``RoomTypeNotFound`` (404).
    """
    return selectors.cancellation_quote(
        room_type_id=room_type_id, check_in=check_in, total_krw=total_krw, at=at
    )


def reservation_for_order(*, order_id: int) -> ReservationData | None:
    """The order's reservation (with its cancellation, if any); ``None`` before it exists.

    A paid order's reservation appears once reservations handled its ``OrderPlaced``.
    """
    return selectors.reservation_for_order(order_id=order_id)
