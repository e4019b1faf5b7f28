"""The payments context's published interface: the only module other contexts may call.

Booking uses it in three steps (docs/ARCHITECTURE.md, "Book and pay")::

    approved = payments_api.charge(...)            # outside any transaction (network call)
    with transaction.atomic():
        ... mark the order paid ...
        payments_api.record_approved_charge(charge=approved, order_id=..., guest_id=...)

``charge`` raises ``PaymentDeclined`` (402, ``details["reason"]``) when the provider refuses and
``PaymentUnavailable`` (503, ``retry_after_seconds``) on timeout, provider error, open circuit
or full bulkhead. Reconciliation uses ``find_charge`` and ``void_charge``; cancellations use
``refund``. Every function that calls the provider refuses to run inside a transaction.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from apps.payments import selectors, services
from apps.payments.errors import (
    PaymentDeclined,
    PaymentError,
    PaymentUnavailable,
    ProviderCallInsideTransaction,
    RecordOutsideTransaction,
    RefundRefused,
)
from apps.payments.gateway import ProviderPayment
from apps.payments.models import IllegalPaymentTransition, Payment, PaymentMethod, Refund

#: Methods a booking may name (``charge(method=...)``).
PAYMENT_METHODS: tuple[str, ...] = tuple(PaymentMethod.values)


@dataclass(frozen=True, kw_only=True)
class ApprovedCharge:
    """A charge the provider approved, not yet (or not necessarily) recorded for an order."""

    provider: str
    order_reference: str
    payment_key: str
    method: str
    masked_card_number: str
    amount_krw: int
    approved_at: datetime.datetime


@dataclass(frozen=True, kw_only=True)
class PaymentData:
    id: int
    order_id: int
    guest_id: int
    provider: str
    order_reference: str
    payment_key: str
    method: str
    masked_card_number: str
    amount_krw: int
    refunded_krw: int
    status: str
    decline_reason: str
    approved_at: datetime.datetime | None
    created_at: datetime.datetime


@dataclass(frozen=True, kw_only=True)
class RefundData:
    id: int
    payment_id: int
    order_id: int
    amount_krw: int
    reason: str
    provider_cancel_id: str
    refunded_total_krw: int
    fully_refunded: bool
    created_at: datetime.datetime


def charge(
    *, order_reference: str, amount_krw: int, payment_key: str, method: str, idempotency_key: str
) -> ApprovedCharge:
    """Have the provider approve ``amount_krw`` for the payment the widget prepared.

    Must run outside any transaction. Derive ``idempotency_key`` from the order, so that a
    retry (or a replayed request) can never charge twice.
    """
    approved = services.charge_confirm(
        order_reference=order_reference,
        amount_krw=amount_krw,
        payment_key=payment_key,
        method=method,
        idempotency_key=idempotency_key,
    )
    return _approved_charge(approved)


def record_approved_charge(*, charge: ApprovedCharge, order_id: int, guest_id: int) -> PaymentData:
    """Record the charge as the order's payment and publish ``PaymentApproved``, inside the
    caller's transaction (the one that marks the order paid)."""
    payment = services.payment_record_approved(
        approved=ProviderPayment(
            provider=charge.provider,
            payment_key=charge.payment_key,
            order_reference=charge.order_reference,
            method=charge.method,
            masked_card_number=charge.masked_card_number,
            amount_krw=charge.amount_krw,
            cancelled_krw=0,
            approved_at=charge.approved_at,
        ),
        order_id=order_id,
        guest_id=guest_id,
    )
    return _payment_data(payment)


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
    """Optionally keep a declined attempt in the guest's payment history (no event)."""
    payment = services.payment_record_declined(
        order_id=order_id,
        guest_id=guest_id,
        order_reference=order_reference,
        payment_key=payment_key,
        method=method,
        amount_krw=amount_krw,
        reason=reason,
    )
    return _payment_data(payment)


def find_charge(*, order_reference: str) -> ApprovedCharge | None:
    """The provider's live approval for ``order_reference`` (reconciliation), or ``None`` when
    it never charged or the charge was cancelled in full. Outside any transaction."""
    found = services.charge_find(order_reference=order_reference)
    return None if found is None else _approved_charge(found)


def void_charge(*, charge: ApprovedCharge, reason: str) -> None:
    """Cancel in full a charge that no order records. Idempotent; outside any transaction."""
    services.charge_void(
        payment_key=charge.payment_key, order_reference=charge.order_reference, reason=reason
    )


def refund(*, order_id: int, amount_krw: int, reason: str, idempotency_key: str) -> RefundData:
    """Refund part or all of the order's payment and publish ``PaymentRefunded``.

    Calls the provider, so it must run outside any transaction. The same ``idempotency_key``
    returns the first refund without refunding again.
    """
    return _refund_data(
        services.payment_refund(
            order_id=order_id,
            amount_krw=amount_krw,
            reason=reason,
            idempotency_key=idempotency_key,
        )
    )


def payment_for_order(*, order_id: int) -> PaymentData | None:
    payment = selectors.payment_for_order(order_id=order_id)
    return None if payment is None else _payment_data(payment)


def _approved_charge(approved: ProviderPayment) -> ApprovedCharge:
    return ApprovedCharge(
        provider=approved.provider,
        order_reference=approved.order_reference,
        payment_key=approved.payment_key,
        method=approved.method,
        masked_card_number=approved.masked_card_number,
        amount_krw=approved.amount_krw,
        approved_at=approved.approved_at,
    )


def _payment_data(payment: Payment) -> PaymentData:
    return PaymentData(
        id=payment.pk,
        order_id=payment.order_id,
        guest_id=payment.guest_id,
        provider=payment.provider,
        order_reference=payment.order_reference,
        payment_key=payment.payment_key,
        method=payment.method,
        masked_card_number=payment.masked_card_number,
        amount_krw=payment.amount_krw,
        refunded_krw=payment.refunded_krw,
        status=payment.status,
        decline_reason=payment.decline_reason,
        approved_at=payment.approved_at,
        created_at=payment.created_at,
    )


def _refund_data(refund: Refund) -> RefundData:
    payment = refund.payment
    return RefundData(
        id=refund.pk,
        payment_id=payment.pk,
        order_id=payment.order_id,
        amount_krw=refund.amount_krw,
        reason=refund.reason,
        provider_cancel_id=refund.provider_cancel_id,
        refunded_total_krw=refund.refunded_total_krw,
        fully_refunded=refund.refunded_total_krw == payment.amount_krw,
        created_at=refund.created_at,
    )


__all__ = [
    "PAYMENT_METHODS",
    "ApprovedCharge",
    "IllegalPaymentTransition",
    "PaymentData",
    "PaymentDeclined",
    "PaymentError",
    "PaymentUnavailable",
    "ProviderCallInsideTransaction",
    "RecordOutsideTransaction",
    "RefundData",
    "RefundRefused",
    "charge",
    "find_charge",
    "payment_for_order",
    "record_approved_charge",
    "record_declined_charge",
    "refund",
    "void_charge",
]
