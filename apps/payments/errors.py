"""The payments context's domain errors, told to API clients as ``{"code", "message", "details"}``.

Other contexts catch ``PaymentDeclined`` and ``PaymentUnavailable`` through ``apps.payments.api``,
which re-exports them.
"""

from collections.abc import Mapping
from typing import Any

from hotel.errors import DomainError


class PaymentError(DomainError):
    """A payment operation was refused."""

    http_status = 400


class PaymentDeclined(PaymentError):
    """The provider refused the charge (402): the guest should try another card or method."""

    http_status = 402

    def __init__(self, *, reason: str, message: str, provider_code: str = "") -> None:
        details: dict[str, Any] = {"reason": reason}
        if provider_code:
            details["provider_code"] = provider_code
        super().__init__("payment_declined", message, details=details)
        self.reason = reason
        self.provider_code = provider_code


class PaymentUnavailable(PaymentError):
    """The provider cannot be asked now (503 with Retry-After): timeout, error, open circuit,
    or every provider-call slot of this process busy. Retrying later with the same
    idempotency key is safe."""

    http_status = 503

    def __init__(
        self,
        *,
        code: str,
        message: str,
        retry_after_seconds: int,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(code, message, details=details, retry_after_seconds=retry_after_seconds)


class RefundRefused(PaymentError):
    """The provider refused a cancel (for example, more than the remaining balance)."""

    http_status = 409

    def __init__(self, *, reason: str, message: str, provider_code: str = "") -> None:
        details: dict[str, Any] = {"reason": reason}
        if provider_code:
            details["provider_code"] = provider_code
        super().__init__("refund_refused", message, details=details)
        self.reason = reason


class ProviderCallInsideTransaction(RuntimeError):
    """A provider call was attempted inside ``transaction.atomic()``.

    A programming error, not a domain error: holding a transaction (and its row locks) across
    a network call would let one slow provider serialise every booking.
    """


class RecordOutsideTransaction(RuntimeError):
    """A payment was recorded in autocommit mode, where it could outlive the caller's rollback."""
