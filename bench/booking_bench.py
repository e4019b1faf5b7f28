"""Full-stack booking bench: the original's load shape against gunicorn + PostgreSQL.

    python bench/booking_bench.py [--duration 60] [--clients 100] [--only a|b|reference]
                                  [--rounds 3]

100 concurrent clients (wrk, -c100) POST bookings for 60 s, spread over 20 hotels x 5 room
types x 360 nights x 200 rooms and 2,000 guests, so sold-out is rare. Runs, in one go:

(reference) a minimal DRF endpoint (bench/reference/: guarded inventory UPDATE, order,
            payment and two outbox rows in one transaction) with the same server settings;
(a)         the product, sandbox provider without injected latency;
(b)         the product, sandbox provider with 400-620 ms injected, as the original.

For each: bookings/s (201s), availability (answers that are neither 5xx nor socket errors or
timeouts), p50/p99 latency, peak resident memory of the server processes (gunicorn master and
workers, plus the outbox worker for the product), and outbox lag (publish to handled) p50/p99.
Results go to bench/results/booking.json; for (a) and (b), bookings, lag and open deliveries over
time are read back from the database and plotted to bench/plots/booking_bench-<a|b>.png
(bench/saturation_plot.py; the last round's). The reference and (a) run ``--rounds`` times,
alternately (reference, a, reference, a, ...): the reference's throughput swings with the
machine's commit latency, so each round's (a) is compared with the reference run just before
it, in bookings/s and by machine CPU per booking, and the medians over the rounds are given.

Server settings come from the environment (defaults below, and why): BENCH_GUNICORN_WORKERS_A/_B,
BENCH_THREADS_A/_B, BENCH_DB_POOL_MAX_SIZE, BENCH_PAYMENT_TIMEOUT_MS;
BENCH_OUTBOX_WORKER=off leaves the outbox worker out, to see what it costs the guests.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.saturation_plot import plot_saturation, saturation_series  # noqa: E402
from bench.server_autovacuum import OUTBOX_SERVER_NAPTIME, autovacuum_on  # noqa: E402

RESULTS = ROOT / "bench" / "results"
PLOTS = ROOT / "bench" / "plots"
BIN = Path(sys.executable).parent
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
PORT = 8100

# Server settings (see the README's performance section for why). Processes: one per core
# while the work is CPU-bound (reference, a); with 400-620 ms of provider latency (b) four
# processes of 50 threads beat two of 100 (152.1 and 149.3 against 134.9 and 136.0 bookings/s
# in alternating runs): fewer threads contend for each process's GIL.
GUNICORN_WORKERS = {
    "reference": int(os.environ.get("BENCH_GUNICORN_WORKERS_A", "2")),
    "a": int(os.environ.get("BENCH_GUNICORN_WORKERS_A", "2")),
    "b": int(os.environ.get("BENCH_GUNICORN_WORKERS_B", "4")),
}
# Threads per process: with no provider latency (reference, a) the work is CPU-bound and a few
# threads per core suffice; with 400-620 ms of provider latency (b) every client's request is
# in flight at once. The processes do not split wrk's 100 keep-alive connections evenly (they
# accept from one socket), so four processes get 50 threads each and take at most 51
# connections (connections_per_process below); the payment bulkhead admits as many calls as a
# process has threads (as in the container, whose default bulkhead of 50 is above its 32
# threads): it is never what turns a guest away.
THREADS = {
    "reference": int(os.environ.get("BENCH_THREADS_A", "16")),
    "a": int(os.environ.get("BENCH_THREADS_A", "16")),
    "b": int(os.environ.get("BENCH_THREADS_B", "50")),
}


def connections_per_process(target: str, clients: int) -> int:
    """gunicorn's --worker-connections: each process takes its share of the clients, and never
    more connections than it has threads to serve (plus one).

    The processes accept from one socket, and wrk's keep-alive connections stay where they
    land: uncapped, one of two processes held 97 of the 100 connections in a run (ss -tnp).
    In (a) and the reference, rounds then swung by a fifth of their bookings/s with the draw
    (five rounds of (a) against the reference: 0.75x to 1.00x uncapped, 0.91x to 1.01x capped;
    see the README). In (b), where a request waits ~0.5 s on the provider, a process holding
    more connections than threads queues them: one run gave 96.0 bookings/s at a p50 of 1,033
    ms, two provider latencies. gthread keeps at most (connections - threads) connections
    idle, hence threads + 1 at the least.
    """
    return max(-(-clients // GUNICORN_WORKERS[target]), THREADS[target] + 1)


# BENCH_OUTBOX_WORKER=off runs the product without its outbox worker: what the worker costs the
# guests on a shared box (the scenario itself always runs it).
OUTBOX_WORKER = os.environ.get("BENCH_OUTBOX_WORKER", "on") != "off"
DB_POOL_MAX_SIZE = int(os.environ.get("BENCH_DB_POOL_MAX_SIZE", "16"))
# The sandbox's injected 400-620 ms must fit in the provider timeout, else ~5 % of the calls
# would time out by construction; 700 ms keeps the timeout a timeout, not a coin toss.
PAYMENT_TIMEOUT_MS = os.environ.get("BENCH_PAYMENT_TIMEOUT_MS", "700")


def recreate(db: str, server: str = PG) -> str:
    """A fresh, empty database ``db`` on ``server`` (a URL without a database name)."""
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{db}"')
    return f"{server}/{db}"


def server_env(database_url: str, settings_module: str, latency: str = "") -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": settings_module,
        "DATABASE_URL": database_url,
        "HOTEL_ENV": "production",
        "DEBUG": "false",
        "SECRET_KEY": "bench-" + "s" * 50,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DB_POOL_MAX_SIZE": str(DB_POOL_MAX_SIZE),
        "PAYMENT_SANDBOX_LATENCY_MS": latency,
        "PAYMENT_TIMEOUT_MS": PAYMENT_TIMEOUT_MS,
        "PAYMENT_MAX_CONCURRENT_CALLS": str(max(THREADS.values())),
        "LOG_LEVEL": "WARNING",
    }


def prepare(target: str, env: dict[str, str], *, reference: bool | None = None) -> Path:
    """Migrate and seed ``env``'s database (the reference project's tables with ``reference``,
    by default when ``target`` is "reference"); returns the seed file."""
    manage = [sys.executable, "-m", "django"]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True, cwd=ROOT)
    seed_file = RESULTS / f"seed-{target}.json"
    args = [sys.executable, str(ROOT / "bench" / "seed_bookings.py"), str(seed_file)]
    if reference or (reference is None and target == "reference"):
        args.append("--reference")
    subprocess.run(args, env=env, check=True, cwd=ROOT)
    return seed_file


def start_server(
    wsgi: str, env: dict[str, str], workers: int, threads: int, connections: int
) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            wsgi,
            "--bind",
            f"127.0.0.1:{PORT}",
            "--worker-class",
            "gthread",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--backlog",
            "2048",
            "--timeout",
            "60",
            "--worker-connections",
            str(connections),
        ],
        env=env,
        cwd=ROOT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{PORT}/api/orders/", timeout=1).status_code < 500:
                return server
        except httpx.TransportError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("server did not start")


def process_tree(pid: int) -> list[int]:
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [pid, *(int(child) for child in children.split())]


def peak_rss_mib(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:  # gone meanwhile
            continue
        total += int(re.search(r"VmHWM:\s+(\d+)", status).group(1))
    return total / 1024


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds used so far by ``pids``."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile (FileNotFoundError, or ProcessLookupError mid-read)
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def postgres_pids() -> list[int]:
    pids = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if (proc / "comm").read_text().startswith("postgres"):
                    pids.append(int(proc.name))
            except OSError:
                continue
    return pids


def machine_cpu_seconds() -> float:
    """CPU seconds all cores spent busy (not idle or waiting on I/O) since boot."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def run_wrk(
    seed: Path,
    duration: int,
    clients: int,
    *,
    script: str = "booking.lua",
    url: str = f"http://127.0.0.1:{PORT}/api/orders/",
    extra_env: dict[str, str] | None = None,
) -> dict:
    """wrk with ``bench/<script>`` (which reads BENCH_SEED); its WRK_JSON line, parsed."""
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{clients}",
            f"-d{duration}s",
            "--timeout",
            "10s",
            "-s",
            str(ROOT / "bench" / script),
            url,
        ],
        env={**os.environ, "BENCH_SEED": str(seed), **(extra_env or {})},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.split("WRK_JSON ", 1)[1])


