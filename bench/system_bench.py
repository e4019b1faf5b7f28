"""Whole-system bench and fault drills: the product keeps its promises under load while things
break.

    python -m bench [--quick] [--rate R]          (make bench, make bench-quick)

The tests prove each guarantee alone; guests meet them together, under load. One command runs,
on this machine and in one go, every scenario below with its baseline, and reports each against
its target. Nothing is shared with other work on the machine: the run makes its own PostgreSQL
cluster (bench/throwaway_postgres.py: ``initdb`` into /tmp/drills-pg-*, a free port from 5439,
the machine's server's settings with autovacuum on), removed at the end, on Ctrl-C too; the
machine's server on 127.0.0.1:5432 is never touched. In it: a fresh database ``hotel_drills``,
migrated and seeded by bench/seed_bookings.py (20 hotels x 5 room types x 200 rooms x a year,
2,000 guests with tokens: a catalogue where sold-out is rare), VACUUM ANALYZE, CHECKPOINT.

The product runs as its image runs (bench/container.py: ``bash deploy/entrypoint.sh <role>``,
the Dockerfile's environment, production settings, JSON logs), in the layout of deploy/k8s: a
``web`` container and a ``worker`` container, so that a drill can kill and restart the worker
as Kubernetes restarts a pod (under the image's default role ``all`` the entrypoint stops the
web server when the worker dies: that is the container's own contract, and the SIGTERM drill
runs that role). A container that exits on its own is restarted, as its Deployment would, and
the run says so. The payment provider is a real HTTP server: bench/fake_payment_provider.py,
Toss-compatible, with ``PAYMENT_PROVIDER=toss`` pointing at it (the adapter, timeout, circuit
breaker and bulkhead as deployed), whose latency the drills switch while the load runs.

Bookings are sent open loop (bench/open_loop_client.py: request i leaves at t0 + i / rate,
whatever happened to the others) at half the sustained capacity. The run estimates it first:
20 s at 50 bookings/s, the CPU seconds per booking of the run's own processes (web, worker,
PostgreSQL, provider, client; not the rest of a shared machine), and the machine's cores
divided by it (``--rate R`` skips this; ``--quick`` runs at 30). The outbox is sampled every 0.5 s
(event_pace's sampler, carried over database restarts); per-handler lag comes from
``eventbus_delivery``. After each scenario's load the product settles: reconciliation is run
once by hand with no grace period (``manage.py reconcile_payments --grace-seconds 0``, what the
worker does by itself a minute later) and the outbox drained; then the effects are counted in
the database, over every booking of the run so far:

- every paid order has exactly one ``orders.OrderPlaced`` and one ``payments.PaymentApproved``
  event, one reservation, one mypage entry, and per notification channel one "booked" message
  to the guest and one new-request message to the hotel, and no order that is not paid has
  any of them (lost: a paid order missing one; duplicated: one too many, or one without a
  paid order);
- no order is left pending payment, and the provider's ledger agrees: every paid order's charge
  is kept, every other charge is cancelled.

Scenarios (targets in brackets):

1. **Baseline**: the load alone. Bookings accepted, latency, per-handler lag; the reference
   figures of the drills below.
2. **Mypage reads**: 100 concurrent guests (wrk, bench/reads.lua) reading their mypage list and
   detail (GET /api/mypage/ and /api/mypage/<id>/, their own orders of the baseline, projected
   by the outbox), against bench/reference's GET-by-primary-key endpoint on the same stack
   (gunicorn with deploy/gunicorn.conf.py, Django, DRF, token authentication, the same
   cluster), alternately. [reads/s >= 0.9x the reference's]
3. **Memory**: peak resident memory of every server process (gunicorn master and workers, the
   outbox worker) over the whole run, sampled every second: the sum of their high-water marks
   (VmHWM) at its largest, and the largest sum of resident sizes seen. [< 600 MB]
4. **Worker killed**: SIGKILL to the outbox worker every 10 s for 60 s, restarted at once.
   [no lost or duplicated effect, no 5xx]
5. **PostgreSQL restarts** (``pg_ctl restart -m fast`` on the bench's cluster) mid-load. [no
   500; every 503 with Retry-After; no answer slower than the client's 10 s timeout; no paid
   order without its events; every booking served again within 10 s of the database's return]
6. **Slow provider**: the provider answers in 3 s for 20 s (the product gives up after
   ``PAYMENT_TIMEOUT_MS``, 610 ms). [the breaker opens; its refusals are 503 with Retry-After
   at p99 < 50 ms; no other 5xx; full rate again within the breaker's cool-down
   (``PAYMENT_BREAKER_RESET_SECONDS``, 10 s) of the provider's return; no money kept for a
   failed booking]
7. **Hotel side down**: the worker restarted with ``RESERVATIONS_HANDLERS_FAIL=true`` for
   30 s, then restarted without. [every booking accepted meanwhile; every reservation exactly
   once; the lag under 1 s again within 30 s]
8. **SIGTERM** to the container's ``all`` role under load, then started again; the provider
   answers in 300 ms meanwhile, so that rate x 0.3 s bookings are in flight when the signal
   lands. [requests in flight answered; the worker gives its batch back (nothing leased once
   it is gone); exit 0 within ``STOP_TIMEOUT`` (deploy/entrypoint.sh); nothing lost after the
   restart]

Time to recover: the web's is the time from the fault's end to the first request from which
every later one was served (no 5xx, no refused or dropped connection); the outbox's is the time
from the fault's end to the last delivery handled 1 s or more after its publication.

``--quick`` (CI, three to four minutes): 30 bookings/s and short windows (worker killed every
5 s for 15 s, the provider slow for 8 s, the hotel side down for 8 s), and a 15 s outbox lease
(``OUTBOX_LEASE_SECONDS``; 60 s by default) so that a killed worker's deliveries are taken over
within CI's time. Both modes exit non-zero
when an effect is lost or duplicated, or an answer is a 500; the other targets are reported
with a verdict but do not fail the run (figures on a shared two-core machine are noisy).

Output: a progress line per scenario; bench/results/<stamp>.json (everything), <stamp>.md (the
tables, also printed), <stamp>-<scenario>.png (bench/drill_plot.py: answers, latency and the
outbox over time, the faults shaded), the client's records and every process's log beside them.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import drill_figures as figures  # noqa: E402
from bench.booking_bench import (  # noqa: E402
    RESULTS,
    cpu_seconds,
    machine_cpu_seconds,
    prepare,
    process_tree,
    recreate,
    run_wrk,
)
from bench.container import Product, cmdline, collect_static, container_env  # noqa: E402
from bench.drill_plot import plot_drill  # noqa: E402
from bench.event_pace import (  # noqa: E402
    Sampler,
    cpu_pressure_seconds,
    interrupted,
    lag_figures,
    wait_until_idle,
    warm_up,
)
from bench.fake_payment_provider import FakeProvider  # noqa: E402
from bench.open_loop_client import LoadProcess, Seed  # noqa: E402
from bench.throwaway_postgres import ThrowawayCluster, free_port  # noqa: E402

DB_NAME = "hotel_drills"
REFERENCE_DB_NAME = "hotel_drills_reference"
REFERENCE_APP_NAME = "reference"
# First ports tried (the next free one is taken): web, reference, provider.
WEB_PORT, REFERENCE_PORT, PROVIDER_PORT = 8210, 8220, 8230
READ_CLIENTS = 100
# The full run's rate is half the sustained capacity, estimated first from what a booking costs
# the run's own processes (web, worker, PostgreSQL, provider, client): the product's cost per
# booking changes as it grows (a new handler), and other work on the machine must not count
# as the product's. At a low rate the worker's rounds are small and a booking costs more than
# near capacity, so the estimate is taken at a rate not far below it.
CALIBRATION_RATE = 50.0
CALIBRATION_S = 20.0
WARMUP_BOOKINGS = 20
SETTLE_DEADLINE_S = 240.0
RECONCILE_PASSES = 30
CLIENT_TIMEOUT_S = 10.0  # bench/open_loop_client.py's --timeout default

# Targets.
READS_TO_REFERENCE = 0.9
MEMORY_MIB = 600.0
SERVED_AFTER_DATABASE_S = 10.0
BREAKER_REFUSAL_P99_MS = 50.0
LAG_RECOVERED_MS = 1000.0
LAG_RECOVERED_WITHIN_S = 30.0
PROVIDER_SLOW_MS = 3000.0
# During the SIGTERM drill the provider answers in this long (under PAYMENT_TIMEOUT_MS, 610 ms),
# as a real one may: rate x this many bookings are then in flight when the signal lands.
SIGTERM_PROVIDER_MS = 300.0


def _entrypoint_default(name: str) -> float:
    """A default of deploy/entrypoint.sh (``NAME="${NAME:-25}"``), read from the script."""
    text = (ROOT / "deploy" / "entrypoint.sh").read_text()
    return float(re.search(rf'{name}="\$\{{{name}:-(\d+)\}}"', text).group(1))


STOP_TIMEOUT_S = _entrypoint_default("STOP_TIMEOUT")


@dataclass(frozen=True)
class Plan:
    rate: float
    baseline_s: float
    reads_s: int
    read_rounds: int
    reference_bookings: int  # orders made in the reference, for its guests to read
    kill_every_s: float
    kill_for_s: float
    kill_load_s: float
    database_at_s: float
    database_load_s: float
    provider_at_s: float
    provider_slow_s: float
    provider_load_s: float
    handlers_at_s: float
    handlers_fail_s: float
    handlers_load_s: float
    sigterm_at_s: float
    sigterm_load_s: float
    # Settings the product runs with beyond the container's (empty: as deployed).
    product_overrides: dict[str, str] = field(default_factory=dict)


FULL = Plan(
    rate=75.0,  # half bench/README.md's sustained capacity; replaced by the run's own estimate
    baseline_s=60,
    reads_s=30,
    read_rounds=2,
    reference_bookings=4000,
    kill_every_s=10,
    kill_for_s=60,
    kill_load_s=80,
    database_at_s=15,
    database_load_s=40,
    provider_at_s=10,
    provider_slow_s=20,
    provider_load_s=50,
    handlers_at_s=10,
    handlers_fail_s=30,
    handlers_load_s=75,
    sigterm_at_s=10,
    sigterm_load_s=30,
)
QUICK = Plan(
    rate=30.0,
    baseline_s=10,
    reads_s=5,
    read_rounds=1,
    reference_bookings=300,
    kill_every_s=5,
    kill_for_s=15,
    kill_load_s=20,
    database_at_s=5,
    database_load_s=15,
    provider_at_s=3,
    provider_slow_s=8,
    provider_load_s=25,
    handlers_at_s=3,
    handlers_fail_s=8,
    handlers_load_s=22,
    sigterm_at_s=5,
    sigterm_load_s=14,
    # A killed worker's deliveries wait for its lease to run out (60 s by default) before
    # another worker takes them over; CI cannot wait a minute twice.
    product_overrides={"OUTBOX_LEASE_SECONDS": "15"},
)


# --- checks and verdicts -----------------------------------------------------------------------
@dataclass
class Check:
    """One target of a scenario. ``ok`` None: a figure given for information. ``hard``: a broken
    promise (a lost or duplicated effect, a 500) that fails the run."""

    what: str
    figure: str
    target: str
    ok: bool | None
    hard: bool = False


def verdict(checks: list[Check]) -> str:
    missed = [c.what for c in checks if c.ok is False]
    return "met" if not missed else "MISSED: " + "; ".join(missed)


def fmt(value: float | None, digits: int = 0, unit: str = "") -> str:
    return "-" if value is None else f"{value:,.{digits}f}{unit}"


# --- the run's clock ---------------------------------------------------------------------------
class Clock:
    """Seconds since the load's t0 (wall clock), and named moments of the drill on it."""

    def __init__(self, t0_wall: float) -> None:
        self.t0 = t0_wall
        self.marks: dict[str, float] = {}
        self.machine: dict[str, Any] = {}

    def now(self) -> float:
        return time.time() - self.t0

    def mark(self, name: str) -> float:
        self.marks[name] = self.now()
        return self.marks[name]


