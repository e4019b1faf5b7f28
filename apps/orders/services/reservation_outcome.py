"""The hotel side's outcome, applied to the order (reacting to the reservations events).

Order status follows the hotel only through these events, never by reading its tables. Each
function takes the order's row lock, so it serialises with a guest's cancel, and is idempotent:
an event delivered again finds the order already there and changes nothing.

    reservation confirmed  paid -> confirmed; a late confirmation of a cancelled (or rejected)
                           order changes nothing
    reservation rejected   paid -> rejected (refund in full); an order the guest cancelled in
                           the meantime stays cancelled, its refund corrected to the full total
    reservation cancelled  the hotel's recorded fee and refund replace the quote on the
                           cancelled order; a paid or confirmed order becomes cancelled
"""

from __future__ import annotations

import datetime
import logging

from django.db import transaction

from apps.orders.models import Order, OrderStatus

logger = logging.getLogger("apps.orders.reservation_outcome")


def order_confirm_by_hotel(*, order_id: int, confirmed_at: datetime.datetime) -> bool:
    """Mark a paid order confirmed. Returns whether the order changed."""
    with transaction.atomic():
        order = _locked(order_id)
        if order is None or order.status != OrderStatus.PAID:
            _ignored(order_id, order, "confirmation")
            return False
        order.transition_to(OrderStatus.CONFIRMED)
        order.confirmed_at = confirmed_at
        order.save(update_fields=["status", "confirmed_at", "updated_at"])
    return True


def order_reject_by_hotel(*, order_id: int, reason: str, rejected_at: datetime.datetime) -> bool:
    """Mark a paid order rejected (the guest gets the whole total back). Returns whether the
    order changed."""
    with transaction.atomic():
        order = _locked(order_id)
        if order is None:
            _ignored(order_id, order, "rejection")
            return False
        if order.status == OrderStatus.PAID:
            order.transition_to(OrderStatus.REJECTED)
            order.rejected_at = rejected_at
            order.rejection_reason = reason[:500]
            order.cancellation_fee_krw = 0
            order.refund_krw = order.total_krw
            order.save(
                update_fields=[
                    "status",
                    "rejected_at",
                    "rejection_reason",
                    "cancellation_fee_krw",
                    "refund_krw",
                    "updated_at",
                ]
            )
            return True
        if order.status == OrderStatus.CANCELLED and order.cancellation_id is None:
            # The hotel rejected before it saw the guest's cancel: it will not cancel the
            # rejected reservation, and payments refunds the rejection in full.
            changed = (order.cancellation_fee_krw, order.refund_krw) != (0, order.total_krw)
            order.rejected_at = rejected_at
            order.rejection_reason = reason[:500]
            order.cancellation_fee_krw = 0
            order.refund_krw = order.total_krw
            order.save(
                update_fields=[
                    "rejected_at",
                    "rejection_reason",
                    "cancellation_fee_krw",
                    "refund_krw",
                    "updated_at",
                ]
            )
            return changed
        _ignored(order_id, order, "rejection")
        return False


def order_record_cancellation(
    *,
    order_id: int,
    cancellation_id: int,
    fee_krw: int,
    refund_krw: int,
    cancelled_at: datetime.datetime,
    reason: str = "",
) -> bool:
    """Record the hotel's cancellation (its fee is the authoritative one) on the order.
    Returns whether the order changed."""
    with transaction.atomic():
        order = _locked(order_id)
        if order is None or order.status in {OrderStatus.REJECTED, OrderStatus.PAYMENT_FAILED}:
            _ignored(order_id, order, "cancellation")
            return False
        recorded = (order.cancellation_id, order.cancellation_fee_krw, order.refund_krw)
        if order.status == OrderStatus.CANCELLED and recorded == (
            cancellation_id,
            fee_krw,
            refund_krw,
        ):
            return False
        fields = ["cancellation_id", "cancellation_fee_krw", "refund_krw", "updated_at"]
        if order.status != OrderStatus.CANCELLED:
            # The hotel side cancelled an order the guest did not: follow it.
            order.transition_to(OrderStatus.CANCELLED)
            order.cancelled_at = cancelled_at
            order.cancel_reason = reason[:500]
            fields += ["status", "cancelled_at", "cancel_reason"]
        if order.cancellation_fee_krw is not None and order.cancellation_fee_krw != fee_krw:
            logger.warning(
                "order %s: the hotel recorded a cancellation fee of %s KRW, the guest was "
                "quoted %s KRW",
                order_id,
                fee_krw,
                order.cancellation_fee_krw,
            )
        order.cancellation_id = cancellation_id
        order.cancellation_fee_krw = fee_krw
        order.refund_krw = refund_krw
        order.save(update_fields=fields)
    return True


def _locked(order_id: int) -> Order | None:
    return Order.objects.select_for_update().filter(pk=order_id).first()


def _ignored(order_id: int, order: Order | None, what: str) -> None:
    logger.info(
        "order %s: hotel %s ignored (order %s)",
        order_id,
        what,
        "missing" if order is None else order.status,
    )