def outbox_lag(database_url: str) -> dict:
    """The backlog the load left behind, how fast the worker drained it once the load stopped
    (waiting up to BENCH_DRAIN_SECONDS), and publish-to-handled lag of the deliveries done."""
    wait = float(os.environ.get("BENCH_DRAIN_SECONDS", "120"))
    open_sql = "SELECT count(*) FROM eventbus_delivery WHERE state <> 'done'"
    with psycopg.connect(database_url, autocommit=True) as conn:
        backlog = conn.execute(open_sql).fetchone()[0]
        started = time.monotonic()
        open_ = backlog
        while open_ and time.monotonic() - started < wait:
            time.sleep(0.5)
            open_ = conn.execute(open_sql).fetchone()[0]
        elapsed = time.monotonic() - started
        lags = [
            row[0]
            for row in conn.execute(
                "SELECT extract(epoch FROM completed_at - created_at) * 1000 "
                "FROM eventbus_delivery WHERE state = 'done'"
            )
        ]
    drained_per_s = (backlog - open_) / elapsed if elapsed else None
    result = {
        "backlog_at_end_of_load": backlog,
        "drained_per_s": drained_per_s,
        # What the backlog holds in the worker's time: the saturation target's measure.
        "backlog_seconds_of_work": backlog / drained_per_s if drained_per_s else 0.0,
        "open_after_drain": open_,
        "deliveries_done": len(lags),
    }
    if len(lags) >= 2:
        cuts = statistics.quantiles([float(v) for v in lags], n=100, method="inclusive")
        result.update(p50_ms=cuts[49], p99_ms=cuts[98])
    return result


