"""Plain, frozen data the reservations context hands out (through ``api.py`` and its views).

Never model instances: other contexts get these and store ids, not foreign keys.
"""

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class NightPrice:
    """One night of a stay: its price (override or base rate) and rooms still free."""

    night: date
    rate_krw: int
    rooms_left: int


@dataclass(frozen=True, slots=True)
class StayQuote:
    """The price and availability of one room of a room type for ``[check_in, check_out)``."""

    hotel_id: int
    room_type_id: int
    check_in: date
    check_out: date
    guests: int
    nights: int
    night_prices: tuple[NightPrice, ...]
    total_krw: int
    #: The fewest rooms free on any night of the stay (0 if a night has no inventory).
    rooms_left: int
    #: At least one room free on every night, and the guests fit in it.
    available: bool


@dataclass(frozen=True, slots=True)
class RoomTypeSummary:
    hotel_id: int
    hotel_name: str
    hotel_time_zone: str
    room_type_id: int
    room_type_name: str
    capacity: int
    nightly_rate_krw: int


@dataclass(frozen=True, slots=True)
class RoomTypeAvailability:
    """A hotel's room type as the availability page shows it, with its quote for the stay."""

    room_type_id: int
    name: str
    description: str
    capacity: int
    #: Whether the requested number of guests fits in one room of this type.
    fits_guests: bool
    quote: StayQuote
