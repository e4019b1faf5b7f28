"""Stay search under load, against one hotel's availability as the baseline, in the same run.

    python bench/stay_search_bench.py [--duration 30] [--connections 32] [--rounds 3]
                                      [--quick] [--hotels 1000]

What it measures. ``GET /api/stays/`` (apps/reservations/selectors/stay_search.py) aggregates
a stay's nights over every hotel; ``GET /api/hotels/<pk>/availability/`` reads one hotel's.
Both are public catalogue reads with the same stays drawn (bench/stay_search.lua: a check-in
in the open year, 1-3 nights, 1-4 guests; a search names a city half the time and now and
then another order or page 2). wrk keeps ``--connections`` requests in flight (closed loop)
for ``--duration`` seconds per endpoint, alternating availability and search for
``--rounds`` rounds after a warm-up of each; per endpoint: requests/s, p50 and p99 latency,
statuses; CPU per request of the web processes and of this database's PostgreSQL backends
(and the whole machine's, which the other processes on it also use); per round, search /
availability in requests/s and latency; the medians.

1. A fresh database ``hotel_stays`` on BENCH_PG (default postgres://postgres@127.0.0.1:5432),
   migrated, then seeded (the catalogue by ``bulk_create``, the inventory by ``INSERT ...
   SELECT``: seconds, not minutes): ``--hotels``
   (1,000) hotels over 8 cities, 4 room types each (capacity 2, 2, 3, 4; rates 60,000-270,000
   KRW), 365 nights of inventory from today (about a tenth of the nights sold out, the rest
   partly held), and a weekend rate override (Fri, Sat) on every other room type. Rows go in
   room type by room type, as the admin's "open inventory" writes a room type's year at once.
   Then VACUUM ANALYZE (statistics and visibility maps, as a database in service has them)
   and CHECKPOINT.
2. EXPLAIN (ANALYZE, BUFFERS) of the search statement for three typical searches (two nights
   anywhere; two nights in one city; seven nights anywhere), as the selector builds it, and
   once more as a generic plan (``plan_cache_mode = force_generic_plan``): with
   DB_PREPARED_STATEMENTS the server reuses a generic plan after five executions when it
   looks as cheap, so that plan must be good too. Execution times and plans go to the JSON.
3. The product started as the container starts it (bench/event_pace.py's ``Product``: ``bash
   deploy/entrypoint.sh all``, production settings, gunicorn per deploy/gunicorn.conf.py, JSON
   logs on), on BENCH_STAYS_PORT (else the first free port from 8260). Its log goes to
   bench/results/stay_search-<stamp>.log; its WARNING-or-worse lines and the statuses it
   logged are counted.
4. The load, as above; the index scans PostgreSQL counted on the search's two indexes.

Results: bench/results/stay_search-<stamp>.json, and a table on stdout. Needs wrk
(``apt-get install wrk``); ``--quick`` is 5 s per endpoint, one round, 200 hotels.
This bench leaves the server's autovacuum setting alone: the load only reads.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _free_port(first: int = 8260, last: int = 8299) -> int:
    for port in range(first, last + 1):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError(f"no free port in {first}-{last}")


# bench/event_pace.py's product runs on its PORT, read from BENCH_PACE_PORT when it is
# imported: this bench's own port (BENCH_STAYS_PORT, else the first free from 8260), so that
# it runs beside the other benches.
PORT = int(os.environ.get("BENCH_STAYS_PORT") or _free_port())
os.environ["BENCH_PACE_PORT"] = str(PORT)

from bench.booking_bench import (  # noqa: E402
    RESULTS,
    cpu_seconds,
    machine_cpu_seconds,
    recreate,
)
from bench.event_pace import Product, collect_static  # noqa: E402

DB_NAME = "hotel_stays"
CITIES = ("Seoul", "Busan", "Jeju", "Incheon", "Gyeongju", "Gangneung", "Daegu", "Jeonju")
ROOM_TYPES = 4
NIGHTS = 365
WRK_THREADS = 2
LUA = ROOT / "bench" / "stay_search.lua"
# The search's indexes (apps/reservations/migrations/0004_stay_search.py).
SEARCH_INDEXES = ("room_night_by_night", "nightly_rate_by_night")

#: The inventory and the weekend overrides, in bulk (the catalogue goes in through the ORM, so
#: that its columns' defaults apply).
INVENTORY_SQL = """
INSERT INTO reservations_roomnight (room_type_id, night, rooms_total, rooms_held)
SELECT room_type.id, %(first_night)s::date + n, room_type.room_count,
       CASE WHEN random() < 0.1 THEN room_type.room_count
            ELSE floor(random() * room_type.room_count)::int END
