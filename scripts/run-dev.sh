#!/usr/bin/env bash
# The quick start: migrate, load demo data, run the web server and the outbox worker together.
# Ctrl-C (or SIGTERM) stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PORT="${PORT:-8000}"

$PY manage.py migrate --noinput
if $PY manage.py help load_demo_data >/dev/null 2>&1; then
  $PY manage.py load_demo_data
fi

$PY manage.py outbox work &
worker=$!
$PY manage.py runserver "0.0.0.0:${PORT}" &
web=$!

stop() {
  trap - INT TERM EXIT
  kill -TERM "$web" "$worker" 2>/dev/null || true
  wait "$web" "$worker" 2>/dev/null || true
}
trap stop INT TERM EXIT
# Whichever stops first (or Ctrl-C) takes the other down with it.
wait -n "$web" "$worker" || true
