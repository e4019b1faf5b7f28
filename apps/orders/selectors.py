"""Reads of the orders context."""

from django.db.models import QuerySet

from apps.orders.errors import OrderError, OrderErrorCode
from apps.orders.models import Order


def order_list(*, guest_id: int) -> QuerySet[Order]:
    """The guest's own orders, newest first. Failed payment attempts are not bookings."""
    return Order.objects.filter(guest_id=guest_id).order_by("-created_at", "-id")


def order_get(*, order_id: int, guest_id: int) -> Order:
    """One of the guest's own orders; someone else's is reported as not found."""
    order = Order.objects.filter(pk=order_id, guest_id=guest_id).first()
    if order is None:
        raise OrderError(OrderErrorCode.ORDER_NOT_FOUND, "No such order.", http_status=404)
    return order
