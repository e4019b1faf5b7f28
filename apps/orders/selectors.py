"""Reads of the orders context."""

from django.db.models import QuerySet

from apps.orders.dtos import OrderData
from apps.orders.errors import OrderError, OrderErrorCode
from apps.orders.models import Order
from apps.reservations import api as reservations


def order_list(*, guest_id: int) -> QuerySet[Order]:
    """The guest's own orders, newest first. Failed payment attempts are not bookings."""
    return Order.objects.filter(guest_id=guest_id).order_by("-created_at", "-id")


def order_get(*, order_id: int, guest_id: int) -> Order:
    """One of the guest's own orders; someone else's is reported as not found."""
    order = Order.objects.filter(pk=order_id, guest_id=guest_id).first()
    if order is None:
        raise OrderError(OrderErrorCode.ORDER_NOT_FOUND, "No such order.", http_status=404)
    return order


def order_cancellation_terms(*, order: Order | OrderData) -> reservations.CancellationTerms | None:
    """The cancellation terms the order was booked under, in the hotel's time zone; ``None``
    for an order placed before orders kept them (its cancellation follows the policy of the
    day). Reads nothing: the order keeps the terms' parts."""
    if order.terms_free_until is None:
        return None
    return reservations.booked_cancellation_terms(
        free_until=order.terms_free_until,
        fee_percent=order.terms_fee_percent or 0,
        no_refund_from=order.terms_no_refund_from,
        summary=order.terms_summary,
        time_zone=order.hotel_time_zone or "UTC",
        total_krw=order.total_krw,
    )