# --- the outbox sampler, carried through a database restart -----------------------------------
class ResilientSampler(Sampler):
    """bench/event_pace.py's backlog sampler; a sample the database cannot answer is a gap, and
    the next one connects again."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        super().__init__(database_url)

    def sample(self) -> dict[str, Any]:
        try:
            if self.connection.closed:
                self.connection = psycopg.connect(
                    self.database_url, autocommit=True, connect_timeout=1
                )
            return super().sample()
        except psycopg.OperationalError:
            with contextlib.suppress(psycopg.Error):
                self.connection.close()
            return {"wall": time.time(), "open": None, "done": None}


# --- memory ------------------------------------------------------------------------------------
def _status_kib(pid: int, field: str) -> int:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    found = re.search(rf"{field}:\s+(\d+)", text)
    return int(found.group(1)) if found else 0


class MemorySampler(threading.Thread):
    """Every second, the server processes' resident sizes (VmRSS) and high-water marks (VmHWM)."""

    def __init__(self, pids: Callable[[], list[int]], every: float = 1.0) -> None:
        super().__init__(name="memory-sampler", daemon=True)
        self.pids = pids
        self.every = every
        self.peak_rss_sum_mib = 0.0
        self.peak_hwm_sum_mib = 0.0
        self.at_peak: list[dict[str, Any]] = []
        self.samples = 0
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.wait(self.every):
            with contextlib.suppress(Exception):  # a process gone meanwhile; next second
                pids = self.pids()
                rss = sum(_status_kib(pid, "VmRSS") for pid in pids) / 1024
                hwm = {pid: _status_kib(pid, "VmHWM") / 1024 for pid in pids}
                self.samples += 1
                self.peak_rss_sum_mib = max(self.peak_rss_sum_mib, rss)
                if sum(hwm.values()) > self.peak_hwm_sum_mib:
                    self.peak_hwm_sum_mib = sum(hwm.values())
                    self.at_peak = [
                        {"pid": pid, "mib": round(mib, 1), "command": cmdline(pid)[:80]}
                        for pid, mib in hwm.items()
                    ]

    def stop(self) -> dict[str, Any]:
        self._halt.set()
        self.join(timeout=5)
        return {
            "samples": self.samples,
            "peak_hwm_sum_mib": round(self.peak_hwm_sum_mib, 1),
            "peak_rss_sum_mib": round(self.peak_rss_sum_mib, 1),
            "processes_at_peak": self.at_peak,
        }


# --- the product in the Kubernetes layout ------------------------------------------------------
class Deployment:
    """A ``web`` and a ``worker`` container of one image and environment (deploy/k8s), each
    restarted when it exits on its own, as its Deployment's pod would be."""

    def __init__(self, env: dict[str, str], *, logs: Path, stamp: str, run_root: Path) -> None:
        self.env = env
        self.logs = logs
        self.stamp = stamp
        self.run_root = run_root
        self.web: Product | None = None
        self.worker: Product | None = None
        self.worker_overrides: dict[str, str] = {}
        self.exits: list[dict[str, Any]] = []

    def role_env(self, role: str, overrides: dict[str, str] | None = None) -> dict[str, str]:
        run_dir = self.run_root / role
        run_dir.mkdir(exist_ok=True)
        return {
            **self.env,
            "HOTEL_RUN_DIR": str(run_dir),
            "OUTBOX_HEARTBEAT_FILE": str(run_dir / "outbox-worker.heartbeat"),
            # libpq's own variable: the container's sessions are named in pg_stat_activity.
            "PGAPPNAME": f"hotel-{role}",
            **(overrides or {}),
        }

    def log(self, role: str) -> Path:
        return self.logs / f"{self.stamp}-{role}.log"

    def start(self) -> None:
        self.start_web()
        self.start_worker()

    def start_web(self) -> None:
        self.web = Product(self.role_env("web"), self.log("web"), role="web").__enter__()
        self.web.wait_ready()

    def start_worker(self, **overrides: str) -> None:
        self.worker_overrides = overrides
        env = self.role_env("worker", overrides)
        self.worker = Product(env, self.log("worker"), role="worker").__enter__()
        self.worker.wait_ready()

    def stop_worker(self) -> dict[str, Any]:
        assert self.worker is not None
        report = self.worker.stop()
        self.worker = None
        return report

    def kill_worker(self) -> None:
        """SIGKILL: no signal handler runs, no batch is given back; its leases run out."""
        assert self.worker is not None
        assert self.worker.process is not None
        os.kill(self.worker.worker or self.worker.process.pid, signal.SIGKILL)
        self.worker.process.wait(timeout=10)
        self.worker.stop()
        self.worker = None

    def supervise(self, clock: Clock | None = None) -> None:
        """Restart a container that exited on its own (the run records it)."""
        for role in ("web", "worker"):
            product = getattr(self, role)
            if product is None or product.process is None or product.process.poll() is None:
                continue
            self.exits.append(
                {
                    "role": role,
                    "exit_status": product.process.returncode,
                    "at_s": None if clock is None else round(clock.now(), 2),
                }
            )
            print(
                f"   !!! the {role} container exited on its own "
                f"(status {product.process.returncode}); restarting it",
                flush=True,
            )
            product.stop()
            setattr(self, role, None)
            if role == "web":
                self.start_web()
            else:
                self.start_worker(**self.worker_overrides)

    def server_pids(self) -> list[int]:
        pids: list[int] = []
        for product in (self.web, self.worker):
            if product is not None:
                pids += product.web_pids() + product.worker_pids()
        return pids

    def stop(self) -> dict[str, Any]:
        reports = {}
        for role in ("web", "worker"):
            product = getattr(self, role)
            if product is not None:
                reports[role] = product.stop()
                setattr(self, role, None)
        return reports


