# syntax=docker/dockerfile:1
# One image for every role: deploy/entrypoint.sh [all|web|worker|migrate] (default all: migrations,
# then gunicorn and the outbox worker side by side). See docs/operations.md.
#
#   docker build -t hotel .
#   docker run --rm -p 8000:8000 -e SECRET_KEY=... -e ALLOWED_HOSTS=localhost \
#     -e DATABASE_URL=postgres://... hotel
#
# Pin the base by digest too in your registry mirror (python:3.11.13-slim-bookworm@sha256:...).
ARG PYTHON_IMAGE=python:3.11.13-slim-bookworm
FROM ${PYTHON_IMAGE}

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

WORKDIR /app

# Dependencies first, in a layer rebuilt only when pyproject.toml changes: install the project
# from a stub of its packages (which pulls every declared dependency), then drop the stub.
COPY pyproject.toml ./
RUN mkdir -p hotel apps \
    && touch hotel/__init__.py apps/__init__.py \
    && pip install --no-cache-dir . \
    && pip uninstall --yes hotel \
    && rm -rf hotel apps build ./*.egg-info

# The project itself. It also runs from /app (PYTHONPATH), which keeps templates and other
# data files beside their code.
COPY . .
RUN pip install --no-cache-dir --no-deps . \
    && rm -rf build ./*.egg-info \
    && python -m compileall -q hotel apps deploy manage.py

RUN groupadd --system --gid 10001 hotel \
    && useradd --system --uid 10001 --gid hotel --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin hotel \
    && mkdir -p /data \
    && chown hotel:hotel /data

# NUM_PROXIES=0: no proxy's X-Forwarded-For is trusted, throttles key on the connection's
# address. Behind a load balancer or ingress that appends the client's address, run with 1.
ENV HOTEL_ENV=production \
    NUM_PROXIES=0 \
    DJANGO_SETTINGS_MODULE=hotel.settings \
    PYTHONPATH=/app \
    LOG_FORMAT=json \
    PORT=8000 \
    STATIC_ROOT=/app/staticfiles \
    SQLITE_PATH=/data/db.sqlite3 \
    OUTBOX_HEARTBEAT_FILE=/tmp/outbox-worker.heartbeat

# Static files of the admin and the browsable API, served by WhiteNoise. Production settings
# demand a secret key and allowed hosts even here: these build-time values are thrown away.
RUN SECRET_KEY=collectstatic-only-not-used-at-run-time-0123456789 ALLOWED_HOSTS=build \
    python manage.py collectstatic --noinput --verbosity 0

USER 10001:10001
EXPOSE 8000

# Web: GET /healthz; worker: its heartbeat file is fresh (deploy/healthcheck.py, no curl needed).
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "/app/deploy/healthcheck.py"]

ENTRYPOINT ["/app/deploy/entrypoint.sh"]
CMD ["all"]