def measure(target: str, *, duration: int, clients: int) -> dict:
    latency = "400-620" if target == "b" else ""
    settings_module = (
        "bench.reference.settings" if target == "reference" else "bench.settings_booking"
    )
    database_url = recreate(f"hotel_bench_{target}")
    env = server_env(database_url, settings_module, latency)
    seed = prepare(target, env)
    # Each scenario starts from a clean checkpoint: otherwise the pages the previous scenario
    # (or the seeding) dirtied are flushed, with full-page WAL writes, during this one's load.
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("CHECKPOINT")
    wsgi = "bench.reference.wsgi:application" if target == "reference" else "hotel.wsgi:application"
    worker = None
    if target != "reference" and OUTBOX_WORKER:
        worker = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "manage.py"),
                "outbox",
                "work",
            ],
            env=env,
            cwd=ROOT,
        )
    server = start_server(
        wsgi,
        env,
        GUNICORN_WORKERS[target],
        THREADS[target],
        connections_per_process(target, clients),
    )
    try:
        web_pids, worker_pids = process_tree(server.pid), [worker.pid] if worker else []
        # Where the machine's CPU goes while the load runs (postgres: every backend, the
        # worker's included, plus WAL writer and checkpointer; other: wrk and the kernel).
        before = {
            "web": cpu_seconds(web_pids),
            "outbox_worker": cpu_seconds(worker_pids),
            "postgres": cpu_seconds(postgres_pids()),
            "machine": machine_cpu_seconds(),
        }
        load_started_at = time.time()
        result = run_wrk(seed, duration, clients)
        spent = {
            "web": cpu_seconds(web_pids) - before["web"],
            "outbox_worker": cpu_seconds(worker_pids) - before["outbox_worker"],
            "postgres": cpu_seconds(postgres_pids()) - before["postgres"],
            "machine": machine_cpu_seconds() - before["machine"],
        }
        spent["other"] = (
            spent["machine"] - spent["web"] - spent["outbox_worker"] - spent["postgres"]
        )
        bookings = max(1, result["statuses"].get("201", 0))
        result["cpu_ms_per_booking"] = {k: v * 1000 / bookings for k, v in spent.items()}
        result["peak_rss_mib"] = peak_rss_mib(web_pids + worker_pids)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    if worker is not None:
        result["outbox_lag"] = outbox_lag(database_url)
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
        result["over_time"] = saturation_series(database_url, load_started_at=load_started_at)
    statuses = {int(k): v for k, v in result["statuses"].items()}
    answered = sum(statuses.values())
    failed = (
        sum(v for k, v in statuses.items() if k >= 500)
        + result["timeouts"]
        + (result["connect_errors"] + result["read_errors"] + result["write_errors"])
    )
    seconds = result["duration_us"] / 1e6
    result.update(
        target=target,
        bookings_per_s=statuses.get(201, 0) / seconds,
        availability=1 - failed / max(1, answered + result["timeouts"] + result["connect_errors"]),
    )
    if "over_time" in result:
        plot(result, duration)
    return result


def plot(result: dict, duration: int) -> None:
    """bench/plots/booking_bench-<target>.png: the scenario over time (the last round's)."""
    lag = result["outbox_lag"]
    PLOTS.mkdir(exist_ok=True)
    plot_saturation(
        result["over_time"],
        PLOTS / f"booking_bench-{result['target']}.png",
        title=(
            f"({result['target']}) {result['bookings_per_s']:.1f} bookings/s, "
            f"availability {result['availability'] * 100:.2f} %; at the load's end "
            f"{lag['backlog_at_end_of_load']} deliveries open "
            f"({lag['backlog_seconds_of_work']:.1f} s of the worker's work), "
            f"lag p50 {lag.get('p50_ms', 0) / 1000:.1f} s, p99 {lag.get('p99_ms', 0) / 1000:.1f} s"
        ),
        load_s=duration,
    )


