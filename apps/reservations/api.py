"""The reservations context's published interface: the only module other contexts may call.

What the orders context calls, under the names the reservations code gives them:

- ``stay_hold``: check, price and hold a booking's stay, inside the caller's transaction
  (``services/inventory.py`` has the locking contract); ``rooms_release`` gives the rooms back;
- ``room_type_summary``: the hotel and room type names, capacity and time zone;
- ``cancellation_quote``: what cancelling a stay costs at a given moment, by the terms it was
  booked under (``CancellationTerms``, which ``stay_hold`` returns and the order keeps);
  ``booked_cancellation_terms`` rebuilds those terms from the parts an order stores.

Plain frozen dataclasses in, plain data out; never model instances. Amounts are integer KRW,
stays are ``[check_in, check_out)`` date ranges in the hotel's local calendar. Refusals are
``ReservationsError`` (a ``DomainError``) with a ``ReservationsErrorCode``; the subclasses
these functions raise are published too.
"""

from apps.reservations.cancellation_terms import booked_cancellation_terms
from apps.reservations.dtos import (
    CancellationQuote,
    CancellationTerms,
    HeldStay,
    NightPrice,
    RoomTypeSummary,
    StayQuote,
)
from apps.reservations.errors import (
    InvalidStay,
    ReservationsError,
    ReservationsErrorCode,
    RoomTypeNotFound,
    RoomUnavailable,
)
from apps.reservations.selectors.cancellation_quotes import cancellation_quote
from apps.reservations.selectors.catalogue import room_type_summary
from apps.reservations.services.inventory import rooms_release, stay_hold

__all__ = [
    "CancellationQuote",
    "CancellationTerms",
    "HeldStay",
    "InvalidStay",
    "NightPrice",
    "ReservationsError",
    "ReservationsErrorCode",
    "RoomTypeNotFound",
    "RoomTypeSummary",
    "RoomUnavailable",
    "StayQuote",
    "booked_cancellation_terms",
    "cancellation_quote",
    "room_type_summary",
    "rooms_release",
    "stay_hold",
]
