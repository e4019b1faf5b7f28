"""The product as its container runs it: ``bash deploy/entrypoint.sh <role>``, the image's
environment, in a process group of its own that is always stopped.

Shared by the benches that load the product as deployed (bench/event_pace.py,
bench/system_bench.py). The environment is the Dockerfile's ``ENV`` plus what ``docker run``
adds (DATABASE_URL, SECRET_KEY, ALLOWED_HOSTS, PORT, DEBUG=false, HOTEL_RUN_DIR); nothing else
of the calling shell is passed on (PATH, HOME, LANG and TZ only), so logs stay on, as JSON, as
deployed. Roles as the entrypoint has them: ``all`` (the image's default: migrations, then
gunicorn and the outbox worker side by side), ``web`` and ``worker`` (the Kubernetes layout,
one Deployment each, deploy/k8s/).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from bench.booking_bench import process_tree

ROOT = Path(__file__).resolve().parent.parent
# gunicorn's process count when WEB_CONCURRENCY is unset (deploy/gunicorn.conf.py).
CONTAINER_WEB_PROCESSES = 2
READY_DEADLINE_S = 120.0
# The entrypoint gives its children STOP_TIMEOUT (25 s) before SIGKILL; we wait a bit longer.
STOP_DEADLINE_S = 40.0
ROLES = ("all", "web", "worker")


def port_in_use(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def cmdline(pid: int) -> str:
    """The process's command line, or [its name] for a kernel thread."""
    try:
        line = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
        return line or f"[{Path(f'/proc/{pid}/comm').read_text().strip()}]"
    except OSError:
        return ""


def container_env(
    database_url: str, run_dir: Path, static_root: Path, *, port: int
) -> dict[str, str]:
    """The container's environment: the Dockerfile's ENV, plus what ``docker run`` adds."""
    host = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "TZ") if k in os.environ}
    return {
        **host,
        # Dockerfile ENV (STATIC_ROOT, SQLITE_PATH and the heartbeat under this run's folders).
        "PYTHONUNBUFFERED": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "HOTEL_ENV": "production",
        "DJANGO_SETTINGS_MODULE": "hotel.settings",
        "PYTHONPATH": str(ROOT),
        "LOG_FORMAT": "json",
        "PORT": str(port),
        "STATIC_ROOT": str(static_root),
        "SQLITE_PATH": str(run_dir / "db.sqlite3"),
        "OUTBOX_HEARTBEAT_FILE": str(run_dir / "outbox-worker.heartbeat"),
        # docker run -e ...
        "DATABASE_URL": database_url,
        "SECRET_KEY": "event-pace-bench-" + "k" * 50,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DEBUG": "false",
        "HOTEL_RUN_DIR": str(run_dir),
        # The image's python is on PATH; here it is this virtualenv's.
        "PYTHON": sys.executable,
    }


def collect_static(static_root: Path, run_dir: Path) -> None:
    """As the image build does (Dockerfile: collectstatic into STATIC_ROOT)."""
    env = container_env(
        "sqlite:///" + str(run_dir / "unused.sqlite3"), run_dir, static_root, port=0
    )
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        env=env,
        cwd=ROOT,
        check=True,
    )


