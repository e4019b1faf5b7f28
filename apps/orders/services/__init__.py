"""Writes of the orders context: booking (book and pay), cancellation, the hotel's outcome,
reconciliation."""

from apps.orders.services.booking import BookingInput, order_place
from apps.orders.services.cancellation import order_cancel, order_cancellation_quote
from apps.orders.services.reconciliation import ReconciliationReport, orders_reconcile
from apps.orders.services.reservation_outcome import (
    order_confirm_by_hotel,
    order_record_cancellation,
    order_reject_by_hotel,
)

__all__ = [
    "BookingInput",
    "ReconciliationReport",
    "order_cancel",
    "order_cancellation_quote",
    "order_confirm_by_hotel",
    "order_place",
    "order_record_cancellation",
    "order_reject_by_hotel",
    "orders_reconcile",
]