def summary_line(result: dict) -> str:
    return (
        f"{result['target']:>9}: {result['bookings_per_s']:7.1f} bookings/s, availability "
        f"{result['availability'] * 100:6.2f} %, p50 {result['p50_ms']:.0f} ms, "
        f"p99 {result['p99_ms']:.0f} ms, peak RSS {result['peak_rss_mib']:.0f} MiB, "
        f"statuses {result['statuses']}"
        + (f", outbox lag {result['outbox_lag']}" if "outbox_lag" in result else "")
        + ", CPU ms per booking "
        + ", ".join(f"{k} {v:.1f}" for k, v in result["cpu_ms_per_booking"].items())
    )


def compare(reference: dict, a: dict) -> dict:
    """(a) / reference in bookings/s, and by machine CPU per booking: the latter bounds both
    when they saturate the cores, and is steadier when the reference waits on commits."""
    return {
        "by_bookings_per_s": a["bookings_per_s"] / reference["bookings_per_s"],
        "by_cpu": reference["cpu_ms_per_booking"]["machine"] / a["cpu_ms_per_booking"]["machine"],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--only", choices=["reference", "a", "b"], action="append")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="how many times to run the reference and (a), alternately (the reference swings "
        "with the machine's commit latency; each round's pair is compared, and medians given)",
    )
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    results: dict = {
        "server": {
            "worker_class": "gthread",
            "workers": GUNICORN_WORKERS,
            "threads": THREADS,
            "db_pool_max_size": DB_POOL_MAX_SIZE,
            "payment_timeout_ms": PAYMENT_TIMEOUT_MS,
            "outbox_worker": OUTBOX_WORKER,
        },
        "clients": args.clients,
        "duration_s": args.duration,
        "rounds": [],
    }
    targets = args.only or ["reference", "a", "b"]
    paired = [t for t in ("reference", "a") if t in targets]
    if paired and args.rounds < 1:
        parser.error("--rounds must be at least 1 to run the reference or (a)")
    # Autovacuum on, every 5 s, as docs/operations.md sets up the outbox's server
    # (bench/server_autovacuum.py).
    with autovacuum_on(f"{PG}/postgres", naptime=OUTBOX_SERVER_NAPTIME) as results["autovacuum"]:
        for number in range(1, args.rounds + 1):
            round_ = {}
            for target in paired:
                round_[target] = measure(target, duration=args.duration, clients=args.clients)
                print(f"round {number} {summary_line(round_[target])}", flush=True)
            if len(round_) == 2:
                round_["a_to_reference"] = compare(round_["reference"], round_["a"])
                print(
                    f"round {number} (a) / reference = "
                    f"{round_['a_to_reference']['by_bookings_per_s']:.2f}x in bookings/s, "
                    f"{round_['a_to_reference']['by_cpu']:.2f}x by machine CPU per booking",
                    flush=True,
                )
            results["rounds"].append(round_)
        if "b" in targets:
            results["b"] = measure("b", duration=args.duration, clients=args.clients)
            print(summary_line(results["b"]), flush=True)
    medians = {}
    for target in paired:
        runs = [round_[target] for round_ in results["rounds"]]
        medians[target] = {
            "bookings_per_s": statistics.median(r["bookings_per_s"] for r in runs),
            "availability_min": min(r["availability"] for r in runs),
            "machine_cpu_ms_per_booking": statistics.median(
                r["cpu_ms_per_booking"]["machine"] for r in runs
            ),
        }
    if len(paired) == 2:
        ratios = [round_["a_to_reference"] for round_ in results["rounds"]]
        medians["a_to_reference"] = {
            key: statistics.median(r[key] for r in ratios)
            for key in ("by_bookings_per_s", "by_cpu")
        }
        print(
            f"median over {args.rounds} rounds: reference "
            f"{medians['reference']['bookings_per_s']:.1f}/s, "
            f"(a) {medians['a']['bookings_per_s']:.1f}/s; "
            f"(a) / reference {medians['a_to_reference']['by_bookings_per_s']:.2f}x in bookings/s, "
            f"{medians['a_to_reference']['by_cpu']:.2f}x by machine CPU per booking"
        )
    results["medians"] = medians
    (RESULTS / "booking.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
