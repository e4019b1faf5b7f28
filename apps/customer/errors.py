"""The customer context's domain error and its machine-readable codes."""

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from hotel.errors import DomainError


class CustomerErrorCode(StrEnum):
    #: Input that breaks a profile rule; ``details`` maps each field to its messages.
    INVALID = "invalid"
    USERNAME_TAKEN = "username_taken"
    EMAIL_TAKEN = "email_taken"
    WEAK_PASSWORD = "weak_password"
    INVALID_PHONE = "invalid_phone"
    INVALID_CREDENTIALS = "invalid_credentials"


class CustomerError(DomainError):
    """A refused account operation. ``details`` names the offending field where there is one."""

    http_status = 400

    def __init__(
        self,
        code: CustomerErrorCode,
        message: str,
        *,
        details: Mapping[str, Any] | None = None,
        http_status: int | None = None,
    ) -> None:
        super().__init__(str(code), message, details=details, http_status=http_status)
