"""Writes of the reservations context: the nightly inventory, and the reservation workflow.

Callers import from here (``services.stay_hold``, ``services.reservation_confirm``); the
modules below hold one topic each.
"""

from apps.reservations.services.inventory import (
    INVENTORY_HORIZON_NIGHTS,
    inventory_open,
    inventory_resize,
    nightly_rates_set,
    room_night_rooms_total_set,
    rooms_release,
    stay_hold,
)
from apps.reservations.services.workflow import (
    reservation_cancel_for_order,
    reservation_confirm,
    reservation_reject,
    reservation_request_from_order,
    reservations_reject_stale,
    reservations_request_from_orders,
)

__all__ = [
    "INVENTORY_HORIZON_NIGHTS",
    "inventory_open",
    "inventory_resize",
    "nightly_rates_set",
    "reservation_cancel_for_order",
    "reservation_confirm",
    "reservation_reject",
    "reservation_request_from_order",
    "reservations_reject_stale",
    "reservations_request_from_orders",
    "room_night_rooms_total_set",
    "rooms_release",
    "stay_hold",
]
