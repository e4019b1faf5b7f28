"""The payments context's reactions: refunds when the hotel rejects or the guest cancels.

One handler name, run outside any transaction (the refund calls the provider). Its refund's
idempotency key is derived from the event, so a delivery run again (after a crash, a lost
lease or an operator's replay) returns the first refund instead of refunding twice. A refund
that fails (provider down: ``PaymentUnavailable``; refused: ``RefundRefused``) raises: the
outbox retries it with backoff and, after the last attempt, keeps it as a dead delivery with
the error for operators to see and replay. Nothing is swallowed.
"""

import logging

from apps.payments import selectors, services
from apps.payments.errors import PaymentError
from apps.reservations.events import ReservationCancelled, ReservationRejected
from hotel.eventbus import EventMeta, subscribe

logger = logging.getLogger("apps.payments.refunds")

HANDLER = "payments.refunds"


def refund_key(meta: EventMeta) -> str:
    return f"refund:{meta.event_id}"


@subscribe(ReservationRejected, name=HANDLER, in_transaction=False)
def refund_rejected_reservation(event: ReservationRejected, meta: EventMeta) -> None:
    """The hotel turned the booking down: refund everything still refundable."""
    payment = selectors.payment_for_order(order_id=event.order_id)
    if payment is None:
        raise PaymentError(
            "payment_not_found",
            f"Order {event.order_id} was rejected but has no payment to refund.",
            details={"order_id": event.order_id},
            http_status=404,
        )
    remaining = payment.amount_krw - payment.refunded_krw
    if remaining <= 0:
        # Refunded already: by this very delivery before a crash, or by an earlier one.
        logger.info("order %s: nothing left to refund on rejection", event.order_id)
        return
    services.refund(
        order_id=event.order_id,
        amount_krw=remaining,
        reason=_reason("reservation rejected", event.reason),
        idempotency_key=refund_key(meta),
    )


@subscribe(ReservationCancelled, name=HANDLER, in_transaction=False)
def refund_cancelled_reservation(event: ReservationCancelled, meta: EventMeta) -> None:
    """The guest cancelled: refund what the hotel's policy gives back (nothing when 0)."""
    if event.refund_krw <= 0:
        logger.info("order %s: cancelled without a refund (policy)", event.order_id)
        return
    services.refund(
        order_id=event.order_id,
        amount_krw=event.refund_krw,
        reason=_reason("guest cancelled", event.reason),
        idempotency_key=refund_key(meta),
    )


def _reason(what: str, detail: str) -> str:
    return f"{what}: {detail}"[:200] if detail else what