class Product:
    """``bash deploy/entrypoint.sh <role>`` in its own process group; stopped on exit, always.

    ``web`` and ``worker`` exec their server, so the entrypoint's process becomes gunicorn's
    master or the outbox worker itself; ``all`` stays the shell that runs both.
    """

    def __init__(self, env: dict[str, str], log_path: Path, role: str = "all") -> None:
        if role not in ROLES:
            raise ValueError(f"role must be one of {ROLES}, not {role!r}")
        self.env = env
        self.log_path = log_path
        self.role = role
        self.port = int(env["PORT"])
        self.process: subprocess.Popen[bytes] | None = None
        self.web_master = 0
        self.worker = 0
        self.stop_report: dict[str, Any] = {}

    @property
    def serves_web(self) -> bool:
        return self.role in {"all", "web"}

    @property
    def runs_worker(self) -> bool:
        return self.role in {"all", "worker"}

    def __enter__(self) -> Product:
        if self.serves_web and port_in_use(self.port):
            raise RuntimeError(f"something already listens on 127.0.0.1:{self.port}: not ours")
        with self.log_path.open("ab") as log:  # the child keeps its own copy of the fd
            self.process = subprocess.Popen(
                ["bash", "deploy/entrypoint.sh", self.role],
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _alive_or_raise(self) -> None:
        assert self.process is not None
        if self.process.poll() is not None:
            tail = self.log_path.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"the entrypoint exited with {self.process.returncode}:\n{tail}")

    def wait_ready(self, deadline_s: float = READY_DEADLINE_S) -> None:
        """/readyz answers 200 and gunicorn has its workers (web); the worker has beaten its
        heart (worker)."""
        assert self.process is not None
        heartbeat = Path(self.env["OUTBOX_HEARTBEAT_FILE"])
        if self.runs_worker:
            # A heartbeat left by an earlier worker of this run says nothing about this one.
            with contextlib.suppress(FileNotFoundError):
                heartbeat.unlink()
        deadline = time.monotonic() + deadline_s
        web_ready = not self.serves_web
        while time.monotonic() < deadline:
            self._alive_or_raise()
            if not web_ready:
                try:
                    response = httpx.get(f"http://127.0.0.1:{self.port}/readyz", timeout=2)
                except httpx.TransportError:
                    response = None
                if response is not None and 300 <= response.status_code < 400:
                    raise RuntimeError(
                        f"/readyz answered {response.status_code} to "
                        f"{response.headers.get('location')}: production settings redirect "
                        "plain http here; see bench/event_pace.py's docstring"
                    )
                web_ready = response is not None and response.status_code == 200
            self._find_children()
            workers = len(process_tree(self.web_master)) - 1 if self.web_master else 0
            if (
                web_ready
                and (not self.serves_web or workers >= CONTAINER_WEB_PROCESSES)
                and (not self.runs_worker or (self.worker and heartbeat.exists()))
            ):
                return
            time.sleep(0.2)
        raise RuntimeError(
            f"{self.role}: not ready after {deadline_s:.0f} s (web answered 200: {web_ready}, "
            f"outbox worker pid {self.worker or 'not found'}, heartbeat {heartbeat.exists()})"
        )

    def _find_children(self) -> None:
        """gunicorn's master and the outbox worker: the entrypoint itself once it has exec'd
        (web, worker roles), or its children (all). The first match is the master: its own
        children (gunicorn's workers) match too."""
        assert self.process is not None
        for pid in process_tree(self.process.pid):
            command = cmdline(pid)
            if "gunicorn" in command and not self.web_master:
                self.web_master = pid
            elif "outbox work" in command and not self.worker:
                self.worker = pid

    def web_pids(self) -> list[int]:
        return process_tree(self.web_master) if self.web_master else []

    def worker_pids(self) -> list[int]:
        return [self.worker] if self.worker else []

    def worker_scheduling(self) -> dict[str, Any]:
        """The outbox worker's CPU scheduling policy and nice value, as the entrypoint set them."""
        names = {os.SCHED_OTHER: "normal", os.SCHED_IDLE: "idle", os.SCHED_BATCH: "batch"}
        try:
            policy = os.sched_getscheduler(self.worker)
            nice = os.getpriority(os.PRIO_PROCESS, self.worker)
        except OSError:
            return {"policy": "unknown", "nice": None}
        return {"policy": names.get(policy, str(policy)), "nice": nice}

    def stop(self, timeout_s: float = STOP_DEADLINE_S) -> dict[str, Any]:
        """SIGTERM to the entrypoint, wait; then SIGKILL whatever is left in its group."""
        if self.process is None or self.stop_report:
            return self.stop_report
        pgid = self.process.pid  # start_new_session: the entrypoint leads its own group
        started = time.monotonic()
        signalled = self.process.poll() is None
        if signalled:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                os.killpg(pgid, signal.SIGKILL)
                self.process.wait(timeout=10)
        stragglers = [
            pid
            for pid in (int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit())
            if _pgid(pid) == pgid
        ]
        left = {pid: cmdline(pid) for pid in stragglers}
        if stragglers:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGKILL)
        self.stop_report = {
            "entrypoint_exit_status": self.process.returncode,
            "stopped_by_sigterm": signalled,
            "stop_seconds": round(time.monotonic() - started, 2),
            "left_in_group_and_killed": left,
        }
        return self.stop_report


def _pgid(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except OSError:
        return None
