"""Helpers for tests: drain the outbox in-process, wait for an effect with a deadline."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from hotel.eventbus.publishing import forget_last_notification
from hotel.eventbus.worker import RoundResult, drain

T = TypeVar("T")

__all__ = ["drain_outbox", "forget_last_notification", "wait_until"]


def drain_outbox() -> RoundResult:
    """Handle every delivery that is due now, synchronously, in this thread."""
    return drain()


def wait_until(
    condition: Callable[[], T], *, timeout: float = 10.0, interval: float = 0.02, message: str = ""
) -> T:
    """Poll ``condition`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(message or f"condition not met within {timeout}s")
        time.sleep(interval)
