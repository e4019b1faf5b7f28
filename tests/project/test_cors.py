"""A separate front end on another origin may call the API when its origin is listed
(CORS_ALLOWED_ORIGINS, none by default); no other origin, and never with cookies."""

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

APP = "https://app.example.com"


def preflight(client: APIClient, origin: str):
    return client.options(
        "/api/orders/",
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type, idempotency-key",
    )


def test_by_default_no_origin_is_allowed():
    response = preflight(APIClient(), APP)

    assert "Access-Control-Allow-Origin" not in response


def test_a_listed_origin_may_book_with_its_token_and_read_retry_after(settings, guest):
    settings.CORS_ALLOWED_ORIGINS = [APP]
    client = APIClient()

    allowed = preflight(client, APP)
    refused = preflight(client, "https://evil.example.com")
    answer = client.get("/api/hotels/", HTTP_ORIGIN=APP)

    assert allowed.status_code == 200
    assert allowed["Access-Control-Allow-Origin"] == APP
    assert {"authorization", "content-type", "idempotency-key"} <= set(
        allowed["Access-Control-Allow-Headers"].split(", ")
    )
    assert "Access-Control-Allow-Credentials" not in allowed
    assert "Access-Control-Allow-Origin" not in refused
    assert answer["Access-Control-Allow-Origin"] == APP
    assert "retry-after" in answer["Access-Control-Expose-Headers"]


def test_cors_stays_off_outside_the_api(settings):
    settings.CORS_ALLOWED_ORIGINS = [APP]

    response = APIClient().get("/admin/login/", HTTP_ORIGIN=APP)

    assert "Access-Control-Allow-Origin" not in response
