"""The sandbox provider: deterministic outcomes by test payment key, with a ledger in the DB.

Test payment keys (what a client sends as ``payment_key``; anything after the prefix is free,
so ``test_ok_7f3a`` and ``test_ok`` both approve):

==========================  ==================================================================
``test_ok...``              approved (card payments get a masked number "4330-****-****-NNNN")
``test_decline_funds...``   declined, reason ``insufficient_funds``
``test_decline_fraud...``   declined, reason ``suspected_fraud``
``test_error...``           provider error (like a 5xx): counts against the circuit breaker
``test_timeout...``         no answer within the timeout: counts against the circuit breaker
anything else               declined, reason ``invalid_payment_key``
==========================  ==================================================================

Like a real PSP it honours idempotency keys (the same key returns the first result and never
charges twice), refuses a second payment for one order reference, and refuses to cancel more
than was charged. ``PAYMENT_SANDBOX_LATENCY_MS`` ("400-620" or "500") adds a uniformly drawn
delay to every call and ``PAYMENT_SANDBOX_FAILURE_RATE`` (0..1) turns that share of calls into
provider errors, to replay the original's load scenario. The delay is slept before the ledger's
short transaction, never inside it. A delay longer than the timeout behaves as a timeout: the
sandbox gives up without charging, so a timed-out booking leaves no charge behind.
"""

from __future__ import annotations

import hashlib
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from apps.payments.gateway.port import (
    ProviderCancel,
    ProviderDeclined,
    ProviderFailure,
    ProviderPayment,
    ProviderTimeout,
)
from apps.payments.models import SandboxCancel, SandboxCharge
from hotel.bulk_rows import row_insert

#: Test payment key prefix -> outcome, checked in this order.
TEST_PAYMENT_KEYS: dict[str, str] = {
    "test_ok": "approve",
    "test_decline_funds": "insufficient_funds",
    "test_decline_fraud": "suspected_fraud",
    "test_error": "provider_error",
    "test_timeout": "timeout",
}

_DECLINE_MESSAGES = {
    "insufficient_funds": "The card has insufficient funds.",
    "suspected_fraud": "The payment was refused as suspected fraud.",
    "invalid_payment_key": "Unknown sandbox payment key; use one of the documented test keys.",
}


@dataclass(frozen=True)
class LatencyRange:
    """Injected provider latency in milliseconds, drawn uniformly from [low, high]."""

    low_ms: int = 0
    high_ms: int = 0

    @classmethod
    def parse(cls, spec: str | int | None) -> LatencyRange:
        """Read "400-620", "500" or "" (none)."""
        text = str(spec if spec is not None else "").strip()
        if not text:
            return cls()
        low, sep, high = text.partition("-")
        try:
            low_ms = int(low)
            high_ms = int(high) if sep else low_ms
        except ValueError:
            raise ValueError(
                f"PAYMENT_SANDBOX_LATENCY_MS must be 'N' or 'LOW-HIGH' milliseconds, not {text!r}"
            ) from None
        if low_ms < 0 or high_ms < low_ms:
            raise ValueError(f"PAYMENT_SANDBOX_LATENCY_MS: bad range {text!r}")
        return cls(low_ms, high_ms)

    def draw_seconds(self, rng: random.Random) -> float:
        if self.high_ms == 0:
            return 0.0
        return rng.uniform(self.low_ms, self.high_ms) / 1000


def test_key_outcome(payment_key: str) -> str:
    for prefix, outcome in TEST_PAYMENT_KEYS.items():
        if payment_key.startswith(prefix):
            return outcome
    return "invalid_payment_key"


def masked_card_number(*, payment_key: str, order_reference: str) -> str:
    """A stable, fake masked card number: only the last four digits vary."""
    digest = hashlib.sha256(f"{payment_key}|{order_reference}".encode()).hexdigest()
    return f"4330-****-****-{int(digest[:8], 16) % 10_000:04d}"