FROM reservations_roomtype room_type CROSS JOIN generate_series(0, %(nights)s - 1) n
ORDER BY room_type.id, n;
INSERT INTO reservations_nightlyrate (room_type_id, night, rate_krw)
SELECT room_type.id, %(first_night)s::date + n, room_type.nightly_rate_krw + 20000
FROM reservations_roomtype room_type CROSS JOIN generate_series(0, %(nights)s - 1) n
WHERE room_type.id %% 2 = 0 AND extract(isodow FROM %(first_night)s::date + n) IN (5, 6)
ORDER BY room_type.id, n;
"""


def product_env(database_url: str, run_dir: Path, static_root: Path) -> dict[str, str]:
    """The container's environment (the Dockerfile's ENV plus what ``docker run`` adds), as
    bench/event_pace.py gives it; nothing else of this shell's but PATH, HOME, LANG, TZ."""
    host = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "TZ") if k in os.environ}
    return {
        **host,
        "PYTHONUNBUFFERED": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "HOTEL_ENV": "production",
        "DJANGO_SETTINGS_MODULE": "hotel.settings",
        "PYTHONPATH": str(ROOT),
        "LOG_FORMAT": "json",
        "PORT": str(PORT),
        "STATIC_ROOT": str(static_root),
        "SQLITE_PATH": str(run_dir / "db.sqlite3"),
        "OUTBOX_HEARTBEAT_FILE": str(run_dir / "outbox-worker.heartbeat"),
        "DATABASE_URL": database_url,
        "SECRET_KEY": "stay-search-bench-" + "k" * 50,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DEBUG": "false",
        "HOTEL_RUN_DIR": str(run_dir),
        "PYTHON": sys.executable,
    }


# --- the database ---------------------------------------------------------------------------
def django_setup(database_url: str) -> None:
    """This process reads the models (seeding) and the selector's SQL (EXPLAIN) with Django."""
    os.environ.update(DJANGO_SETTINGS_MODULE="hotel.settings", DATABASE_URL=database_url)
    import django

    django.setup()
    logging.getLogger("httpx").setLevel(logging.WARNING)  # Django's logging says every request


