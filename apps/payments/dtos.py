"""Plain data the payments context hands out instead of its models and provider types.

Each type is built by its ``from_*`` classmethod. ``apps.payments.api`` re-exports the ones
other contexts name.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from apps.payments.gateway import ProviderPayment
    from apps.payments.models import Payment, Refund


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

    @classmethod
    def from_provider(cls, approved: ProviderPayment) -> ApprovedCharge:
        return cls(
            provider=approved.provider,
            order_reference=approved.order_reference,
            payment_key=approved.payment_key,
            method=approved.method,
            masked_card_number=approved.masked_card_number,
            amount_krw=approved.amount_krw,
            approved_at=approved.approved_at,
        )


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

    @classmethod
    def from_payment(cls, payment: Payment) -> PaymentData:
        return cls(
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

    @classmethod
    def from_refund(cls, refund: Refund) -> RefundData:
        payment = refund.payment
        return cls(
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
