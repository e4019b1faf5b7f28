"""Requests an outsider can send to make the service misbehave: each gets a clear 4xx in the
API's error shape, and nothing is stored from a refused request."""

import json

import pytest
from rest_framework.test import APIClient

from apps.orders.models import BookingRequest, Order
from hotel.json_parsing import MAX_JSON_DEPTH, json_depth_exceeds
from hotel.throttling import SettingsScopedRateThrottle
from tests.user_factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "/api/accounts/token/"
SIGNUP = "/api/accounts/signup/"


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("path", [TOKEN, SIGNUP, "/api/orders/"])
def test_a_body_nested_far_too_deep_is_a_400_parse_error(path, guest_client):
    User = UserFactory._meta.model
    users_before = User.objects.count()

    response = guest_client.post(path, nested(100_000), content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert str(MAX_JSON_DEPTH) in response.json()["message"]
    assert User.objects.count() == users_before
    assert Order.objects.count() == 0


def test_a_body_just_past_the_depth_bound_is_refused_and_one_at_it_is_parsed(guest_client):
    too_deep = guest_client.post(
        "/api/orders/", nested(MAX_JSON_DEPTH + 1), content_type="application/json"
    )
    at_bound = guest_client.post(
        "/api/orders/", nested(MAX_JSON_DEPTH), content_type="application/json"
    )

    assert too_deep.status_code == 400
    assert too_deep.json()["code"] == "parse_error"
    # Parsed, then refused by the booking's validation: a list is not a booking.
    assert at_bound.status_code == 400
    assert at_bound.json()["code"] == "invalid"


@pytest.mark.parametrize(
    ("value", "depth"),
    [(1, 0), ([], 1), ({"a": [1, {"b": []}]}, 4), (json.loads(nested(5)), 5)],
)
def test_json_depth_counts_nested_arrays_and_objects(value, depth):
    assert not json_depth_exceeds(value, limit=depth)
    if depth:
        assert json_depth_exceeds(value, limit=depth - 1)


def test_an_over_long_idempotency_key_is_a_400_and_books_nothing(guest_client, booking):
    response = guest_client.post(
        "/api/orders/", booking(), format="json", HTTP_IDEMPOTENCY_KEY="k" * 256
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "Idempotency-Key" in response.json()["details"]
    assert Order.objects.count() == 0
    assert BookingRequest.objects.count() == 0


@pytest.mark.django_db(transaction=True)  # a booking calls the provider outside a transaction
def test_a_key_of_the_longest_allowed_length_books(guest_client, booking):
    response = guest_client.post(
        "/api/orders/", booking(), format="json", HTTP_IDEMPOTENCY_KEY="k" * 255
    )

    assert response.status_code == 201, response.json()
    assert BookingRequest.objects.get().idempotency_key == "k" * 255


def test_the_login_throttle_cannot_be_walked_around_with_x_forwarded_for(settings, monkeypatch):
    monkeypatch.setattr(SettingsScopedRateThrottle, "timer", lambda self: 1_000_000.0)
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "login": "3/min",
        },
    }
    UserFactory(username="minji")
    client = APIClient()
    body = {"username": "minji", "password": "wrong-password"}

    answers = [
        client.post(
            TOKEN, body, format="json", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}"
        ).status_code
        for n in range(6)
    ]

    assert answers == [400, 400, 400, 429, 429, 429]


def test_behind_one_trusted_proxy_the_address_it_appended_is_the_clients(settings, monkeypatch):
    monkeypatch.setattr(SettingsScopedRateThrottle, "timer", lambda self: 1_000_000.0)
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "NUM_PROXIES": 1,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "login": "1/min",
        },
    }
    UserFactory(username="minji")
    client = APIClient()
    body = {"username": "minji", "password": "wrong-password"}

    def login(forwarded_for: str) -> int:
        return client.post(
            TOKEN, body, format="json", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded_for
        ).status_code

    # What the client wrote itself comes first; the proxy appends the address it saw.
    assert login("192.0.2.1, 198.51.100.7") == 400
    assert login("192.0.2.2, 198.51.100.7") == 429
    assert login("192.0.2.2, 198.51.100.8") == 400


def test_a_path_no_route_matches_is_a_404_in_the_error_shape(guest_client):
    response = guest_client.get("/api/orders/not-a-number/")

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "No such resource.", "details": {}}


def test_outside_the_api_django_pages_stay(client):
    response = client.get("/admin/no-such-page/")

    assert response.status_code in (302, 404)  # the admin sends a stranger to its login
    assert not response.get("Content-Type", "").startswith("application/json")


def test_a_body_over_the_upload_limit_is_a_400_in_the_error_shape(guest_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    body = json.dumps({"note": "x" * 2_000})

    response = guest_client.post("/api/orders/", body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"
    assert Order.objects.count() == 0


def test_a_host_not_allowed_is_a_400_in_the_error_shape(guest_client):
    response = guest_client.get("/api/orders/", HTTP_HOST="evil.example")

    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"


def test_an_anonymous_request_is_a_401_that_says_how_to_authenticate():
    response = APIClient().get("/api/orders/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["code"] == "not_authenticated"


def test_login_is_throttled_per_username_across_addresses(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "login_username": "3/hour",
        },
    }
    UserFactory(username="minji")
    client = APIClient()

    def login(username: str, address: str) -> int:
        body = {"username": username, "password": "wrong-password"}
        return client.post(TOKEN, body, format="json", REMOTE_ADDR=address).status_code

    # Four addresses, one account: the fourth guess is refused whatever its address.
    answers = [login(name, f"10.0.0.{n}") for n, name in enumerate(["minji", "MINJI", " minji"])]
    assert answers == [400, 400, 400]
    assert login("minji", "10.0.0.9") == 429
    # Another account is counted apart.
    assert login("other", "10.0.0.9") == 400


@pytest.mark.parametrize("path", [TOKEN, SIGNUP])
def test_an_answer_carrying_a_token_is_never_cached(path):
    UserFactory(username="minji")
    bodies = {
        TOKEN: {"username": "minji", "password": PASSWORD},
        SIGNUP: {
            "username": "jiwoo",
            "password": "a-long-enough-password-9",
            "email": "jiwoo@example.com",
            "name": "이지우",
            "phone": "010-2345-6789",
        },
    }

    response = APIClient().post(path, bodies[path], format="json")

    assert response.status_code in (200, 201), response.json()
    assert "token" in response.json()
    assert "no-store" in response["Cache-Control"]
