"""CPU per booking, in process: the quiet companion of booking_bench.py.

    python bench/booking_profile.py [--requests 2000] [--profile product|reference]

The wrk bench measures throughput on a noisy two-core machine where the load generator, the
web server, the outbox worker and PostgreSQL all compete. This harness measures what drives
that throughput and barely varies between runs: the CPU seconds the web process spends per
booking (and, for the product, the outbox worker per booking), the SQL statements each
takes, and the bytes of WAL each writes (a write-cost figure no machine noise moves). It
calls each project's WSGI application directly, one booking after another, exactly as
gunicorn would (same environ, full middleware and DRF stack), against PostgreSQL.

Both the product and the reference endpoint run in the same invocation (each in a child
process with its own settings), and the product's figures are given as ratios to the
reference's. ``--profile`` prints a cProfile of the web side of one target.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.booking_bench import (  # noqa: E402
    RESULTS,
    cpu_seconds,
    postgres_pids,
    recreate,
    server_env,
)


def print_profile(profiler, *, cumulative: int) -> None:
    """The profile's top ``cumulative`` functions by cumulative time, then 35 by own time."""
    import io
    import pstats

    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(cumulative)
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(35)
    print(out.getvalue(), file=sys.stderr)


def child(target: str, requests: int, profile: bool) -> None:
    """Runs in the child: seed, warm up, then time ``requests`` bookings through WSGI."""
    import cProfile
    import io
    import random
    import time
    from datetime import date, timedelta

    import django

    django.setup()
    from django.conf import settings
    from django.core.wsgi import get_wsgi_application
    from django.db import connection, connections

    if target == "product":  # the reference project has no outbox
        from hotel.eventbus.testing import drain_outbox

    seed = json.loads(Path(os.environ["BENCH_SEED"]).read_text())
    application = get_wsgi_application()
    first_night = date.fromisoformat(seed["first_night"])
    rng = random.Random(7)
    statements = transactions = 0

    def count(execute, sql, params, many, context):
        # A statement outside an atomic block runs in a transaction of its own (autocommit);
        # the atomic blocks' commits are counted by count_commit below.
        nonlocal statements, transactions
        statements += 1
        if not context["connection"].in_atomic_block:
            transactions += 1
        if os.environ.get("BENCH_PRINT_SQL") and statements <= int(os.environ["BENCH_PRINT_SQL"]):
            print(sql[:300], file=sys.stderr)
        return execute(sql, params, many, context)

    def book(n: int) -> str:
        hotel_id, room_type_id = rng.choice(seed["room_types"])
        start = first_night + timedelta(days=rng.randrange(seed["nights"]))
        body = json.dumps(
            {
                "hotel_id": hotel_id,
                "room_type_id": room_type_id,
                "check_in": start.isoformat(),
                "check_out": (start + timedelta(days=rng.randint(1, 3))).isoformat(),
                "guests": 2,
                "payment_method": "card",
                "payment_key": f"test_ok_{n}",
            }
        ).encode()
        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/api/orders/",
            "SCRIPT_NAME": "",
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8100",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "127.0.0.1:8100",
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(body)),
            "HTTP_AUTHORIZATION": f"Token {rng.choice(seed['tokens'])}",
            "HTTP_IDEMPOTENCY_KEY": f"profile-{n}-{rng.random()}",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.url_scheme": "http",
            "wsgi.version": (1, 0),
            "wsgi.multithread": True,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        status = []
        response = application(environ, lambda s, headers, exc_info=None: status.append(s))
        b"".join(response)
        response.close()
        return status[0]

    wrapper = type(connections["default"])
    commit = wrapper.commit

    def count_commit(self) -> None:
        nonlocal transactions
        transactions += 1
        commit(self)

    wrapper.commit = count_commit

    warmup = int(os.environ.get("BENCH_WARMUP", "200"))
    for n in range(warmup):  # warm up: imports, URL resolver, query caches, pool
        book(-n - 1)

    def backend_cpu() -> float:
        # Every PostgreSQL process on this machine: the backends serving this process, plus
        # the WAL writer and checkpointer they wake.
        return cpu_seconds(postgres_pids())

    def wal_position() -> int:
        # Bytes of WAL written so far: what the bookings wrote, index entries included. Unlike
        # CPU seconds it does not depend on how fast or busy the machine is.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn")
            return int(cursor.fetchone()[0])

    # --round-bookings K: the worker drains the outbox after every K bookings, as it does
    # when it keeps pace with a live load (rounds of a few bookings, each followed by a claim
    # that finds nothing), instead of once at the end in full rounds.
    round_bookings = int(os.environ.get("BENCH_ROUND_BOOKINGS", "0")) if target == "product" else 0
    live = {"cpu": 0.0, "pg": 0.0, "wal": 0, "statements": 0, "transactions": 0, "handled": 0}
    worker_profiler = cProfile.Profile() if os.environ.get("BENCH_PROFILE_WORKER") else None

    def live_round() -> None:
        nonlocal statements, transactions
        # The worker commits without waiting for the WAL flush, unless configured to
        # (OutboxWorker._relax_commit_durability); the bookings on this connection do wait.
        relaxed = not settings.OUTBOX["SYNCHRONOUS_COMMIT"]
        if relaxed:
            with connection.cursor() as cursor:
                cursor.execute("SET synchronous_commit TO off")
        # The readings of /proc and of the WAL position stay outside what is counted.
        pg, wal = backend_cpu(), wal_position()
        counted, cpu = (statements, transactions), time.process_time()
        if worker_profiler:
            worker_profiler.enable()
        live["handled"] += drain_outbox().handled
        if worker_profiler:
            worker_profiler.disable()
        live["cpu"] += time.process_time() - cpu
        live["statements"] += statements - counted[0]
        live["transactions"] += transactions - counted[1]
        live["wal"] += wal_position() - wal
        live["pg"] += backend_cpu() - pg
        if relaxed:
            with connection.cursor() as cursor:
                cursor.execute("SET synchronous_commit TO DEFAULT")
        statements, transactions = counted

    def pause(cpu: float, wall: float, pg: float) -> tuple[float, float, float]:
        """Run a live round; the web's clocks, moved on by what the round took."""
        before = time.process_time(), time.perf_counter(), backend_cpu()
        live_round()
        after = time.process_time(), time.perf_counter(), backend_cpu()
        return (
            cpu + after[0] - before[0],
            wall + after[1] - before[1],
            pg + after[2] - before[2],
        )

    if round_bookings:  # the warm-up's deliveries are not the live rounds'
        drain_outbox()
    statuses: dict[str, int] = {}
    profiler = cProfile.Profile() if profile else None
    with connection.execute_wrapper(count):
        wal = wal_position()
        statements = transactions = 0
        cpu, wall, pg = time.process_time(), time.perf_counter(), backend_cpu()
        if profiler:
            profiler.enable()
        for n in range(requests):
            status = book(n)
            statuses[status] = statuses.get(status, 0) + 1
            if round_bookings and (n + 1) % round_bookings == 0:
                # The worker's share is measured apart and taken out of the web's figures.
                cpu, wall, pg = pause(cpu, wall, pg)
        if profiler:
            profiler.disable()
        cpu, wall, pg = time.process_time() - cpu, time.perf_counter() - wall, backend_cpu() - pg
    wal = wal_position() - wal - live["wal"]
    result = {
        "pg_cpu_ms": pg / requests * 1000,
        "statuses": statuses,
        "web_cpu_ms": cpu / requests * 1000,
        "web_wall_ms": wall / requests * 1000,
        "statements": statements / requests,
        "transactions": transactions / requests,
        "wal_bytes": wal / requests,
    }
    if profiler:
        print_profile(profiler, cumulative=45)
    if target == "product" and round_bookings:
        result["worker_round_bookings"] = round_bookings
        result["worker_statements"] = live["statements"] / requests
        result["worker_transactions"] = live["transactions"] / requests
        result["worker_wal_bytes"] = live["wal"] / requests
        result["worker_pg_cpu_ms"] = live["pg"] / requests * 1000
        result["worker_cpu_ms"] = live["cpu"] / requests * 1000
        result["deliveries"] = live["handled"]
        if worker_profiler:
            print_profile(worker_profiler, cumulative=60)
    elif target == "product":
        cpu, pg, wal = time.process_time(), backend_cpu(), wal_position()
        if worker_profiler:
            worker_profiler.enable()
        with connection.execute_wrapper(count):
            statements = transactions = 0
            drained = drain_outbox()
        if worker_profiler:
            worker_profiler.disable()
            print_profile(worker_profiler, cumulative=60)
        result["worker_statements"] = statements / (requests + warmup)
        result["worker_transactions"] = transactions / (requests + warmup)
        result["worker_wal_bytes"] = (wal_position() - wal) / (requests + warmup)
        result["worker_pg_cpu_ms"] = (backend_cpu() - pg) / (requests + warmup) * 1000
        result["worker_cpu_ms"] = (time.process_time() - cpu) / (requests + warmup) * 1000
        result["deliveries"] = drained.handled
    print("PROFILE_JSON " + json.dumps(result))