# --- the database's view -------------------------------------------------------------------------
EFFECT_QUERIES = {
    "OrderPlaced event": (
        "SELECT aggregate_id::bigint, count(*) FROM eventbus_event"
        " WHERE event_type = 'orders.OrderPlaced' GROUP BY 1"
    ),
    "PaymentApproved event": (
        "SELECT aggregate_id::bigint, count(*) FROM eventbus_event"
        " WHERE event_type = 'payments.PaymentApproved' GROUP BY 1"
    ),
    "reservation": "SELECT order_id, count(*) FROM reservations_reservation GROUP BY 1",
    "mypage entry": "SELECT order_id, count(*) FROM customer_mypageentry GROUP BY 1",
    "booked message": (
        "SELECT order_id, count(*) FROM customer_notification WHERE kind = 'booked' GROUP BY 1"
    ),
    "hotel's new-request message": (
        "SELECT r.order_id, count(*) FROM reservations_hotelnotification n"
        " JOIN reservations_reservation r ON r.id = n.reservation_id"
        " WHERE n.kind = 'new_request' GROUP BY 1"
    ),
}
#: Effects sent once per notification channel (NOTIFICATION_CHANNELS), not once per order.
PER_CHANNEL = frozenset({"booked message", "hotel's new-request message"})
#: Effects of a handler newer than some databases the bench may meet: counted where its table is.
EFFECT_TABLES = {"hotel's new-request message": "reservations_hotelnotification"}


def count_effects(database_url: str, *, channels: int, ledger: dict[str, Any]) -> dict[str, Any]:
    """Every paid order's effects, and the provider's ledger against the orders."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        paid = dict(
            conn.execute("SELECT id, reference FROM orders_order WHERE paid_at IS NOT NULL")
        )
        orders = dict(conn.execute("SELECT status, count(*) FROM orders_order GROUP BY 1"))
        uncertain = conn.execute(
            "SELECT count(*) FROM orders_order WHERE payment_outcome_uncertain"
        ).fetchone()[0]
        per_kind = {
            kind: dict(conn.execute(sql))
            for kind, sql in EFFECT_QUERIES.items()
            if kind not in EFFECT_TABLES
            or conn.execute("SELECT to_regclass(%s)", (EFFECT_TABLES[kind],)).fetchone()[0]
        }
        deliveries = dict(conn.execute("SELECT state, count(*) FROM eventbus_delivery GROUP BY 1"))
    counts = {
        kind: figures.effect_counts(
            set(paid), per_order, each=channels if kind in PER_CHANNEL else 1
        )
        for kind, per_order in per_kind.items()
    }
    return {
        "paid_orders": len(paid),
        "orders_by_status": orders,
        "pending_payment": orders.get("pending_payment", 0),
        "outcome_uncertain": uncertain,
        "by_kind": {kind: asdict(c) for kind, c in counts.items()},
        **figures.effects_verdict(counts),
        "money": figures.money_verdict(set(paid.values()), ledger["payments"]),
        "provider_calls": ledger["calls"],
        "deliveries_by_state": deliveries,
    }


def leased_deliveries(database_url: str) -> int:
    with psycopg.connect(database_url, autocommit=True) as conn:
        return conn.execute(
            "SELECT count(*) FROM eventbus_delivery WHERE state = 'pending'"
            " AND lease_token IS NOT NULL"
        ).fetchone()[0]


def outbox_recovery_s(database_url: str, t0_wall: float, fault_end_s: float) -> float | None:
    """From the fault's end to the last delivery handled ``LAG_RECOVERED_MS`` or more after
    its publication (0: none was); None while deliveries are still open."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        if conn.execute("SELECT count(*) FROM eventbus_delivery WHERE state <> 'done'").fetchone()[
            0
        ]:
            return None
        last = conn.execute(
            "SELECT extract(epoch FROM max(completed_at)) FROM eventbus_delivery"
            " WHERE completed_at >= to_timestamp(%s)"
            " AND completed_at - created_at >= make_interval(secs => %s)",
            (t0_wall + fault_end_s, LAG_RECOVERED_MS / 1000),
        ).fetchone()[0]
    return 0.0 if last is None else max(0.0, float(last) - t0_wall - fault_end_s)


