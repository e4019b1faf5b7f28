"""Database connections: around slow network calls, and how long a web thread keeps its own."""

from __future__ import annotations

import random
import time

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created


def release_pooled_connections() -> None:
    """Give pooled connections back to the pool before a slow outside call.

    A web thread waiting ~0.5 s on the payment provider has no use for its connection; with
    ``DB_POOL_MAX_SIZE`` set, closing it returns it to the pool (cheap), and the next query
    borrows one again. Without a pool this does nothing: closing would mean reconnecting.
    Connections inside a transaction are never touched.
    """
    for connection in connections.all(initialized_only=True):
        if connection.in_atomic_block or "pool" not in connection.settings_dict.get("OPTIONS", {}):
            continue
        connection.close()


#: A persistent connection lives between this share of ``CONN_MAX_AGE`` and all of it.
SHORTEST_LIFETIME_SHARE = 0.5
#: The ``connection_created`` receiver's dispatch uid, once connected.
SPREADING = "hotel.db_connections.spread_connection_lifetime"


def spread_connection_lifetime(
    sender: type[BaseDatabaseWrapper], connection: BaseDatabaseWrapper, **kwargs
) -> None:
    """``connection_created`` receiver: the new connection is closed (at the end of a request)
    after a random share, between ``SHORTEST_LIFETIME_SHARE`` and 1, of ``CONN_MAX_AGE``
    instead of exactly ``CONN_MAX_AGE``.

    Each web thread holds a connection of its own. Under a steady load the threads open theirs
    together, in the load's first second, and with one fixed lifetime they all close and
    reopen together a minute later, and every minute after: 64 new PostgreSQL backends in one
    second, each planning every statement anew until it has run five times there. On two cores
    that second answered 78 of 130 bookings and left the outbox a backlog of 1,500 deliveries
    (bench/README.md, "Sustained capacity"). Spread over half the lifetime, the threads
    reconnect a couple at a time. Django sets ``close_at`` in ``connect()`` just before it
    sends this signal, and reads it only when a request ends (checked in
    tests/project/test_library_internals.py).
    """
    max_age = connection.settings_dict["CONN_MAX_AGE"]
    if not max_age:  # None: kept for good; 0: closed after each request
        return
    share = random.uniform(SHORTEST_LIFETIME_SHARE, 1.0)
    connection.close_at = time.monotonic() + max_age * share


def spread_connection_lifetimes() -> None:
    """From now on, every new connection of this process lives a random share of
    ``CONN_MAX_AGE`` (``spread_connection_lifetime``). Called by the web application."""
    connection_created.connect(spread_connection_lifetime, dispatch_uid=SPREADING)
