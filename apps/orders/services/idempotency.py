"""Idempotency-Key handling for bookings: one outcome per (guest, key), whoever asks."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.orders.dtos import OrderData
from apps.orders.errors import OrderError, OrderErrorCode
from apps.orders.models import BookingRequest
from hotel.errors import DomainError

# How long a replay waits for the first request with its key to finish.
WAIT_FOR_FIRST_SECONDS = 15.0
_POLL_SECONDS = 0.02


@dataclass(frozen=True)
class StartedBooking:
    """Either this request goes ahead (``request``) or it replays an outcome (``replay``)."""

    request: BookingRequest | None
    replay: OrderData | None


def booking_request_start(*, guest_id: int, idempotency_key: str, fingerprint: str):
    """Claim ``idempotency_key`` for this booking, or return the first request's outcome.

    Raises the first request's error again if it failed, ``idempotency_key_reused`` (422) if
    the key came with a different body, ``booking_in_progress`` (409) if the first request has
    not finished within ``WAIT_FOR_FIRST_SECONDS``.
    """
    deadline = time.monotonic() + WAIT_FOR_FIRST_SECONDS
    while True:
        try:
            with transaction.atomic():
                request = BookingRequest.objects.create(
                    guest_id=guest_id, idempotency_key=idempotency_key, fingerprint=fingerprint
                )
            return StartedBooking(request=request, replay=None)
        except IntegrityError:
            pass
        first = BookingRequest.objects.filter(
            guest_id=guest_id, idempotency_key=idempotency_key
        ).first()
        if first is None:
            continue  # a retryable outcome was just cleared: try to claim the key again
        if first.fingerprint != fingerprint:
            raise OrderError(
                OrderErrorCode.IDEMPOTENCY_KEY_REUSED,
                "This Idempotency-Key was already used for a different booking.",
                http_status=422,
            )
        if first.outcome is None:
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
            continue
        return StartedBooking(request=None, replay=_replay(first.outcome))


def booking_request_finish(
    *,
    request: BookingRequest | None,
    order: OrderData | None = None,
    error: DomainError | None = None,
) -> None:
    """Store the outcome of the request that holds the key. Runs in the caller's transaction."""
    if request is None:
        return
    if order is not None:
        outcome: dict[str, Any] = {"order": order.to_json()}
    else:
        assert error is not None
        outcome = {
            "error": {
                "code": str(error.code),
                "message": error.message,
                "details": error.details,
                "http_status": error.http_status,
                "retry_after_seconds": error.retry_after_seconds,
            }
        }
    BookingRequest.objects.filter(pk=request.pk).update(
        outcome=outcome, completed_at=timezone.now()
    )


def _may_retry(request: BookingRequest) -> bool:
    """A 503 (provider busy or down) may be tried again with the same key after Retry-After."""
    error = (request.outcome or {}).get("error")
    if not error or error["http_status"] != 503:
        return False
    wait = timedelta(seconds=error.get("retry_after_seconds") or 0)
    return request.completed_at is not None and timezone.now() >= request.completed_at + wait


def _replay(outcome: dict[str, Any]) -> OrderData:
    if "order" in outcome:
        return OrderData.from_json(outcome["order"])
    error = outcome["error"]
    raise DomainError(
        error["code"],
        error["message"],
        details=error["details"],
        http_status=error["http_status"],
        retry_after_seconds=error["retry_after_seconds"],
    )
