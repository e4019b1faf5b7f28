"""Does the asynchronous half keep pace with bookings? Open-loop load against the container.

    python bench/event_pace.py [--rate 100 | --rates 100,150,200 | --capacity | --quick]
                               [--duration 60] [--drain-seconds 120]
                               [--start-rate 100] [--step 25] [--max-rate 1000]

What it measures. A booking commits an order, its payment and their events; the outbox worker
(``manage.py outbox work``) then hands each event to its handlers (the hotel side's booking
flow, the mypage projection, the guest's messages, ...), which may publish further events.
Per handler, the lag is the time from an event's publication (``eventbus_delivery.created_at``,
set inside the publishing transaction) to its delivery being handled (``completed_at``). The
product keeps pace when, at a steady booking rate, that lag stays short and bounded, and the
backlog of open deliveries empties right after the bookings stop.

Why open loop. A closed-loop client (wrk: N connections, each sending its next request once
the previous one is answered) slows down with the server: if bookings or the worker's share of
the CPU slow the web processes, the client offers fewer bookings, and a worker that cannot keep
up looks fine. Guests do not wait for each other. Here request i is sent at t0 + i / rate
whatever happened to the earlier ones (bench/open_loop_client.py, its own process so that its
CPU is its own), and the client reports how late it was itself: if it falls behind, the rate
was not offered, and this script says so.

One scenario (one rate):

1. A fresh database (``hotel_pace`` on BENCH_PG, default postgres://postgres@127.0.0.1:5432),
   migrated and seeded by bench/seed_bookings.py (20 hotels x 5 room types x a year, 2,000
   guests with tokens); VACUUM ANALYZE (so autovacuum does not process the fresh seed during
   the load, and the planner has statistics, as in a database in service), then CHECKPOINT,
   as bench/booking_bench.py does.
   Autovacuum is on for the whole run, every 5 s, as docs/operations.md sets up the server
   that holds the outbox: a server set otherwise gets both for the run and its own settings
   back after (bench/server_autovacuum.py says why; the results record what was found).
2. The product started as the container starts it: ``bash deploy/entrypoint.sh all``
   (migrations, then gunicorn with deploy/gunicorn.conf.py and the outbox worker side by side,
   at whatever CPU priority the entrypoint gives the worker: its scheduling policy and nice
   value are recorded), with the Dockerfile's
   environment (HOTEL_ENV=production, LOG_FORMAT=json, DJANGO_SETTINGS_MODULE, PYTHONPATH,
   STATIC_ROOT collected once per run as the image build does, SQLITE_PATH,
   OUTBOX_HEARTBEAT_FILE) plus what ``docker run`` would add: DATABASE_URL, SECRET_KEY,
   ALLOWED_HOSTS, PORT, DEBUG=false, HOTEL_RUN_DIR. Nothing else of this shell's environment
   is passed on (PATH, HOME, LANG and TZ only): no WEB_CONCURRENCY, WEB_THREADS,
   OUTBOX_NICE or LOG_LEVEL, so logs stay on as deployed (they go to
   bench/results/event_pace-<stamp>-<scenario>.log, and WARNING or worse lines are counted).
   Plain http needs no setting: production settings leave SECURE_SSL_REDIRECT off (TLS ends
   at the ingress; deploy/k8s/configmap.yaml sets it false too), the secure-cookie settings
   only matter to session cookies, and token-authenticated POSTs need no CSRF token. So no
   SECURE_SSL_REDIRECT and no X-Forwarded-Proto header; the readiness probe fails loudly if
   the server ever answers with a redirect.
3. Ready when GET /readyz answers 200, gunicorn has its workers and the outbox worker has
   touched its heartbeat file (polled, with a deadline). Then ``--warmup`` bookings (20, one
   connection each so both gunicorn processes load their code) and a wait until the outbox is
   empty: the load starts from a warm, idle product. Those bookings fall outside the load's
   window and are not counted. A capacity step warms up at its own rate as well (below).
4. The load: ``rate x duration`` bookings, open loop. Meanwhile open deliveries per handler
   (``state <> 'done'``) and the done count are sampled every 0.5 s, with the machine's
   pressure (PSI): how long some task waited for a CPU, and how long every task with work
   waited for the disk at once (an IO stall: a slow fsync holds up every committing booking).
5. The load ends when the last answer is in. The open deliveries then, and 1 s later, are
   noted, and ``state = 'pending'`` is polled every 0.1 s until none is left or
   ``--drain-seconds`` (120) pass: the time from the load's end to nothing open.
6. Per handler, over every delivery created during the load (from t0 to the last answer):
   count, lag p50 / p99 / max in ms (PostgreSQL's percentile_cont), and how many are not done;
   and per second of ``created_at``, lag p50 and p99. Deliveries created after the load (the
   worker's follow-up events while it drains) are counted separately.
7. CPU seconds by process group over the load, and over load + drain (per booking answered
   201): web (gunicorn master and workers), outbox worker, postgres (every postgres process,
   less the backend of this script's sampler, given apart; the backends that closed in the
   window are counted from what the postmaster collected of them), the client (its own figure),
   the machine (all cores busy time) and other (the machine less those); peak RSS of web +
   worker.
8. The product is stopped with SIGTERM to the entrypoint (it forwards it to both), waited for,
   and anything left in its process group is listed and killed.

Results: bench/results/event_pace-<stamp>.json (everything, rewritten after each scenario),
one PNG per scenario beside it (bench/pace_plot.py), the client's per-request records in
event_pace-<stamp>-<scenario>-requests.json, and a Markdown table on stdout.

Modes: ``--rate R`` (default 100) one scenario, against the target: every handler's lag p50
< 50 ms and p99 < 250 ms, nothing open 1 s after the load, 100 % 201. ``--rates A,B,C``
several, each on a fresh database and server. ``--quick`` 10 s at 50/s. ``--capacity``:
steps from ``--start-rate`` by ``--step`` (each ``--duration`` s, fresh database and server)
until a step fails; the capacity is the last step that held. A step HOLDS when:

- every answer is a 201 (no other status, no timeout or socket error);
- every handler's lag p99 < 1000 ms over the load's deliveries, and all of them were handled;
- the backlog did not grow: nothing is pending 2 s after the load's end (a worker that fell
  behind during the load cannot catch up within 2 s);
- the client kept its schedule (send lateness p99 < 20 ms and at least 98 % of the offered
  rate sent): otherwise the rate was not offered as scheduled and the step fails, flagged
  loudly. The client runs at a higher priority than the product (nice -10, its session's
  too: bench/open_loop_client.py), so this is rare before the two cores are full.

Each capacity step is about a steady rate, so it starts from a product that has carried that
rate: ``--warmup-seconds`` (10) of the same open-loop load, then a wait until the outbox is
empty, then the measured ``--duration``. A product that has just started is not steady: its
web threads open their database connections in the load's first second, and each new
PostgreSQL backend plans every statement anew until it has run there five times, so the
first seconds cost far more than the rest and start a backlog. That start is measured and
printed (the warm-up's 201 share, client p99 and worst lag p99: ``warm_up_at_rate`` in the
results), not counted in the step's verdict; fixed-rate scenarios (``--rate``) keep the cold
start in their window. The connections the warm-up opened reach ``CONN_MAX_AGE`` (60 s)
inside the measured minute, so their reopening is part of it, as it is every minute in
service.

A step whose only fault is the client's (it fell behind, nothing else failed) measured the
client, not the product: it is run once more before it counts as failed.

In the same run the reference endpoint's saturated bookings/s is measured with wrk
(bench/booking_bench.py's ``measure("reference")``, 100 connections, ``--duration`` s) before
the first step and again after every step, so that each step lies between two references:
the machine's speed drifts by as much as 15-35 % over the minutes the steps take, and a
reference measured ten minutes away says little about the step. Each step's ratio is its rate
over the faster of its two references (the conservative one); the verdict's ratio is the
capacity step's. The ratio over the fastest reference of the whole run and the drift between
the run's references are reported beside it. Without wrk the ratios are skipped
(``apt-get install wrk``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import booking_bench  # noqa: E402
from bench.booking_bench import (  # noqa: E402
    PG,
    RESULTS,
    cpu_seconds,
    machine_cpu_seconds,
    measure,
    peak_rss_mib,
    postgres_pids,
    prepare,
    recreate,
)
from bench.container import (  # noqa: E402
    Product,
    cmdline,
    collect_static,
    container_env,
    port_in_use,
)
from bench.open_loop_client import LoadProcess, Seed, booking_request  # noqa: E402
from bench.pace_plot import plot_scenario  # noqa: E402
from bench.server_autovacuum import OUTBOX_SERVER_NAPTIME, autovacuum_on  # noqa: E402

DB_NAME = "hotel_pace"
# Where bench/booking_bench.py's measure() runs the reference endpoint.
REFERENCE_PORT = booking_bench.PORT
PORT = int(os.environ.get("BENCH_PACE_PORT", "8200"))
# After the warm-up, the outbox must be empty within this (else the load runs, flagged).
IDLE_DEADLINE_S = 30.0
SAMPLE_EVERY_S = 0.5
DRAIN_POLL_S = 0.1
# Client health: above these, the offered rate was not really offered.
CLIENT_LATE_P99_MS = 20.0
CLIENT_MIN_SEND_SHARE = 0.98
# Capacity: a step holds with lag p99 under this and nothing pending this long after the load.
HOLD_LAG_P99_MS = 1000.0
HOLD_DRAINED_WITHIN_S = 2.0
CLIENT_FELL_BEHIND = "CLIENT FELL BEHIND: the client was the limit"
# Busier than this (cores) while the product idles, the machine is not quiet: say so.
NOISY_CORES = 0.15
# Target of a fixed-rate scenario.
TARGET_LAG_P50_MS = 50.0
TARGET_LAG_P99_MS = 250.0
TARGET_OPEN_AFTER_S = 1.0


# --- small helpers -------------------------------------------------------------------------
def percentile(values: list[float], share: float) -> float | None:
    """Linear interpolation between closest ranks (as PostgreSQL's percentile_cont)."""
    if not values:
        return None
    ordered = sorted(values)
    position = share * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


# --- database figures -----------------------------------------------------------------------
OPEN_BY_HANDLER = (
    "SELECT handler, count(*) FROM eventbus_delivery WHERE state <> 'done' GROUP BY handler"
)
DONE_COUNT = "SELECT count(*) FROM eventbus_delivery WHERE state = 'done'"
PENDING_COUNT = "SELECT count(*) FROM eventbus_delivery WHERE state = 'pending'"
DEAD_COUNT = "SELECT count(*) FROM eventbus_delivery WHERE state = 'dead'"


class Sampler(threading.Thread):
    """Open deliveries per handler and the done count, every ``every`` seconds."""

    def __init__(self, database_url: str, every: float = SAMPLE_EVERY_S) -> None:
        super().__init__(name="backlog-sampler", daemon=True)
        self.connection = psycopg.connect(database_url, autocommit=True)
        self.backend_pid: int = self.connection.execute("SELECT pg_backend_pid()").fetchone()[0]
        self.every = every
        self.samples: list[dict[str, Any]] = []
        self.error: BaseException | None = None
        self._halt = threading.Event()

    def sample(self) -> dict[str, Any]:
        wall = time.time()
        stalls = {"cpu_waited_s": cpu_pressure_seconds(), "io_stalled_s": io_stall_seconds()}
        open_ = dict(self.connection.execute(OPEN_BY_HANDLER).fetchall())
        done = self.connection.execute(DONE_COUNT).fetchone()[0]
        return {"wall": wall, "open": open_, "done": done, **stalls}

    def run(self) -> None:
        next_at = time.monotonic()
        try:
            while not self._halt.is_set():
                self.samples.append(self.sample())
                next_at += self.every
                self._halt.wait(max(0.0, next_at - time.monotonic()))
        except BaseException as exc:  # reported by stop(), not lost in a thread
            self.error = exc

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=10)
        self.connection.close()
        if self.error is not None:
            raise RuntimeError("the backlog sampler failed") from self.error


