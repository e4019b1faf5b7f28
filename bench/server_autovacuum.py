"""Run a bench against PostgreSQL with autovacuum on, as any database in service has it.

Why. The outbox's delivery rows change state once each (pending -> done) and the change moves
them between partial indexes, so every delivery leaves dead index entries behind. Autovacuum
(with the tighter per-table thresholds of ``eventbus.0002``) clears them as the load goes on.
A server with ``autovacuum = off`` (this workplace's CI machines have it off, to keep test
timings steady) lets them pile up: at a steady 100 bookings/s every primary-key lookup near
the index's right edge walks further each second, and the outbox lag triples within a minute.
That is the machine's setting, not the product's, so the benches that measure the product
as deployed turn autovacuum on for the run and put the server back as it was afterwards.

``autovacuum`` is a server-wide setting (reload, no restart); it cannot be set per database.
The bench connects as a superuser already (it creates databases and runs CHECKPOINT).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg


def _setting(conn: psycopg.Connection) -> str:
    return conn.execute("SHOW autovacuum").fetchone()[0]


def _set_in_auto_conf(conn: psycopg.Connection) -> str | None:
    """``autovacuum`` as ALTER SYSTEM last wrote it (postgresql.auto.conf), or None."""
    row = conn.execute(
        "SELECT setting FROM pg_file_settings"
        " WHERE name = 'autovacuum' AND sourcefile LIKE '%%postgresql.auto.conf'"
        " ORDER BY seqno DESC LIMIT 1"
    ).fetchone()
    return None if row is None else row[0]


def _reload_and_wait(conn: psycopg.Connection, server_url: str, want: str | None) -> None:
    """Reload the configuration; with ``want``, wait (5 s at most) until a new session sees it.

    ``pg_reload_conf()`` only signals the postmaster, which rereads the files a moment later.
    """
    conn.execute("SELECT pg_reload_conf()")
    if want is None:
        return
    deadline = time.monotonic() + 5.0
    while True:
        with psycopg.connect(server_url, autocommit=True) as check:
            now = _setting(check)
        if now == want:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"autovacuum is still {now!r} after ALTER SYSTEM and reload")
        time.sleep(0.05)


@contextmanager
def autovacuum_on(server_url: str) -> Iterator[dict[str, object]]:
    """Autovacuum on for the ``with`` block; yields what was found and done, for the results."""
    with psycopg.connect(server_url, autocommit=True) as conn:
        found = _setting(conn)
        previous_auto_conf = _set_in_auto_conf(conn)
        changed = found != "on"
        if changed:
            conn.execute("ALTER SYSTEM SET autovacuum = on")
            _reload_and_wait(conn, server_url, "on")
    try:
        yield {"found": found, "during_run": "on", "turned_on_for_the_run": changed}
    finally:
        if changed:
            with psycopg.connect(server_url, autocommit=True) as conn:
                if previous_auto_conf is None:
                    conn.execute("ALTER SYSTEM RESET autovacuum")
                else:
                    conn.execute(f"ALTER SYSTEM SET autovacuum = '{previous_auto_conf}'")
                _reload_and_wait(conn, server_url, None)