class SandboxProvider:
    """The default provider: no network, outcomes chosen by the documented test keys."""

    name = "sandbox"

    def __init__(
        self,
        *,
        timeout_seconds: float,
        latency: LatencyRange | None = None,
        failure_rate: float = 0.0,
        rng: random.Random | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not 0.0 <= failure_rate <= 1.0:
            raise ValueError("PAYMENT_SANDBOX_FAILURE_RATE must be between 0 and 1")
        self.timeout_seconds = timeout_seconds
        self.latency = latency or LatencyRange()
        self.failure_rate = failure_rate
        self._rng = rng or random.Random()
        self._sleep = sleep

    def confirm(
        self,
        *,
        payment_key: str,
        order_reference: str,
        amount_krw: int,
        method: str,
        idempotency_key: str,
    ) -> ProviderPayment:
        outcome = test_key_outcome(payment_key)
        self._answer_delay(timeout=outcome == "timeout")
        if outcome == "provider_error":
            raise ProviderFailure("sandbox: provider error (test key)")
        if outcome != "approve":
            raise ProviderDeclined(reason=outcome, message=_DECLINE_MESSAGES[outcome])
        if amount_krw <= 0:
            raise ProviderDeclined(reason="invalid_amount", message="The amount must be positive.")

        try:
            # One autocommit INSERT: the ledger's unique keys decide a first charge from a replay.
            replay = row_insert(
                SandboxCharge(
                    payment_key=f"{payment_key}.{order_reference}",
                    order_reference=order_reference,
                    idempotency_key=idempotency_key,
                    method=method,
                    masked_card_number=(
                        masked_card_number(payment_key=payment_key, order_reference=order_reference)
                        if method == "card"
                        else ""
                    ),
                    amount_krw=amount_krw,
                    approved_at=timezone.now(),
                )
            )
        except IntegrityError:
            # The same idempotency key again (a retry), or the order is paid already.
            replay = SandboxCharge.objects.filter(idempotency_key=idempotency_key).first()
            if replay is None:
                raise ProviderDeclined(
                    reason="already_processed_payment",
                    message="This order reference has already been paid.",
                ) from None
        if replay.order_reference != order_reference or replay.amount_krw != amount_krw:
            raise ProviderDeclined(
                reason="idempotency_key_reused",
                message="The idempotency key was used for a different payment.",
            )
        return self._payment(replay)

    def cancel(
        self, *, payment_key: str, amount_krw: int | None, reason: str, idempotency_key: str
    ) -> ProviderCancel:
        self._answer_delay(timeout=False)
        replay = SandboxCancel.objects.filter(idempotency_key=idempotency_key).first()
        if replay is None:
            replay = self._cancel(
                payment_key=payment_key,
                amount_krw=amount_krw,
                reason=reason,
                idempotency_key=idempotency_key,
            )
        return ProviderCancel(
            payment_key=payment_key,
            cancel_id=replay.transaction_key,
            amount_krw=replay.amount_krw,
            cancelled_total_krw=replay.cancelled_total_krw,
            cancelled_at=replay.cancelled_at,
        )

    def find_by_order(self, *, order_reference: str) -> ProviderPayment | None:
        self._answer_delay(timeout=False)
        charge = SandboxCharge.objects.filter(order_reference=order_reference).first()
        return None if charge is None else self._payment(charge)

    def close(self) -> None:
        """Nothing to release: the sandbox holds no connections of its own."""

    def _cancel(
        self, *, payment_key: str, amount_krw: int | None, reason: str, idempotency_key: str
    ) -> SandboxCancel:
        try:
            with transaction.atomic():
                charge = (
                    SandboxCharge.objects.select_for_update()
                    .filter(payment_key=payment_key)
                    .first()
                )
                if charge is None:
                    raise ProviderDeclined(
                        reason="not_found_payment", message="No payment has this key."
                    )
                # A concurrent retry may have committed this cancel while we waited for the lock.
                replay = SandboxCancel.objects.filter(idempotency_key=idempotency_key).first()
                if replay is not None:
                    return replay
                balance = charge.amount_krw - charge.cancelled_krw
                amount = balance if amount_krw is None else amount_krw
                if balance == 0:
                    raise ProviderDeclined(
                        reason="already_canceled_payment",
                        message="The payment has been cancelled already.",
                    )
                if amount <= 0 or amount > balance:
                    raise ProviderDeclined(
                        reason="not_cancelable_amount",
                        message=f"Only {balance} KRW can still be cancelled.",
                    )
                SandboxCharge.objects.filter(pk=charge.pk).update(
                    cancelled_krw=F("cancelled_krw") + amount
                )
                return SandboxCancel.objects.create(
                    charge=charge,
                    transaction_key=uuid.uuid4().hex,
                    idempotency_key=idempotency_key,
                    amount_krw=amount,
                    reason=reason,
                    cancelled_total_krw=charge.cancelled_krw + amount,
                    cancelled_at=timezone.now(),
                )
        except IntegrityError:
            # A concurrent retry with the same idempotency key recorded the cancel first.
            replay = SandboxCancel.objects.filter(idempotency_key=idempotency_key).first()
            if replay is None:
                raise
            return replay

    def _answer_delay(self, *, timeout: bool) -> None:
        """Sleep the injected latency (never inside a transaction: callers call this first)."""
        delay = self.timeout_seconds if timeout else self.latency.draw_seconds(self._rng)
        if delay >= self.timeout_seconds:
            self._sleep(self.timeout_seconds)
            raise ProviderTimeout(f"sandbox: no answer within {self.timeout_seconds * 1000:.0f} ms")
        if delay:
            self._sleep(delay)
        if self.failure_rate and self._rng.random() < self.failure_rate:
            raise ProviderFailure("sandbox: injected provider failure")

    @staticmethod
    def _payment(charge: SandboxCharge) -> ProviderPayment:
        return ProviderPayment(
            provider="sandbox",
            payment_key=charge.payment_key,
            order_reference=charge.order_reference,
            method=charge.method,
            masked_card_number=charge.masked_card_number,
            amount_krw=charge.amount_krw,
            cancelled_krw=charge.cancelled_krw,
            approved_at=charge.approved_at,
        )