def wait_until_idle(database_url: str, deadline_s: float) -> dict[str, int]:
    """Poll until nothing is pending; returns what is still open (empty when idle).

    A product whose handlers fail keeps retrying with backoff: then the load runs anyway (the
    figures show the failures), and the caller says so loudly.
    """
    deadline = time.monotonic() + deadline_s
    with psycopg.connect(database_url, autocommit=True) as conn:
        while conn.execute(PENDING_COUNT).fetchone()[0]:
            if time.monotonic() > deadline:
                return dict(conn.execute(OPEN_BY_HANDLER).fetchall())
            time.sleep(0.1)
    return {}


def drain(database_url: str, load_end_wall: float, deadline_s: float) -> dict[str, Any]:
    """From the load's end: poll pending deliveries until none or the deadline."""
    samples: list[dict[str, Any]] = []
    with psycopg.connect(database_url, autocommit=True) as conn:
        open_at_end = dict(conn.execute(OPEN_BY_HANDLER).fetchall())
        noted_at = time.time()
        plus_1s: dict[str, int] | None = None
        drained_at: float | None = None
        while True:
            now = time.time()
            pending = conn.execute(PENDING_COUNT).fetchone()[0]
            samples.append({"wall": now, "pending": pending})
            if plus_1s is None and now >= load_end_wall + TARGET_OPEN_AFTER_S:
                plus_1s = dict(conn.execute(OPEN_BY_HANDLER).fetchall())
                samples[-1]["open"] = plus_1s
            if pending == 0 and drained_at is None:
                drained_at = now
            if drained_at is not None and plus_1s is not None:
                break
            if now - load_end_wall > deadline_s:
                break
            time.sleep(DRAIN_POLL_S)
        open_at_deadline = dict(conn.execute(OPEN_BY_HANDLER).fetchall())
        dead = conn.execute(DEAD_COUNT).fetchone()[0]
    return {
        "open_at_load_end": sum(open_at_end.values()),
        "open_at_load_end_by_handler": open_at_end,
        "noted_after_load_end_ms": round((noted_at - load_end_wall) * 1000, 1),
        "open_at_load_end_plus_1s": sum(plus_1s.values()) if plus_1s is not None else None,
        "open_at_load_end_plus_1s_by_handler": plus_1s,
        "seconds_to_drain": None if drained_at is None else max(0.0, drained_at - load_end_wall),
        "waited_s": time.time() - load_end_wall,
        "open_at_deadline": sum(open_at_deadline.values()) if drained_at is None else 0,
        # Nothing pending can also mean given up on: dead-lettered deliveries are not drained.
        "dead_at_end": dead,
        "samples": samples,
    }