def seed(database_url: str, env: dict[str, str], hotels: int) -> dict[str, Any]:
    """Migrate; the catalogue through the ORM, a year of inventory by INSERT ... SELECT;
    VACUUM ANALYZE and CHECKPOINT."""
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], env=env, cwd=ROOT, check=True
    )
    from apps.reservations.models import Hotel, RoomType

    rng = random.Random(42)
    Hotel.objects.bulk_create(
        Hotel(
            name=f"Stay hotel {n:04d}",
            city=CITIES[n % len(CITIES)],
            address=f"{n} Bench-ro",
            time_zone="Asia/Seoul",
        )
        for n in range(1, hotels + 1)
    )
    RoomType.objects.bulk_create(
        RoomType(
            hotel=hotel,
            name=f"Room {r}",
            capacity=capacity,
            nightly_rate_krw=(30 + r * 30 + rng.randrange(80)) * 1000,
            room_count=5 + rng.randrange(20),
        )
        for hotel in Hotel.objects.order_by("id")
        for r, capacity in enumerate((2, 2, 3, 4), start=1)
    )
    first_night = datetime.now(ZoneInfo("Asia/Seoul")).date()
    params = {"nights": NIGHTS, "first_night": first_night}
    with psycopg.connect(database_url, autocommit=True) as conn:
        with conn.transaction():
            conn.execute("SELECT setseed(0.42)")
            for statement in INVENTORY_SQL.split(";\n"):
                if statement.strip():
                    conn.execute(statement, params)
        conn.execute("VACUUM ANALYZE")
        conn.execute("CHECKPOINT")
        counts = {
            table: conn.execute(f"SELECT count(*) FROM reservations_{table}").fetchone()[0]
            for table in ("hotel", "roomtype", "roomnight", "nightlyrate")
        }
        sizes = dict(
            conn.execute(
                "SELECT relname, pg_size_pretty(pg_relation_size(oid)) FROM pg_class"
                " WHERE relname = ANY(%s)",
                [["reservations_roomnight", "reservations_nightlyrate", *SEARCH_INDEXES]],
            ).fetchall()
        )
        hotel_ids = conn.execute("SELECT min(id), max(id) FROM reservations_hotel").fetchone()
    return {
        "first_night": first_night.isoformat(),
        "nights": NIGHTS,
        "hotel_ids": list(hotel_ids),
        "rows": counts,
        "sizes": sizes,
        "seconds": round(time.monotonic() - started, 1),
    }


def explain(database_url: str, first_night: date) -> dict[str, Any]:
    """EXPLAIN ANALYZE of the search statement as the selector builds it: planned for its
    values (custom), and as the generic plan a prepared statement may fall back to."""
    from apps.reservations.selectors import stay_search

    check_in = first_night + timedelta(days=45)
    cases = {
        "2 nights, anywhere": {"nights": 2},
        "2 nights, one city": {"nights": 2, "city": CITIES[1]},
        "7 nights, anywhere": {"nights": 7},
    }
    figures: dict[str, Any] = {}
    # Client-side binding: the custom plan is planned for the values, written in the SQL.
    with psycopg.connect(
        database_url, autocommit=True, cursor_factory=psycopg.ClientCursor
    ) as conn:
        for name, case in cases.items():
            search = stay_search(
                check_in=check_in,
                check_out=check_in + timedelta(days=case["nights"]),
                guests=2,
                city=case.get("city"),
            )
            sql = f"{search._sql()} LIMIT %(limit)s OFFSET %(offset)s"
            params = {**search._params(), "limit": 20, "offset": 0}
            names = list(dict.fromkeys(re.findall(r"%\((\w+)\)s", sql)))
            numbered = sql
            for number, param in enumerate(names, start=1):
                numbered = numbered.replace(f"%({param})s", f"${number}")
            values = ", ".join(["%s"] * len(names))
            conn.execute("DEALLOCATE ALL")
            conn.execute(f"PREPARE stay_search_bench AS {numbered}")
            statements = {
                "custom": ("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, params),
                "generic": (
                    f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) EXECUTE stay_search_bench({values})",
                    [params[param] for param in names],
                ),
            }
            for plan, (statement, args) in statements.items():
                conn.execute(
                    f"SET plan_cache_mode = {'force_generic_plan' if plan == 'generic' else 'auto'}"
                )
                runs = [conn.execute(statement, args).fetchone()[0][0] for _ in range(3)]
                best = min(runs, key=lambda run: run["Execution Time"])  # best of three
                figures[f"{name}, {plan} plan"] = {
                    "execution_ms": best["Execution Time"],
                    "planning_ms": best.get("Planning Time"),
                    "scans": sorted(_scans(best["Plan"])),
                    "plan": best["Plan"],
                }
            conn.execute("RESET plan_cache_mode")
    return figures


def _scans(node: dict[str, Any]) -> set[str]:
    """The plan's scans, as "Node Type on relation (index)"."""
    found = set()
    if "Scan" in node["Node Type"] and "Relation Name" in node:
        index = f" ({node['Index Name']})" if "Index Name" in node else ""
        found.add(f"{node['Node Type']} on {node['Relation Name']}{index}")
    for child in node.get("Plans", ()):
        found |= _scans(child)
    return found


