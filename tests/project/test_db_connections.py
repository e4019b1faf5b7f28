"""A web thread's persistent connection lives a random share of ``CONN_MAX_AGE``
(hotel/db_connections.py): threads that connected together do not reconnect together."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created

from hotel.db_connections import SHORTEST_LIFETIME_SHARE, spread_connection_lifetime

pytestmark = pytest.mark.django_db


@contextmanager
def new_connection(max_age: int | None) -> Iterator[BaseDatabaseWrapper]:
    """A connection of its own to the test database, with ``CONN_MAX_AGE`` = ``max_age``."""
    wrapper = connections.create_connection("default")
    wrapper.settings_dict = {**wrapper.settings_dict, "CONN_MAX_AGE": max_age}
    try:
        yield wrapper
    finally:
        wrapper.close()


def lifetimes(max_age: int | None, count: int) -> list[float | None]:
    """Seconds from connecting to ``close_at`` for ``count`` new connections."""
    found = []
    for _ in range(count):
        with new_connection(max_age) as wrapper:
            connected = time.monotonic()
            wrapper.connect()
            found.append(None if wrapper.close_at is None else wrapper.close_at - connected)
    return found


@pytest.fixture
def spreading() -> Iterator[None]:
    connection_created.connect(spread_connection_lifetime, dispatch_uid="test_spreading")
    yield
    connection_created.disconnect(dispatch_uid="test_spreading")


def test_connections_live_between_half_and_all_of_their_max_age(spreading):
    seen = lifetimes(60, 12)
    low = 60 * SHORTEST_LIFETIME_SHARE
    assert all(value is not None and low - 1 <= value <= 60 for value in seen), seen
    assert len({round(value, 3) for value in seen}) > 1, f"every lifetime the same: {seen}"


def test_connections_kept_for_good_or_closed_after_each_request_are_left_so(spreading):
    assert lifetimes(None, 2) == [None, None]
    assert all(abs(value) < 1 for value in lifetimes(0, 2))


def test_the_web_application_spreads_its_threads_connections():
    import hotel.wsgi  # noqa: F401 (connects the receiver, as gunicorn's import does)

    seen = lifetimes(60, 6)
    assert min(seen) < 60 * 0.99, f"no lifetime was shortened: {seen}"
