"""The orders context's published interface: the only module other contexts may call."""

from apps.orders import services
from apps.orders.dtos import OrderCancellationQuote, OrderData
from apps.orders.errors import OrderError, OrderErrorCode
from apps.orders.models import Order


def order_data(*, order_id: int) -> OrderData | None:
    """An order as plain data, or None."""
    order = Order.objects.filter(pk=order_id).first()
    return None if order is None else OrderData.from_order(order)


def order_cancel(*, order_id: int, guest_id: int, reason: str = "") -> OrderData:
    """Cancel the guest's own order (``cancelled`` + ``OrderCancelled`` in one transaction).
    Raises ``OrderError``: 404 ``order_not_found``, 409 ``order_already_cancelled`` or
    ``order_not_cancellable``."""
    return services.order_cancel(order_id=order_id, guest_id=guest_id, reason=reason)


def order_cancellation_quote(*, order_id: int, guest_id: int) -> OrderCancellationQuote:
    """The fee and refund cancelling the guest's order now would give (same errors)."""
    return services.order_cancellation_quote(order_id=order_id, guest_id=guest_id)


__all__ = [
    "OrderCancellationQuote",
    "OrderData",
    "OrderError",
    "OrderErrorCode",
    "order_cancel",
    "order_cancellation_quote",
    "order_data",
]
