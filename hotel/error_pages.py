"""Django's own error answers (raised before or outside a DRF view) in the API's error shape.

A URL that matches no route (``/api/orders/abc/``), a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``,
a ``Host`` not in ``ALLOWED_HOSTS`` and an unhandled exception never reach DRF's exception
handler; Django answers them with these views. Under ``/api/`` they answer JSON shaped like
every other API error; elsewhere (the admin, the browsable login) Django's pages stay.

An unhandled error because PostgreSQL cannot be reached (restarting, failing over, the network)
is no fault of the request: it answers 503 with ``Retry-After``, so clients and proxies retry,
instead of a 500.
"""

import sys

import psycopg
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

API_PREFIX = "/api/"
#: What a client is told to wait while the database cannot be reached: a restart takes seconds.
DATABASE_RETRY_AFTER_SECONDS = 1
# SQLSTATEs of a server that is going away or not yet up: admin_shutdown, crash_shutdown,
# cannot_connect_now (class 08, connection exceptions, is matched whole).
_SERVER_UNAVAILABLE_STATES = frozenset({"57P01", "57P02", "57P03"})


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def _api_error(code: str, message: str, status: int) -> JsonResponse:
    return JsonResponse({"code": code, "message": message, "details": {}}, status=status)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return _api_error("bad_request", "The request could not be read.", 400)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return _api_error("permission_denied", "You may not do this.", 403)
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return _api_error("not_found", "No such resource.", 404)
    return defaults.page_not_found(request, exception)


def database_unreachable(exc: BaseException | None) -> bool:
    """Whether ``exc`` says PostgreSQL could not be reached or dropped the connection, as
    opposed to a query it refused (those stay 500s: a bug, not an outage).

    Django wraps the driver's error (``raise OperationalError(...) from psycopg_error``): a
    connection refused or lost has no SQLSTATE (the client noticed), a server shutting down or
    starting up sends one of its own; an operation on a connection already closed is an
    ``InterfaceError``.
    """
    if isinstance(exc, InterfaceError):
        return isinstance(exc.__cause__, psycopg.InterfaceError)
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    if not isinstance(cause, psycopg.OperationalError):
        return False
    state = cause.sqlstate
    return state is None or state.startswith("08") or state in _SERVER_UNAVAILABLE_STATES


def server_error(request: HttpRequest) -> HttpResponse:
    # Django calls this handler while it handles the exception: sys.exc_info() holds it.
    if database_unreachable(sys.exc_info()[1]):
        return _database_unavailable(request)
    if _is_api(request):
        return _api_error("server_error", "Something went wrong on our side.", 500)
    return defaults.server_error(request)


def _database_unavailable(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        response: HttpResponse = _api_error(
            "database_unavailable", "The service is briefly unavailable; try again shortly.", 503
        )
    else:
        response = HttpResponse(
            "Service briefly unavailable; try again shortly.", status=503, content_type="text/plain"
        )
    response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
    return response
