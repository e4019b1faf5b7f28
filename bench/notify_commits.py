"""What a NOTIFY in a transaction costs the server's other commits (pgbench).

A transaction that NOTIFYs takes, as it commits, a lock that every other notifying transaction
of the server waits for until the first has committed, its WAL flush included: notifying
commits are flushed one after the other instead of together. The outbox's publishers NOTIFY
the workers (hotel/eventbus/publishing.py), so this bench measures what that costs, against the
same transaction without the NOTIFY, in the same run:

1. a throwaway database with one table; a connection LISTENs and reads its notifications in a
   thread, as an outbox worker's wake-up connection does;
2. ``pgbench`` (``--clients`` sessions, 2 threads) runs each script ``--seconds`` as fast as
   it can, then at a fixed ``--rate``, alternating the two scripts for ``--rounds`` rounds:
   ``BEGIN; INSERT; COMMIT`` and the same with ``SELECT pg_notify(...)`` before the COMMIT;
3. per script: commits/s flat out; at the fixed rate, the average latency and the machine's
   busy CPU per commit (all processes: the server's backends, pgbench, the listener).

    python bench/notify_commits.py [--clients 32] [--seconds 10] [--rate 1000] [--rounds 2]

Needs ``pgbench`` (PostgreSQL's client tools) and PostgreSQL on ``BENCH_PG``. Results go to
bench/results/notify_commits-<stamp>.json and a table on stdout.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import threading
from datetime import datetime
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.booking_bench import PG, machine_cpu_seconds, recreate

DB_NAME = "bench_notify_commits"
CHANNEL = "bench_notify_commits"
RESULTS = Path(__file__).resolve().parent / "results"
SCRIPTS = {
    "without NOTIFY": "BEGIN;\nINSERT INTO booking (note) VALUES ('x');\nCOMMIT;\n",
    "with NOTIFY": (
        "BEGIN;\nINSERT INTO booking (note) VALUES ('x');\n"
        f"SELECT pg_notify('{CHANNEL}', '');\nCOMMIT;\n"
    ),
}


def fresh_database() -> None:
    with psycopg.connect(recreate(DB_NAME), autocommit=True) as conn:
        conn.execute("CREATE TABLE booking (id bigserial PRIMARY KEY, note text)")


def drop_database() -> None:
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


class Listener(threading.Thread):
    """LISTENs and reads every notification as it comes, as the worker's wake-up does."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stopping = threading.Event()
        self.received = 0
        self.conn = psycopg.connect(f"{PG}/{DB_NAME}", autocommit=True)
        self.conn.execute(f"LISTEN {CHANNEL}")

    def run(self) -> None:
        while not self.stopping.is_set():
            for _ in self.conn.notifies(timeout=0.2):
                self.received += 1

    def stop(self) -> None:
        self.stopping.set()
        self.join()
        self.conn.close()


def pgbench(script: Path, *, clients: int, seconds: int, rate: int | None) -> dict:
    """One pgbench run: commits/s, average latency (ms) and busy machine CPU per commit (ms)."""
    command = ["pgbench", "-n", "-c", str(clients), "-j", "2", "-T", str(seconds)]
    command += ["-f", str(script), f"{PG}/{DB_NAME}"]
    if rate:
        command += ["-R", str(rate)]
    cpu_before = machine_cpu_seconds()
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    cpu = machine_cpu_seconds() - cpu_before
    commits = int(re.search(r"number of transactions actually processed: (\d+)", out)[1])
    return {
        "commits_per_s": float(re.search(r"tps = ([\d.]+)", out)[1]),
        "latency_avg_ms": float(re.search(r"latency average = ([\d.]+) ms", out)[1]),
        "machine_cpu_ms_per_commit": cpu * 1000 / commits,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rate", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()

    fresh_database()
    listener = Listener()
    listener.start()
    runs: dict[str, list[dict]] = {name: [] for name in SCRIPTS}
    try:
        with tempfile.TemporaryDirectory() as folder:
            for round_ in range(1, args.rounds + 1):
                for name, text in SCRIPTS.items():
                    script = Path(folder) / f"{len(runs[name])}-{name.split()[0]}.sql"
                    script.write_text(text)
                    flat_out = pgbench(
                        script, clients=args.clients, seconds=args.seconds, rate=None
                    )
                    paced = pgbench(
                        script, clients=args.clients, seconds=args.seconds, rate=args.rate
                    )
                    runs[name].append({"flat_out": flat_out, "at_rate": paced})
                    print(
                        f"round {round_} {name}: {flat_out['commits_per_s']:.0f} commits/s flat "
                        f"out; at {args.rate}/s latency {paced['latency_avg_ms']:.2f} ms, "
                        f"{paced['machine_cpu_ms_per_commit']:.3f} ms of machine CPU per commit"
                    )
    finally:
        listener.stop()
        drop_database()

    def ratio(key: str, window: str) -> float:
        with_ = sum(r[window][key] for r in runs["with NOTIFY"])
        without = sum(r[window][key] for r in runs["without NOTIFY"])
        return with_ / without

    summary = {
        "commits_per_s_with_over_without": ratio("commits_per_s", "flat_out"),
        "latency_with_over_without": ratio("latency_avg_ms", "at_rate"),
        "cpu_per_commit_with_over_without": ratio("machine_cpu_ms_per_commit", "at_rate"),
        "notifications_received": listener.received,
    }
    print(
        f"\nwith NOTIFY / without, {args.clients} clients: commits/s flat out "
        f"{summary['commits_per_s_with_over_without']:.2f}x; at {args.rate}/s latency "
        f"{summary['latency_with_over_without']:.2f}x, machine CPU per commit "
        f"{summary['cpu_per_commit_with_over_without']:.2f}x "
        f"({listener.received} notifications read by the listener)"
    )
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    path = RESULTS / f"notify_commits-{stamp}.json"
    path.write_text(json.dumps({"args": vars(args), "runs": runs, "summary": summary}, indent=2))
    print(f"results: {path.relative_to(RESULTS.parent.parent)}")


if __name__ == "__main__":
    main()