LAG_SQL = """
SELECT handler{second},
       count(*),
       count(*) FILTER (WHERE state <> 'done'),
       count(*) FILTER (WHERE state = 'dead'),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY lag_ms),
       percentile_cont(0.99) WITHIN GROUP (ORDER BY lag_ms),
       max(lag_ms)
FROM (
    SELECT handler, state, created_at,
           extract(epoch FROM completed_at - created_at) * 1000 AS lag_ms
    FROM eventbus_delivery
    WHERE created_at >= to_timestamp(%(start)s) AND created_at < to_timestamp(%(end)s)
) AS d
GROUP BY handler{group} ORDER BY handler{group}
"""
OVERALL_SQL = LAG_SQL.format(second="", group="")
PER_SECOND_SQL = LAG_SQL.format(
    second=", floor(extract(epoch FROM created_at) - %(start)s)::int AS second", group=", second"
)


def lag_figures(database_url: str, t0_wall: float, end_wall: float) -> dict[str, Any]:
    """Per handler lag (ms) of deliveries created in [t0, end); per second of created_at too;
    and the deliveries created after the load (follow-ups published while draining)."""
    window = {"start": t0_wall, "end": end_wall}
    with psycopg.connect(database_url, autocommit=True) as conn:
        overall = conn.execute(OVERALL_SQL, window).fetchall()
        per_second = conn.execute(PER_SECOND_SQL, window).fetchall()
        after = conn.execute(OVERALL_SQL, {"start": end_wall, "end": time.time() + 3600}).fetchall()

    def row(values: tuple) -> dict[str, Any]:
        count, not_done, dead, p50, p99, max_ = values
        return {
            "count": count,
            "not_done": not_done,
            "dead": dead,
            "p50_ms": None if p50 is None else float(p50),
            "p99_ms": None if p99 is None else float(p99),
            "max_ms": None if max_ is None else float(max_),
        }

    series: dict[str, list[dict[str, Any]]] = {}
    for handler, second, *values in per_second:
        series.setdefault(handler, []).append({"second": second, **row(tuple(values))})
    return {
        "window": {"start_wall": t0_wall, "end_wall": end_wall},
        "per_handler": {handler: row(tuple(values)) for handler, *values in overall},
        "per_second": series,
        "created_after_load": {handler: row(tuple(values)) for handler, *values in after},
    }


# --- CPU ------------------------------------------------------------------------------------
PSI_CPU = Path("/proc/pressure/cpu")
PSI_IO = Path("/proc/pressure/io")


def all_processes() -> dict[int, float]:
    """CPU seconds so far of every process on the machine (to say who "other" was)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            pid = int(entry.name)
            found[pid] = cpu_seconds([pid])
    return found


def pressure_seconds(path: Path, kind: str) -> float | None:
    """PSI: seconds, since boot, that ``kind`` ("some" or "full") of the tasks waited for the
    resource ``path`` is about (None without PSI)."""
    try:
        for line in path.read_text().splitlines():
            if line.startswith(kind + " "):
                return int(line.rsplit("total=", 1)[1]) / 1e6
    except (OSError, ValueError, IndexError):
        return None
    return None


def cpu_pressure_seconds() -> float | None:
    """PSI: seconds some task waited for a CPU, since boot (None without PSI)."""
    return pressure_seconds(PSI_CPU, "some")


def io_stall_seconds() -> float | None:
    """PSI: seconds every task that had work waited for the disk at once, since boot: the
    machine stalled on IO (a slow fsync holds up every committing booking)."""
    return pressure_seconds(PSI_IO, "full")


def postmaster_pid(pids: set[int]) -> int | None:
    """Of the postgres processes ``pids``, the one whose parent is not among them: the
    server's postmaster."""
    for pid in pids:
        try:
            parent = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if parent not in pids:
            return pid
    return None


