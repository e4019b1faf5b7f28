"""Container health check (Docker HEALTHCHECK, Kubernetes exec probes). Exit 0 when healthy.

    python deploy/healthcheck.py [web|worker|all]

web: GET /healthz on this container answers 200. worker: the outbox worker's heartbeat file
(OUTBOX_HEARTBEAT_FILE) was touched within HEARTBEAT_MAX_AGE_SECONDS (120). Without an
argument, the role deploy/entrypoint.sh started (all by default).

No Django here: it runs every few seconds and must stay cheap. The request names a host from
ALLOWED_HOSTS, which production settings enforce.
"""

import os
import sys
import time
import urllib.request


def probe_host() -> str:
    hosts = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
    for host in hosts:
        if host != "*":
            return host.lstrip(".")
    return "localhost"


def web_ok() -> bool:
    url = f"http://127.0.0.1:{os.environ.get('PORT', '8000')}/healthz"
    request = urllib.request.Request(url, headers={"Host": probe_host()})
    try:
        with urllib.request.urlopen(request, timeout=3) as response:
            return response.status == 200
    except OSError as exc:
        print(f"web: {exc}", file=sys.stderr)
        return False


def worker_ok() -> bool:
    path = os.environ.get("OUTBOX_HEARTBEAT_FILE", "")
    if not path:
        return True  # no heartbeat configured: nothing to check
    max_age = float(os.environ.get("HEARTBEAT_MAX_AGE_SECONDS", "120"))
    try:
        age = time.time() - os.stat(path).st_mtime
    except OSError as exc:
        print(f"worker: no heartbeat ({exc})", file=sys.stderr)
        return False
    if age > max_age:
        print(f"worker: heartbeat is {age:.0f}s old", file=sys.stderr)
        return False
    return True


def main(argv: list[str]) -> int:
    role = argv[1] if len(argv) > 1 else ""
    if not role:
        try:
            with open(os.path.join(os.environ.get("HOTEL_RUN_DIR", "/tmp"), "hotel-role")) as f:
                role = f.read().strip() or "all"
        except OSError:
            role = "all"
    checks = {"web": [web_ok], "worker": [worker_ok], "all": [web_ok, worker_ok]}
    if role not in checks:
        print(f"unknown role {role!r}", file=sys.stderr)
        return 2
    return 0 if all(check() for check in checks[role]) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
