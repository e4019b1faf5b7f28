"""The orders context's domain errors (``{"code", "message", "details"}`` in the API)."""

from enum import StrEnum

from hotel.errors import DomainError


class OrderErrorCode(StrEnum):
    ORDER_NOT_FOUND = "order_not_found"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    BOOKING_IN_PROGRESS = "booking_in_progress"
    ILLEGAL_TRANSITION = "illegal_order_transition"
    ALREADY_CANCELLED = "order_already_cancelled"
    NOT_CANCELLABLE = "order_not_cancellable"


class OrderError(DomainError):
    """A refused order operation."""