def ended_children_seconds(pid: int | None) -> float:
    """CPU seconds of ``pid``'s children that have ended and been waited for (``cutime`` +
    ``cstime``): for the postmaster, every backend that closed so far."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")


def other_databases_backends() -> set[int]:
    """Backends serving other databases than ours (another bench, tests): not ours to count.

    Ours are the backends of DB_NAME and the shared processes (postmaster, WAL writer,
    checkpointer, ...), which work for every database.
    """
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname IS NOT NULL AND datname <> %s",
            (DB_NAME,),
        ).fetchall()
    return {pid for (pid,) in rows}


@dataclass
class CpuSnapshot:
    wall: float
    machine: float
    pressure: float | None
    web: list[int]
    worker: list[int]
    postgres: list[int]  # every postgres process but the backends of other databases
    processes: dict[int, float] = field(default_factory=dict)
    # The CPU of the backends that have closed so far (a web thread's connection lives a
    # share of CONN_MAX_AGE, so some close within a minute's load).
    postgres_ended: float = 0.0

    @classmethod
    def take(cls, product: Product) -> CpuSnapshot:
        every_postgres = set(postgres_pids())
        return cls(
            wall=time.time(),
            machine=machine_cpu_seconds(),
            pressure=cpu_pressure_seconds(),
            web=product.web_pids(),
            worker=product.worker_pids(),
            postgres=sorted(every_postgres - other_databases_backends()),
            processes=all_processes(),
            postgres_ended=ended_children_seconds(postmaster_pid(every_postgres)),
        )


def cpu_spent(
    before: CpuSnapshot,
    after: CpuSnapshot,
    *,
    sampler_backend: int,
    client_pid: int,
    client_cpu: float,
) -> dict[str, Any]:
    """CPU seconds per group between two snapshots (per process: one that started in between
    counts from zero; one that ended in between is lost, except PostgreSQL's backends, whose
    CPU the postmaster collects as they close), the machine's busy time, "other"
    (the machine less the groups: the kernel, and anything else running here, backends of
    other databases included), the top processes in "other", and the CPU pressure (PSI
    "some": the share of the time some task waited for a CPU)."""

    def spent(pid: int) -> float:
        return after.processes.get(pid, 0.0) - before.processes.get(pid, 0.0)

    postgres = [pid for pid in after.postgres if pid != sampler_backend]
    # Backends that closed in between: what the postmaster collected, less what they had
    # already spent at the first snapshot (another database's backends closing meanwhile
    # would count too: the bench runs alone).
    closed = [pid for pid in before.postgres if pid not in after.processes]
    postgres_ended = max(
        0.0,
        after.postgres_ended
        - before.postgres_ended
        - sum(before.processes.get(pid, 0.0) for pid in closed),
    )
    driver = os.getpid()
    figures: dict[str, Any] = {
        "web": sum(spent(pid) for pid in after.web),
        "outbox_worker": sum(spent(pid) for pid in after.worker),
        "postgres": sum(spent(pid) for pid in postgres) + postgres_ended,
        "sampler_backend": spent(sampler_backend),
        "client": client_cpu,
        "driver": spent(driver),
        "machine": after.machine - before.machine,
    }
    figures["other"] = figures["machine"] - sum(v for k, v in figures.items() if k != "machine")
    figures["postgres_ended"] = postgres_ended  # included in "postgres"
    wall = after.wall - before.wall
    figures["wall_s"] = wall
    figures["machine_busy_cores"] = figures["machine"] / wall if wall else None
    if before.pressure is not None and after.pressure is not None and wall:
        figures["cpu_pressure_share"] = (after.pressure - before.pressure) / wall
    known = {*after.web, *after.worker, *postgres, sampler_backend, client_pid, driver}
    others = sorted(
        ((spent(pid), pid) for pid in after.processes if pid not in known), reverse=True
    )
    figures["other_top"] = [
        {"pid": pid, "cpu_s": round(cpu, 2), "command": cmdline(pid)[:120]}
        for cpu, pid in others[:5]
        if cpu >= 0.05
    ]
    return figures


CPU_GROUPS = ("web", "outbox_worker", "postgres", "sampler_backend", "client", "driver")


def per_booking(spent: dict[str, Any], bookings: int) -> dict[str, float]:
    return {k: spent[k] * 1000 / bookings for k in (*CPU_GROUPS, "machine", "other")}


def quiet_check(product: Product, seconds: float = 1.0) -> dict[str, Any]:
    """How busy the machine is while the product idles: another load on these two cores takes
    CPU from the product, the outbox worker first if it runs at a lower priority."""
    before = CpuSnapshot.take(product)
    time.sleep(seconds)  # a measurement interval, not a wait for a condition
    after = CpuSnapshot.take(product)
    return cpu_spent(before, after, sampler_backend=0, client_pid=0, client_cpu=0.0)


# --- the client -----------------------------------------------------------------------------
def warm_up(
    seed: Seed, count: int, *, url: str = f"http://127.0.0.1:{PORT}/api/orders/", label: str = ""
) -> None:
    """``count`` bookings, one connection each (so every gunicorn process gets some); a
    ``label`` makes their Idempotency-Keys new when one database is warmed up again."""
    rng = random.Random(0)
    for i in range(count):
        body, headers = booking_request(seed, rng, f"warmup{label}_{i}")
        response = httpx.post(url, content=body, headers=headers, timeout=30)
        if response.status_code != 201:
            raise RuntimeError(
                f"warm-up booking answered {response.status_code}: {response.text[:500]}"
            )


def warm_up_at_rate(
    product: Product,
    database_url: str,
    seed_file: Path,
    rate: float,
    seconds: float,
    requests_path: Path,
) -> dict[str, Any]:
    """``seconds`` of the step's own load before the measured one (capacity steps): a steady
    rate is what the step is about, and a product that has just started is not steady. Its
    web threads open their database connections, and each new PostgreSQL backend plans every
    statement anew until it has run five times, all in the load's first seconds; that pile-up
    is the product's start, reported here (``warm_up_at_rate`` in the results), not its pace."""
    out = requests_path.with_name(requests_path.name.replace("-requests", "-warm-up-requests"))
    raw, _, _ = run_client(product, seed_file, rate, seconds, out)
    t0_wall = raw["t0_wall"]
    client = client_figures(raw)
    lag = lag_figures(database_url, t0_wall, t0_wall + raw["finished_s"])
    figures = {
        "seconds": seconds,
        "share_201": client["share_201"],
        "client_p99_ms": client["latency_ms"]["p99"],
        "client_fell_behind": client["client_fell_behind"],
        "lag_p99_ms": {h: row["p99_ms"] for h, row in lag["per_handler"].items()},
    }
    worst = max((v for v in figures["lag_p99_ms"].values() if v is not None), default=None)
    print(
        f"   warm-up: {seconds:g} s at {rate:g}/s, {client['share_201'] * 100:.1f} % 201, "
        f"client p99 {fmt(client['latency_ms']['p99'])} ms, worst handler lag p99 "
        f"{fmt(worst)} ms (not part of the step)",
        flush=True,
    )
    return figures


def run_client(
    product: Product, seed_file: Path, rate: float, duration: float, out: Path
) -> tuple[dict[str, Any], CpuSnapshot, CpuSnapshot]:
    """The open-loop client in its own process; CPU snapshots when its load starts and ends."""
    url = f"http://127.0.0.1:{PORT}/api/orders/"
    with LoadProcess(url=url, seed_file=seed_file, rate=rate, duration=duration, out=out) as client:
        client.started()
        before = CpuSnapshot.take(product)
        client.ended()
        after = CpuSnapshot.take(product)
        raw = client.result()
    return raw, before, after


