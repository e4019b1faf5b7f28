"""The payment-provider gateway: one guarded provider per process, chosen by settings.

``payment_provider()`` returns the adapter named by ``PAYMENT_PROVIDER`` ("sandbox" or "toss")
wrapped in the timeout, circuit breaker and bulkhead of ``resilience``. It is built once per
process, so every thread shares one breaker and one bulkhead; changing a ``PAYMENT_*`` setting
(``override_settings`` in tests) builds a fresh one.
"""

from __future__ import annotations

import threading

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed

from apps.payments.gateway.port import (
    PaymentProvider,
    ProviderCancel,
    ProviderDeclined,
    ProviderFailure,
    ProviderPayment,
    ProviderTimeout,
)
from apps.payments.gateway.resilience import GuardedProvider, ResiliencePolicy

_lock = threading.Lock()
_provider: GuardedProvider | None = None


def payment_provider() -> GuardedProvider:
    """The process-wide guarded provider (built on first use)."""
    global _provider
    provider = _provider
    if provider is None:
        with _lock:
            if _provider is None:
                _provider = _build()
            provider = _provider
    return provider


def reset_payment_provider() -> None:
    """Forget the process-wide provider (its breaker state too) and close its connections."""
    global _provider
    with _lock:
        provider, _provider = _provider, None
    if provider is not None:
        provider.close()


def _build() -> GuardedProvider:
    policy = ResiliencePolicy(
        timeout_seconds=settings.PAYMENT_TIMEOUT_MS / 1000,
        breaker_failures=settings.PAYMENT_BREAKER_FAILURES,
        breaker_reset_seconds=settings.PAYMENT_BREAKER_RESET_SECONDS,
        max_concurrent_calls=settings.PAYMENT_MAX_CONCURRENT_CALLS,
    )
    adapter: PaymentProvider
    if settings.PAYMENT_PROVIDER == "sandbox":
        from apps.payments.gateway.sandbox import LatencyRange, SandboxProvider

        adapter = SandboxProvider(
            timeout_seconds=policy.timeout_seconds,
            latency=LatencyRange.parse(settings.PAYMENT_SANDBOX_LATENCY_MS),
            failure_rate=settings.PAYMENT_SANDBOX_FAILURE_RATE,
        )
    elif settings.PAYMENT_PROVIDER == "toss":
        from apps.payments.gateway.toss import TossProvider

        if not settings.PAYMENT_TOSS_SECRET_KEY:
            raise ImproperlyConfigured("PAYMENT_PROVIDER=toss needs PAYMENT_TOSS_SECRET_KEY.")
        adapter = TossProvider(
            base_url=settings.PAYMENT_TOSS_BASE_URL,
            secret_key=settings.PAYMENT_TOSS_SECRET_KEY,
            timeout_seconds=policy.timeout_seconds,
            max_connections=policy.max_concurrent_calls,
        )
    else:
        raise ImproperlyConfigured(
            f"PAYMENT_PROVIDER must be 'sandbox' or 'toss', not {settings.PAYMENT_PROVIDER!r}."
        )
    return GuardedProvider(adapter, policy=policy)


def _on_setting_changed(*, setting: str, **kwargs: object) -> None:
    if setting.startswith("PAYMENT_"):
        reset_payment_provider()


setting_changed.connect(_on_setting_changed, dispatch_uid="payments.reset_payment_provider")

__all__ = [
    "GuardedProvider",
    "PaymentProvider",
    "ProviderCancel",
    "ProviderDeclined",
    "ProviderFailure",
    "ProviderPayment",
    "ProviderTimeout",
    "payment_provider",
    "reset_payment_provider",
]
