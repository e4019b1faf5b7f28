"""A stay's shape, checked before anything is read or held: its dates, guests and rooms.

A stay is ``[check_in, check_out)``, in the hotel's local calendar. The checks raise a
400 naming the bad field (``details["field"]``): ``InvalidStay``, or a ``too_many_guests``
``ReservationsError``. They read no database.
"""

from datetime import date, timedelta

from apps.reservations.errors import InvalidStay, ReservationsError, ReservationsErrorCode

#: The longest stay one booking may cover.
MAX_STAY_NIGHTS = 30


def check_stay(*, check_in: date, check_out: date, today: date) -> int:
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
    return check_stay_length(check_in=check_in, check_out=check_out)


def check_stay_length(*, check_in: date, check_out: date) -> int:
    """The part of ``check_stay`` that needs no hotel: one night at least, at most the
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


def check_stay_range(*, check_in: date, check_out: date, rooms: int) -> int:
    """The shape-only check used when rooms are released (past stays included)."""
    if check_out <= check_in:
        raise InvalidStay(
            ReservationsErrorCode.INVALID_STAY,
            "Check-out must be at least one night after check-in.",
            details={"field": "check_out", "check_in": check_in.isoformat()},
        )
    check_rooms(rooms=rooms)
    return (check_out - check_in).days


def check_guests(*, guests: int, capacity: int | None = None) -> None:
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


def check_rooms(*, rooms: int) -> None:
    if rooms < 1:
        raise InvalidStay(
            ReservationsErrorCode.INVALID_ROOMS,
            "At least one room must be held or released.",
            details={"field": "rooms"},
        )


def stay_nights(*, check_in: date, check_out: date) -> list[date]:
    """The nights of ``[check_in, check_out)``, in order."""
    return [check_in + timedelta(days=n) for n in range((check_out - check_in).days)]
