"""Jobs the outbox worker runs on a schedule (outbox purge, payment reconciliation...).

A context registers one in its ``AppConfig.ready``::

    periodic_job(name="payments.reconcile", every_seconds=60)(reconcile_stuck_orders)

With several workers, each job runs in one of them at a time: on PostgreSQL a session advisory
lock is taken for the run; a worker that cannot take it skips that turn.
"""

from __future__ import annotations

import logging
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connections

logger = logging.getLogger("hotel.periodic_jobs")


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every_seconds: float
    func: Callable[[], object]


_jobs: dict[str, PeriodicJob] = {}


def periodic_job(
    *, name: str, every_seconds: float
) -> Callable[[Callable[[], object]], Callable[[], object]]:
    def decorator(func: Callable[[], object]) -> Callable[[], object]:
        _jobs[name] = PeriodicJob(name=name, every_seconds=every_seconds, func=func)
        return func

    return decorator


def registered_jobs() -> list[PeriodicJob]:
    return list(_jobs.values())


class PeriodicScheduler:
    """Runs each registered job when due. Errors are logged; the worker goes on."""

    def __init__(
        self, jobs: list[PeriodicJob] | None = None, *, using: str = "default", clock=time.monotonic
    ) -> None:
        self.jobs = registered_jobs() if jobs is None else jobs
        self.using = using
        self.clock = clock
        self.next_run = {job.name: clock() for job in self.jobs}

    def run_due(self) -> list[str]:
        ran = []
        now = self.clock()
        for job in self.jobs:
            if now < self.next_run[job.name]:
                continue
            self.next_run[job.name] = now + job.every_seconds
            if self._run_exclusively(job):
                ran.append(job.name)
        return ran

    def _run_exclusively(self, job: PeriodicJob) -> bool:
        connection = connections[self.using]
        if connection.vendor != "postgresql":
            return self._run(job)
        key = zlib.crc32(f"hotel.periodic.{job.name}".encode())
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
            if not cursor.fetchone()[0]:
                return False
        try:
            return self._run(job)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])

    def _run(self, job: PeriodicJob) -> bool:
        try:
            job.func()
        except Exception:
            logger.exception("periodic job %s failed", job.name)
        return True
