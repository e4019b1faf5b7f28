"""One error shape for the whole API: {"code", "message", "details"}."""

import psycopg
import pytest
from django.db import DataError, OperationalError, connection
from django.db.utils import DatabaseErrorWrapper
from rest_framework.exceptions import MethodNotAllowed, NotFound, ValidationError
from rest_framework.fields import IntegerField
from rest_framework.test import APIClient

from hotel.api_errors import exception_handler
from hotel.error_pages import database_unreachable
from hotel.errors import DomainError
from tests.project.error_urls import PostgresqlBackendErrors

pytestmark = pytest.mark.urls("tests.project.error_urls")


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


def test_a_domain_error_subclass_is_its_status_code_message_and_details(api_client):
    response = api_client.get("/domain/")

    assert response.status_code == 409
    assert response.json() == {
        "code": "room_unavailable",
        "message": "No room left.",
        "details": {"room_type_id": 7},
    }
    assert "Retry-After" not in response


def test_a_domain_error_with_retry_after_sets_the_header(api_client):
    response = api_client.get("/retry/")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json() == {
        "code": "provider_unavailable",
        "message": "Try later.",
        "details": {},
    }


def test_http404_from_a_view_is_not_found_in_the_same_shape(api_client):
    response = api_client.get("/missing/")

    assert response.status_code == 404
    assert response.json() == {
        "code": "not_found",
        "message": str(NotFound.default_detail),
        "details": {},
    }


def test_a_serializer_validation_error_names_each_field(api_client):
    response = api_client.post("/validate/", {"nights": 0}, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "message": "The request is not valid; see details for each field.",
        "details": {
            "nights": [str(IntegerField.default_error_messages["min_value"]).format(min_value=1)]
        },
    }


def test_a_list_validation_error_goes_under_non_field_errors(api_client):
    response = api_client.post("/non-field/", {}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["details"] == {"non_field_errors": ["check_out must be after check_in"]}


def test_a_wrong_method_is_method_not_allowed(api_client):
    response = api_client.delete("/domain/")

    assert response.status_code == 405
    assert response.json() == {
        "code": "method_not_allowed",
        "message": str(MethodNotAllowed.default_detail).format(method="DELETE"),
        "details": {},
    }


def test_a_database_that_cannot_be_reached_is_a_503_with_retry_after():
    response = APIClient(raise_request_exception=False).get("/api/database-down/")

    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    assert response.json()["code"] == "database_unavailable"


def test_outside_the_api_a_database_that_cannot_be_reached_is_a_503_too():
    response = APIClient(raise_request_exception=False).get("/database-down/")

    assert response.status_code == 503
    assert response["Retry-After"] == "1"


def test_any_other_unhandled_error_stays_a_500():
    response = APIClient(raise_request_exception=False).get("/api/bug/")

    assert response.status_code == 500
    assert "Retry-After" not in response
    assert response.json()["code"] == "server_error"


def _error_of(sql: str) -> Exception:
    """What Django raises when ``sql`` fails on a session of its own (the test's stays intact)."""
    params = connection.get_connection_params()
    keep = ("dbname", "user", "password", "host", "port")
    session = psycopg.connect(
        **{key: params[key] for key in keep if params.get(key)}, autocommit=True
    )
    try:
        with DatabaseErrorWrapper(PostgresqlBackendErrors()):
            session.execute(sql)
    except Exception as exc:
        return exc
    finally:
        session.close()
    raise AssertionError(f"{sql!r} did not fail")


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_session_the_server_shuts_down_is_the_database_unreachable():
    # What every open session gets from "pg_ctl restart -m fast": 57P01 admin_shutdown.
    error = _error_of("SELECT pg_terminate_backend(pg_backend_pid())")

    assert isinstance(error, OperationalError)
    assert database_unreachable(error)


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("sql", "kind"),
    [
        ("SET statement_timeout = 1; SELECT pg_sleep(1)", OperationalError),  # 57014
        ("SELECT 1 / 0", DataError),
    ],
)
def test_a_query_the_server_refuses_is_not_the_database_unreachable(sql, kind):
    error = _error_of(sql)

    assert isinstance(error, kind)
    assert not database_unreachable(error)


def test_the_handler_maps_a_domain_error_directly():
    response = exception_handler(
        DomainError("order_not_cancellable", "Already cancelled.", http_status=409), {}
    )

    assert response.status_code == 409
    assert response.data == {
        "code": "order_not_cancellable",
        "message": "Already cancelled.",
        "details": {},
    }


def test_the_handler_leaves_unexpected_exceptions_to_django():
    assert exception_handler(RuntimeError("boom"), {}) is None


def test_the_handler_shapes_a_raw_validation_error():
    response = exception_handler(ValidationError({"guests": ["Too many."]}), {})

    assert response.status_code == 400
    assert response.data["details"] == {"guests": ["Too many."]}
