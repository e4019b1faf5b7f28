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
    ROOM_UNAVAILABLE = "room_unavailable"


class ReservationsError(DomainError):
    """A refused catalogue or inventory operation; ``details["field"]`` names the bad input."""

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