def client_figures(raw: dict[str, Any]) -> dict[str, Any]:
    requests = raw["requests"]
    scheduled, sent, done, status = (
        requests["scheduled"],
        requests["sent"],
        requests["done"],
        requests["status"],
    )
    count = len(scheduled)
    lateness = [(s - p) * 1000 for s, p in zip(sent, scheduled, strict=True) if s is not None]
    answered = [
        (d - s) * 1000
        for s, d, st in zip(sent, done, status, strict=True)
        if isinstance(st, int) and s is not None and d is not None
    ]
    from_schedule = [
        (d - p) * 1000
        for p, d, st in zip(scheduled, done, status, strict=True)
        if isinstance(st, int) and d is not None
    ]
    sent_times = [s for s in sent if s is not None]
    span = max(sent_times) - min(sent_times) if len(sent_times) > 1 else 0.0
    statuses = Counter(str(st) for st in status)
    seconds = int(raw["finished_s"]) + 1
    per_second = [0] * seconds
    for d, st in zip(done, status, strict=True):
        if st == 201 and d is not None:
            per_second[min(int(d), seconds - 1)] += 1
    achieved = (len(sent_times) - 1) / span if span else 0.0
    late_p99 = percentile(lateness, 0.99) or 0.0
    behind = late_p99 > CLIENT_LATE_P99_MS or achieved < CLIENT_MIN_SEND_SHARE * raw["rate"]
    return {
        "requests": count,
        "offered_rate": raw["rate"],
        "achieved_send_rate": achieved,
        "send_late_ms": {
            "p50": percentile(lateness, 0.5),
            "p99": late_p99,
            "max": max(lateness, default=None),
        },
        "client_fell_behind": behind,
        "waited_for_a_connection": raw["connection_queued"],
        "connections_opened": raw["connections_created"],
        "statuses": dict(sorted(statuses.items())),
        "share_201": statuses.get("201", 0) / count if count else 0.0,
        "latency_ms": {
            "p50": percentile(answered, 0.5),
            "p99": percentile(answered, 0.99),
            "max": max(answered, default=None),
        },
        "response_time_from_schedule_ms": {
            "p50": percentile(from_schedule, 0.5),
            "p99": percentile(from_schedule, 0.99),
            "max": max(from_schedule, default=None),
        },
        "per_second_201": per_second,
        "cpu_seconds": raw["cpu_seconds"],
        "sent_all_s": raw["sent_all_s"],
        "finished_s": raw["finished_s"],
    }


# --- the server's log -----------------------------------------------------------------------
# A plain (not JSON) line is notable when it looks like trouble (the entrypoint's and
# migrate's own lines are not).
DIGITS = re.compile(r"\d+")  # ids and counts, so that one kind of line groups as one
TROUBLE = re.compile(r"error|traceback|exception|warn|fail|exited with [1-9]|kill", re.I)


