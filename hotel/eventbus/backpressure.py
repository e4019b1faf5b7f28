"""Backpressure: bookings wait a little while the outbox workers are behind.

When the web takes every core it can, a worker at the same priority gets a fixed share of
them, and the events of the bookings it cannot handle pile up without bound. Guests are never
refused for it; instead each booking waits a moment before it starts, in proportion to how far
behind the workers are, which leaves them the CPU to catch up. The wait happens before the
request touches the database, so a waiting booking holds no connection.

- **The workers report** (``LagReport``): after a round, at most once a second, how long the
  first-attempt deliveries the round claimed had waited (the median: one delivery that stood
  behind a failed one of its queue is no backlog). A retry's wait is its backoff, not lag, and
  is left out. A round that claimed nothing reports 0.
- **The web reads** the reports at most every ``_REFRESH_SECONDS`` per process and keeps the
  highest of those younger than ``_FRESH_SECONDS``: a worker that stopped or went idle slows no
  one, so bookings are taken as before while the workers are down (their events wait in the
  outbox). The wait is 0 up to ``OUTBOX["BACKPRESSURE_LAG_SECONDS"]`` of lag, then grows in
  a straight line to ``OUTBOX["BACKPRESSURE_MAX_WAIT_SECONDS"]`` at ``_RAMP_SECONDS`` more.

The wait bounds the bookings' rate (threads / wait) and so the backlog: the lag settles a little
above the threshold. Measured in bench/README.md ("Saturation"); set the threshold to 0 to turn
it off.
"""

from __future__ import annotations

import logging
import statistics
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError
from django.db.models import Max
from django.utils import timezone

from hotel.eventbus.models import WorkerLag

logger = logging.getLogger("hotel.eventbus.backpressure")

#: A worker reports at most this often while it works.
_REPORT_SECONDS = 1.0
#: Reports older than this count for nothing (a stopped or idle worker).
_FRESH_SECONDS = 5.0
#: Each web process reads the reports at most this often.
_REFRESH_SECONDS = 0.5
#: The wait reaches its maximum this many seconds of lag above the threshold.
_RAMP_SECONDS = 5.0


def round_lag_seconds(claimed_at: datetime, first_attempts_published: Iterable[datetime]) -> float:
    """How long a round's first-attempt deliveries had waited when it claimed them (median)."""
    waits = [(claimed_at - published).total_seconds() for published in first_attempts_published]
    return max(0.0, statistics.median(waits)) if waits else 0.0


class LagReport:
    """A worker's reports of its lag (``WorkerLag``), at most one a second."""

    def __init__(
        self,
        *,
        worker: str,
        using: str = "default",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.worker = worker
        self.using = using
        self._clock = clock
        self._next = 0.0

    def start(self) -> None:
        """Clear reports no worker will renew (workers that were killed), so the table stays
        as small as the number of workers."""
        cutoff = timezone.now() - timedelta(hours=1)
        WorkerLag.objects.using(self.using).filter(reported_at__lt=cutoff).delete()

    def observe(self, lag_seconds: float) -> bool:
        """Report ``lag_seconds`` unless this worker reported less than a second ago; whether
        it did."""
        now = self._clock()
        if now < self._next:
            return False
        self._next = now + _REPORT_SECONDS
        rows = WorkerLag.objects.using(self.using)
        values = {"lag_seconds": lag_seconds, "reported_at": timezone.now()}
        if not rows.filter(worker=self.worker).update(**values):
            rows.create(worker=self.worker, **values)
        return True

    def stop(self) -> None:
        WorkerLag.objects.using(self.using).filter(worker=self.worker).delete()


def wait_for_lag(lag_seconds: float | None) -> float:
    """The seconds a booking waits while the workers report ``lag_seconds`` (None: no report)."""
    threshold = settings.OUTBOX["BACKPRESSURE_LAG_SECONDS"]
    if not threshold or lag_seconds is None or lag_seconds <= threshold:
        return 0.0
    longest = settings.OUTBOX["BACKPRESSURE_MAX_WAIT_SECONDS"]
    return min(longest, longest * (lag_seconds - threshold) / _RAMP_SECONDS)


def reported_lag_seconds(*, using: str = "default") -> float | None:
    """The highest lag the workers reported in the last ``_FRESH_SECONDS``; None if none did."""
    since = timezone.now() - timedelta(seconds=_FRESH_SECONDS)
    return (
        WorkerLag.objects.using(using)
        .filter(reported_at__gte=since)
        .aggregate(lag=Max("lag_seconds"))["lag"]
    )


class Backpressure:
    """A web process's wait before each booking (see the module docs). Thread-safe."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._refresh = threading.Lock()
        self._read_at = float("-inf")
        self.wait_seconds = 0.0

    def wait(self) -> float:
        """Wait as the last reading says, then read the reports again if it is time: the
        seconds waited. The reading uses the thread's connection, which the booking then uses.
        A reading as old as a stale report (a process that took no booking for a while) is
        no reason to wait."""
        fresh = self._clock() - self._read_at < _FRESH_SECONDS
        waited = self.wait_seconds if fresh else 0.0
        if waited:
            self._sleep(waited)
        due = self._clock() - self._read_at >= _REFRESH_SECONDS
        if due and self._refresh.acquire(blocking=False):
            try:
                self._read()
            finally:
                self._refresh.release()
        return waited

    def _read(self) -> None:
        self._read_at = self._clock()
        if not settings.OUTBOX["BACKPRESSURE_LAG_SECONDS"]:
            self.wait_seconds = 0.0
            return
        try:
            lag = reported_lag_seconds()
        except DatabaseError as exc:
            # No reading is no wait: the booking itself meets the database's trouble next.
            logger.warning("cannot read the outbox workers' lag: %s", exc)
            lag = None
        self.wait_seconds = wait_for_lag(lag)

    def reset(self) -> None:
        """Forget the last reading (tests)."""
        self._read_at = float("-inf")
        self.wait_seconds = 0.0


#: The bookings' backpressure in this process.
bookings = Backpressure()