# --- the bench -----------------------------------------------------------------------------------
class SystemBench:
    def __init__(self, plan: Plan, *, quick: bool, stamp: str, stack: contextlib.ExitStack):
        self.plan = plan
        self.quick = quick
        self.stamp = stamp
        self.stack = stack
        self.results: dict[str, Any] = {
            "started": stamp,
            "mode": "quick" if quick else "full",
            "plan": asdict(plan),
            "cores": os.cpu_count(),
            "scenarios": [],
        }
        self.out = RESULTS / f"{stamp}.json"
        self.tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="drills-")))
        self.deployment: Deployment | None = None
        self.all_in_one: Product | None = None
        self.started = time.monotonic()

    # --- set-up ----------------------------------------------------------------------------
    def set_up(self) -> None:
        print("== set-up: PostgreSQL of our own, fake payment provider, database", flush=True)
        self.cluster = self.stack.enter_context(
            ThrowawayCluster(keep_log=RESULTS / f"{self.stamp}-postgres.log")
        )
        self.provider = self.stack.enter_context(
            FakeProvider(
                port=free_port(PROVIDER_PORT), log_path=RESULTS / f"{self.stamp}-provider.log"
            )
        )
        self.database_url = recreate(DB_NAME, self.cluster.server_url)
        static_root = self.tmp / "staticfiles"
        collect_static(static_root, self.tmp)
        self.web_port = free_port(WEB_PORT)
        self.env = {
            **container_env(self.database_url, self.tmp, static_root, port=self.web_port),
            **self.provider.product_settings(),
            **self.plan.product_overrides,
        }
        self.seed_file = prepare("drills", self.env)
        self.seed = Seed.load(self.seed_file)
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
            conn.execute("CHECKPOINT")
        self.results["postgres"] = {
            "port": self.cluster.port,
            "settings": self._pg_settings(),
        }
        self.results["product_environment"] = {
            k: v for k, v in self.env.items() if k not in {"PATH", "HOME", "LANG", "SECRET_KEY"}
        }
        self.memory = MemorySampler(self.server_pids)
        self.memory.start()
        self.stack.callback(self.memory.stop)

    def _pg_settings(self) -> dict[str, str]:
        names = ("max_connections", "shared_buffers", "autovacuum", "fsync", "max_wal_size")
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            return {name: conn.execute(f"SHOW {name}").fetchone()[0] for name in names}

    def server_pids(self) -> list[int]:
        pids = self.deployment.server_pids() if self.deployment is not None else []
        if self.all_in_one is not None:
            pids += self.all_in_one.web_pids() + self.all_in_one.worker_pids()
        return pids

    def start_deployment(self) -> None:
        self.deployment = Deployment(self.env, logs=RESULTS, stamp=self.stamp, run_root=self.tmp)
        self.stack.callback(self.deployment.stop)
        self.deployment.start()
        warm_up(self.seed, WARMUP_BOOKINGS, url=self.bookings_url, label="-web")
        wait_until_idle(self.database_url, deadline_s=60)

    @property
    def bookings_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}/api/orders/"

    # --- one load with steps -----------------------------------------------------------------
    def run_load(
        self,
        name: str,
        duration: float,
        steps: list[tuple[float | Callable[[Clock], float], Callable[[Clock], None]]],
        *,
        supervise: bool = True,
        rate: float | None = None,
    ) -> tuple[dict[str, Any], Clock, ResilientSampler]:
        """The open-loop load for ``duration`` s; each step runs at its time (in order; a time
        may be a function of the clock, read when the step before has run, e.g. "30 s after
        the failing worker was ready"); the containers are supervised meanwhile. Returns the
        client's record, the clock with the steps' marks, and the (still running) outbox
        sampler."""
        sampler = ResilientSampler(self.database_url)
        sampler.start()
        out = RESULTS / f"{self.stamp}-{name}-requests.json"
        try:
            with LoadProcess(
                url=self.bookings_url,
                seed_file=self.seed_file,
                rate=rate or self.plan.rate,
                duration=duration,
                out=out,
            ) as load:
                clock = Clock(load.started())
                busy, pressure = machine_cpu_seconds(), cpu_pressure_seconds()
                for when, step in [*steps, (duration, lambda clock: None)]:
                    at = when(clock) if callable(when) else when
                    while clock.now() < at:
                        if supervise and self.deployment is not None:
                            self.deployment.supervise(clock)
                        time.sleep(min(0.2, max(0.0, at - clock.now())))
                    step(clock)
                load.ended()
                raw = load.result()
                wall = clock.now()
                clock.machine = {
                    "cores": os.cpu_count(),
                    "busy_cores": (machine_cpu_seconds() - busy) / wall,
                    "load_average_1m": os.getloadavg()[0],
                }
                if pressure is not None and (after := cpu_pressure_seconds()) is not None:
                    clock.machine["cpu_pressure_share"] = (after - pressure) / wall
        except BaseException:
            sampler.stop()
            raise
        return raw, clock, sampler

    def settle(self, env: dict[str, str]) -> dict[str, Any]:
        """Reconciliation by hand (no grace), then the outbox drained."""
        started = time.monotonic()
        passes = 0
        log = RESULTS / f"{self.stamp}-reconcile.log"
        while passes < RECONCILE_PASSES:
            with psycopg.connect(self.database_url, autocommit=True) as conn:
                open_ = conn.execute(
                    "SELECT count(*) FROM orders_order WHERE status = 'pending_payment'"
                    " OR (status = 'payment_failed' AND payment_outcome_uncertain)"
                ).fetchone()[0]
            if not open_:
                break
            passes += 1
            with log.open("ab") as out:
                subprocess.run(
                    [sys.executable, "manage.py", "reconcile_payments", "--grace-seconds", "0"],
                    cwd=ROOT,
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    check=True,
                )
        still_open = wait_until_idle(self.database_url, deadline_s=SETTLE_DEADLINE_S)
        return {
            "reconcile_passes": passes,
            "seconds": round(time.monotonic() - started, 2),
            "open_after": still_open,
        }

    def finish(
        self,
        *,
        name: str,
        title: str,
        raw: dict[str, Any],
        clock: Clock,
        sampler: ResilientSampler,
        env: dict[str, str],
        faults: list[dict[str, Any]],
    ) -> tuple[dict[str, Any], list[figures.Answer]]:
        """Settle, count, and gather what every scenario under load reports."""
        settled = self.settle(env)
        try:
            sampler.stop()
        except RuntimeError as exc:  # a sampler failure costs the plot its backlog, not the run
            print(f"   (backlog sampler: {exc.__cause__!r})", flush=True)
        t0 = raw["t0_wall"]
        load_end = raw["finished_s"]
        answers = figures.answers(raw)
        lag = lag_figures(self.database_url, t0, t0 + load_end)
        slowest: dict[int, float] = {}
        for series in lag["per_second"].values():
            for row in series:
                if row["p99_ms"] is not None:
                    slowest[row["second"]] = max(slowest.get(row["second"], 0.0), row["p99_ms"])
        effects = count_effects(
            self.database_url, channels=len(self.channels()), ledger=self.provider.ledger()
        )
        scenario = {
            "name": name,
            "title": title,
            "rate": self.plan.rate,
            "duration_s": raw["duration_s"],
            "t0_wall": t0,
            "load_end_s": load_end,
            "marks": clock.marks,
            "machine": clock.machine,
            "faults": faults,
            "whole_load": figures.window(answers, 0, raw["duration_s"]),
            "lag_ms": lag["per_handler"],
            "settle": settled,
            "effects": effects,
            "requests_file": str((RESULTS / f"{self.stamp}-{name}-requests.json").name),
            "series": {
                **figures.per_second(answers, figures.series_length(raw)),
                "open_deliveries": [
                    (round(s["wall"] - t0, 2), sum(s["open"].values()))
                    for s in sampler.samples
                    if s["open"] is not None
                ],
                "lag_p99_ms": sorted(slowest.items()),
            },
        }
        return scenario, answers

    def channels(self) -> list[str]:
        return [c for c in self.env.get("NOTIFICATION_CHANNELS", "kakao").split(",") if c]

    def effect_checks(self, scenario: dict[str, Any]) -> list[Check]:
        """The effects, the settling, and how busy the machine was: every scenario's last
        lines."""
        e = scenario["effects"]
        m = scenario["machine"]
        by_kind = ", ".join(
            f"{kind} {c['missing']}/{c['duplicated']}/{c['without_a_paid_order']}"
            for kind, c in e["by_kind"].items()
            if c["missing"] or c["duplicated"] or c["without_a_paid_order"]
        )
        statuses = scenario["whole_load"]["statuses"]
        return [
            Check(
                "lost effects",
                f"{e['lost']} of {e['paid_orders']:,} paid orders"
                + (f" ({by_kind})" if by_kind else ""),
                "0",
                e["lost"] == 0,
                hard=True,
            ),
            Check("duplicated effects", str(e["duplicated"]), "0", e["duplicated"] == 0, hard=True),
            Check(
                "500 answers",
                str(statuses.get("500", 0)),
                "0",
                statuses.get("500", 0) == 0,
                hard=True,
            ),
            Check(
                "orders left unsettled",
                f"{e['pending_payment']} pending payment, {e['outcome_uncertain']} uncertain",
                "0",
                e["pending_payment"] == 0 and e["outcome_uncertain"] == 0,
            ),
            Check(
                "money against orders",
                f"{e['money']['paid_without_charge']} paid without a charge, "
                f"{e['money']['charged_without_paid_order']} charges kept without a paid order",
                "0 / 0",
                not any(e["money"].values()),
            ),
            Check(
                "outbox settled",
                f"{sum(scenario['settle']['open_after'].values())} open, "
                f"{e['deliveries_by_state'].get('dead', 0)} dead, in "
                f"{scenario['settle']['seconds']:.1f} s",
                "0 open, 0 dead",
                not scenario["settle"]["open_after"]
                and not e["deliveries_by_state"].get("dead", 0),
            ),
            Check(
                "the machine during the load",
                f"{m['busy_cores']:.2f} of {m['cores']} cores busy, CPU pressure "
                f"{fmt(m.get('cpu_pressure_share', None) and m['cpu_pressure_share'] * 100)} %, "
                f"load average {m['load_average_1m']:.1f}",
                "- (other work on the machine slows everything)",
                None,
            ),
        ]

    def record(self, scenario: dict[str, Any], checks: list[Check]) -> None:
        scenario["checks"] = [asdict(c) for c in checks]
        scenario["verdict"] = verdict(checks)
        if "series" in scenario:
            png = RESULTS / f"{self.stamp}-{scenario['name']}.png"
            plot_drill(scenario, png)
            scenario["png"] = png.name
        self.results["scenarios"].append(scenario)
        self.save()
        w = scenario.get("whole_load")
        e = scenario.get("effects")
        elapsed = time.monotonic() - self.started
        line = f"   [{elapsed:.0f} s] {scenario['title']}: {scenario['verdict']}"
        if w and e:
            line += (
                f" | {w['by_kind']['201']:,} accepted of {w['requests']:,}, statuses "
                f"{w['statuses']}, lost {e['lost']}, duplicated {e['duplicated']}"
            )
        print(line, flush=True)
        for check in checks:
            mark = {True: "ok", False: "MISSED", None: "  "}[check.ok]
            print(f"     [{mark:>6}] {check.what}: {check.figure} (target {check.target})")

    def save(self) -> None:
        self.out.write_text(json.dumps(self.results, indent=1, default=str))

    @property
    def baseline(self) -> dict[str, Any]:
        return self.results["scenarios"][0]

    def against_baseline(self, window: dict[str, Any]) -> str:
        base = self.baseline["whole_load"]["accepted_per_s"]
        ratio = window["accepted_per_s"] / base if base else None
        return f"{window['accepted_per_s']:.1f}/s ({fmt(ratio, 2)}x the baseline's)"

    # --- capacity, estimated -------------------------------------------------------------------
    def calibrate(self) -> None:
        """Half the capacity the run's own processes' CPU per booking allows on this machine's
        cores: the rate of every drill (see CALIBRATION_RATE)."""
        print(
            f"== calibration: {CALIBRATION_RATE:g} bookings/s for {CALIBRATION_S:g} s, CPU per "
            "booking of the run's own processes",
            flush=True,
        )

        def ours() -> list[int]:
            provider = [self.provider.process.pid] if self.provider.process else []
            return self.server_pids() + self.cluster.server_pids() + provider

        pids = ours()
        before = cpu_seconds(pids)
        raw, _, sampler = self.run_load("calibration", CALIBRATION_S, [], rate=CALIBRATION_RATE)
        wait_until_idle(self.database_url, deadline_s=SETTLE_DEADLINE_S)
        with contextlib.suppress(RuntimeError):
            sampler.stop()
        pids = sorted(set(pids) | set(ours()))
        bookings = max(1, sum(1 for status in raw["requests"]["status"] if status == 201))
        spent = cpu_seconds(pids) - before + raw["cpu_seconds"]
        per_booking_ms = spent * 1000 / bookings
        cores = os.cpu_count() or 1
        capacity = cores * 1000 / per_booking_ms
        rate = float(max(10, min(150, round(capacity / 2))))
        self.results["calibration"] = {
            "rate": CALIBRATION_RATE,
            "seconds": CALIBRATION_S,
            "bookings": bookings,
            "cpu_ms_per_booking": per_booking_ms,
            "cores": cores,
            "capacity_estimate_per_s": capacity,
            "drill_rate": rate,
        }
        self.plan = replace(self.plan, rate=rate)
        self.results["plan"] = asdict(self.plan)
        print(
            f"   {per_booking_ms:.1f} ms of CPU per booking: capacity about {capacity:.0f} "
            f"bookings/s on {cores} cores; the scenarios run at {rate:g}/s",
            flush=True,
        )

    # --- 1. baseline -------------------------------------------------------------------------
    def run_baseline(self) -> None:
        print(f"== [1/8] baseline: {self.plan.rate:g} bookings/s for {self.plan.baseline_s:g} s")
        raw, clock, sampler = self.run_load("baseline", self.plan.baseline_s, [])
        scenario, _ = self.finish(
            name="baseline",
            title="Baseline",
            raw=raw,
            clock=clock,
            sampler=sampler,
            env=self.env,
            faults=[],
        )
        w = scenario["whole_load"]
        slowest = max(
            (row["p99_ms"] for row in scenario["lag_ms"].values() if row["p99_ms"] is not None),
            default=None,
        )
        checks = [
            Check(
                "bookings accepted",
                f"{w['accepted_per_s']:.1f}/s, {fmt((w['accepted_share'] or 0) * 100, 2)} %",
                "100 %",
                w["accepted_share"] == 1,
            ),
            Check(
                "client latency p50 / p99",
                f"{fmt(w['latency_ms']['p50'])} / {fmt(w['latency_ms']['p99'])} ms",
                "-",
                None,
            ),
            Check("outbox lag p99, slowest handler", fmt(slowest, 0, " ms"), "-", None),
            *self.effect_checks(scenario),
        ]
        self.record(scenario, checks)

    # --- 2. reads ----------------------------------------------------------------------------
    def run_reads(self) -> None:
        plan = self.plan
        print(
            f"== [2/8] mypage reads: {READ_CLIENTS} guests, {plan.reads_s} s x {plan.read_rounds}"
        )
        if shutil.which("wrk") is None:
            self.record(
                {"name": "reads", "title": "Mypage reads"},
                [
                    Check(
                        "reads/s against the reference",
                        "skipped: wrk is not installed (apt-get install wrk)",
                        f">= {READS_TO_REFERENCE}x",
                        None,
                    )
                ],
            )
            return
        product_pairs = RESULTS / f"{self.stamp}-reads-product.txt"
        self._write_pairs(
            self.database_url,
            "SELECT t.key, o.id FROM orders_order o"
            " JOIN authtoken_token t ON t.user_id = o.guest_id"
            " JOIN customer_mypageentry m ON m.order_id = o.id",
            product_pairs,
        )
        with self._reference() as (reference_url, reference_pairs, reference_pid):
            rounds = []
            for _ in range(plan.read_rounds):
                # Both servers keep their persistent sessions (up to 64 each; the cluster has
                # room for both). Ending one's idle sessions while its load ran down killed
                # sessions that were between two statements of a request.
                sessions = {"before_reference": self.sessions_by_application()}
                reference = self._read(
                    reference_pairs,
                    reference_url,
                    "/api/orders/%d/",
                    lambda: process_tree(reference_pid),
                )
                sessions["before_product"] = self.sessions_by_application()
                assert self.deployment is not None
                web = self.deployment.web
                assert web is not None
                product = self._read(
                    product_pairs,
                    f"http://127.0.0.1:{self.web_port}/",
                    "/api/mypage/,/api/mypage/%d/",
                    web.web_pids,
                )
                rounds.append({"reference": reference, "product": product, "sessions": sessions})
                print(
                    f"   reference {reference['reads_per_s']:.1f} reads/s, product (mypage) "
                    f"{product['reads_per_s']:.1f} reads/s",
                    flush=True,
                )
        reference_rate = statistics.median(r["reference"]["reads_per_s"] for r in rounds)
        product_rate = statistics.median(r["product"]["reads_per_s"] for r in rounds)
        ratio = product_rate / reference_rate if reference_rate else 0.0
        not_200 = {
            target: sum(
                sum(v for k, v in r[target]["statuses"].items() if k != "200")
                + r[target]["timeouts"]
                + r[target]["connect_errors"]
                + r[target]["read_errors"]
                for r in rounds
            )
            for target in ("reference", "product")
        }
        cpu = {
            target: {
                group: statistics.median(r[target]["cpu_ms_per_read"][group] for r in rounds)
                for group in ("web", "postgres")
            }
            for target in ("reference", "product")
        }
        by_cpu = (cpu["reference"]["web"] + cpu["reference"]["postgres"]) / (
            cpu["product"]["web"] + cpu["product"]["postgres"]
        )
        last = rounds[-1]
        checks = [
            Check(
                "mypage reads/s against the reference GET by primary key",
                f"{product_rate:.1f} against {reference_rate:.1f} reads/s: {ratio:.2f}x",
                f">= {READS_TO_REFERENCE}x",
                ratio >= READS_TO_REFERENCE,
            ),
            Check(
                "CPU ms per read, web + PostgreSQL",
                f"product {cpu['product']['web']:.2f} + {cpu['product']['postgres']:.2f}, "
                f"reference {cpu['reference']['web']:.2f} + {cpu['reference']['postgres']:.2f}: "
                f"reads per CPU second {by_cpu:.2f}x the reference's",
                "-",
                None,
            ),
            Check(
                "latency p50 / p99, product",
                f"{last['product']['p50_ms']:.0f} / {last['product']['p99_ms']:.0f} ms",
                "-",
                None,
            ),
            Check(
                "latency p50 / p99, reference",
                f"{last['reference']['p50_ms']:.0f} / {last['reference']['p99_ms']:.0f} ms",
                "-",
                None,
            ),
            Check(
                "answers other than 200",
                f"product {not_200['product']}, reference {not_200['reference']}",
                "0",
                not any(not_200.values()),
            ),
        ]
        self.record(
            {
                "name": "reads",
                "title": "Mypage reads",
                "rounds": rounds,
                "product_reads_per_s": product_rate,
                "reference_reads_per_s": reference_rate,
                "ratio": ratio,
                "cpu_ms_per_read": cpu,
                "ratio_by_cpu": by_cpu,
            },
            checks,
        )

    def _read(
        self, pairs: Path, url: str, paths: str, web_pids: Callable[[], list[int]]
    ) -> dict[str, Any]:
        """One wrk round of reads; the server's and PostgreSQL's CPU per read answered."""
        web, postgres = web_pids(), self.cluster.server_pids()
        before = cpu_seconds(web), cpu_seconds(postgres)
        run = run_wrk(
            pairs,
            self.plan.reads_s,
            READ_CLIENTS,
            script="reads.lua",
            url=url,
            extra_env={"BENCH_READ_PATHS": paths},
        )
        postgres = sorted(set(postgres) | set(self.cluster.server_pids()))
        spent = cpu_seconds(web) - before[0], cpu_seconds(postgres) - before[1]
        reads = max(1, run["statuses"].get("200", 0))
        run["reads_per_s"] = reads / (run["duration_us"] / 1e6)
        run["cpu_ms_per_read"] = {
            "web": spent[0] * 1000 / reads,
            "postgres": spent[1] * 1000 / reads,
        }
        return run

    def sessions_by_application(self) -> dict[str, int]:
        """The cluster's client sessions by application name and state, for the results."""
        with psycopg.connect(f"{self.cluster.server_url}/postgres", autocommit=True) as conn:
            return dict(
                conn.execute(
                    "SELECT application_name || ' ' || coalesce(state, '-'), count(*)"
                    " FROM pg_stat_activity WHERE backend_type = 'client backend' GROUP BY 1"
                ).fetchall()
            )

    @staticmethod
    def _write_pairs(database_url: str, sql: str, path: Path) -> int:
        with psycopg.connect(database_url, autocommit=True) as conn:
            rows = conn.execute(sql).fetchall()
        path.write_text("".join(f"{token} {order_id}\n" for token, order_id in rows))
        if not rows:
            raise RuntimeError(f"no orders to read for {path.name}")
        return len(rows)

    @contextlib.contextmanager
    def _reference(self) -> Iterator[tuple[str, Path, int]]:
        """bench/reference under the container's gunicorn settings, its guests with orders."""
        url = recreate(REFERENCE_DB_NAME, self.cluster.server_url)
        port = free_port(REFERENCE_PORT)
        run_dir = self.tmp / "reference"
        run_dir.mkdir(exist_ok=True)
        env = {
            **container_env(url, run_dir, self.tmp / "staticfiles", port=port),
            "DJANGO_SETTINGS_MODULE": "bench.reference.settings",
            "PGAPPNAME": REFERENCE_APP_NAME,
        }
        seed_file = prepare("drills-reference", env, reference=True)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
        log = RESULTS / f"{self.stamp}-reference.log"
        with log.open("ab") as out:
            server = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "-c",
                    "deploy/gunicorn.conf.py",
                    "bench.reference.wsgi:application",
                ],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                with contextlib.suppress(httpx.TransportError):
                    if httpx.get(f"{base}/api/orders/", timeout=1).status_code in (401, 405):
                        break
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the reference server did not start; see {log}")
                time.sleep(0.2)
            rate = max(50.0, self.plan.reference_bookings / 20)
            out_file = RESULTS / f"{self.stamp}-reference-bookings.json"
            with LoadProcess(
                url=f"{base}/api/orders/",
                seed_file=seed_file,
                rate=rate,
                duration=self.plan.reference_bookings / rate,
                out=out_file,
            ) as load:
                load.started()
                load.ended()
                load.result()
            pairs = RESULTS / f"{self.stamp}-reads-reference.txt"
            self._write_pairs(
                url,
                "SELECT t.key, o.id FROM reference_booking_order o"
                " JOIN authtoken_token t ON t.user_id = o.guest_id",
                pairs,
            )
            yield f"{base}/", pairs, server.pid
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(timeout=10)

    # --- 3. memory (after every other scenario) ------------------------------------------------
    def memory_scenario(self) -> None:
        memory = self.memory.stop()
        self.record(
            {"name": "memory", "title": "Memory", **memory},
            [
                Check(
                    "peak resident memory, every server process",
                    f"{memory['peak_hwm_sum_mib']:.0f} MiB (sum of high-water marks; largest "
                    f"sum of resident sizes seen {memory['peak_rss_sum_mib']:.0f} MiB)",
                    f"< {MEMORY_MIB:.0f} MB",
                    memory["peak_hwm_sum_mib"] * 1.048576 < MEMORY_MIB,
                )
            ],
        )

    # --- 4. the worker killed ------------------------------------------------------------------
    def run_worker_killed(self) -> None:
        plan = self.plan
        kills = int(plan.kill_for_s // plan.kill_every_s)
        print(
            f"== [4/8] worker killed: SIGKILL every {plan.kill_every_s:g} s, {kills} times, "
            f"restarted at once; {plan.rate:g} bookings/s for {plan.kill_load_s:g} s",
            flush=True,
        )
        assert self.deployment is not None
        deployment = self.deployment

        def kill(number: int) -> Callable[[Clock], None]:
            def step(clock: Clock) -> None:
                clock.mark(f"kill {number}")
                deployment.kill_worker()
                deployment.start_worker()
                clock.mark(f"restarted {number}")

            return step

        steps = [(plan.kill_every_s * n, kill(n)) for n in range(1, kills + 1)]
        raw, clock, sampler = self.run_load("worker-killed", plan.kill_load_s, steps)
        m = clock.marks
        faults = [
            {"label": "SIGKILL", "start_s": m[f"kill {n}"], "end_s": m[f"kill {n}"]}
            for n in range(1, kills + 1)
        ]
        scenario, _ = self.finish(
            name="worker-killed",
            title="Worker killed",
            raw=raw,
            clock=clock,
            sampler=sampler,
            env=self.env,
            faults=faults,
        )
        restarts = [m[f"restarted {n}"] - m[f"kill {n}"] for n in range(1, kills + 1)]
        recovered = outbox_recovery_s(self.database_url, raw["t0_wall"], m[f"restarted {kills}"])
        w = scenario["whole_load"]
        scenario["worker_restart_s"] = restarts
        scenario["outbox_recovery_s"] = recovered
        checks = [
            Check("bookings accepted", self.against_baseline(w), "the baseline's", None),
            Check(
                "5xx answers",
                str(w["by_kind"]["503"] + w["by_kind"]["other 5xx"]),
                "0",
                w["by_kind"]["503"] + w["by_kind"]["other 5xx"] == 0,
            ),
            Check(
                "worker restart (kill to ready)",
                f"{fmt(min(restarts), 1)}-{fmt(max(restarts), 1)} s",
                "-",
                None,
            ),
            Check(
                "outbox recovered after the last restart",
                fmt(recovered, 1, " s"),
                "- (a killed worker's leases run out after OUTBOX_LEASE_SECONDS)",
                None,
            ),
            *self.effect_checks(scenario),
        ]
        self.record(scenario, checks)

    # --- 5. PostgreSQL restarts ---------------------------------------------------------------
    def run_database_restart(self) -> None:
        plan = self.plan
        print(
            f"== [5/8] PostgreSQL restart (pg_ctl restart -m fast) at {plan.database_at_s:g} s; "
            f"{plan.rate:g} bookings/s for {plan.database_load_s:g} s",
            flush=True,
        )
        exits_before = len(self.deployment.exits) if self.deployment else 0

        def restart(clock: Clock) -> None:
            clock.mark("down")
            self.cluster.restart("fast")
            clock.mark("up")

        raw, clock, sampler = self.run_load(
            "database-restart", plan.database_load_s, [(plan.database_at_s, restart)]
        )
        down, up = clock.marks["down"], clock.marks["up"]
        scenario, answers = self.finish(
            name="database-restart",
            title="PostgreSQL restarts",
            raw=raw,
            clock=clock,
            sampler=sampler,
            env=self.env,
            faults=[{"label": "PostgreSQL restarting", "start_s": down, "end_s": up}],
        )
        during = figures.window(answers, down, up + 1.0)
        served = figures.recovery_s(answers, up)
        recovered = outbox_recovery_s(self.database_url, raw["t0_wall"], up)
        died = self.deployment.exits[exits_before:] if self.deployment else []
        w = scenario["whole_load"]
        slowest = w["latency_ms"]["max"]
        scenario.update(
            outage_s=up - down,
            during_outage=during,
            web_recovery_s=served,
            outbox_recovery_s=recovered,
            containers_exited=died,
        )
        refused = w["by_kind"]["503"]
        checks = [
            Check("database down (restart command)", f"{up - down:.2f} s", "-", None),
            Check(
                "answers sent while down (+1 s)",
                f"{during['statuses']}",
                "201 or 503",
                during["by_kind"]["other 5xx"] == 0 and during["by_kind"]["no answer"] == 0,
            ),
            Check(
                "503s without Retry-After",
                f"{w['503_without_retry_after']} of {refused}",
                "0",
                w["503_without_retry_after"] == 0,
            ),
            Check(
                "slowest answer",
                fmt(slowest, 0, " ms"),
                f"< {CLIENT_TIMEOUT_S * 1000:.0f} ms (client timeout)",
                slowest is not None
                and slowest < CLIENT_TIMEOUT_S * 1000
                and w["by_kind"]["no answer"] == 0,
            ),
            Check(
                "every booking served again after the database's return",
                fmt(served, 2, " s"),
                f"<= {SERVED_AFTER_DATABASE_S:.0f} s",
                served is not None and served <= SERVED_AFTER_DATABASE_S,
            ),
            Check(
                "outbox recovered after the database's return", fmt(recovered, 1, " s"), "-", None
            ),
            Check(
                "containers that died with the database",
                ", ".join(f"{d['role']} (status {d['exit_status']})" for d in died) or "none",
                "none",
                not died,
            ),
            *self.effect_checks(scenario),
        ]
        self.record(scenario, checks)

    # --- 6. slow payment provider -------------------------------------------------------------
    def run_slow_provider(self) -> None:
        plan = self.plan
        cooldown = float(self.env.get("PAYMENT_BREAKER_RESET_SECONDS", "10"))
        print(
            f"== [6/8] slow provider: {PROVIDER_SLOW_MS / 1000:g} s per call from "
            f"{plan.provider_at_s:g} s for {plan.provider_slow_s:g} s; {plan.rate:g} bookings/s "
            f"for {plan.provider_load_s:g} s",
            flush=True,
        )

        def slow(clock: Clock) -> None:
            self.provider.set_latency(PROVIDER_SLOW_MS)
            clock.mark("slow")

        def fast(clock: Clock) -> None:
            self.provider.set_latency(0)
            clock.mark("fast")

        raw, clock, sampler = self.run_load(
            "slow-provider",
            plan.provider_load_s,
            [(plan.provider_at_s, slow), (plan.provider_at_s + plan.provider_slow_s, fast)],
        )
        start, end = clock.marks["slow"], clock.marks["fast"]
        scenario, answers = self.finish(
            name="slow-provider",
            title="Slow payment provider",
            raw=raw,
            clock=clock,
            sampler=sampler,
            env=self.env,
            faults=[
                {"label": f"provider {PROVIDER_SLOW_MS / 1000:g} s", "start_s": start, "end_s": end}
            ],
        )
        during = figures.window(answers, start, end)
        base_latency = self.baseline["whole_load"]["latency_ms"]
        called = self.reached_the_provider(raw)
        refusals = figures.latency_of(
            (a for i, a in enumerate(answers) if i not in called), code="payment_unavailable"
        )
        tripping = figures.latency_of(
            (a for i, a in enumerate(answers) if i in called), code="payment_unavailable"
        )
        timeouts = figures.latency_of(answers, code="payment_timeout")
        served = figures.recovery_s(answers, end)
        w = scenario["whole_load"]
        other_failures = w["by_kind"]["other 5xx"] + w["by_kind"]["no answer"]
        scenario.update(
            during_slowness=during,
            breaker_refusals_ms=refusals,
            calls_that_tripped_or_tried_the_breaker_ms=tripping,
            provider_timeouts_ms=timeouts,
            web_recovery_s=served,
        )
        checks = [
            Check(
                "the breaker opens (503 payment_unavailable)",
                f"{refusals['count']:,} refusals without a provider call; "
                f"{timeouts['count']} timeouts and {tripping['count']} calls that opened the "
                f"circuit or tried it half-open (p99 {fmt(tripping['p99'])} ms)",
                "> 0 refusals",
                refusals["count"] > 0,
            ),
            Check(
                "breaker refusals p99",
                f"{fmt(refusals['p99'], 1, ' ms')} (p50 {fmt(refusals['p50'], 1, ' ms')}; the "
                f"baseline's bookings: p50 {fmt(base_latency['p50'])}, "
                f"p99 {fmt(base_latency['p99'])} ms)",
                f"< {BREAKER_REFUSAL_P99_MS:.0f} ms",
                refusals["p99"] is not None and refusals["p99"] < BREAKER_REFUSAL_P99_MS,
            ),
            Check(
                "503s without Retry-After",
                f"{w['503_without_retry_after']} of {w['by_kind']['503']}",
                "0",
                w["503_without_retry_after"] == 0,
            ),
            Check("other 5xx or no answer", str(other_failures), "0", other_failures == 0),
            Check(
                "full rate again after the provider's return",
                fmt(served, 2, " s"),
                f"<= {cooldown:g} s (breaker cool-down)",
                served is not None and served <= cooldown,
            ),
            Check("bookings accepted while slow", self.against_baseline(during), "-", None),
            *self.effect_checks(scenario),
        ]
        self.record(scenario, checks)

    def reached_the_provider(self, raw: dict[str, Any]) -> set[int]:
        """The load's requests whose booking called the provider (the provider saw a confirm
        call for its order), found by their Idempotency-Key."""
        charged = set(self.provider.confirm_calls())
        prefix = f"pace-{raw['run_id']}_"
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT r.idempotency_key, o.reference FROM orders_bookingrequest r"
                " JOIN orders_order o ON o.id = r.order_id WHERE r.idempotency_key LIKE %s",
                (prefix + "%",),
            ).fetchall()
        return {int(key[len(prefix) :]) for key, reference in rows if reference in charged}

    # --- 7. the hotel side down -----------------------------------------------------------------
    def run_handlers_fail(self) -> None:
        plan = self.plan
        print(
            f"== [7/8] hotel side down: worker restarted with RESERVATIONS_HANDLERS_FAIL=true "
            f"from {plan.handlers_at_s:g} s for {plan.handlers_fail_s:g} s; {plan.rate:g} "
            f"bookings/s for {plan.handlers_load_s:g} s",
            flush=True,
        )
        assert self.deployment is not None
        deployment = self.deployment

        def failing(on: bool) -> Callable[[Clock], None]:
            def step(clock: Clock) -> None:
                clock.mark("switching on" if on else "switching off")
                deployment.stop_worker()
                deployment.start_worker(RESERVATIONS_HANDLERS_FAIL="true" if on else "false")
                clock.mark("on" if on else "off")

            return step

        raw, clock, sampler = self.run_load(
            "hotel-side-down",
            plan.handlers_load_s,
            [
                (plan.handlers_at_s, failing(True)),
                (lambda clock: clock.marks["on"] + plan.handlers_fail_s, failing(False)),
            ],
        )
        on, off = clock.marks["on"], clock.marks["off"]
        scenario, answers = self.finish(
            name="hotel-side-down",
            title="Hotel side down",
            raw=raw,
            clock=clock,
            sampler=sampler,
            env=self.env,
            faults=[{"label": "reservations handlers fail", "start_s": on, "end_s": off}],
        )
        during = figures.window(answers, on, off)
        recovered = outbox_recovery_s(self.database_url, raw["t0_wall"], off)
        booking_flow = scenario["lag_ms"].get("reservations.booking_flow", {})
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            retried, most = conn.execute(
                "SELECT count(*), max(attempts) FROM eventbus_delivery"
                " WHERE handler = 'reservations.booking_flow' AND attempts > 1"
                " AND created_at >= to_timestamp(%s)",
                (raw["t0_wall"],),
            ).fetchone()
        scenario.update(
            while_down=during,
            outbox_recovery_s=recovered,
            retried_deliveries=retried,
            most_attempts=most,
        )
        checks = [
            Check(
                "bookings accepted while the hotel side is down",
                f"{self.against_baseline(during)}, "
                f"{fmt((during['accepted_share'] or 0) * 100, 2)} % of {during['requests']:,}",
                "100 %",
                during["accepted_share"] == 1,
            ),
            Check(
                "deliveries retried, most attempts of one",
                f"{retried:,}, {most or 0} (the last retries wait up to about as long as the "
                "outage lasted: exponential backoff)",
                f"< {self.env.get('OUTBOX_MAX_ATTEMPTS', '8')} (OUTBOX_MAX_ATTEMPTS: then dead)",
                (most or 0) < int(self.env.get("OUTBOX_MAX_ATTEMPTS", "8")),
            ),
            Check(
                "reservations.booking_flow lag p99 over the load",
                fmt(booking_flow.get("p99_ms"), 0, " ms"),
                "-",
                None,
            ),
            Check(
                "lag under 1 s again after the hotel side's return",
                fmt(recovered, 1, " s"),
                f"<= {LAG_RECOVERED_WITHIN_S:.0f} s",
                recovered is not None and recovered <= LAG_RECOVERED_WITHIN_S,
            ),
            *self.effect_checks(scenario),
        ]
        self.record(scenario, checks)

    # --- 8. SIGTERM to the container's all role ------------------------------------------------
    def run_sigterm(self) -> None:
        plan = self.plan
        print(
            f"== [8/8] SIGTERM to `entrypoint.sh all` at {plan.sigterm_at_s:g} s, started again; "
            f"{plan.rate:g} bookings/s for {plan.sigterm_load_s:g} s, the provider answering in "
            f"{SIGTERM_PROVIDER_MS:g} ms",
            flush=True,
        )
        assert self.deployment is not None
        self.results["deployment_stop"] = self.deployment.stop()
        self.results["containers_exited_on_their_own"] = self.deployment.exits
        self.deployment = None
        log = RESULTS / f"{self.stamp}-all.log"
        env = {
            **self.env,
            "HOTEL_RUN_DIR": str(self.tmp / "all"),
            "OUTBOX_HEARTBEAT_FILE": str(self.tmp / "all" / "outbox-worker.heartbeat"),
            "PGAPPNAME": "hotel-all",
        }
        (self.tmp / "all").mkdir(exist_ok=True)

        def start() -> Product:
            product = Product(env, log, role="all").__enter__()
            self.stack.callback(product.stop)
            product.wait_ready()
            return product

        self.all_in_one = start()
        warm_up(self.seed, WARMUP_BOOKINGS, url=self.bookings_url, label="-all")
        wait_until_idle(self.database_url, deadline_s=60)
        stopped: dict[str, Any] = {}

        def sigterm(clock: Clock) -> None:
            product = self.all_in_one
            assert product is not None
            assert product.process is not None
            log_size = log.stat().st_size
            clock.mark("sigterm")
            product.process.send_signal(signal.SIGTERM)
            started = time.monotonic()
            with contextlib.suppress(subprocess.TimeoutExpired):
                product.process.wait(timeout=STOP_TIMEOUT_S + 15)
            stopped["seconds"] = time.monotonic() - started
            clock.mark("exited")
            stopped["leased_after"] = leased_deliveries(self.database_url)
            stopped["report"] = product.stop()
            after = log.read_bytes()[log_size:].decode(errors="replace")
            stopped["worker_said_stopped"] = bool(re.search(r"outbox worker \S+ stopped", after))
            stopped["entrypoint_said"] = re.findall(r"entrypoint: [^\n]*", after)
            self.all_in_one = start()
            clock.mark("restarted")

        self.provider.set_latency(SIGTERM_PROVIDER_MS)
        try:
            raw, clock, sampler = self.run_load(
                "sigterm", plan.sigterm_load_s, [(plan.sigterm_at_s, sigterm)], supervise=False
            )
        finally:
            self.provider.set_latency(0)
        m = clock.marks
        scenario, answers = self.finish(
            name="sigterm",
            title="SIGTERM to the container",
            raw=raw,
            clock=clock,
            sampler=sampler,
            env=env,
            faults=[
                {
                    "label": "stopped, starting again",
                    "start_s": m["sigterm"],
                    "end_s": m["restarted"],
                }
            ],
        )
        in_flight = figures.in_flight_at(answers, m["sigterm"])
        before = figures.window(answers, 0, m["sigterm"])
        down = figures.window(answers, m["sigterm"], m["restarted"])
        served = figures.recovery_s(answers, m["restarted"])
        status = stopped["report"].get("entrypoint_exit_status")
        scenario.update(
            stop=stopped, in_flight_at_sigterm=in_flight, down=down, web_recovery_s=served
        )
        checks = [
            Check(
                "requests in flight at SIGTERM answered",
                f"{in_flight['count'] - in_flight['no answer']} of {in_flight['count']} "
                f"({in_flight['201']} 201)",
                "all",
                in_flight["no answer"] == 0 and in_flight["other 5xx"] == 0,
            ),
            Check(
                "5xx before SIGTERM",
                str(before["by_kind"]["503"] + before["by_kind"]["other 5xx"]),
                "0",
                before["by_kind"]["503"] + before["by_kind"]["other 5xx"] == 0,
            ),
            Check(
                "exit status, time to exit",
                f"{status}, {stopped['seconds']:.1f} s",
                f"0 within {STOP_TIMEOUT_S:g} s",
                status == 0 and stopped["seconds"] < STOP_TIMEOUT_S,
            ),
            Check(
                "the worker gave its batch back",
                f"{stopped['leased_after']} deliveries still leased; the worker logged its "
                f"stop: {stopped['worker_said_stopped']}",
                "0 leased",
                stopped["leased_after"] == 0 and stopped["worker_said_stopped"],
            ),
            Check(
                "while stopped and starting again",
                f"{m['restarted'] - m['sigterm']:.1f} s, {down['statuses']}",
                "- (no load balancer here: refused)",
                None,
            ),
            Check("every booking served again after the restart", fmt(served, 2, " s"), "-", None),
            *self.effect_checks(scenario),
        ]
        self.record(scenario, checks)
        product = self.all_in_one
        self.all_in_one = None
        assert product is not None
        self.results["all_stop"] = product.stop()


