"""The base of every context's domain error.

Each context declares one error type with machine-readable codes (``OrderError``,
``PaymentError``...). The API maps them all to one response shape in ``hotel.api_errors``.
"""

from collections.abc import Mapping
from typing import Any


class DomainError(Exception):
    """A refused operation, told to the caller as ``{"code", "message", "details"}``."""

    #: HTTP status used when the error reaches the API.
    http_status: int = 400

    def __init__(
        self,
        code: str,
        message: str,
        *,
        details: Mapping[str, Any] | None = None,
        http_status: int | None = None,
        retry_after_seconds: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = dict(details or {})
        if http_status is not None:
            self.http_status = http_status
        self.retry_after_seconds = retry_after_seconds

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"
