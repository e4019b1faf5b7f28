"""The reservations context's one error type, with machine-readable codes."""

from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from typing import Any

from hotel.errors import DomainError


class ReservationsErrorCode(StrEnum):
    INVALID_STAY = "invalid_stay"
    TOO_MANY_GUESTS = "too_many_guests"
    INVALID_ROOMS = "invalid_rooms"
    HOTEL_NOT_FOUND = "hotel_not_found"
    ROOM_TYPE_NOT_FOUND = "room_type_not_found"
    ROOM_TYPE_NOT_IN_HOTEL = "room_type_not_in_hotel"
    ROOM_UNAVAILABLE = "room_unavailable"
    RESERVATION_NOT_FOUND = "reservation_not_found"
    ILLEGAL_RESERVATION_TRANSITION = "illegal_reservation_transition"
    REJECTION_REASON_REQUIRED = "rejection_reason_required"


class ReservationsError(DomainError):
    """A refused reservations operation; ``details["field"]`` names the bad input."""

    def __init__(
        self,
        code: ReservationsErrorCode,
        message: str,
        *,
        details: Mapping[str, Any] | None = None,
        http_status: int | None = None,
    ) -> None:
        super().__init__(str(code), message, details=details, http_status=http_status)


class InvalidStay(ReservationsError):
    """Bad dates, guests or room count for a stay (HTTP 400)."""

    http_status = 400


class HotelNotFound(ReservationsError):
    http_status = 404

    def __init__(self, *, hotel_id: int) -> None:
        super().__init__(
            ReservationsErrorCode.HOTEL_NOT_FOUND,
            f"There is no hotel {hotel_id}.",
            details={"field": "hotel_id", "hotel_id": hotel_id},
        )


class RoomTypeNotFound(ReservationsError):
    http_status = 404

    def __init__(self, *, room_type_id: int) -> None:
        super().__init__(
            ReservationsErrorCode.ROOM_TYPE_NOT_FOUND,
            f"There is no room type {room_type_id}.",
            details={"field": "room_type_id", "room_type_id": room_type_id},
        )


class RoomUnavailable(ReservationsError):
    """Not enough rooms left on at least one night of the stay (HTTP 409); nothing was held."""

    http_status = 409

    def __init__(self, *, room_type_id: int, rooms: int, sold_out_nights: list[date]) -> None:
        super().__init__(
            ReservationsErrorCode.ROOM_UNAVAILABLE,
            "The room type is sold out on at least one night of the stay.",
            details={
                "room_type_id": room_type_id,
                "rooms": rooms,
                "sold_out_nights": [night.isoformat() for night in sold_out_nights],
            },
        )
        self.sold_out_nights = list(sold_out_nights)


class ReservationNotFound(ReservationsError):
    """No such reservation, or not one of the acting hotelier's hotels (HTTP 404 either way)."""

    http_status = 404

    def __init__(self, *, reservation_id: int | None = None, order_id: int | None = None) -> None:
        if order_id is not None:
            message = f"There is no reservation for order {order_id}."
            details: dict[str, Any] = {"order_id": order_id}
        else:
            message = f"There is no reservation {reservation_id}."
            details = {"reservation_id": reservation_id}
        super().__init__(ReservationsErrorCode.RESERVATION_NOT_FOUND, message, details=details)


class IllegalReservationTransition(ReservationsError):
    """The reservation's status does not allow the change asked for (HTTP 409)."""

    http_status = 409

    def __init__(self, *, reservation_id: int, status: str, target: str) -> None:
        super().__init__(
            ReservationsErrorCode.ILLEGAL_RESERVATION_TRANSITION,
            f"Reservation {reservation_id} is {status}; it cannot become {target}.",
            details={"reservation_id": reservation_id, "status": status, "target": target},
        )
        self.status = status
        self.target = target