# --- output --------------------------------------------------------------------------------------
def markdown(results: dict[str, Any]) -> str:
    lines = [
        f"Whole-system bench, {results['mode']} mode, started {results['started']} "
        f"({results['plan']['rate']:g} bookings/s).",
        "",
        "| scenario | bookings accepted | 5xx | lost | duplicated | time to recover | verdict |",
        "|---|---|---|---|---|---|---|",
    ]
    base = next((s for s in results["scenarios"] if s["name"] == "baseline"), None)
    base_rate = base["whole_load"]["accepted_per_s"] if base else None
    for s in results["scenarios"]:
        w, e = s.get("whole_load"), s.get("effects")
        if w is None or e is None:
            continue
        fivexx = w["by_kind"]["503"] + w["by_kind"]["other 5xx"]
        ratio = f" ({w['accepted_per_s'] / base_rate:.2f}x)" if base_rate and s is not base else ""
        recover = []
        if "web_recovery_s" in s:
            recover.append(f"web {fmt(s['web_recovery_s'], 1, ' s')}")
        if "outbox_recovery_s" in s:
            recover.append(f"outbox {fmt(s['outbox_recovery_s'], 1, ' s')}")
        lines.append(
            f"| {s['title']} | {w['by_kind']['201']:,} of {w['requests']:,}, "
            f"{w['accepted_per_s']:.1f}/s{ratio} | {fivexx:,}"
            + (f" ({w['by_kind']['other 5xx']} not 503)" if w["by_kind"]["other 5xx"] else "")
            + f" | {e['lost']} | {e['duplicated']} | {', '.join(recover) or '-'} | {s['verdict']} |"
        )
    lines += ["", "| scenario | check | figure | target | |", "|---|---|---|---|---|"]
    for s in results["scenarios"]:
        for c in s["checks"]:
            mark = {True: "ok", False: "**missed**", None: ""}[c["ok"]]
            lines.append(f"| {s['title']} | {c['what']} | {c['figure']} | {c['target']} | {mark} |")
    plots = [s["png"] for s in results["scenarios"] if "png" in s]
    lines += ["", "Plots: " + ", ".join(plots)]
    return "\n".join(lines)


