"""Correlation ids for structured logs: every log line says which order (or request) it serves.

One context variable holds the current correlation id and another the current request id.
They are set in three places:

- ``RequestCorrelationMiddleware``: for each HTTP request, from its ``X-Request-ID`` header
  (or a new id), echoed back in the response's ``X-Request-ID``;
- the outbox worker, around each handler run, from the event's ``meta.correlation_id``
  (the order id);
- ``correlation_bind(order_id)``: a service calls it once the order exists, so the rest of
  the request logs under the order id (the request id stays on every line too).

``CorrelationIdFilter`` copies both onto every log record (``correlation_id``, ``request_id``;
``-`` when unset) and ``JsonFormatter`` writes one JSON object per line (``LOG_FORMAT=json``).
Context variables follow threads and asyncio tasks, so gunicorn's threads never mix them up.
This module imports nothing of Django's at import time: gunicorn's master may load it too.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

_correlation_id: ContextVar[str] = ContextVar("correlation_id", default="")
_request_id: ContextVar[str] = ContextVar("request_id", default="")

REQUEST_ID_HEADER = "X-Request-ID"
# What we accept from a client or proxy as a request id; anything else gets a fresh one.
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")
# Written on records when no id is set (a plain log line then reads "[-]").
UNSET = "-"


def get_correlation_id() -> str:
    """The current correlation id ("" outside any request or handler run)."""
    return _correlation_id.get()


def get_request_id() -> str:
    """The current request id ("" outside a request)."""
    return _request_id.get()


def new_request_id() -> str:
    return uuid.uuid4().hex


@contextmanager
def correlation_context(
    correlation_id: object = None, *, request_id: str | None = None
) -> Iterator[str]:
    """Log under ``correlation_id`` (and ``request_id`` if given) inside the block, then restore.

    A ``correlation_bind`` inside the block lasts until the block ends.
    """
    value = "" if correlation_id is None else str(correlation_id)
    correlation_token = _correlation_id.set(value)
    request_token = _request_id.set(request_id) if request_id is not None else None
    try:
        yield value
    finally:
        if request_token is not None:
            _request_id.reset(request_token)
        _correlation_id.reset(correlation_token)


def correlation_bind(order_id: object) -> None:
    """From now on in this request (or handler run), log under ``order_id``.

    Call it once the order exists (its id is known). It lasts until the request ends, or
    until the enclosing ``correlation_context`` (the worker's handler run) exits.
    """
    _correlation_id.set(str(order_id))


class CorrelationIdFilter(logging.Filter):
    """Adds ``correlation_id`` and ``request_id`` to every record that passes (never drops one).

    Attach it to handlers (LOGGING does, for the console handler): a handler's filters see
    the records of every logger that propagates to it.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        record.correlation_id = _correlation_id.get() or UNSET
        record.request_id = _request_id.get() or UNSET
        return True


# Attributes every LogRecord has; anything else on a record came from ``extra=`` and is kept.
_STANDARD_ATTRS = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", (), None)).keys()
    | {"message", "asctime", "correlation_id", "request_id", "taskName"}
)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, correlation and request
    ids, process, the exception if any, and whatever the call passed in ``extra``."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        correlation = getattr(record, "correlation_id", UNSET)
        request = getattr(record, "request_id", UNSET)
        if correlation and correlation != UNSET:
            entry["correlation_id"] = correlation
        if request and request != UNSET:
            entry["request_id"] = request
        entry["process"] = record.process
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


request_logger = logging.getLogger("hotel.request")
# Probes and scrapes that answer fine are not worth a log line each.
_QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


def _clear_request_ids(**_: object) -> None:
    _correlation_id.set("")
    _request_id.set("")


class RequestCorrelationMiddleware:
    """Give each request a request id (``X-Request-ID`` in, or a new one), log under it, echo
    it in the response, and write one access line per request to ``hotel.request``.

    The ids stay set until the response is closed (Django logs its 4xx/5xx lines after the
    middleware returned), then ``request_finished`` clears them for the thread's next request.
    """

    def __init__(self, get_response: Callable) -> None:
        from django.conf import settings
        from django.core.signals import request_finished

        self.get_response = get_response
        self.log_requests = getattr(settings, "LOG_REQUESTS", True)
        request_finished.connect(_clear_request_ids, dispatch_uid="hotel.correlation.clear")

    def __call__(self, request):
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if _VALID_REQUEST_ID.fullmatch(incoming) else new_request_id()
        request.request_id = request_id
        _correlation_id.set(request_id)
        _request_id.set(request_id)
        started = time.perf_counter()
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        if self.log_requests and not (request.path in _QUIET_PATHS and response.status_code < 400):
            request_logger.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "http_method": request.method,
                    "http_path": request.path,
                    "http_status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
        return response
