"""Real worker subprocesses against the test database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def database_env() -> dict[str, str]:
    """Environment that points a child process at the test database this test uses."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SQLITE_PATH"}}
    params = connection.settings_dict
    if connection.vendor == "postgresql":
        user = params["USER"] or "postgres"
        password = f":{params['PASSWORD']}" if params["PASSWORD"] else ""
        host = params["HOST"] or "127.0.0.1"
        port = params["PORT"] or "5432"
        env["DATABASE_URL"] = f"postgres://{user}{password}@{host}:{port}/{params['NAME']}"
    else:
        env["SQLITE_PATH"] = str(params["NAME"])
    env["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    env["TEST_OUTBOX_BACKOFF_SECONDS"] = "0.05"
    env["PYTHONPATH"] = str(ROOT)
    return env


def start_worker(*args: str, extra_env: dict[str, str] | None = None) -> subprocess.Popen:
    env = {**database_env(), **(extra_env or {})}
    return subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "outbox", "work", *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def stop(process: subprocess.Popen, *, timeout: float = 10.0) -> str:
    """SIGTERM, wait, and return what the process printed (SIGKILL if it will not stop)."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    return output or ""