def hard_failures(results: dict[str, Any]) -> list[str]:
    return [
        f"{s['title']}: {c['what']} {c['figure']}"
        for s in results["scenarios"]
        for c in s["checks"]
        if c["hard"] and c["ok"] is False
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Whole-system bench and fault drills (see bench/system_bench.py).",
    )
    parser.add_argument("--quick", action="store_true", help="CI: short drills, ~3 minutes")
    parser.add_argument(
        "--rate",
        type=float,
        help="bookings/s (default: half the capacity estimated first; quick: 30)",
    )
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    if args.rate:
        plan = Plan(**{**asdict(plan), "rate": args.rate})
    signal.signal(signal.SIGTERM, interrupted)
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    started = time.monotonic()
    with contextlib.ExitStack() as stack:
        bench = SystemBench(plan, quick=args.quick, stamp=stamp, stack=stack)
        try:
            bench.set_up()
            bench.start_deployment()
            if not args.quick and not args.rate:
                bench.calibrate()
            bench.run_baseline()
            bench.run_reads()
            bench.run_worker_killed()
            bench.run_database_restart()
            bench.run_slow_provider()
            bench.run_handlers_fail()
            bench.run_sigterm()
            print("== [3/8] memory, over the whole run", flush=True)
            bench.memory_scenario()
        finally:
            bench.results["seconds"] = round(time.monotonic() - started, 1)
            bench.save()
    results = bench.results
    table = markdown(results)
    (RESULTS / f"{stamp}.md").write_text(table + "\n")
    print()
    print(table)
    print(f"\nresults: bench/results/{stamp}.json, {stamp}.md ({results['seconds']:.0f} s)")
    failures = hard_failures(results)
    if failures:
        print("\nBROKEN PROMISES:\n  " + "\n  ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
