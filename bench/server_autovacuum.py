"""Run a bench against PostgreSQL with autovacuum on, as any database in service has it.

Why. The outbox's delivery rows change state once each (pending -> done) and the change moves
them between partial indexes, so every delivery leaves dead index entries behind. Autovacuum
(with the tighter per-table thresholds of ``eventbus.0002``) clears them as the load goes on.
A server with ``autovacuum = off`` (this workplace's CI machines have it off, to keep test
timings steady) lets them pile up: at a steady 100 bookings/s every primary-key lookup near
the index's right edge walks further each second, and the outbox lag triples within a minute.
That is the machine's setting, not the product's, so the benches that measure the product
as deployed turn autovacuum on for the run and put the server back as it was afterwards.

``naptime`` also sets ``autovacuum_naptime`` for the run: docs/operations.md asks for 5 s on
the server that holds the outbox (with the default minute, the dead entries of a minute's
deliveries pile up between two visits and the lag creeps up over that minute), and the event
pace bench runs the server as those docs set it up.

Both are server-wide settings (reload, no restart); they cannot be set per database. The
bench connects as a superuser already (it creates databases and runs CHECKPOINT).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

#: ``autovacuum_naptime`` of the server that holds the outbox, as docs/operations.md sets it.
OUTBOX_SERVER_NAPTIME = "5s"


def _setting(conn: psycopg.Connection, name: str) -> str:
    return conn.execute(f"SHOW {name}").fetchone()[0]


def _set_in_auto_conf(conn: psycopg.Connection, name: str) -> str | None:
    """``name`` as ALTER SYSTEM last wrote it (postgresql.auto.conf), or None."""
    row = conn.execute(
        "SELECT setting FROM pg_file_settings"
        " WHERE name = %s AND sourcefile LIKE '%%postgresql.auto.conf'"
        " ORDER BY seqno DESC LIMIT 1",
        [name],
    ).fetchone()
    return None if row is None else row[0]


def _reload_and_wait(conn: psycopg.Connection, server_url: str, want: dict[str, str]) -> None:
    """Reload the configuration; wait (5 s at most) until a new session sees ``want``.

    ``pg_reload_conf()`` only signals the postmaster, which rereads the files a moment later.
    """
    conn.execute("SELECT pg_reload_conf()")
    deadline = time.monotonic() + 5.0
    while want:
        with psycopg.connect(server_url, autocommit=True) as check:
            now = {name: _setting(check, name) for name in want}
        if now == want:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"the server still has {now!r} after ALTER SYSTEM and reload")
        time.sleep(0.05)


@contextmanager
def autovacuum_on(server_url: str, *, naptime: str | None = None) -> Iterator[dict[str, object]]:
    """Autovacuum on for the ``with`` block, every ``naptime`` if given (e.g. "5s"); yields
    what was found and done, for the results."""
    want = {"autovacuum": "on"} | ({"autovacuum_naptime": naptime} if naptime else {})
    with psycopg.connect(server_url, autocommit=True) as conn:
        found = {name: _setting(conn, name) for name in want}
        previous = {name: _set_in_auto_conf(conn, name) for name in want}
        changed = [name for name in want if found[name] != want[name]]
        for name in changed:
            conn.execute(f"ALTER SYSTEM SET {name} = '{want[name]}'")
        if changed:
            _reload_and_wait(conn, server_url, want)
    try:
        yield {
            "found": found["autovacuum"],
            "during_run": "on",
            "turned_on_for_the_run": "autovacuum" in changed,
            "naptime_found": found.get("autovacuum_naptime"),
            "naptime_during_run": naptime,
        }
    finally:
        if changed:
            with psycopg.connect(server_url, autocommit=True) as conn:
                for name in changed:
                    if previous[name] is None:
                        conn.execute(f"ALTER SYSTEM RESET {name}")
                    else:
                        conn.execute(f"ALTER SYSTEM SET {name} = '{previous[name]}'")
                _reload_and_wait(conn, server_url, {})
