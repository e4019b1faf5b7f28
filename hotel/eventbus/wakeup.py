"""How an idle worker waits: LISTEN/NOTIFY on PostgreSQL, plain polling elsewhere."""

from __future__ import annotations

import logging
import threading

import psycopg
from django.conf import settings
from django.db.backends.base.base import BaseDatabaseWrapper

logger = logging.getLogger("hotel.eventbus.worker")

# Wait in slices this long at most, so a stop request is noticed quickly.
_STOP_CHECK_SECONDS = 0.25


class Wakeup:
    """Polling: sleep for the poll interval (or until a stop is requested)."""

    @staticmethod
    def for_connection(connection: BaseDatabaseWrapper, *, enabled: bool) -> Wakeup:
        if enabled and connection.vendor == "postgresql":
            try:
                return ListenWakeup(connection, settings.OUTBOX["NOTIFY_CHANNEL"])
            except psycopg.Error:
                logger.exception("LISTEN failed; falling back to polling")
        return Wakeup()

    def describe(self) -> str:
        return f"polling every {settings.OUTBOX['POLL_SECONDS']}s"

    def wait(self, timeout: float, *, stop: threading.Event) -> bool:
        """Wait up to ``timeout``; True when a notification cut the wait short."""
        stop.wait(timeout)
        return False

    def close(self) -> None:
        pass


class ListenWakeup(Wakeup):
    """A dedicated autocommit connection that LISTENs; publishers NOTIFY in their transaction
    (at most once per ``NOTIFY_INTERVAL_SECONDS`` per process), so the notification arrives
    right after their commit. Polling stays as the fallback.

    When the listening connection breaks (the database restarted), the wait that noticed it
    returns at once, so the worker runs a round for whatever it may have missed, and the next
    wait connects again. While the database stays away, each wait tries once and otherwise
    sleeps its whole timeout: one warning per outage, no busy loop.
    """

    def __init__(self, connection: BaseDatabaseWrapper, channel: str) -> None:
        params = connection.get_connection_params()
        keep = ("dbname", "user", "password", "host", "port", "sslmode", "options")
        self.channel = channel
        self.connect_params = {
            key: params[key] for key in keep if params.get(key) not in (None, "")
        }
        self.listener: psycopg.Connection | None = self._listen()

    def _listen(self) -> psycopg.Connection:
        listener = psycopg.connect(**self.connect_params, autocommit=True)
        listener.execute(psycopg.sql.SQL("LISTEN {}").format(psycopg.sql.Identifier(self.channel)))
        return listener

    def describe(self) -> str:
        return f"LISTEN {self.channel}, polling every {settings.OUTBOX['POLL_SECONDS']}s"

    def wait(self, timeout: float, *, stop: threading.Event) -> bool:
        if self.listener is None:
            try:
                self.listener = self._listen()
            except psycopg.Error:
                stop.wait(timeout)
                return False
            logger.info("LISTEN %s again after its connection broke", self.channel)
        remaining = timeout
        while remaining > 0 and not stop.is_set():
            slice_ = min(remaining, _STOP_CHECK_SECONDS)
            try:
                woken = any(True for _ in self.listener.notifies(timeout=slice_, stop_after=1))
            except psycopg.Error as exc:
                logger.warning("LISTEN connection broke (%s); polling until it is back", exc)
                self.close()
                return False
            if woken:
                return True
            remaining -= slice_
        return False

    def close(self) -> None:
        if self.listener is not None:
            self.listener.close()
            self.listener = None
