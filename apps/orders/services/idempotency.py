"""Idempotency-Key handling for bookings: one outcome per (guest, key), whoever asks.

The common case costs one INSERT inside the booking's first transaction (``BookingRequest``
with a unique (guest, key)) and nothing more: a booking that goes through stores no copy of
its outcome, because its order, paid in the booking's second transaction, is that outcome. A
refusal is stored with the key. A replay finds the key taken and reads (or waits for) the
first request's outcome.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from django.db import IntegrityError
from django.utils import timezone

from apps.orders.dtos import OrderData
from apps.orders.errors import OrderError, OrderErrorCode
from apps.orders.models import BookingRequest, OrderStatus
from hotel.bulk_rows import row_insert
from hotel.errors import DomainError

# How long a replay waits for the first request with its key to finish.
WAIT_FOR_FIRST_SECONDS = 15.0
_POLL_SECONDS = 0.02


# The order statuses from which a booking has not (yet) gone through. An order that failed
# has its key's outcome stored in the same transaction, so it is never read back as one.
_NOT_THROUGH = frozenset({OrderStatus.PENDING_PAYMENT, OrderStatus.PAYMENT_FAILED})


class KeyTaken(Exception):
    """Another request of this guest already holds the Idempotency-Key."""


def booking_request_claim(
    *, guest_id: int, idempotency_key: str, fingerprint: str, order_id: int
) -> None:
    """Take the key for this booking, inside the booking's first transaction.

    Raises ``KeyTaken`` (the transaction must then roll back) when the key is held: by a
    request that finished, or by one still running, whose commit this INSERT waits for.
    """
    try:
        row_insert(
            BookingRequest(
                guest_id=guest_id,
                idempotency_key=idempotency_key,
                fingerprint=fingerprint,
                order_id=order_id,
            )
        )
    except IntegrityError:
        raise KeyTaken from None


def booking_request_record_refusal(
    *, guest_id: int, idempotency_key: str, fingerprint: str, error: DomainError
) -> bool:
    """Keep a refusal that came before any order (invalid stay, sold out) for replays.

    Autocommit, after the booking's transaction rolled back. False if a concurrent request
    with the same key took it meanwhile (its outcome is then the one to replay).
    """
    try:
        BookingRequest.objects.create(
            guest_id=guest_id,
            idempotency_key=idempotency_key,
            fingerprint=fingerprint,
            outcome=_outcome(error=error),
            completed_at=timezone.now(),
        )
    except IntegrityError:
        return False
    return True


def booking_request_replay(
    *, guest_id: int, idempotency_key: str, fingerprint: str
) -> OrderData | None:
    """The first request's outcome for the key: its order, or its error raised again.

    Waits (up to ``WAIT_FOR_FIRST_SECONDS``) while the first request is still running, then
    answers ``booking_in_progress`` (409). A different body under the same key is
    ``idempotency_key_reused`` (422). Returns None when the key is free (again): a 503 may be
    retried with the same key once its Retry-After has passed.
    """
    deadline = time.monotonic() + WAIT_FOR_FIRST_SECONDS
    while True:
        first = (
            BookingRequest.objects.select_related("order")
            .filter(guest_id=guest_id, idempotency_key=idempotency_key)
            .first()
        )
        if first is None:
            return None
        if first.fingerprint != fingerprint:
            raise OrderError(
                OrderErrorCode.IDEMPOTENCY_KEY_REUSED,
                "This Idempotency-Key was already used for a different booking.",
                http_status=422,
            )
        if first.outcome is None:
            if first.order is not None and first.order.status not in _NOT_THROUGH:
                return OrderData.from_order(first.order)  # it went through: its order
            if time.monotonic() >= deadline:
                raise OrderError(
                    OrderErrorCode.BOOKING_IN_PROGRESS,
                    "A booking with this Idempotency-Key is still being processed.",
                    http_status=409,
                    retry_after_seconds=2,
                )
            time.sleep(_POLL_SECONDS)
            continue
        if _may_retry(first):
            BookingRequest.objects.filter(pk=first.pk, completed_at=first.completed_at).delete()
            return None
        return _replay(first.outcome)


def booking_request_record_failure(*, order_id: int, error: DomainError) -> None:
    """Store why the booking of ``order_id`` failed (if it came with a key), in the caller's
    transaction: the one that fails the order. A booking that went through needs nothing
    stored (see the module's docstring)."""
    BookingRequest.objects.filter(order_id=order_id).update(
        outcome=_outcome(error=error), completed_at=timezone.now()
    )


def _outcome(*, error: DomainError) -> dict:
    return {
        "error": {
            "code": str(error.code),
            "message": error.message,
            "details": error.details,
            "http_status": error.http_status,
            "retry_after_seconds": error.retry_after_seconds,
        }
    }


def _may_retry(request: BookingRequest) -> bool:
    """A 503 (provider busy or down) may be tried again with the same key after Retry-After."""
    error = (request.outcome or {}).get("error")
    if not error or error["http_status"] != 503:
        return False
    wait = timedelta(seconds=error.get("retry_after_seconds") or 0)
    return request.completed_at is not None and timezone.now() >= request.completed_at + wait


def _replay(outcome: dict[str, Any]) -> OrderData:
    if "order" in outcome:  # stored by earlier versions for bookings that went through
        return OrderData.from_json(outcome["order"])
    error = outcome["error"]
    raise DomainError(
        error["code"],
        error["message"],
        details=error["details"],
        http_status=error["http_status"],
        retry_after_seconds=error["retry_after_seconds"],
    )