def index_scans(database_url: str) -> dict[str, int]:
    with psycopg.connect(database_url, autocommit=True) as conn:
        return dict(
            conn.execute(
                "SELECT indexrelname, idx_scan FROM pg_stat_user_indexes"
                " WHERE indexrelname = ANY(%s)",
                [list(SEARCH_INDEXES)],
            ).fetchall()
        )


# --- the load -------------------------------------------------------------------------------
BACKENDS_SQL = (
    "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
    " AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
)


class BackendCpu(threading.Thread):
    """CPU seconds of this database's backends while it runs, sampled every 0.2 s: the
    product's connections live 60 s (CONN_MAX_AGE) and are replaced during a run, so a
    backend's CPU is its last sample less its first (0 for one that came during the run)."""

    def __init__(self, database_url: str) -> None:
        super().__init__(daemon=True)
        self.connection = psycopg.connect(database_url, autocommit=True)
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.halt = threading.Event()
        self.sample(initial=True)
        self.start()

    def backends(self) -> list[int]:
        return [row[0] for row in self.connection.execute(BACKENDS_SQL)]

    def sample(self, initial: bool = False) -> None:
        for pid in self.backends():
            cpu = cpu_seconds([pid])
            if initial:
                self.first[pid] = cpu
            self.last[pid] = cpu

    def run(self) -> None:
        while not self.halt.wait(0.2):
            self.sample()

    def stop(self) -> tuple[float, int]:
        """CPU seconds spent, and how many backends left during the run."""
        self.halt.set()
        self.join(timeout=5)
        now = set(self.backends())
        self.sample()
        self.connection.close()
        spent = sum(cpu - self.first.get(pid, 0.0) for pid, cpu in self.last.items())
        return spent, len(set(self.last) - now)


