"""A tiny urlconf whose views fail in each way the API's error handler must shape."""

import socket

import psycopg
from django.db.utils import DatabaseErrorWrapper
from django.http import Http404
from django.urls import path
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from hotel.errors import DomainError


class ProbeError(DomainError):
    """A context's domain error, as every context declares one."""

    http_status = 409


class ProbeInput(serializers.Serializer):
    nights = serializers.IntegerField(min_value=1)


class DomainErrorView(APIView):
    permission_classes = (AllowAny,)

    def get(self, request):
        raise ProbeError("room_unavailable", "No room left.", details={"room_type_id": 7})


class RetryLaterView(APIView):
    permission_classes = (AllowAny,)

    def get(self, request):
        raise ProbeError(
            "provider_unavailable", "Try later.", http_status=503, retry_after_seconds=5
        )


class NotFoundView(APIView):
    permission_classes = (AllowAny,)

    def get(self, request):
        raise Http404("no such order")


class ValidationView(APIView):
    permission_classes = (AllowAny,)

    def post(self, request):
        ProbeInput(data=request.data).is_valid(raise_exception=True)
        return Response({})


class NonFieldValidationView(APIView):
    permission_classes = (AllowAny,)

    def post(self, request):
        raise serializers.ValidationError(["check_out must be after check_in"])


class PostgresqlBackendErrors:
    """What Django's error wrapper reads off a backend: its driver module, and where it notes
    that an error occurred (the PostgreSQL backend's wrapper, on any test database)."""

    Database = psycopg
    errors_occurred = False


def _refusing_port() -> int:
    """A local port nothing listens on: connecting to it is refused, as to a restarting server."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class DatabaseUnreachableView(APIView):
    """A query while PostgreSQL refuses connections: psycopg's error, wrapped as Django's
    PostgreSQL backend wraps it."""

    permission_classes = (AllowAny,)

    def get(self, request):
        with DatabaseErrorWrapper(PostgresqlBackendErrors()):
            psycopg.connect(host="127.0.0.1", port=_refusing_port(), connect_timeout=5)


class BugView(APIView):
    permission_classes = (AllowAny,)

    def get(self, request):
        raise RuntimeError("a bug")


urlpatterns = [
    path("domain/", DomainErrorView.as_view()),
    path("retry/", RetryLaterView.as_view()),
    path("missing/", NotFoundView.as_view()),
    path("validate/", ValidationView.as_view()),
    path("non-field/", NonFieldValidationView.as_view()),
    path("api/database-down/", DatabaseUnreachableView.as_view()),
    path("database-down/", DatabaseUnreachableView.as_view()),
    path("api/bug/", BugView.as_view()),
]

handler500 = "hotel.error_pages.server_error"
