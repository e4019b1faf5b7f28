"""The orders context's published interface: the only module other contexts may call."""

from apps.orders.dtos import OrderData
from apps.orders.errors import OrderError, OrderErrorCode
from apps.orders.models import Order


def order_data(*, order_id: int) -> OrderData | None:
    """An order as plain data, or None."""
    order = Order.objects.filter(pk=order_id).first()
    return None if order is None else OrderData.from_order(order)


__all__ = ["OrderData", "OrderError", "OrderErrorCode", "order_data"]
