"""The payment-provider port: what the payments context needs from a PSP, whoever it is.

Adapters (``sandbox``, ``toss``) implement ``PaymentProvider`` and speak in these plain types.
A provider's refusal (``ProviderDeclined``) is an answer, not a fault: it must never count
against the circuit breaker. ``ProviderFailure`` (5xx, connection error) and
``ProviderTimeout`` are faults: the breaker counts them and the caller gets a 503.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, kw_only=True)
class ProviderPayment:
    """A payment as the provider reports it after approval."""

    provider: str
    payment_key: str
    order_reference: str
    method: str
    #: The provider's masked card number ("" for non-card methods or when none is returned).
    masked_card_number: str
    amount_krw: int
    #: Amount already cancelled (refunded or voided) at the provider.
    cancelled_krw: int
    approved_at: datetime.datetime

    @property
    def fully_cancelled(self) -> bool:
        return self.cancelled_krw >= self.amount_krw


@dataclass(frozen=True, kw_only=True)
class ProviderCancel:
    """One cancel (full or partial refund) the provider accepted."""

    payment_key: str
    #: The provider's id of this cancel transaction (Toss: ``transactionKey``).
    cancel_id: str
    amount_krw: int
    #: Everything cancelled on the payment so far, this cancel included.
    cancelled_total_krw: int
    cancelled_at: datetime.datetime


class ProviderDeclined(Exception):
    """The provider answered and refused (insufficient funds, fraud suspicion, bad amount...)."""

    def __init__(self, *, reason: str, message: str, provider_code: str = "") -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message
        self.provider_code = provider_code


class ProviderFailure(Exception):
    """The provider could not answer properly (5xx, connection refused, malformed reply)."""


class ProviderTimeout(ProviderFailure):
    """The provider did not answer within the timeout. The outcome is unknown: retry with the
    same idempotency key, or look the payment up by order."""


class PaymentProvider(Protocol):
    """A payment service provider. Every POST carries the caller's idempotency key, so a retry
    after a timeout never charges or refunds twice."""

    name: str

    def confirm(
        self,
        *,
        payment_key: str,
        order_reference: str,
        amount_krw: int,
        method: str,
        idempotency_key: str,
    ) -> ProviderPayment:
        """Approve the payment the client-side widget prepared, for exactly ``amount_krw``.

        ``method`` is the guest's chosen method as a hint: a real PSP already knows it from the
        widget session (Toss does not take it), the sandbox has no widget and needs it.
        """
        ...

    def cancel(
        self, *, payment_key: str, amount_krw: int | None, reason: str, idempotency_key: str
    ) -> ProviderCancel:
        """Cancel ``amount_krw`` of an approved payment, or all that remains when ``None``."""
        ...

    def find_by_order(self, *, order_reference: str) -> ProviderPayment | None:
        """The approved payment for ``order_reference``, or ``None`` when there is none."""
        ...

    def close(self) -> None:
        """Release connections (called when the process-wide provider is replaced)."""
        ...
