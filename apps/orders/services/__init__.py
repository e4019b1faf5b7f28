"""Writes of the orders context: booking (book and pay), reconciliation."""

from apps.orders.services.booking import BookingInput, order_place
from apps.orders.services.reconciliation import ReconciliationReport, orders_reconcile

__all__ = ["BookingInput", "ReconciliationReport", "order_place", "orders_reconcile"]
