"""Correlation ids for structured logs: every log line says which order (or request) it serves.

One context variable holds the current correlation id and another the current request id.
They are set in three places:

- ``RequestCorrelationMiddleware``: for each HTTP request, from its ``X-Request-ID`` header
  (or a new id), echoed back in the response's ``X-Request-ID``;
- the outbox worker, around each handler run, from the event's ``meta.correlation_id``
  (the order id);
- ``correlation_bind(order_id)``: a service calls it once the order exists, so the rest of
  the request logs under the order id (the request id stays on every line too).

``CorrelationIdFilter`` copies those set onto every log record (``correlation_id``,
``request_id``): the plain format shows ``-`` for an unset one (``PLAIN_FORMATTER``), and with
``LOG_FORMAT=json`` python-json-logger writes one JSON object per line, without the unset ones
(``JSON_FORMATTER``, the one formatter configuration of settings' ``LOGGING`` and gunicorn's).
Context variables follow threads and asyncio tasks, so gunicorn's threads never mix them up.
This module imports nothing of Django's at import time: gunicorn's master may load it too.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_correlation_id: ContextVar[str] = ContextVar("correlation_id", default="")
_request_id: ContextVar[str] = ContextVar("request_id", default="")

REQUEST_ID_HEADER = "X-Request-ID"
# What we accept from a client or proxy as a request id; anything else gets a fresh one.
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")
# What the plain format writes for an unset id (a line outside any request reads "[-]").
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
    """Adds ``correlation_id`` and ``request_id`` to every record that passes, those that are
    set (never drops a record). The formatters say what an unset one reads as.

    Attach it to handlers (LOGGING does, for the console handler): a handler's filters see
    the records of every logger that propagates to it.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        correlation_id, request_id = _correlation_id.get(), _request_id.get()
        if correlation_id:
            record.correlation_id = correlation_id
        if request_id:
            record.request_id = request_id
        return True


# --- formatters (logging.config.dictConfig entries) ------------------------------------------
#: One line of text; an unset id reads ``-`` (a line outside any request: ``[-]``).
PLAIN_FORMATTER: dict[str, object] = {
    "()": "logging.Formatter",
    "fmt": "%(asctime)s %(levelname)s %(name)s [%(correlation_id)s] %(message)s",
    "defaults": {"correlation_id": UNSET, "request_id": UNSET},
}

#: One JSON object per line (python-json-logger): ``time`` (UTC, ISO 8601, milliseconds),
#: ``level``, ``logger``, ``message``, ``process``, then ``correlation_id`` and ``request_id``
#: where set and whatever the call passed in ``extra``, and ``exception`` (the traceback's
#: text) and ``stack`` where there is one. Values JSON cannot hold are written as ``str()``.
JSON_FORMATTER: dict[str, object] = {
    "()": "pythonjsonlogger.json.JsonFormatter",
    "fmt": ["asctime", "levelname", "name", "message", "process"],
    "rename_fields": {
        "asctime": "time",
        "levelname": "level",
        "name": "logger",
        "exc_info": "exception",
        "stack_info": "stack",
    },
    "json_ensure_ascii": False,
    "json_default": str,
    # logging.Formatter's own time attributes: UTC, "2025-01-31T09:15:02.123+00:00".
    ".": {
        "converter": time.gmtime,
        "default_time_format": "%Y-%m-%dT%H:%M:%S",
        "default_msec_format": "%s.%03d+00:00",
    },
}


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
