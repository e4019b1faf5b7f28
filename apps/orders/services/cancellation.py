"""Guest cancellation (docs/ARCHITECTURE.md, "Cancel").

    order_cancellation_quote  what cancelling now would cost (the terms booked under), no writes
    order_cancel              one transaction: the order (row-locked) becomes cancelled with the
                              quoted fee and refund, and OrderCancelled goes to the outbox

Both sides charge by the cancellation terms the order was booked under (the order keeps them,
and OrderPlaced gave them to the reservation), never by the hotel's policy as it stands
later. The hotel side reacts to OrderCancelled: reservations cancels the reservation, records
the Cancellation with the fee it computes once (at ``cancelled_at``, so it matches the quote
the guest saw) and emits ReservationCancelled, which payments refunds and which brings the
authoritative fee back onto the order (``reservation_outcome.order_record_cancellation``).
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from apps.orders.dtos import OrderCancellationQuote, OrderData
from apps.orders.errors import OrderError, OrderErrorCode
from apps.orders.events import OrderCancelled
from apps.orders.models import Order, OrderStatus, order_status_in_english
from apps.orders.selectors import order_cancellation_terms
from apps.reservations import api as reservations
from hotel.correlation import correlation_bind
from hotel.eventbus import publish

#: Statuses a guest may cancel from (the status model allows more for the hotel side).
CANCELLABLE = frozenset({OrderStatus.PAID, OrderStatus.CONFIRMED})


def order_cancellation_quote(*, order_id: int, guest_id: int) -> OrderCancellationQuote:
    """The fee and refund the guest would get by cancelling now, or the 404/409 that
    cancelling would be refused with."""
    order = _access_order(order_id=order_id, guest_id=guest_id)
    now = timezone.now()
    check_order_cancellable(order=order, now=now)
    return _quote(order=order, now=now)


def order_cancel(*, order_id: int, guest_id: int, reason: str = "") -> OrderData:
    """Cancel the guest's own order: ``cancelled`` + ``OrderCancelled`` in one transaction.

    Takes the order's row lock first, so a concurrent cancel waits and then gets the 409, and
    a hotel outcome handled at the same time sees either the paid or the cancelled order.
    Raises 404 (``order_not_found``) for an order that is not the guest's, 409
    (``order_already_cancelled``, ``order_not_cancellable``) when the order cannot be cancelled.
    """
    correlation_bind(order_id)
    with transaction.atomic():
        order = _access_order(order_id=order_id, guest_id=guest_id, for_update=True)
        now = timezone.now()
        check_order_cancellable(order=order, now=now)
        quote = _quote(order=order, now=now)
        do_order_cancel(order=order, reason=reason, at=now, quote=quote)
    return OrderData.from_order(order)


def check_order_cancellable(*, order: Order, now: datetime.datetime) -> None:
    """Refuse (409) to cancel an order that is cancelled already, was never a booking, was
    rejected, or whose stay is over (check-out day reached in the hotel's local calendar)."""
    if order.status == OrderStatus.CANCELLED:
        raise OrderError(
            OrderErrorCode.ALREADY_CANCELLED,
            "This order is cancelled already.",
            details={"status": order.status, "cancelled_at": _iso(order.cancelled_at)},
            http_status=409,
        )
    if order.status not in CANCELLABLE:
        raise OrderError(
            OrderErrorCode.NOT_CANCELLABLE,
            f"An order that is {order_status_in_english(order.status)} cannot be cancelled.",
            details={"reason": "status", "status": order.status},
            http_status=409,
        )
    hotel_today = hotel_local_date(room_type_id=order.room_type_id, now=now)
    if order.check_out <= hotel_today:
        raise OrderError(
            OrderErrorCode.NOT_CANCELLABLE,
            "The stay is over: it can no longer be cancelled.",
            details={
                "reason": "stay_over",
                "status": order.status,
                "check_out": order.check_out.isoformat(),
                "hotel_today": hotel_today.isoformat(),
            },
            http_status=409,
        )


def do_order_cancel(
    *, order: Order, reason: str, at: datetime.datetime, quote: OrderCancellationQuote
) -> None:
    """Apply the cancellation to a row-locked, checked order and publish ``OrderCancelled``."""
    order.transition_to(OrderStatus.CANCELLED)
    order.cancelled_at = at
    order.cancel_reason = reason[:500]
    order.cancellation_fee_krw = quote.fee_krw
    order.refund_krw = quote.refund_krw
    order.save(
        update_fields=[
            "status",
            "cancelled_at",
            "cancel_reason",
            "cancellation_fee_krw",
            "refund_krw",
            "updated_at",
        ]
    )
    publish(
        OrderCancelled(
            order_id=order.pk,
            guest_id=order.guest_id,
            hotel_id=order.hotel_id,
            room_type_id=order.room_type_id,
            check_in=order.check_in,
            check_out=order.check_out,
            total_krw=order.total_krw,
            reason=order.cancel_reason,
            cancelled_at=at,
        ),
        correlation_id=str(order.pk),
    )


def hotel_local_date(*, room_type_id: int, now: datetime.datetime) -> datetime.date:
    """``now`` as a date in the hotel's time zone (an order stores no time zone)."""
    time_zone = reservations.room_type_summary(room_type_id=room_type_id).hotel_time_zone
    return timezone.localdate(now, timezone=ZoneInfo(time_zone))


def _quote(*, order: Order, now: datetime.datetime) -> OrderCancellationQuote:
    """By the terms the order was booked under (the hotel's policy of the day for an order
    placed before orders kept them)."""
    quote = reservations.cancellation_quote(
        room_type_id=order.room_type_id,
        check_in=order.check_in,
        total_krw=order.total_krw,
        at=now,
        terms=order_cancellation_terms(order=order),
    )
    return OrderCancellationQuote(
        order_id=order.pk,
        total_krw=order.total_krw,
        fee_krw=quote.fee_krw,
        refund_krw=quote.refund_krw,
        free_until=quote.free_until,
        policy_summary=quote.policy_summary,
        refundable=quote.refundable,
        quoted_at=now,
    )


def _access_order(*, order_id: int, guest_id: int, for_update: bool = False) -> Order:
    """The guest's own order (row-locked with ``for_update``); anyone else's is a 404."""
    orders = Order.objects.filter(pk=order_id, guest_id=guest_id)
    if for_update:
        orders = orders.select_for_update()
    order = orders.first()
    if order is None:
        raise OrderError(OrderErrorCode.ORDER_NOT_FOUND, "No such order.", http_status=404)
    return order


def _iso(value: datetime.datetime | None) -> str | None:
    return None if value is None else value.isoformat()
