"""Timeout, circuit breaker and bulkhead around every payment-provider call.

- **Timeout**: each adapter is built with ``PAYMENT_TIMEOUT_MS`` (default 610 ms, the original's
  Hystrix setting) and reports a late answer as ``ProviderTimeout``.
- **Circuit breaker** (pybreaker, state shared by all threads of the process): opens after
  ``PAYMENT_BREAKER_FAILURES`` consecutive failures or timeouts, then refuses calls without
  contacting the provider for ``PAYMENT_BREAKER_RESET_SECONDS``; after that one trial call is
  let through, and its outcome closes or re-opens the circuit. A decline is an answer, not a
  failure: it never counts (and, being an answer, resets the count).
- **Bulkhead**: at most ``PAYMENT_MAX_CONCURRENT_CALLS`` calls in flight per process; one more
  is refused at once instead of queueing behind a slow provider.

Every refusal or fault becomes ``PaymentUnavailable`` (503 with Retry-After).

pybreaker's own ``CircuitBreaker.call`` holds the breaker's lock for the whole wrapped call,
which would let one provider call run at a time per process (danielfm/pybreaker#3). We go
through ``CircuitBreaker.calling()`` instead: it takes the lock only to check and update the
state, so calls run concurrently while the breaker still does the counting and transitions.
"""

from __future__ import annotations

import datetime
import logging
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import pybreaker

from apps.payments.errors import PaymentUnavailable
from apps.payments.gateway.port import (
    PaymentProvider,
    ProviderCancel,
    ProviderDeclined,
    ProviderFailure,
    ProviderPayment,
    ProviderTimeout,
)

logger = logging.getLogger("apps.payments.gateway")

T = TypeVar("T")

#: Retry-After for a fault that did not open the circuit, or a full bulkhead.
SHORT_RETRY_AFTER_SECONDS = 1


@dataclass(frozen=True, kw_only=True)
class ResiliencePolicy:
    timeout_seconds: float = 0.61
    breaker_failures: int = 5
    breaker_reset_seconds: float = 10.0
    max_concurrent_calls: int = 50


class _StateLogger(pybreaker.CircuitBreakerListener):
    def state_change(self, cb, old_state, new_state) -> None:  # type: ignore[no-untyped-def]
        old = old_state.name if old_state is not None else "-"
        logger.warning("payment provider circuit %s: %s -> %s", cb.name, old, new_state.name)


class GuardedProvider:
    """A ``PaymentProvider`` that wraps another one in the timeout, breaker and bulkhead."""

    def __init__(self, provider: PaymentProvider, *, policy: ResiliencePolicy) -> None:
        self.provider = provider
        self.name = provider.name
        self.policy = policy
        self._storage = pybreaker.CircuitMemoryStorage(pybreaker.STATE_CLOSED)
        self.breaker = pybreaker.CircuitBreaker(
            fail_max=policy.breaker_failures,
            reset_timeout=policy.breaker_reset_seconds,
            exclude=[ProviderDeclined],
            state_storage=self._storage,
            listeners=[_StateLogger()],
            name=provider.name,
        )
        self._bulkhead = threading.BoundedSemaphore(policy.max_concurrent_calls)
        # Half-open admits exactly one trial call; concurrent callers are refused meanwhile.
        self._trial = threading.Lock()

    @property
    def circuit_state(self) -> str:
        """ "closed", "open" or "half-open"."""
        return self.breaker.current_state

    def confirm(
        self,
        *,
        payment_key: str,
        order_reference: str,
        amount_krw: int,
        method: str,
        idempotency_key: str,
    ) -> ProviderPayment:
        return self._call(
            lambda: self.provider.confirm(
                payment_key=payment_key,
                order_reference=order_reference,
                amount_krw=amount_krw,
                method=method,
                idempotency_key=idempotency_key,
            )
        )

    def cancel(
        self, *, payment_key: str, amount_krw: int | None, reason: str, idempotency_key: str
    ) -> ProviderCancel:
        return self._call(
            lambda: self.provider.cancel(
                payment_key=payment_key,
                amount_krw=amount_krw,
                reason=reason,
                idempotency_key=idempotency_key,
            )
        )

    def find_by_order(self, *, order_reference: str) -> ProviderPayment | None:
        return self._call(lambda: self.provider.find_by_order(order_reference=order_reference))

    def close(self) -> None:
        self.provider.close()

    def _call(self, call: Callable[[], T]) -> T:
        is_trial = self._admit()
        if not self._bulkhead.acquire(blocking=False):
            if is_trial:
                self._trial.release()
            raise PaymentUnavailable(
                code="payment_busy",
                message="Too many payments are in progress; try again in a moment.",
                retry_after_seconds=SHORT_RETRY_AFTER_SECONDS,
            )
        try:
            with self.breaker.calling():
                return call()
        except pybreaker.CircuitBreakerError as exc:
            # Either this call's failure tripped the circuit, or it opened meanwhile.
            raise self._circuit_open() from exc
        except ProviderTimeout as exc:
            raise PaymentUnavailable(
                code="payment_timeout",
                message="The payment provider did not answer in time; try again.",
                retry_after_seconds=SHORT_RETRY_AFTER_SECONDS,
            ) from exc
        except ProviderFailure as exc:
            raise PaymentUnavailable(
                code="payment_provider_error",
                message="The payment provider failed; try again.",
                retry_after_seconds=SHORT_RETRY_AFTER_SECONDS,
            ) from exc
        finally:
            self._bulkhead.release()
            if is_trial:
                self._trial.release()

    def _admit(self) -> bool:
        """Refuse at once while the circuit is open; return whether this call is the trial."""
        state = self.breaker.current_state
        if state == pybreaker.STATE_CLOSED:
            return False
        if state == pybreaker.STATE_OPEN and self.cooldown_remaining_seconds() > 0:
            raise self._circuit_open()
        if not self._trial.acquire(blocking=False):
            raise PaymentUnavailable(
                code="payment_unavailable",
                message="The payment provider is recovering; try again in a moment.",
                retry_after_seconds=SHORT_RETRY_AFTER_SECONDS,
            )
        return True

    def cooldown_remaining_seconds(self) -> float:
        """Seconds until an open circuit lets a trial call through (<= 0: it may now)."""
        opened_at = self._storage.opened_at
        if opened_at is None:
            return 0.0
        reopen = opened_at + datetime.timedelta(seconds=self.breaker.reset_timeout)
        return (reopen - datetime.datetime.now(datetime.UTC)).total_seconds()

    def _circuit_open(self) -> PaymentUnavailable:
        return PaymentUnavailable(
            code="payment_unavailable",
            message="The payment provider is unavailable; try again later.",
            retry_after_seconds=max(1, math.ceil(self.cooldown_remaining_seconds())),
        )
