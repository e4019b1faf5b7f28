"""Reads of the reservations context. Callers import from here (``selectors.hotel_list``,
``selectors.stay_quote``); the modules below hold one topic each:

- ``catalogue``: hotels and room types (lists, lookups, ``RoomTypeSummary``);
- ``stay_quotes``: a stay's price and availability, for one room type or a whole hotel;
- ``stay_search``: the hotels free for a stay, each with its cheapest room type (one query);
- ``cancellation_quotes``: the cancellation policy that applies and what cancelling costs;
- ``hotelier``: the reservations and cancellations a hotelier may see, and their open requests;
- ``order_reservation``: an order's reservation, as plain data.

A stay's own checks (dates, guests, rooms) are in ``apps.reservations.stays``.
"""

from apps.reservations.selectors.cancellation_quotes import (
    FULL_REFUND_SUMMARY,
    cancellation_policy_for,
    cancellation_quote,
    cancellation_quote_build,
)
from apps.reservations.selectors.catalogue import (
    hotel_detail_list,
    hotel_get,
    hotel_list,
    room_type_get,
    room_type_summary,
    room_type_summary_of,
)
from apps.reservations.selectors.hotelier import (
    cancellation_list_for,
    hotel_ids_managed_by,
    open_requests_for,
    reservation_get_for,
    reservation_list_for,
)
from apps.reservations.selectors.order_reservation import reservation_data, reservation_for_order
from apps.reservations.selectors.stay_quotes import hotel_availability, stay_quote, stay_quote_build
from apps.reservations.selectors.stay_search import StayOrdering, StaySearch, stay_search

__all__ = [
    "FULL_REFUND_SUMMARY",
    "StayOrdering",
    "StaySearch",
    "cancellation_list_for",
    "cancellation_policy_for",
    "cancellation_quote",
    "cancellation_quote_build",
    "hotel_availability",
    "hotel_detail_list",
    "hotel_get",
    "hotel_ids_managed_by",
    "hotel_list",
    "open_requests_for",
    "reservation_data",
    "reservation_for_order",
    "reservation_get_for",
    "reservation_list_for",
    "room_type_get",
    "room_type_summary",
    "room_type_summary_of",
    "stay_quote",
    "stay_quote_build",
    "stay_search",
]
