#!/usr/bin/env bash
# Container entry point: migrate, then run the web server (gunicorn), the outbox worker, or both.
#
#   deploy/entrypoint.sh [all|web|worker|migrate]     (default: all)
#
# all      migrations, then gunicorn and `manage.py outbox work` side by side. SIGTERM/SIGINT is
#          forwarded to both and both are waited for; if either exits on its own, the other is
#          stopped. Exit 0 only when both stopped cleanly after a signal.
# web      migrations (see MIGRATE_ON_START), then gunicorn alone (exec: it gets the signals).
# worker   waits for migrations to be applied (or applies them), then the outbox worker alone.
# migrate  applies migrations and exits (a Kubernetes Job).
#
# Environment: PORT (8000), WEB_CONCURRENCY (2), WEB_THREADS (32), OUTBOX_NICE (0: the worker
# shares the cores with the web server as an equal; a higher niceness, up to 19, lets the web
# server's requests go first, at the price of events waiting longer under load),
# MIGRATE_ON_START (true; false: wait up to MIGRATION_WAIT_SECONDS (300) for someone else to
# apply them), STOP_TIMEOUT (25 s before SIGKILL), PYTHON (python).
set -uo pipefail

cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python}"
role="${1:-all}"
STOP_TIMEOUT="${STOP_TIMEOUT:-25}"

log() { echo "entrypoint: $*" >&2; }

truthy() {
  case "${1,,}" in
    1 | true | yes | on) return 0 ;;
    *) return 1 ;;
  esac
}

prepare_database() {
  if truthy "${MIGRATE_ON_START:-true}"; then
    "$PYTHON" manage.py migrate --noinput || {
      log "migrations failed"
      exit 1
    }
    return
  fi
  local deadline=$((SECONDS + ${MIGRATION_WAIT_SECONDS:-300}))
  until "$PYTHON" manage.py migrate --check >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      log "migrations still not applied after ${MIGRATION_WAIT_SECONDS:-300}s"
      exit 1
    fi
    log "waiting for migrations to be applied"
    sleep 3
  done
}

web_command=("$PYTHON" -m gunicorn -c deploy/gunicorn.conf.py)
worker_command=("$PYTHON" manage.py outbox work)
if [[ "${OUTBOX_NICE:-0}" != "0" ]]; then
  worker_command=(nice -n "$OUTBOX_NICE" "${worker_command[@]}")
fi

# Remembers where the worker's heartbeat is, for deploy/healthcheck.py (Docker HEALTHCHECK).
echo "$role" >"${HOTEL_RUN_DIR:-/tmp}/hotel-role" 2>/dev/null || true

case "$role" in
  migrate)
    exec "$PYTHON" manage.py migrate --noinput
    ;;
  web)
    prepare_database
    exec "${web_command[@]}"
    ;;
  worker)
    prepare_database
    exec "${worker_command[@]}"
    ;;
  all) ;;
  *)
    log "unknown role '$role' (all, web, worker or migrate)"
    exit 64
    ;;
esac

# --- all: two processes under this shell ----------------------------------------------------
stopping=""
trap 'stopping=1' TERM INT

prepare_database
if [[ -n "$stopping" ]]; then
  log "stopped before start"
  exit 0
fi

"${web_command[@]}" &
web=$!
"${worker_command[@]}" &
worker=$!
log "started web (pid $web) and worker (pid $worker)"

# Wait for a child; returns its exit status even when a trapped signal interrupts the wait.
reap() {
  local pid=$1 status
  while true; do
    wait "$pid"
    status=$?
    if ((status > 128)) && kill -0 "$pid" 2>/dev/null; then
      continue # interrupted by a signal; the child is still running
    fi
    if ((status > 128)); then
      # Either the child died of a signal, or a signal interrupted us just as it exited: a
      # second wait returns its real status in that case, 127 when it was already collected.
      wait "$pid" 2>/dev/null
      local again=$?
      ((again != 127)) && status=$again
    fi
    return "$status"
  done
}

first=""
first_status=0
while [[ -z "$stopping" ]]; do
  wait -n -p first "$web" "$worker"
  first_status=$?
  [[ -n "${first:-}" ]] && break
done

if [[ -n "$stopping" && -z "${first:-}" ]]; then
  log "stopping web and worker"
else
  name=$([[ "$first" == "$web" ]] && echo web || echo worker)
  log "$name exited with status $first_status; stopping the other"
fi

kill -TERM "$web" "$worker" 2>/dev/null
# SIGKILL whatever has not stopped after STOP_TIMEOUT seconds. Its sleep goes with it when
# both stop in time (a TERM to the timer ends the sleep too, not only the subshell).
(
  trap 'kill "$sleeper" 2>/dev/null; exit 0' TERM
  sleep "$STOP_TIMEOUT" &
  sleeper=$!
  wait "$sleeper"
  kill -KILL "$web" "$worker" 2>/dev/null
) &
killer=$!

statuses=()
for pid in "$web" "$worker"; do
  if [[ "$pid" == "${first:-}" ]]; then
    statuses+=("$first_status")
  else
    reap "$pid"
    statuses+=("$?")
  fi
done
kill "$killer" 2>/dev/null
wait "$killer" 2>/dev/null
log "web exited with ${statuses[0]}, worker with ${statuses[1]}"

if [[ -n "${first:-}" && -z "$stopping" ]]; then
  # One of them stopped on its own: that is a failure, whatever its status.
  ((first_status != 0)) && exit "$first_status"
  exit 1
fi
for status in "${statuses[@]}"; do
  ((status != 0)) && exit "$status"
done
exit 0
