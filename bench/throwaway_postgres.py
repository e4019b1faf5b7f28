"""A PostgreSQL cluster of the bench's own, for a run that restarts its database server.

The fault drills restart PostgreSQL under load. The machine's server on 127.0.0.1:5432 serves
other work at the same time (test suites, other benches), so a bench never restarts it: it
makes a cluster of its own with ``initdb`` in a temporary folder, starts it on a free port with
``pg_ctl``, restarts that one, and removes it at the end, on an exception or Ctrl-C too.

Settings follow the machine's server where they matter to the figures (``shared_buffers``,
``fsync``, the WAL sizes, the time zone), with autovacuum on as a database in service has it
(bench/server_autovacuum.py says why the machine's server has it off). ``max_connections`` is
twice the server's: the reads scenario runs the reference server beside the product, and each
holds up to 64 sessions (2 processes x 32 threads, the container's defaults).
``initdb`` refuses to run as root, so the cluster belongs to the ``postgres`` OS user when the
bench runs as root (``runuser``), and to the bench's own user otherwise.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

import psycopg

PG_BIN = Path(os.environ.get("BENCH_PG_BIN", "/usr/lib/postgresql/15/bin"))
FIRST_PORT = 5439
# What the cluster runs with; the machine's server (/etc/postgresql/15/main) has the same
# values except autovacuum and max_connections (100 there).
SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "max_connections": "200",
    "shared_buffers": "128MB",
    "fsync": "on",
    "max_wal_size": "1GB",
    "min_wal_size": "80MB",
    "autovacuum": "on",
    "timezone": "'Etc/UTC'",
    "log_timezone": "'Etc/UTC'",
    "log_line_prefix": "'%m [%p] %q%u@%d '",
}
START_DEADLINE_S = 60


def free_port(first: int = FIRST_PORT, tries: int = 60) -> int:
    """The first port from ``first`` that nothing listens on (a stale cluster may hold one)."""
    for port in range(first, first + tries):
        with socket.socket() as probe:
            probe.settimeout(0.2)
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError(f"no free port in {first}-{first + tries - 1}")


class ThrowawayCluster:
    """``initdb`` + ``pg_ctl start`` on enter; ``pg_ctl stop`` and the folder removed on exit."""

    def __init__(
        self, *, prefix: str = "drills-pg-", port: int | None = None, keep_log: Path | None = None
    ) -> None:
        self.prefix = prefix
        self.port = port
        self.keep_log = keep_log
        self.folder: Path | None = None
        self.owner = "postgres" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name

    @property
    def data(self) -> Path:
        assert self.folder is not None
        return self.folder / "data"

    @property
    def log_path(self) -> Path:
        assert self.folder is not None
        return self.folder / "server.log"

    @property
    def server_url(self) -> str:
        """Without a database name: append ``/<name>``."""
        return f"postgres://postgres@127.0.0.1:{self.port}"

    def _as_owner(self, *command: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        prefix = ["runuser", "-u", self.owner, "--"] if os.geteuid() == 0 else []
        return subprocess.run(
            [*prefix, *command], capture_output=True, text=True, check=check, cwd="/"
        )

    def _pg_ctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self._as_owner(
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log_path), *args,
            check=check,
        )  # fmt: skip

    def __enter__(self) -> ThrowawayCluster:
        self.folder = Path(tempfile.mkdtemp(prefix=self.prefix))
        try:
            if os.geteuid() == 0:
                shutil.chown(self.folder, user=self.owner, group=self.owner)
            self._as_owner(
                str(PG_BIN / "initdb"), "-D", str(self.data), "--auth=trust", "--username=postgres",
                "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync",
            )  # fmt: skip
            self.port = self.port or free_port()
            settings = {**SETTINGS, "port": str(self.port)}
            settings["unix_socket_directories"] = f"'{self.folder}'"
            with (self.data / "postgresql.conf").open("a") as conf:
                conf.write("\n# bench/throwaway_postgres.py\n")
                conf.writelines(f"{name} = {value}\n" for name, value in settings.items())
            self.start()
        except BaseException:
            self._remove()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._remove()

    def start(self) -> None:
        self._pg_ctl("-w", "-t", str(START_DEADLINE_S), "start")
        self.wait_accepting(START_DEADLINE_S)

    def restart(self, mode: str = "fast") -> None:
        """``pg_ctl restart -m <mode>``: stop (terminating every session), then start; returns
        once the server accepts connections again."""
        self._pg_ctl("-w", "-t", str(START_DEADLINE_S), "-m", mode, "restart")

    def accepting(self) -> bool:
        try:
            with psycopg.connect(f"{self.server_url}/postgres", connect_timeout=2) as conn:
                conn.execute("SELECT 1")
        except psycopg.OperationalError:
            return False
        return True

    def wait_accepting(self, deadline_s: float) -> None:
        deadline = time.monotonic() + deadline_s
        while not self.accepting():
            if time.monotonic() > deadline:
                raise RuntimeError(f"the bench's PostgreSQL does not answer; see {self.log_path}")
            time.sleep(0.1)

    def server_pids(self) -> list[int]:
        """The postmaster and its children (for memory and CPU figures)."""
        try:
            pid = int((self.data / "postmaster.pid").read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            return []
        children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
        return [pid, *(int(child) for child in children.stdout.split())]

    def _remove(self) -> None:
        if self.folder is None:
            return
        if (self.data / "postmaster.pid").exists():
            stopped = self._pg_ctl("-w", "-t", "30", "-m", "fast", "stop", check=False)
            if stopped.returncode != 0:
                self._pg_ctl("-m", "immediate", "stop", check=False)
        if self.keep_log is not None and self.log_path.exists():
            shutil.copyfile(self.log_path, self.keep_log)
        with contextlib.suppress(OSError):
            shutil.rmtree(self.folder)
        self.folder = None
