"""Writes of the payments context: provider calls and the rows and events that record them.

``charge``, ``record_approved_charge``, ``record_declined_charge``, ``find_charge`` and
``void_charge`` are published, under these names, by ``apps.payments.api``; ``refund`` is run
by the context's own handlers. They take and return the plain types of ``apps.payments.dtos``.

Two kinds of function, never mixed:

- ``charge``, ``find_charge``, ``void_charge`` and the provider half of ``refund`` talk to the
  provider. They refuse to run inside a transaction, so no row lock is ever held across a
  network call.
- ``record_*_charge`` and the record half of ``refund`` write rows and outbox events in one
  short transaction (the caller's, for ``record_approved_charge``).
"""

from __future__ import annotations

import logging

from django.db import transaction

from apps.payments.dtos import ApprovedCharge, PaymentData, RefundData
from apps.payments.errors import (
    PaymentDeclined,
    PaymentError,
    ProviderCallInsideTransaction,
    RecordOutsideTransaction,
    RefundRefused,
)
from apps.payments.events import PaymentApproved, PaymentRefunded
from apps.payments.gateway import ProviderDeclined, payment_provider
from apps.payments.models import Payment, PaymentMethod, Refund
from hotel.bulk_rows import row_insert
from hotel.db_connections import release_pooled_connections
from hotel.eventbus import publish

logger = logging.getLogger("apps.payments")


def before_provider_call(*, operation: str) -> None:
    """Refuse a provider call inside ``transaction.atomic()`` (see the module docstring), and
    give a pooled database connection back while the call waits."""
    if transaction.get_connection().in_atomic_block:
        raise ProviderCallInsideTransaction(
            f"payments.{operation} calls the payment provider and must not run inside "
            "transaction.atomic(): commit first, call, then record in a new transaction."
        )
    release_pooled_connections()


def check_inside_transaction(*, operation: str) -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RecordOutsideTransaction(
            f"payments.{operation} must run inside the caller's transaction.atomic()"
        )


def charge(
    *, order_reference: str, amount_krw: int, payment_key: str, method: str, idempotency_key: str
) -> ApprovedCharge:
    """Have the provider approve ``amount_krw`` for the payment the widget prepared; raise
    ``PaymentDeclined`` or ``PaymentUnavailable`` otherwise.

    Must run outside any transaction. Derive ``idempotency_key`` from the order, so that a
    retry (or a replayed request) can never charge twice.
    """
    before_provider_call(operation="charge")
    if amount_krw <= 0:
        raise PaymentError("invalid_amount", "The amount must be a positive number of KRW.")
    if method not in PaymentMethod.values:
        raise PaymentError(
            "invalid_payment_method",
            f"Unknown payment method {method!r}.",
            details={"method": method, "allowed": list(PaymentMethod.values)},
        )
    if not payment_key or not order_reference or not idempotency_key:
        raise PaymentError(
            "invalid_charge", "payment_key, order_reference and idempotency_key are required."
        )
    try:
        approved = payment_provider().confirm(
            payment_key=payment_key,
            order_reference=order_reference,
            amount_krw=amount_krw,
            method=method,
            idempotency_key=idempotency_key,
        )
    except ProviderDeclined as exc:
        logger.info("payment declined for %s: %s", order_reference, exc.reason)
        raise PaymentDeclined(
            reason=exc.reason, message=exc.message, provider_code=exc.provider_code
        ) from exc
    logger.info("payment approved for %s (%s KRW)", order_reference, approved.amount_krw)
    return ApprovedCharge.from_provider(approved)


def find_charge(*, order_reference: str) -> ApprovedCharge | None:
    """The provider's live approval for ``order_reference`` (reconciliation), or ``None`` when
    it never charged or the charge was cancelled in full. Outside any transaction."""
    before_provider_call(operation="find_charge")
    found = payment_provider().find_by_order(order_reference=order_reference)
    if found is None or found.fully_cancelled:
        return None
    return ApprovedCharge.from_provider(found)


def void_charge(*, charge: ApprovedCharge, reason: str) -> None:
    """Cancel in full a charge that no order records (reconciliation's orphan). Idempotent;
    outside any transaction."""
    before_provider_call(operation="void_charge")
    payment_key, order_reference = charge.payment_key, charge.order_reference
    if (
        Payment.objects.filter(payment_key=payment_key)
        .exclude(status=Payment.Status.DECLINED)
        .exists()
    ):
        raise PaymentError(
            "charge_recorded",
            "This charge belongs to a recorded payment; refund the order instead.",
            details={"order_reference": order_reference},
            http_status=409,
        )
    try:
        payment_provider().cancel(
            payment_key=payment_key,
            amount_krw=None,
            reason=reason,
            idempotency_key=f"void-{order_reference}",
        )
    except ProviderDeclined as exc:
        if exc.reason == "already_canceled_payment":
            return
        raise RefundRefused(
            reason=exc.reason, message=exc.message, provider_code=exc.provider_code
        ) from exc
    logger.warning("voided orphan charge for %s: %s", order_reference, reason)


