"""The outbox worker's CPU priority, for a box that also runs the web server.

Guests' requests and the outbox worker compete for the same cores when both run on one
machine (the single container). Under a booking burst the design prefers the requests: a
booking is accepted and paid now, and its events wait in the outbox and are applied when the
cores are free again (that is what the outbox is for). ``settings.OUTBOX["CPU_PRIORITY"]``:

``normal``  the scheduler's default; worker and web share the cores evenly.
``low``     nice 19: the worker runs in the web server's gaps, with a small share when both
            want the cores.
``idle``    ``SCHED_IDLE`` (Linux): the worker runs only on cores nothing else wants. Falls
            back to ``low`` where the platform has no SCHED_IDLE.

Only the worker's own process is affected; the PostgreSQL backend serving it keeps its
priority (which is why an ``idle`` worker also pauses while the CPUs are contended:
cpu_contention.py). The worker's row locks (a reservation, an order it updates for an event)
last until its batch commits, and at ``idle`` the worker may be descheduled meanwhile: while
the cores are saturated, a guest's cancellation or a hotelier's decision on a booking the
worker is handling at that moment waits for it. ``SCHED_IDLE`` still gets a small share of a
busy core, so the wait ends; it has not been measured.
"""

from __future__ import annotations

import logging
import os

logger = logging.getLogger("hotel.eventbus.worker")

CPU_PRIORITIES = ("normal", "low", "idle")
LOWEST_NICE = 19


def cpu_priority_apply(priority: str) -> str:
    """Give the calling process ``priority``; returns what it got (``idle`` may become ``low``).

    Irreversible for an unprivileged process: call it in the worker's own process only.
    """
    if priority not in CPU_PRIORITIES:
        raise ValueError(f"CPU priority must be one of {', '.join(CPU_PRIORITIES)}: {priority!r}")
    if priority == "normal":
        return priority
    if priority == "idle" and hasattr(os, "SCHED_IDLE"):
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
        return priority
    os.setpriority(os.PRIO_PROCESS, 0, LOWEST_NICE)
    if priority == "idle":
        logger.warning("no SCHED_IDLE on this platform: the outbox worker runs at nice 19")
    return "low"