def run_wrk(
    mode: str, seeded: dict[str, Any], duration: int, connections: int, product: Any = None
) -> dict:
    """One wrk run; with ``product``, CPU per answer of its web processes and of the
    PostgreSQL backends of this database (the other databases' backends are not counted)."""
    low, high = seeded["hotel_ids"]
    web: list[int] = product.web_pids() if product is not None else []
    web_before = cpu_seconds(web)
    sampler = BackendCpu(seeded["database_url"]) if product is not None else None
    machine_before = machine_cpu_seconds()
    out = subprocess.run(
        [
            "wrk",
            f"-t{WRK_THREADS}",
            f"-c{connections}",
            f"-d{duration}s",
            "--timeout",
            "10s",
            "-s",
            str(LUA),
            f"http://127.0.0.1:{PORT}",
        ],
        env={
            **os.environ,
            "BENCH_STAYS_MODE": mode,
            "BENCH_STAYS_FIRST_NIGHT": seeded["first_night"],
            "BENCH_STAYS_NIGHTS": str(seeded["nights"]),
            "BENCH_STAYS_HOTELS": f"{low}-{high}",
            "BENCH_STAYS_CITIES": ",".join(CITIES),
        },
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    spent = {"machine": machine_cpu_seconds() - machine_before}
    if product is not None:
        spent["web"] = cpu_seconds(web) - web_before
        spent["postgres"], gone = sampler.stop()
    result = json.loads(out.split("WRK_JSON ", 1)[1])
    seconds = result["duration_us"] / 1e6
    ok = result["statuses"].get("200", 0)
    answered = max(1, sum(result["statuses"].values()))
    result.update(
        mode=mode,
        requests_per_s=ok / seconds,
        share_200=ok / answered,
        cpu_ms_per_request={name: value * 1000 / answered for name, value in spent.items()},
        machine_busy_cores=spent["machine"] / seconds,
    )
    if product is not None:
        result["postgres_backends_gone_during_run"] = gone
    return result


def ratios(search: dict, availability: dict) -> dict[str, float]:
    """Search / availability: requests/s (below 1: fewer searches), latency (above 1: slower)."""
    return {
        "requests_per_s": search["requests_per_s"] / availability["requests_per_s"],
        "p50": search["p50_ms"] / availability["p50_ms"],
        "p99": search["p99_ms"] / availability["p99_ms"],
    }


def log_figures(path: Path, since: float) -> dict[str, Any]:
    """Lines by level, WARNING-or-worse examples, and logged statuses by path kind."""
    levels: dict[str, int] = {}
    statuses: dict[str, dict[str, int]] = {}
    worse: list[str] = []
    for line in path.read_text(errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if not isinstance(entry, dict):
            continue
        level = str(entry.get("level"))
        levels[level] = levels.get(level, 0) + 1
        if level not in {"DEBUG", "INFO"} and len(worse) < 10:
            worse.append(line[:500])
        path_ = str(entry.get("http_path", ""))
        if entry.get("logger") == "hotel.request" and path_.startswith("/api/"):
            if datetime.fromisoformat(str(entry["time"])).timestamp() < since:
                continue
            kind = "search" if path_.startswith("/api/stays/") else "availability"
            by_status = statuses.setdefault(kind, {})
            status = str(entry.get("http_status"))
            by_status[status] = by_status.get(status, 0) + 1
    return {"lines_by_level": levels, "warning_or_worse": worse, "statuses_logged": statuses}


def warm_up(seeded: dict[str, Any]) -> None:
    """One request of each kind, so the server's code and its first connections are loaded."""
    check_in = date.fromisoformat(seeded["first_night"]) + timedelta(days=10)
    stay = f"check_in={check_in}&check_out={check_in + timedelta(days=2)}&guests=2"
    for path in (
        f"/api/stays/?{stay}",
        f"/api/hotels/{seeded['hotel_ids'][0]}/availability/?{stay}",
    ):
        response = httpx.get(f"http://127.0.0.1:{PORT}{path}", timeout=30)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}: {response.text[:300]}")


def fmt_row(name: str, r: dict) -> str:
    cpu = r["cpu_ms_per_request"]
    return (
        f"| {name} | {r['requests_per_s']:.1f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | "
        f"{r['share_200'] * 100:.2f} % | {cpu['web']:.1f} / {cpu['postgres']:.1f} / "
        f"{cpu['machine']:.1f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[1])
    parser.add_argument("--duration", type=int, default=30, help="seconds per endpoint per round")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--hotels", type=int, default=1000)
    parser.add_argument("--quick", action="store_true", help="5 s, one round, 200 hotels")
    parser.add_argument(
        "--explain-only",
        action="store_true",
        help="seed and EXPLAIN, no load: the database stays for more EXPLAINs by hand",
    )
    args = parser.parse_args()
    if args.quick:
        args.duration, args.rounds, args.hotels = 5, 1, 200
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    out = RESULTS / f"stay_search-{stamp}.json"
    log_path = RESULTS / f"stay_search-{stamp}.log"
    results: dict[str, Any] = {
        "started": stamp,
        "cores": os.cpu_count(),
        "load": {
            "tool": "wrk",
            "threads": WRK_THREADS,
            "connections": args.connections,
            "duration_s": args.duration,
            "rounds": args.rounds,
        },
        "rounds": [],
    }
    database_url = recreate(DB_NAME)
    with tempfile.TemporaryDirectory(prefix="stay-search-bench-") as tmp:
        run_dir = Path(tmp)
        static_root = run_dir / "staticfiles"
        collect_static(static_root, run_dir)
        env = product_env(database_url, run_dir, static_root)
        print(
            f"seeding {args.hotels} hotels x {ROOM_TYPES} room types x {NIGHTS} nights", flush=True
        )
        django_setup(database_url)
        seeded = results["seed"] = seed(database_url, env, args.hotels)
        seeded["database_url"] = database_url
        print(f"   {seeded['rows']} in {seeded['seconds']} s; sizes {seeded['sizes']}", flush=True)
        results["explain"] = explain(database_url, date.fromisoformat(seeded["first_night"]))
        for name, figures in results["explain"].items():
            print(
                f"   EXPLAIN ANALYZE {name}: {figures['execution_ms']:.1f} ms "
                f"(planning {figures['planning_ms'] or 0:.1f} ms); {', '.join(figures['scans'])}",
                flush=True,
            )
        if args.explain_only:
            out.write_text(json.dumps(results, indent=1, default=str))
            print(f"\nresults: {out.relative_to(ROOT)}; the database: {database_url}")
            return
        scans_before = index_scans(database_url)
        with Product(env, log_path) as product:
            product.wait_ready()
            results["server"] = {
                "command": "bash deploy/entrypoint.sh all",
                "web_processes": len(product.web_pids()) - 1,
                "log": str(log_path.relative_to(ROOT)),
            }
            warm_up(seeded)
            load_started = time.time()
            for mode in ("availability", "search"):  # warm-up: not counted
                run_wrk(mode, seeded, min(5, args.duration), args.connections)
            for number in range(1, args.rounds + 1):
                round_ = {
                    mode: run_wrk(mode, seeded, args.duration, args.connections, product)
                    for mode in ("availability", "search")
                }
                round_["search_to_availability"] = ratios(round_["search"], round_["availability"])
                results["rounds"].append(round_)
                r = round_["search_to_availability"]
                print(
                    f"round {number}: availability {round_['availability']['requests_per_s']:.1f}"
                    f"/s p99 {round_['availability']['p99_ms']:.1f} ms; search "
                    f"{round_['search']['requests_per_s']:.1f}/s p99 "
                    f"{round_['search']['p99_ms']:.1f} ms; search / availability "
                    f"{r['requests_per_s']:.2f}x req/s, {r['p99']:.2f}x p99; CPU ms per request "
                    + "; ".join(
                        f"{mode} "
                        + ", ".join(
                            f"{k} {v:.1f}" for k, v in round_[mode]["cpu_ms_per_request"].items()
                        )
                        for mode in ("availability", "search")
                    ),
                    flush=True,
                )
            results["server"]["stop"] = product.stop() or product.stop_report
        results["server"]["log_summary"] = log_figures(log_path, load_started)
    after = index_scans(database_url)
    results["index_scans_during_load"] = {k: after[k] - scans_before.get(k, 0) for k in after}

    medians: dict[str, Any] = {}
    for mode in ("availability", "search"):
        runs = [round_[mode] for round_ in results["rounds"]]
        medians[mode] = {
            key: statistics.median(run[key] for run in runs)
            for key in ("requests_per_s", "p50_ms", "p99_ms", "share_200", "machine_busy_cores")
        }
        medians[mode]["cpu_ms_per_request"] = {
            key: statistics.median(run["cpu_ms_per_request"][key] for run in runs)
            for key in runs[0]["cpu_ms_per_request"]
        }
    medians["search_to_availability"] = {
        key: statistics.median(
            round_["search_to_availability"][key] for round_ in results["rounds"]
        )
        for key in ("requests_per_s", "p50", "p99")
    }
    results["medians"] = medians
    out.write_text(json.dumps(results, indent=1, default=str))

    print()
    print(
        f"Median of {args.rounds} round(s), {args.connections} connections, {args.duration} s each:"
    )
    print(
        "| endpoint | requests/s | p50 ms | p99 ms | 200 | CPU ms per request: web / PG / machine |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    print(fmt_row("availability (baseline)", medians["availability"]))
    print(fmt_row("search", medians["search"]))
    r = medians["search_to_availability"]
    print(
        f"\nsearch / availability: {r['requests_per_s']:.2f}x requests/s, {r['p50']:.2f}x p50, "
        f"{r['p99']:.2f}x p99"
    )
    print(f"index scans during the load: {results['index_scans_during_load']}")
    logged = results["server"]["log_summary"]
    print(f"server log: {logged['lines_by_level']}, statuses {logged['statuses_logged']}")
    print(f"\nresults: {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