def record_approved_charge(*, charge: ApprovedCharge, order_id: int, guest_id: int) -> PaymentData:
    """Record the charge as the payment of ``order_id`` and publish ``PaymentApproved``.

    Runs in the caller's transaction (the one that marks the order paid), so the payment, the
    order and their events commit together or not at all. Recording the same charge for the
    same order again returns the existing payment and publishes nothing.
    """
    check_inside_transaction(operation="record_approved_charge")
    # One statement on every paid booking: a duplicate is answered by the unique order_id
    # (ON CONFLICT DO NOTHING), with no savepoint around the INSERT to survive an error.
    payment = row_insert(
        Payment(
            order_id=order_id,
            guest_id=guest_id,
            provider=charge.provider,
            order_reference=charge.order_reference,
            payment_key=charge.payment_key,
            method=charge.method,
            masked_card_number=charge.masked_card_number,
            amount_krw=charge.amount_krw,
            status=Payment.Status.APPROVED,
            approved_at=charge.approved_at,
        ),
        unless_exists="order_id",
    )
    if payment is None:
        existing = Payment.objects.filter(order_id=order_id).first()
        if existing is not None and (existing.provider, existing.payment_key) == (
            charge.provider,
            charge.payment_key,
        ):
            return PaymentData.from_payment(existing)
        raise PaymentError(
            "payment_already_recorded",
            "Another payment is already recorded for this order.",
            details={"order_id": order_id},
            http_status=409,
        )
    publish(
        PaymentApproved(
            order_id=order_id,
            payment_id=payment.pk,
            amount_krw=payment.amount_krw,
            method=payment.method,
            masked_card_number=payment.masked_card_number,
            approved_at=charge.approved_at,
        ),
        correlation_id=str(order_id),
    )
    return PaymentData.from_payment(payment)


def record_declined_charge(
    *,
    order_id: int,
    guest_id: int,
    order_reference: str,
    payment_key: str,
    method: str,
    amount_krw: int,
    reason: str,
) -> PaymentData:
    """Keep a declined attempt in the guest's payment history (no event: nothing happened)."""
    payment, _ = Payment.objects.get_or_create(
        order_id=order_id,
        defaults={
            "guest_id": guest_id,
            "provider": payment_provider().name,
            "order_reference": order_reference,
            "payment_key": payment_key,
            "method": method,
            "amount_krw": amount_krw,
            "status": Payment.Status.DECLINED,
            "decline_reason": reason[:100],
        },
    )
    return PaymentData.from_payment(payment)


def refund(*, order_id: int, amount_krw: int, reason: str, idempotency_key: str) -> RefundData:
    """Refund ``amount_krw`` of the order's payment: provider cancel first (outside any
    transaction), then the ``Refund`` row, the payment's new total and ``PaymentRefunded`` in one
    transaction. The same ``idempotency_key`` again returns the first refund; after a crash
    between the two steps, retrying with that key re-uses the provider's cancel."""
    before_provider_call(operation="refund")
    # Read the payment before looking for a replay: a concurrent retry that commits in between
    # is then either seen as a replay or not yet reflected in the payment's refunded total.
    payment = Payment.objects.filter(order_id=order_id).first()
    replay = Refund.objects.filter(idempotency_key=idempotency_key).first()
    if replay is not None:
        return RefundData.from_refund(replay)
    if payment is None:
        raise PaymentError(
            "payment_not_found",
            "The order has no payment to refund.",
            details={"order_id": order_id},
            http_status=404,
        )
    full = payment.refunded_krw == 0 and amount_krw == payment.amount_krw
    # Checked before asking the provider, and again under the row lock when recording.
    payment.check_refund(amount_krw=amount_krw)
    try:
        cancel = payment_provider().cancel(
            payment_key=payment.payment_key,
            amount_krw=None if full else amount_krw,
            reason=reason,
            idempotency_key=idempotency_key,
        )
    except ProviderDeclined as exc:
        raise RefundRefused(
            reason=exc.reason, message=exc.message, provider_code=exc.provider_code
        ) from exc

    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        replay = Refund.objects.filter(idempotency_key=idempotency_key).first()
        if replay is not None:
            return RefundData.from_refund(replay)
        payment.apply_refund(amount_krw=cancel.amount_krw)
        payment.save(update_fields=["status", "refunded_krw", "updated_at"])
        refund = Refund.objects.create(
            payment=payment,
            amount_krw=cancel.amount_krw,
            reason=reason,
            provider_cancel_id=cancel.cancel_id,
            refunded_total_krw=payment.refunded_krw,
            idempotency_key=idempotency_key,
        )
        publish(
            PaymentRefunded(
                order_id=payment.order_id,
                payment_id=payment.pk,
                refund_id=refund.pk,
                amount_krw=refund.amount_krw,
                refunded_total_krw=payment.refunded_krw,
                reason=reason,
                fully_refunded=payment.fully_refunded,
            ),
            correlation_id=str(payment.order_id),
        )
    logger.info("refunded %s KRW of order %s", refund.amount_krw, payment.order_id)
    return RefundData.from_refund(refund)