def log_summary(path: Path, t0_wall: float, end_wall: float, examples: int = 15) -> dict[str, Any]:
    """Lines by level; WARNING or worse, and plain lines that look like trouble, grouped with
    a first example; and the bookings as the server logged them (hotel.request) during the
    load: statuses and its own duration_ms."""
    levels: Counter[str] = Counter()
    notable: Counter[str] = Counter()
    first: dict[str, str] = {}
    plain: list[str] = []
    statuses: Counter[str] = Counter()
    by_process: Counter[str] = Counter()
    durations: list[float] = []
    for line in path.read_text(errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            entry = None
        if not isinstance(entry, dict):
            levels["(not JSON)"] += 1
            if len(plain) < 40:
                plain.append(line[:300])
            if not TROUBLE.search(line):
                continue
            key = "(not JSON) " + DIGITS.sub("N", line[:160])
        else:
            level = str(entry.get("level", "?"))
            levels[level] += 1
            if entry.get("logger") == "hotel.request" and entry.get("http_path") == "/api/orders/":
                when = datetime.fromisoformat(str(entry["time"])).timestamp()
                if t0_wall <= when <= end_wall + 1:
                    statuses[str(entry.get("http_status"))] += 1
                    by_process[str(entry.get("process"))] += 1
                    durations.append(float(entry.get("duration_ms", 0.0)))
            if level in {"DEBUG", "INFO"}:
                continue
            message = DIGITS.sub("N", str(entry.get("message")))
            key = f"{level} {entry.get('logger')}: {message[:160]}"
        notable[key] += 1
        first.setdefault(key, line[:2000])
    return {
        "lines_by_level": dict(levels),
        "notable": [
            {"count": count, "kind": key, "first": first[key]}
            for key, count in notable.most_common(examples)
        ],
        "plain_lines": plain,
        "bookings_logged_during_load": {
            "statuses": dict(statuses),
            # Keep-alive connections stay with the gunicorn process that accepted them.
            "by_gunicorn_process": dict(by_process),
            "duration_ms": {
                "p50": percentile(durations, 0.5),
                "p99": percentile(durations, 0.99),
                "max": max(durations, default=None),
            },
        },
    }


# --- one scenario ---------------------------------------------------------------------------
def run_scenario(
    name: str,
    rate: float,
    duration: float,
    *,
    stamp: str,
    static_root: Path,
    drain_seconds: float,
    warmup: int,
    warmup_seconds: float = 0.0,
) -> dict[str, Any]:
    print(f"== {name}: {rate:g} bookings/s for {duration:g} s", flush=True)
    database_url = recreate(DB_NAME)
    with tempfile.TemporaryDirectory(prefix="event-pace-run-") as tmp:
        run_dir = Path(tmp)
        env = container_env(database_url, run_dir, static_root, port=PORT)
        seed_file = prepare("pace", env)
        seed = Seed.load(seed_file)
        with psycopg.connect(database_url, autocommit=True) as conn:
            # Statistics and visibility maps for the freshly seeded tables now, as a database in
            # service has them, rather than autovacuum doing it during the load.
            conn.execute("VACUUM ANALYZE")
            conn.execute("CHECKPOINT")
        log_path = RESULTS / f"event_pace-{stamp}-{name}.log"
        requests_path = RESULTS / f"event_pace-{stamp}-{name}-requests.json"
        with Product(env, log_path) as product:
            product.wait_ready()
            warm_up(seed, warmup)
            warm_load = (
                warm_up_at_rate(
                    product, database_url, seed_file, rate, warmup_seconds, requests_path
                )
                if warmup_seconds
                else None
            )
            open_before = wait_until_idle(database_url, deadline_s=IDLE_DEADLINE_S)
            if open_before:
                warnings = log_summary(log_path, 0, 0)["notable"][:3]
                print(
                    f"   !!! the outbox did not empty after the warm-up within "
                    f"{IDLE_DEADLINE_S:.0f} s: {open_before} open; the server log says "
                    f"{[w['kind'] for w in warnings]}. Running the load anyway.",
                    flush=True,
                )
            quiet = quiet_check(product)
            if quiet["machine_busy_cores"] > NOISY_CORES:
                groups = ", ".join(
                    f"{k} {quiet[k]:.2f}" for k in ("web", "outbox_worker", "postgres", "other")
                )
                print(
                    f"   !!! the machine is not quiet before the load: "
                    f"{quiet['machine_busy_cores']:.2f} cores busy while the product idles "
                    f"({groups}; {quiet['other_top'][:2]}): the figures will be skewed",
                    flush=True,
                )
            web_at_start = product.web_pids()
            sampler = Sampler(database_url)
            sampler.start()
            try:
                raw, load_before, load_after = run_client(
                    product, seed_file, rate, duration, requests_path
                )
                t0_wall = raw["t0_wall"]
                load_end_wall = t0_wall + raw["finished_s"]
                drained = drain(database_url, load_end_wall, drain_seconds)
                drain_after = CpuSnapshot.take(product)
            finally:
                sampler.stop()
            rss = peak_rss_mib(product.web_pids() + product.worker_pids())
            web_changed = sorted(product.web_pids()) != sorted(web_at_start)
            scheduling = product.worker_scheduling()
        lag = lag_figures(database_url, t0_wall, load_end_wall)

    client = client_figures(raw)
    bookings = max(1, client["statuses"].get("201", 0))
    others = {
        "sampler_backend": sampler.backend_pid,
        "client_pid": raw["pid"],
        "client_cpu": client["cpu_seconds"],
    }
    cpu_load = cpu_spent(load_before, load_after, **others)
    cpu_all = cpu_spent(load_before, drain_after, **others)
    samples = [
        {
            "t": round(s["wall"] - t0_wall, 3),
            "open": s["open"],
            "done": s["done"],
            "cpu_waited_s": s["cpu_waited_s"],
            "io_stalled_s": s["io_stalled_s"],
        }
        for s in sampler.samples
    ]
    return {
        "name": name,
        "offered_rate": rate,
        "duration_s": duration,
        "server": {
            "command": "bash deploy/entrypoint.sh all",
            "environment": {k: v for k, v in env.items() if k not in {"PATH", "HOME", "LANG"}},
            "web_processes": len(web_at_start) - 1,
            "web_processes_changed_during_load": web_changed,
            "outbox_worker_scheduling": scheduling,
            "log": str(log_path.relative_to(ROOT)),
            "log_summary": log_summary(log_path, t0_wall, load_end_wall),
            **product.stop_report,
        },
        "client": client,
        "client_requests_file": str(requests_path.relative_to(ROOT)),
        "load": {
            "t0_wall": t0_wall,
            "load_end_s": raw["finished_s"],
            "last_send_s": raw["sent_all_s"],
        },
        "backlog": {"sample_every_s": SAMPLE_EVERY_S, "samples": samples},
        "drain": {
            **{k: v for k, v in drained.items() if k != "samples"},
            "samples": [
                {"t": round(s["wall"] - t0_wall, 3), "pending": s["pending"]}
                for s in drained["samples"]
            ],
        },
        "lag": lag,
        "cpu_seconds": {"load": cpu_load, "load_and_drain": cpu_all},
        "cpu_ms_per_booking": {
            "load": per_booking(cpu_load, bookings),
            "load_and_drain": per_booking(cpu_all, bookings),
        },
        "warm_up_at_rate": warm_load,
        "machine_before_load": quiet,
        "open_before_load": open_before,
        "peak_rss_mib_web_and_worker": rss,
    }


# --- verdicts -------------------------------------------------------------------------------
def target_verdict(s: dict[str, Any]) -> list[str]:
    """Where a fixed-rate scenario misses its target (empty: met)."""
    misses = []
    if s["client"]["share_201"] < 1:
        misses.append(f"201 share {s['client']['share_201'] * 100:.2f} %")
    for handler, row in s["lag"]["per_handler"].items():
        if row["not_done"]:
            misses.append(f"{handler}: {row['not_done']} not done")
        if row["p50_ms"] is not None and row["p50_ms"] >= TARGET_LAG_P50_MS:
            misses.append(f"{handler} p50 {row['p50_ms']:.0f} ms")
        if row["p99_ms"] is not None and row["p99_ms"] >= TARGET_LAG_P99_MS:
            misses.append(f"{handler} p99 {row['p99_ms']:.0f} ms")
    if s["drain"]["open_at_load_end_plus_1s"]:
        misses.append(f"{s['drain']['open_at_load_end_plus_1s']} open at load end + 1 s")
    if s["client"]["client_fell_behind"]:
        misses.append("CLIENT FELL BEHIND: the rate was not offered")
    return misses


def step_verdict(s: dict[str, Any]) -> tuple[bool, list[str]]:
    """Whether a capacity step holds (see the module docstring) and why not."""
    reasons = []
    if s["client"]["client_fell_behind"]:
        reasons.append(CLIENT_FELL_BEHIND)
    if s["client"]["share_201"] < 1:
        reasons.append(f"201 share {s['client']['share_201'] * 100:.2f} %")
    for handler, row in s["lag"]["per_handler"].items():
        if row["not_done"]:
            reasons.append(f"{handler}: {row['not_done']} not done")
        if row["p99_ms"] is None or row["p99_ms"] >= HOLD_LAG_P99_MS:
            reasons.append(f"{handler} lag p99 {fmt(row['p99_ms'])} ms")
    to_drain = s["drain"]["seconds_to_drain"]
    if to_drain is None:
        reasons.append(f"backlog grew: not drained {s['drain']['waited_s']:.0f} s after the load")
    elif to_drain > HOLD_DRAINED_WITHIN_S:
        reasons.append(f"backlog grew: drained {to_drain:.1f} s after the load")
    return not reasons, reasons


# --- the reference endpoint -----------------------------------------------------------------
def can_measure_reference() -> bool:
    """Whether wrk and the reference's port are there (if not, says why: the ratio is skipped)."""
    if shutil.which("wrk") is None:
        print(
            "wrk is not installed: the reference endpoint cannot be measured and "
            "capacity / reference is skipped. Install it with: apt-get install wrk",
            flush=True,
        )
        return False
    if port_in_use(REFERENCE_PORT):
        print(
            f"port {REFERENCE_PORT} (bench/booking_bench.py's) is taken by another "
            "server: the reference is skipped, and capacity / reference with it",
            flush=True,
        )
        return False
    return True


def measure_reference(stamp: str, label: str, duration: int) -> dict[str, Any]:
    """The reference endpoint saturated by wrk (bench/booking_bench.py's ``measure``)."""
    log = RESULTS / f"event_pace-{stamp}-{label}.log"
    print(f"{label}: wrk for {duration} s (server output in {log.relative_to(ROOT)})", flush=True)
    with output_to(log):
        reference = measure("reference", duration=duration, clients=100)
    print(f"{label}: {reference['bookings_per_s']:.1f} bookings/s", flush=True)
    return reference


def step_reference(scenario: dict[str, Any], before: float, after: float) -> None:
    """Record the references measured either side of a step, and its rate over the faster."""
    scenario["reference_bookings_per_s"] = {"before": before, "after": after}
    faster = max(before, after)
    scenario["to_reference"] = scenario["offered_rate"] / faster if faster else None


def capacity_ratios(
    capacity_step: dict[str, Any] | None, references: list[float]
) -> dict[str, Any]:
    """The verdict's ratio: the capacity step's rate over the faster of the two references
    measured either side of it. Beside it, the ratio over the fastest reference of the run and
    how far the references drifted (fastest less slowest, over the fastest)."""
    fastest, slowest = max(references), min(references)
    ratios: dict[str, Any] = {
        "references_bookings_per_s": references,
        "reference_drift": (fastest - slowest) / fastest if fastest else 0.0,
    }
    if capacity_step is not None and capacity_step.get("to_reference") is not None:
        ratios["capacity_to_reference"] = capacity_step["to_reference"]
        ratios["capacity_references_bookings_per_s"] = capacity_step["reference_bookings_per_s"]
        ratios["capacity_to_fastest_reference"] = capacity_step["offered_rate"] / fastest
    return ratios


# --- output ---------------------------------------------------------------------------------
def fmt(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def markdown_table(scenarios: list[dict[str, Any]]) -> str:
    handlers = sorted({h for s in scenarios for h in s["lag"]["per_handler"]})
    head = [
        "scenario",
        "offered/s",
        "sent/s",
        "201 share",
        "client p99 ms",
        *(f"{h} lag p50/p99 ms" for h in handlers),
        "open at end+1 s",
        "drain s",
        "verdict",
    ]
    with_references = any("to_reference" in s for s in scenarios)
    if with_references:
        head[-1:-1] = ["reference before / after /s", "rate / faster"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for s in scenarios:
        c, d = s["client"], s["drain"]
        lags = []
        for h in handlers:
            row = s["lag"]["per_handler"].get(h)
            lags.append(
                "-"
                if row is None
                else f"{fmt(row['p50_ms'])} / {fmt(row['p99_ms'])}"
                + (f" ({row['not_done']} open)" if row["not_done"] else "")
            )
        drain_s = (
            fmt(d["seconds_to_drain"], 1)
            if d["seconds_to_drain"] is not None
            else (f">{d['waited_s']:.0f}")
        ) + (f" ({d['dead_at_end']} dead)" if d["dead_at_end"] else "")
        cells = [
            s["name"],
            f"{s['offered_rate']:g}",
            f"{c['achieved_send_rate']:.1f}" + (" (BEHIND)" if c["client_fell_behind"] else ""),
            f"{c['share_201'] * 100:.2f} %",
            fmt(c["latency_ms"]["p99"]),
            *lags,
            str(d["open_at_load_end_plus_1s"]),
            drain_s,
            s.get("verdict", ""),
        ]
        if with_references:
            around = s.get("reference_bookings_per_s")
            cells[-1:-1] = (
                [f"{around['before']:.1f} / {around['after']:.1f}", f"{s['to_reference']:.2f}x"]
                if around
                else ["-", "-"]
            )
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def print_scenario(s: dict[str, Any]) -> None:
    c = s["client"]
    print(
        f"   sent {c['achieved_send_rate']:.1f}/s (late p99 {fmt(c['send_late_ms']['p99'], 1)} "
        f"ms), statuses {c['statuses']}, latency p50/p99/max {fmt(c['latency_ms']['p50'])}/"
        f"{fmt(c['latency_ms']['p99'])}/{fmt(c['latency_ms']['max'])} ms",
        flush=True,
    )
    if c["client_fell_behind"]:
        pressure = s["cpu_seconds"]["load"].get("cpu_pressure_share")
        print(
            f"   !!! THE CLIENT FELL BEHIND ITS SCHEDULE: send lateness p99 "
            f"{fmt(c['send_late_ms']['p99'])} ms, {c['achieved_send_rate']:.1f}/s sent of "
            f"{c['offered_rate']:g}, {c['waited_for_a_connection']} requests waited for one of "
            f"its {c['connections_opened']} connections; the rate was not offered as scheduled "
            f"(CPU pressure during the load {fmt(pressure, 2)}: the client competes with the "
            "server for the cores) !!!",
            flush=True,
        )
    for handler, row in s["lag"]["per_handler"].items():
        print(
            f"   {handler:<28} {row['count']:>6} deliveries, lag p50 {fmt(row['p50_ms'])} "
            f"p99 {fmt(row['p99_ms'])} max {fmt(row['max_ms'])} ms, {row['not_done']} not done",
            flush=True,
        )
    d = s["drain"]
    print(
        f"   open at load end {d['open_at_load_end']}, at +1 s {d['open_at_load_end_plus_1s']}, "
        f"nothing pending after {fmt(d['seconds_to_drain'], 1)} s"
        + (f" ({d['dead_at_end']} dead-lettered, not drained)" if d["dead_at_end"] else ""),
        flush=True,
    )
    for window in ("load", "load_and_drain"):
        spent = s["cpu_seconds"][window]
        print(
            f"   CPU ms per booking ({window}): "
            + ", ".join(f"{k} {v:.1f}" for k, v in s["cpu_ms_per_booking"][window].items())
            + f"; machine busy {spent['machine_busy_cores']:.2f} cores, CPU pressure "
            + fmt(spent.get("cpu_pressure_share"), 2),
            flush=True,
        )
    top = s["cpu_seconds"]["load_and_drain"]["other_top"]
    if top:
        print(
            "   other CPU: "
            + "; ".join(f"{p['cpu_s']:.1f} s {p['command'][:60]}" for p in top[:3]),
            flush=True,
        )
    notable = s["server"]["log_summary"]["notable"]
    if notable:
        print(
            f"   server log {s['server']['log']}: "
            + "; ".join(f"{n['count']}x {n['kind']}" for n in notable[:5]),
            flush=True,
        )


@contextlib.contextmanager
def output_to(path: Path) -> Iterator[None]:
    """Send this process's stdout and stderr, and so its children's, to ``path`` meanwhile
    (bench/booking_bench.py's servers write to the terminal)."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with path.open("ab") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
    try:
        yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        os.close(saved[0])
        os.close(saved[1])


def interrupted(signum: int, frame: object) -> None:
    """SIGTERM as Ctrl-C: unwind, so that every child is stopped on the way out."""
    raise KeyboardInterrupt(f"signal {signum}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description="Open-loop bookings against the product as its container runs it; "
        "per-handler outbox lag and backlog. See the module docstring."
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--rate", type=float, help="one scenario at this rate (default 100)")
    mode.add_argument("--rates", help="several scenarios, e.g. 100,150,200")
    mode.add_argument("--capacity", action="store_true", help="step the rate up until it fails")
    mode.add_argument("--quick", action="store_true", help="smoke run: 10 s at 50/s")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds per scenario")
    parser.add_argument("--drain-seconds", type=float, default=120.0)
    parser.add_argument("--start-rate", type=float, default=100.0)
    parser.add_argument("--step", type=float, default=25.0)
    parser.add_argument("--max-rate", type=float, default=1000.0, help="capacity: stop here")
    parser.add_argument("--warmup", type=int, default=20, help="bookings before the load")
    parser.add_argument(
        "--warmup-seconds",
        type=float,
        default=10.0,
        help="capacity: seconds at the step's rate before its measured load (0: none)",
    )
    parser.add_argument(
        "--reference-duration", type=int, default=None, help="capacity: wrk seconds (--duration)"
    )
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, interrupted)
    if args.quick:
        plan = [("quick-50", 50.0)]
        args.duration = 10.0
    elif args.rates:
        plan = [(f"rate-{r:g}", r) for r in (float(v) for v in args.rates.split(","))]
    elif args.capacity:
        plan = []
    else:
        rate = args.rate or 100.0
        plan = [(f"rate-{rate:g}", rate)]

    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    out = RESULTS / f"event_pace-{stamp}.json"
    results: dict[str, Any] = {
        "started": stamp,
        "mode": "capacity" if args.capacity else "fixed",
        "duration_s": args.duration,
        "drain_seconds": args.drain_seconds,
        "cores": os.cpu_count(),
        "scenarios": [],
    }

    def save() -> None:
        out.write_text(json.dumps(results, indent=1))

    def run(name: str, rate: float, static_root: Path) -> dict[str, Any]:
        scenario = run_scenario(
            name,
            rate,
            args.duration,
            stamp=stamp,
            static_root=static_root,
            drain_seconds=args.drain_seconds,
            warmup=args.warmup,
            warmup_seconds=args.warmup_seconds if args.capacity else 0.0,
        )
        png = RESULTS / f"event_pace-{stamp}-{name}.png"
        plot_scenario(scenario, png)
        scenario["png"] = str(png.relative_to(ROOT))
        results["scenarios"].append(scenario)
        return scenario

    with (
        autovacuum_on(f"{PG}/postgres", naptime=OUTBOX_SERVER_NAPTIME) as results["autovacuum"],
        tempfile.TemporaryDirectory(prefix="event-pace-static-") as tmp,
    ):
        found = results["autovacuum"]
        print(
            f"autovacuum: on every {OUTBOX_SERVER_NAPTIME} for the run, as docs/operations.md"
            f" sets up the outbox's server (found: {found['found']}, every"
            f" {found['naptime_found']}; bench/server_autovacuum.py)"
        )
        static_root = Path(tmp) / "staticfiles"
        collect_static(static_root, Path(tmp))
        try:
            if args.capacity:
                reference_ready = can_measure_reference()
                reference_seconds = args.reference_duration or int(args.duration)
                # Before the first step, then after every step (module docstring).
                references: list[dict[str, Any]] = []
                results["references"] = references
                if reference_ready:
                    references.append(measure_reference(stamp, "reference-0", reference_seconds))
                    save()
                capacity_step = None
                rate, retried = args.start_rate, False
                while rate <= args.max_rate:
                    name = f"capacity-{rate:g}" + ("-again" if retried else "")
                    scenario = run(name, rate, static_root)
                    holds, reasons = step_verdict(scenario)
                    if reference_ready:
                        references.append(
                            measure_reference(
                                stamp, f"reference-{len(references)}", reference_seconds
                            )
                        )
                        step_reference(scenario, *(r["bookings_per_s"] for r in references[-2:]))
                    scenario["holds"], scenario["fails_because"] = holds, reasons
                    void = reasons == [CLIENT_FELL_BEHIND] and not retried
                    scenario["verdict"] = (
                        "holds"
                        if holds
                        else ("VOID, run again: " if void else "FAILS: ") + "; ".join(reasons)
                    )
                    print_scenario(scenario)
                    print(f"   {scenario['verdict']}", flush=True)
                    save()
                    if void:
                        retried = True
                        continue
                    if not holds:
                        break
                    capacity_step = scenario
                    rate, retried = rate + args.step, False
                results["capacity_bookings_per_s"] = (
                    capacity_step["offered_rate"] if capacity_step else None
                )
                if references:
                    results.update(
                        capacity_ratios(capacity_step, [r["bookings_per_s"] for r in references])
                    )
            else:
                for name, rate in plan:
                    scenario = run(name, rate, static_root)
                    misses = target_verdict(scenario)
                    scenario["target_misses"] = misses
                    scenario["verdict"] = (
                        "target met" if not misses else "misses: " + "; ".join(misses)
                    )
                    print_scenario(scenario)
                    save()
        finally:
            save()
    print()
    print(markdown_table(results["scenarios"]))
    if args.capacity:
        capacity = results.get("capacity_bookings_per_s")
        line = (
            f"\ncapacity: {capacity:g} bookings/s"
            if capacity is not None
            else f"\ncapacity: below the first step ({args.start_rate:g} bookings/s)"
        )
        if "capacity_to_reference" in results:
            around = results["capacity_references_bookings_per_s"]
            before, after = around["before"], around["after"]
            line += (
                f", reference {before:.1f} bookings/s before that step and {after:.1f} after:"
                f" capacity / the faster {results['capacity_to_reference']:.2f}x (target >="
                f" 0.5x); over the fastest reference of the run"
                f" {results['capacity_to_fastest_reference']:.2f}x (references"
                f" {', '.join(f'{r:.1f}' for r in results['references_bookings_per_s'])}:"
                f" drift {results['reference_drift']:.0%})"
            )
        print(line)
    print(f"\nresults: {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
