"""Open-loop booking load: request i leaves at t0 + i / rate, whatever happened to the others.

    python bench/open_loop_client.py --seed SEED.json --rate 100 --duration 60 --out OUT.json
                                     [--url http://127.0.0.1:8200/api/orders/]

Guests do not wait for each other: a closed-loop client (wrk's N connections, each sending its
next request when the last one is answered) slows down with the server and so hides a server
that falls behind. Here the schedule is fixed in advance; a slow answer only makes more
requests be in flight at once (up to ``--limit`` connections; past that a request waits for a
connection, which is counted). The run is bounded: ``rate x duration`` requests, each with a
``--timeout`` (10 s), and the client gives up on whatever is still in flight ``--timeout`` +
5 s after the last send.

The requests are those of bench/booking.lua: POST /api/orders/ for a random (hotel, room type)
of the seed, a random night of its range for 1-3 nights, two guests, card, a unique sandbox
payment key and Idempotency-Key, as a random seeded guest (token).

OUT.json holds, per request (index i, in send order): ``scheduled`` (i / rate, seconds after
t0), ``sent`` (when this client actually started the request), ``done`` (answer or error, all
on one monotonic clock, seconds after t0), ``status`` (HTTP status, or an error kind:
``timeout``, ``connect``, ``disconnected``, ``other:<Exception>``, ``unfinished``); and t0 as
wall-clock time, the client's own CPU seconds over the load, and how many requests had to wait
for a free connection. It prints ``START <t0>`` and ``END <wall time>`` on stdout when the
load starts and ends (bench/event_pace.py takes its CPU snapshots then). The client's own
lateness (``sent - scheduled``) says whether the offered rate was really offered: if this
process falls behind, the figures are the client's. For every answer that is not a 2xx it
also keeps ``code`` (the API error's ``code``, when the body is one) and ``retry_after`` (the
header, or null): the fault drills check that a refusal says when to come back.

``LoadProcess`` is the driver's side (bench/event_pace.py, bench/system_bench.py): this script
in a process of its own, started, followed through its START and END lines, and read back.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp

ALLOWED_HOSTS = frozenset({"127.0.0.1"})
# Below gunicorn's keepalive (5 s, deploy/gunicorn.conf.py): the client drops an idle
# connection before the server does, so a POST is never written into a connection the server
# has just closed (aiohttp does not retry a POST; that error would be the client's making).
KEEPALIVE_SECONDS = 4.0


@dataclass(frozen=True)
class Seed:
    tokens: list[str]
    room_types: list[tuple[int, int]]
    first_night: date
    nights: int

    @classmethod
    def load(cls, path: Path) -> Seed:
        data = json.loads(path.read_text())
        return cls(
            tokens=list(data["tokens"]),
            room_types=[(int(h), int(r)) for h, r in data["room_types"]],
            first_night=date.fromisoformat(data["first_night"]),
            nights=int(data["nights"]),
        )


def booking_request(seed: Seed, rng: random.Random, unique: str) -> tuple[str, dict[str, str]]:
    """One booking as bench/booking.lua sends it: (JSON body, headers)."""
    hotel_id, room_type_id = rng.choice(seed.room_types)
    check_in = seed.first_night + timedelta(days=rng.randrange(seed.nights))
    check_out = check_in + timedelta(days=rng.randint(1, 3))
    body = json.dumps(
        {
            "hotel_id": hotel_id,
            "room_type_id": room_type_id,
            "check_in": check_in.isoformat(),
            "check_out": check_out.isoformat(),
            "guests": 2,
            "payment_method": "card",
            "payment_key": f"test_ok_{unique}",
        }
    )
    headers = {
        "Content-Type": "application/json",
        "Authorization": f"Token {rng.choice(seed.tokens)}",
        "Idempotency-Key": f"pace-{unique}",
    }
    return body, headers


@dataclass
class Record:
    scheduled: list[float] = field(default_factory=list)
    sent: list[float | None] = field(default_factory=list)
    done: list[float | None] = field(default_factory=list)
    status: list[int | str] = field(default_factory=list)
    code: list[str | None] = field(default_factory=list)
    retry_after: list[str | None] = field(default_factory=list)

    def add(self, scheduled: float) -> int:
        self.scheduled.append(scheduled)
        self.sent.append(None)
        self.done.append(None)
        self.status.append("unfinished")
        self.code.append(None)
        self.retry_after.append(None)
        return len(self.scheduled) - 1


def error_code(body: bytes) -> str | None:
    """The ``code`` of an API error body (``{"code", "message", "details"}``), else None."""
    try:
        decoded = json.loads(body)
    except ValueError:
        return None
    code = decoded.get("code") if isinstance(decoded, dict) else None
    return code if isinstance(code, str) else None


def error_kind(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):  # aiohttp's timeouts are TimeoutErrors too
        return "timeout"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return "connect"
    if isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientOSError):
        return "disconnected"
    return f"other:{type(exc).__name__}"


async def run_load(
    url: str,
    seed: Seed,
    *,
    rate: float,
    duration: float,
    timeout: float,
    limit: int,
    random_seed: int,
) -> dict[str, Any]:
    count = round(rate * duration)
    rng = random.Random(random_seed)
    run_id = uuid.uuid4().hex[:10]
    # The requests are drawn before the clock starts: the schedule loop only sends.
    requests = [booking_request(seed, rng, f"{run_id}_{i}") for i in range(count)]
    record = Record()
    waits = {"connection_queued": 0, "connections_created": 0}

    async def on_queued(*_: object) -> None:
        waits["connection_queued"] += 1

    async def on_created(*_: object) -> None:
        waits["connections_created"] += 1

    trace = aiohttp.TraceConfig()
    trace.on_connection_queued_start.append(on_queued)
    trace.on_connection_create_end.append(on_created)
    connector = aiohttp.TCPConnector(limit=limit, keepalive_timeout=KEEPALIVE_SECONDS)
    loop = asyncio.get_running_loop()
    async with aiohttp.ClientSession(
        connector=connector,
        timeout=aiohttp.ClientTimeout(total=timeout),
        trace_configs=[trace],
    ) as session:

        async def send(i: int, t0: float) -> None:
            record.sent[i] = loop.time() - t0
            body, headers = requests[i]
            try:
                async with session.post(url, data=body, headers=headers) as response:
                    answer = await response.read()
                    record.status[i] = response.status
                    if not 200 <= response.status < 300:
                        record.code[i] = error_code(answer)
                        record.retry_after[i] = response.headers.get("Retry-After")
            except (TimeoutError, aiohttp.ClientError, OSError) as exc:
                record.status[i] = error_kind(exc)
            finally:
                record.done[i] = loop.time() - t0

        tasks: set[asyncio.Task[None]] = set()
        t0_wall, t0 = time.time(), loop.time()
        cpu0 = sum(os.times()[:2])
        print(f"START {t0_wall:.6f}", flush=True)  # the driver takes its CPU snapshots now
        for i in range(count):
            scheduled = i / rate
            delay = t0 + scheduled - loop.time()
            # Behind schedule, the next requests go at once (never skipped), but the loop still
            # yields so the ones already due are written out.
            await asyncio.sleep(max(0.0, delay))
            index = record.add(scheduled)
            task = asyncio.create_task(send(index, t0))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        sent_all = loop.time() - t0
        if tasks:
            _, pending = await asyncio.wait(set(tasks), timeout=timeout + 5)
            for task in pending:  # cannot happen with the session's timeout; bounded anyway
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=5)
        finished = loop.time() - t0
        cpu = sum(os.times()[:2]) - cpu0
        print(f"END {t0_wall + finished:.6f}", flush=True)
    return {
        "url": url,
        # Request i's Idempotency-Key is "pace-<run_id>_<i>": the bench finds its order by it.
        "run_id": run_id,
        "rate": rate,
        "duration_s": duration,
        "count": count,
        "timeout_s": timeout,
        "connection_limit": limit,
        "t0_wall": t0_wall,
        "sent_all_s": sent_all,
        "finished_s": finished,
        "cpu_seconds": cpu,
        **waits,
        "requests": {
            "scheduled": record.scheduled,
            "sent": record.sent,
            "done": record.done,
            "status": record.status,
            "code": record.code,
            "retry_after": record.retry_after,
        },
    }


# The client stands for guests on other machines. On this one it shares two cores with the
# product, so it runs at this niceness (where the driver may raise a priority: as root) and a
# saturated machine slows the product's answers, not the client's schedule. It runs in a session
# of its own, and where the kernel shares CPU out by session first (autogroup, sched(7)), a
# thread's niceness counts only inside its session: the session's own niceness is set too.
CLIENT_NICE = -10
# Past the load's own bound (duration + request timeout + 5 s), the driver kills the client.
WATCHDOG_MARGIN_S = 90.0


class LoadProcess:
    """This script in its own process (so that its CPU is its own), at ``CLIENT_NICE``.

    ``started()`` returns t0 (wall clock) once the first request is due, ``ended()`` the wall
    time of the last answer, ``result()`` the run's record (OUT.json, plus the client's pid).
    Used as a context manager, the process is killed on the way out if still running.
    """

    def __init__(
        self, *, url: str, seed_file: Path, rate: float, duration: float, out: Path
    ) -> None:
        self.duration = duration
        self.out = out
        self.process = subprocess.Popen(
            [
                sys.executable,
                str(Path(__file__).resolve()),
                "--url",
                url,
                "--seed",
                str(seed_file),
                "--rate",
                str(rate),
                "--duration",
                str(duration),
                "--out",
                str(out),
            ],
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        with contextlib.suppress(PermissionError):
            os.setpriority(os.PRIO_PROCESS, self.process.pid, CLIENT_NICE)
        with contextlib.suppress(OSError):  # no autogroup here, or not allowed
            Path(f"/proc/{self.process.pid}/autogroup").write_text(f"{CLIENT_NICE}\n")
        # The client bounds itself (duration + timeouts); this is the backstop.
        self._watchdog = threading.Timer(duration + WATCHDOG_MARGIN_S, self.process.kill)
        self._watchdog.start()

    @property
    def pid(self) -> int:
        return self.process.pid

    def _line(self, word: str, what: str) -> float:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line.startswith(word):
            raise RuntimeError(f"the load client did not {what} (said {line!r})")
        return float(line.split()[1])

    def started(self) -> float:
        return self._line("START", "start")

    def ended(self) -> float:
        return self._line("END", "finish")

    def result(self) -> dict[str, Any]:
        if self.process.wait(timeout=60) != 0:
            raise RuntimeError(f"the load client exited with {self.process.returncode}")
        raw = json.loads(self.out.read_text())
        raw["pid"] = self.process.pid
        return raw

    def __enter__(self) -> LoadProcess:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._watchdog.cancel()
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--url", default="http://127.0.0.1:8200/api/orders/")
    parser.add_argument("--seed", type=Path, required=True, help="bench/seed_bookings.py output")
    parser.add_argument("--rate", type=float, required=True, help="requests per second")
    parser.add_argument("--duration", type=float, required=True, help="seconds")
    parser.add_argument("--timeout", type=float, default=10.0, help="per request, seconds")
    parser.add_argument("--limit", type=int, default=512, help="connections at most")
    parser.add_argument("--random-seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    host = urlsplit(args.url).hostname
    if host not in ALLOWED_HOSTS:
        parser.error(f"this load client only targets {', '.join(sorted(ALLOWED_HOSTS))}: {host}")
    if not (0 < args.rate <= 10_000 and 0 < args.duration <= 3600):
        parser.error("--rate must be in (0, 10000] and --duration in (0, 3600]")
    result = asyncio.run(
        run_load(
            args.url,
            Seed.load(args.seed),
            rate=args.rate,
            duration=args.duration,
            timeout=args.timeout,
            limit=args.limit,
            random_seed=args.random_seed,
        )
    )
    args.out.write_text(json.dumps(result))


if __name__ == "__main__":
    main()