def run(target: str, requests: int, profile: bool) -> dict:
    settings_module = (
        "bench.reference.settings" if target == "reference" else "bench.settings_booking"
    )
    database_url = recreate(f"hotel_profile_{target}")
    env = server_env(database_url, settings_module)
    env["DB_POOL_MAX_SIZE"] = "2"
    subprocess.run(
        [sys.executable, "-m", "django", "migrate", "--noinput", "-v0"],
        env=env,
        check=True,
        cwd=ROOT,
    )
    seed = RESULTS / f"seed-profile-{target}.json"
    args = [sys.executable, str(ROOT / "bench" / "seed_bookings.py"), str(seed)]
    if target == "reference":
        args.append("--reference")
    subprocess.run(args, env=env, check=True, cwd=ROOT)
    spy = os.environ.get("BENCH_PY_SPY")  # a path: record the child's CPU samples there
    prefix = (
        [
            str(Path(sys.executable).parent / "py-spy"),
            "record",
            "-r",
            "200",
            "-f",
            "raw",
            "-o",
            f"{spy}-{target}.txt",
            "--",
        ]
        if spy
        else []
    )
    out = subprocess.run(
        [*prefix, sys.executable, __file__, "--child", target, "--requests", str(requests)]
        + (["--profile", target] if profile else []),
        env={**env, "BENCH_SEED": str(seed)},
        cwd=ROOT,
        check=True,
        text=True,
        stdout=subprocess.PIPE,
    ).stdout
    return json.loads(out.split("PROFILE_JSON ", 1)[1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--profile", choices=["product", "reference"])
    parser.add_argument("--child", choices=["product", "reference"])
    parser.add_argument("--only", choices=["product", "reference"])
    parser.add_argument(
        "--round-bookings",
        type=int,
        default=0,
        help="the worker drains after every K bookings (live rounds), not once at the end",
    )
    args = parser.parse_args()
    if args.round_bookings:
        os.environ["BENCH_ROUND_BOOKINGS"] = str(args.round_bookings)
    if args.child:
        child(args.child, args.requests, args.profile == args.child)
        return
    RESULTS.mkdir(exist_ok=True)
    results = {}
    for target in [args.only] if args.only else ["reference", "product"]:
        results[target] = run(target, args.requests, args.profile == target)
        print(f"{target:>9}: {json.dumps(results[target])}", flush=True)
    if args.only:
        return
    reference, product = results["reference"], results["product"]
    results["web_cpu_ratio"] = product["web_cpu_ms"] / reference["web_cpu_ms"]
    results["total_cpu_ratio"] = (product["web_cpu_ms"] + product["worker_cpu_ms"]) / reference[
        "web_cpu_ms"
    ]
    results["pg_cpu_ratio"] = product["pg_cpu_ms"] / reference["pg_cpu_ms"]
    results["wal_ratio"] = product["wal_bytes"] / reference["wal_bytes"]
    print(
        f"product web CPU per booking = {results['web_cpu_ratio']:.2f}x the reference's; "
        f"web + outbox worker = {results['total_cpu_ratio']:.2f}x; "
        f"PostgreSQL CPU = {results['pg_cpu_ratio']:.2f}x; WAL = {results['wal_ratio']:.2f}x"
    )
    (RESULTS / "booking_profile.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
