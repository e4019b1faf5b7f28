"""One error shape for the whole API: ``{"code": ..., "message": ..., "details": {...}}``."""

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from hotel.errors import DomainError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        response = Response(
            {"code": exc.code, "message": exc.message, "details": exc.details},
            status=exc.http_status,
        )
        if exc.retry_after_seconds is not None:
            response["Retry-After"] = str(exc.retry_after_seconds)
        return response

    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = {
            "code": "invalid",
            "message": "The request is not valid; see details for each field.",
            "details": detail,
        }
    elif isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else exc.default_code
        details: dict[str, Any] = {}
        if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
            details["retry_after_seconds"] = int(exc.wait)
        response.data = {"code": code, "message": str(exc.detail), "details": details}
    if response.status_code == status.HTTP_405_METHOD_NOT_ALLOWED:
        response.data["code"] = "method_not_allowed"
    return response
