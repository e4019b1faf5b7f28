"""Plain, frozen data the reservations context hands out (through ``api.py`` and its views).

Never model instances: other contexts get these and store ids, not foreign keys.
"""

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True, slots=True)
class NightPrice:
    """One night of a stay: its price (override or base rate) and rooms still free."""

    night: date
    rate_krw: int
    rooms_left: int


@dataclass(frozen=True, slots=True)
class CancellationTerms:
    """What cancelling a stay costs, as dated terms: those of a stay booked now, or those a
    booking was made under (and keeps, whatever the hotel's policy becomes).

    Times are aware, in the hotel's time zone. Free up to ``free_until`` (the last second of
    the hotel-local day ``free_until_date``); then ``fee_percent`` of the total (``fee_krw``
    for this stay); the whole total from ``no_refund_from`` (the start of the check-in day),
    or never when it is ``None`` (a hotel without a policy refunds in full whatever the date).
    """

    free_until: datetime
    free_until_date: date
    fee_percent: int
    fee_krw: int
    no_refund_from: datetime | None
    summary: str


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
    #: The cancellation terms of this stay if booked now (``None``: not looked up).
    cancellation_terms: CancellationTerms | None = None


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
class HeldStay:
    """A booking's rooms, held: the room type it is for, the price of the stay and the
    cancellation terms it is booked under (the order keeps them)."""

    room_type: "RoomTypeSummary"
    quote: StayQuote
    cancellation_terms: CancellationTerms


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


@dataclass(frozen=True, slots=True)
class StayOffer:
    """A hotel found by a stay search: its cheapest room type that fits the guests and is free
    every night of ``[check_in, check_out)``, with the total for the stay."""

    hotel_id: int
    hotel_name: str
    city: str
    address: str
    time_zone: str
    room_type_id: int
    room_type_name: str
    capacity: int
    check_in: date
    check_out: date
    guests: int
    nights: int
    total_krw: int
    #: The fewest rooms of this type free on any night of the stay.
    rooms_left: int


@dataclass(frozen=True, slots=True)
class CancellationQuote:
    """What cancelling a stay costs at a given moment, under the hotel's cancellation policy.

    ``fee_krw + refund_krw == total_krw``. ``free_until`` is the last hotel-local date on which
    cancelling is free (``None`` when the hotel refunds in full whatever the date).
    """

    fee_krw: int
    refund_krw: int
    free_until: date | None
    policy_summary: str
    refundable: bool


@dataclass(frozen=True, slots=True)
class CancellationData:
    cancellation_id: int
    cancelled_by: str  # "guest" | "hotel" | "system"
    reason: str
    fee_krw: int
    refund_krw: int
    policy_summary: str
    cancelled_at: datetime


@dataclass(frozen=True, slots=True)
class ReservationData:
    """A reservation as other contexts see it.

    ``status`` is one of ``requested``, ``confirmed``, ``rejected``, ``cancelled``.
    """

    reservation_id: int
    order_id: int
    guest_id: int
    hotel_id: int
    room_type_id: int
    check_in: date
    check_out: date
    guests: int
    total_krw: int
    status: str
    rejection_reason: str
    requested_at: datetime
    decided_at: datetime | None
    cancellation: CancellationData | None


@dataclass(frozen=True, slots=True)
class PaidOrder:
    """A paid order as the hotel side receives it, to become a reservation request."""

    order_id: int
    order_reference: str
    guest_id: int
    guest_name: str
    hotel_id: int
    room_type_id: int
    check_in: date
    check_out: date
    guests: int
    total_krw: int
    #: The cancellation terms the order was booked under (OrderPlaced's ``terms_*``); empty
    #: for an order placed before bookings kept them.
    terms_free_until: datetime | None = None
    terms_fee_percent: int | None = None
    terms_no_refund_from: datetime | None = None
    terms_summary: str = ""
