"""Pausing an idle-priority worker while the machine's CPUs are contended.

``SCHED_IDLE`` (cpu_priority.py) keeps the worker's own process off the cores that other tasks
want, but not the work it causes elsewhere: the PostgreSQL backend serving it runs at normal
priority, and its writes share the WAL with the guests' commits. In the booking bench an
idle-priority worker still took 1.0-1.3 ms of CPU per booking, and the product ran at 0.74x of
the reference endpoint with it against 0.80x with no worker at all (README, Performance).

So a worker at ``idle`` priority also looks, before each batch, at how contended the CPUs were
since it last looked: Linux's pressure stall information (PSI), the share of wall time in
which at least one runnable task waited for a CPU (the container's own cgroup figure where
there is one, else the machine's). At or above ``OUTBOX["YIELD_CPU_PRESSURE"]`` it claims
nothing and looks again shortly; after ``OUTBOX["YIELD_MAX_SECONDS"]`` of pausing it handles
one batch regardless, so that events keep moving, a batch at a time, under a load that never
lets up. Without PSI (not Linux, or a kernel built without it) it never pauses.

The price is the one the outbox is there to pay: during a burst that saturates the box,
hoteliers and guests' notifications wait; the backlog is applied when the burst ends.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings

logger = logging.getLogger("hotel.eventbus.worker")

# The container's own figure first (cgroup v2), then the whole machine's.
PRESSURE_FILES = (Path("/sys/fs/cgroup/cpu.pressure"), Path("/proc/pressure/cpu"))
# How long a pausing worker waits before it looks again.
LOOK_AGAIN_SECONDS = 0.5
# What reading a PSI file can raise: missing or unreadable, or not in the kernel's format.
_UNREADABLE = (OSError, ValueError, KeyError)


def stalled_seconds(path: Path) -> float:
    """The cumulative time (seconds) in which some runnable task waited for a CPU.

    Reads the ``some`` line of a PSI file: ``some avg10=0.18 avg60=15.63 avg300=38.22
    total=1301491803`` (total in microseconds).
    """
    for line in path.read_text().splitlines():
        kind, *fields = line.split()
        if kind == "some":
            return int(dict(field.split("=", 1) for field in fields)["total"]) / 1e6
    raise ValueError(f"no 'some' line in {path}")


class CpuContention:
    """How contended the CPUs were between two looks, from a PSI file (``None``: no PSI)."""

    def __init__(self, path: Path | None, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.path = path
        self.clock = clock
        self._last: tuple[float, float] | None = None

    @classmethod
    def of_this_machine(cls) -> CpuContention:
        for path in PRESSURE_FILES:
            try:
                stalled_seconds(path)
            except _UNREADABLE:
                continue
            return cls(path)
        return cls(None)

    def share_since_last_look(self) -> float | None:
        """The share (0-1) of the wall time since the previous look in which some task waited
        for a CPU. ``None`` on the first look, and without PSI (or if its file cannot be read)."""
        if self.path is None:
            return None
        try:
            now, stalled = self.clock(), stalled_seconds(self.path)
        except _UNREADABLE:
            self._last = None
            return None
        last, self._last = self._last, (now, stalled)
        if last is None or now <= last[0]:
            return None
        return min(1.0, max(0.0, (stalled - last[1]) / (now - last[0])))


class PauseWhileContended:
    """Asked before each batch: should the worker claim nothing for now?"""

    def __init__(
        self,
        *,
        contention: CpuContention,
        threshold: float,
        max_seconds: float,
    ) -> None:
        self.contention = contention
        self.threshold = threshold
        self.max_seconds = max_seconds
        self._paused_since: float | None = None

    @classmethod
    def for_priority(cls, priority: str) -> PauseWhileContended | None:
        """The pause an ``idle`` worker takes on this machine; ``None`` at other priorities,
        with ``OUTBOX_YIELD_CPU_PRESSURE=0``, or without PSI."""
        threshold = settings.OUTBOX["YIELD_CPU_PRESSURE"]
        if priority != "idle" or threshold <= 0:
            return None
        contention = CpuContention.of_this_machine()
        if contention.path is None:
            logger.info("no CPU pressure figures (PSI) here: the worker will not pause for them")
            return None
        return cls(
            contention=contention,
            threshold=threshold,
            max_seconds=settings.OUTBOX["YIELD_MAX_SECONDS"],
        )

    def describe(self) -> str:
        return (
            f"pauses while some task waits for a CPU {self.threshold:.0%} of the time or more "
            f"(PSI {self.contention.path}), for at most {self.max_seconds:g} s between batches"
        )

    def should_pause(self) -> bool:
        share = self.contention.share_since_last_look()
        if share is None or share < self.threshold:
            self._paused_since = None
            return False
        now = self.contention.clock()
        if self._paused_since is None:
            self._paused_since = now
        if now - self._paused_since >= self.max_seconds:
            self._paused_since = None  # one batch now; the next look may start a new pause
            return False
        return True
