"""The container's entry point, run as the image runs it (there is no Docker engine here):
deploy/entrypoint.sh against the test database, with production settings, gunicorn and the
outbox worker, stopped by SIGTERM."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import transaction

from hotel.eventbus import publish
from hotel.eventbus.testing import wait_until
from tests.outbox_probe.events import HANDLERS, Pinged
from tests.outbox_probe.models import Effect
from tests.processes import ROOT, database_env

pytestmark = pytest.mark.django_db(transaction=True)

ENTRYPOINT = ROOT / "deploy" / "entrypoint.sh"
HEALTHCHECK = ROOT / "deploy" / "healthcheck.py"
HOST = "hotel.test"
TOKEN = "entrypoint-test-token"
STARTED = re.compile(r"started web \(pid (\d+)\) and worker \(pid (\d+)\)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Container:
    """deploy/entrypoint.sh in its own process group, its output in a file."""

    def __init__(self, tmp_path: Path, role: str, **env: str) -> None:
        self.port = free_port()
        self.log = tmp_path / f"{role}.log"
        self.env = {
            **database_env(),
            "PYTHON": sys.executable,
            "PORT": str(self.port),
            "WEB_CONCURRENCY": "2",
            "WEB_THREADS": "4",
            "HOTEL_RUN_DIR": str(tmp_path),
            "OUTBOX_HEARTBEAT_FILE": str(tmp_path / "heartbeat"),
            "STOP_TIMEOUT": "10",
            "METRICS_TOKEN": TOKEN,
            "ALLOWED_HOSTS": HOST,
            **env,
        }
        with self.log.open("w") as out:
            self.process = subprocess.Popen(
                [str(ENTRYPOINT), role],
                env=self.env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def get(self, path: str, **headers: str) -> tuple[int, bytes]:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}", headers={"Host": HOST, **headers}
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()
        except OSError:
            return 0, b""

    def alive(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(
                f"entrypoint exited with {self.process.returncode}:\n{self.output()}"
            )
        return True

    def wait_ready(self) -> tuple[int, int]:
        """Until /readyz answers 200 and the worker says it started; the two child pids."""
        wait_until(
            lambda: self.alive() and self.get("/readyz")[0] == 200,
            timeout=60,
            interval=0.1,
            message="web never became ready",
        )
        wait_until(
            lambda: self.alive() and "outbox worker" in self.output(),
            timeout=30,
            interval=0.1,
            message="worker never started",
        )
        web, worker = STARTED.search(self.output()).groups()
        return int(web), int(worker)

    def stop(self, timeout: float) -> tuple[int, float]:
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=timeout)
        return code, time.monotonic() - started

    def cleanup(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


@pytest.fixture
def container(tmp_path):
    started = []

    def start(role: str = "all", **env: str) -> Container:
        running = Container(tmp_path, role, **env)
        started.append(running)
        return running

    yield start
    for running in started:
        running.cleanup()


def group_gone(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_all_serves_production_handles_events_and_stops_both_cleanly_on_sigterm(
    container, tmp_path
):
    production = {
        "HOTEL_ENV": "production",
        "DEBUG": "false",
        "SECRET_KEY": "entrypoint-test-secret-key-0123456789abcdef",
        "ALLOWED_HOSTS": HOST,
        "LOG_FORMAT": "json",
        "STATIC_ROOT": str(tmp_path / "static"),
    }
    # The image collects static files when it is built.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        env={**database_env(), **production},
        cwd=ROOT,
        check=True,
        timeout=120,
    )
    app = container("all", **production)
    web, worker = app.wait_ready()
    # On one box the worker shares the cores with the web server as an equal: events keep
    # pace with bookings (OUTBOX_NICE unset).
    assert os.getpriority(os.PRIO_PROCESS, worker) == 0
    if hasattr(os, "SCHED_OTHER"):
        assert os.sched_getscheduler(worker) == os.SCHED_OTHER

    # The worker drains what the web side publishes.
    with transaction.atomic():
        publish(Pinged(key="entry", n=1), correlation_id="entry")
    wait_until(
        lambda: Effect.objects.filter(aggregate="entry").count() == len(HANDLERS), timeout=30
    )
    # WhiteNoise serves the admin's static files; metrics answer the token.
    assert app.get("/static/admin/css/base.css")[0] == 200
    status, body = app.get("/metrics", Authorization=f"Bearer {TOKEN}")
    assert status == 200
    assert b'hotel_outbox_deliveries{state="done"}' in body
    assert app.get("/metrics")[0] == 403
    # Oversized headers and request lines are refused by gunicorn itself, not a 5xx.
    assert app.get("/api/hotels/", **{"X-Padding": "x" * 9_000})[0] == 431
    assert app.get("/api/hotels/?q=" + "x" * 5_000)[0] == 414
    # The container health check: web answers and the worker's heartbeat is fresh.
    health = subprocess.run(
        [sys.executable, str(HEALTHCHECK)], env=app.env, capture_output=True, text=True
    )
    assert health.returncode == 0, health.stderr

    code, took = app.stop(timeout=20)

    output = app.output()
    assert code == 0, output
    assert took < 10, output
    assert gone(web)
    assert gone(worker)
    assert "web exited with 0, worker with 0" in output
    # Nothing of the container is left behind (the SIGKILL timer's sleep included).
    wait_until(lambda: group_gone(app.process.pid), timeout=5, message="a process was left")
    records = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert any(
        r["logger"] == "hotel.eventbus.worker" and "started" in r["message"] for r in records
    )


def test_when_the_worker_dies_the_web_server_is_stopped_and_the_exit_is_non_zero(container):
    app = container("all")
    web, worker = app.wait_ready()

    os.kill(worker, signal.SIGKILL)
    code = app.process.wait(timeout=20)

    output = app.output()
    assert code != 0, output
    assert "worker exited with status 137; stopping the other" in output
    assert gone(web)


def test_the_worker_role_runs_the_worker_alone_and_stops_on_sigterm(container, tmp_path):
    # Migrations are someone else's job here (a Kubernetes Job): it waits until they are applied.
    # OUTBOX_NICE lowers the worker's priority (nice(1), exec'd: the same process).
    app = container("worker", MIGRATE_ON_START="false", OUTBOX_NICE="7")
    wait_until(lambda: app.alive() and (tmp_path / "heartbeat").exists(), timeout=60, interval=0.1)
    assert os.getpriority(os.PRIO_PROCESS, app.process.pid) == 7
    health = subprocess.run(
        [sys.executable, str(HEALTHCHECK)], env=app.env, capture_output=True, text=True
    )
    assert health.returncode == 0, health.stderr
    assert app.get("/healthz")[0] == 0  # no web server in this role

    code, took = app.stop(timeout=20)

    assert code == 0, app.output()
    assert took < 10


def test_an_unknown_role_is_refused(container):
    app = container("everything")

    assert app.process.wait(timeout=10) == 64
    assert "unknown role 'everything'" in app.output()
