"""What one SQL statement costs PostgreSQL here, and what pipelining saves of it.

    python bench/statement_cost.py [--transactions 4000]

Runs small transactions (BEGIN, one or four single-row INSERTs, COMMIT) over one psycopg
connection, plain and in pipeline mode, alternately, and reads the CPU time the serving
backend process spent from /proc (Linux, PostgreSQL on this machine). The booking bench shows
PostgreSQL's CPU per booking following the number of statements and commits; this isolates
why: each statement and each commit costs the backend far more than the execution time
pg_stat_statements reports (protocol, snapshot, executor start and end, the WAL flush; on this
machine most of it is kernel time), and pipelining saves only the round trips' share.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.booking_bench import cpu_seconds, recreate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--transactions", type=int, default=4000)
    args = parser.parse_args()
    url = recreate("hotel_statement_cost")
    with psycopg.connect(url, prepare_threshold=0) as conn:
        conn.execute("CREATE TABLE night_note (id bigserial PRIMARY KEY, night int, note text)")
        conn.commit()
        backend = [conn.info.backend_pid]

        def transaction(inserts: int, *, pipelined: bool) -> Callable[[], None]:
            def run() -> None:
                with conn.pipeline() if pipelined else nullcontext(), conn.transaction():
                    for night in range(inserts):
                        conn.execute(
                            "INSERT INTO night_note (night, note) VALUES (%s, %s)", [night, "x"]
                        )

            return run

        shapes = {
            "1 INSERT, plain": transaction(1, pipelined=False),
            "4 INSERTs, plain": transaction(4, pipelined=False),
            "4 INSERTs, pipelined": transaction(4, pipelined=True),
        }
        for round_ in (1, 2):
            figures = {}
            for name, run in shapes.items():
                cpu, wall = cpu_seconds(backend), time.perf_counter()
                for _ in range(args.transactions):
                    run()
                figures[name] = (cpu_seconds(backend) - cpu) / args.transactions * 1e6
                wall_us = (time.perf_counter() - wall) / args.transactions * 1e6
                print(
                    f"round {round_} {name:22s} PostgreSQL backend CPU {figures[name]:6.0f} us "
                    f"per transaction, wall {wall_us:6.0f} us"
                )
            per_insert = (figures["4 INSERTs, plain"] - figures["1 INSERT, plain"]) / 3
            saved = figures["4 INSERTs, plain"] - figures["4 INSERTs, pipelined"]
            print(
                f"round {round_}: one INSERT costs the backend {per_insert:.0f} us, a "
                f"transaction's BEGIN and COMMIT {figures['1 INSERT, plain'] - per_insert:.0f} us; "
                f"pipelining four INSERTs and the COMMIT saved {saved:.0f} us per transaction"
            )


if __name__ == "__main__":
    main()
