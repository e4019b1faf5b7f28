"""Requests an outsider can send to make the service misbehave: each gets a clear 4xx in the
API's error shape, and nothing is stored from a refused request."""

import json

import pytest
from rest_framework.test import APIClient

from apps.orders.models import BookingRequest, Order
from hotel.json_parsing import MAX_JSON_DEPTH, json_depth_exceeds
from hotel.throttling import SettingsScopedRateThrottle
from tests.reservations.factories import HotelierFactory
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


# --- Found by the API fuzzer (tests/project/test_api_fuzzing.py) ----------------------------
# Each was a 500, or a number or date the service took for what the client did not mean.


def arabic_indic(text: str) -> str:
    """``text`` with its digits written in Arabic-Indic digits ("3" is "٣")."""
    return "".join(chr(0x0660 + int(char)) if char.isdigit() else char for char in text)


ARABIC_INDIC_DATE = arabic_indic("2030-01-01")
PAST_AN_ID = str(2**63)  # one past the largest bigint id
THIRTY_NINES = "9" * 30


@pytest.fixture
def hotelier_client(room_type) -> APIClient:
    client = APIClient()
    client.force_authenticate(HotelierFactory(hotels=[room_type.hotel]))
    return client


def refused_naming(response, field: str) -> None:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid", body
    assert field in body["details"], body


@pytest.mark.parametrize("path", ["/api/reservations/", "/api/cancellations/"])
@pytest.mark.parametrize("term", ["²", "٣", "9" * 5_000])
def test_a_hotelier_search_for_a_digit_that_is_no_number_is_no_server_error(
    hotelier_client, path, term
):
    # "²".isdigit() is true but int("²") raises, and int() refuses 5,000 digits: both were 500s.
    response = hotelier_client.get(path, {"search": term})

    assert response.status_code == 200, response.content
    assert response.json()["results"] == []


@pytest.mark.parametrize(
    ("path", "field", "value"),
    [
        ("/api/orders/", "hotel_id", "٣"),
        ("/api/orders/", "check_in_from", ARABIC_INDIC_DATE),
        ("/api/orders/", "page", "٣"),
        ("/api/orders/", "page", "1_0"),
        ("/api/payments/", "order_id", "٣"),
        ("/api/payments/", "order_id", "1.5"),
        ("/api/payments/", "order_id", "1e400"),
        ("/api/payments/", "approved_after", f"{ARABIC_INDIC_DATE}T00:00"),
        ("/api/notifications/", "order_id", "٣"),
        ("/api/mypage/", "check_in_after", ARABIC_INDIC_DATE),
        ("/api/reservations/", "hotel", "٣"),
        ("/api/cancellations/", "hotel", "1_0"),
    ],
)
def test_a_number_or_date_in_a_query_takes_ascii_digits_only(hotelier_client, path, field, value):
    refused_naming(hotelier_client.get(path, {field: value}), field)


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/orders/", "hotel_id"),
        ("/api/payments/", "order_id"),
        ("/api/notifications/", "order_id"),
        ("/api/reservations/", "hotel"),  # a 500 on SQLite: past its integers
        ("/api/cancellations/", "hotel"),  # same
    ],
)
@pytest.mark.parametrize("value", [PAST_AN_ID, THIRTY_NINES, "0", "-1"])
def test_an_id_filter_outside_the_id_range_is_a_400(hotelier_client, path, field, value):
    refused_naming(hotelier_client.get(path, {field: value}), field)


def test_the_largest_id_is_still_an_id(hotelier_client):
    response = hotelier_client.get("/api/reservations/", {"hotel": str(2**63 - 1)})

    assert response.status_code == 200
    assert response.json()["results"] == []


@pytest.mark.parametrize(
    ("path", "param", "value", "field"),
    [
        # The first three were 500s on SQLite (the date moved to UTC overflowed). A from/to
        # range filter ("cancelled_at") names itself for both its parameters.
        ("/api/cancellations/", "cancelled_at_after", "0001-01-01", "cancelled_at"),
        ("/api/payments/", "approved_after", "0001-01-01T00:00:00+14:00", None),
        ("/api/payments/", "approved_before", "9999-12-31T23:59:59-12:00", None),
        ("/api/cancellations/", "cancelled_at_before", "9999-12-31", "cancelled_at"),
        ("/api/reservations/", "check_in_after", "0001-01-01", "check_in"),
        ("/api/orders/", "check_in_to", "9999-12-31", None),
        ("/api/mypage/", "check_in_before", "1899-12-31", None),
    ],
)
def test_a_date_filter_outside_the_date_window_is_a_400(hotelier_client, path, param, value, field):
    refused_naming(hotelier_client.get(path, {param: value}), field or param)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"check_in": ARABIC_INDIC_DATE, "check_out": "2030-01-03"}, "check_in"),
        ({"check_in": "2030-01-01", "check_out": "2030-01-03", "guests": "٣"}, "guests"),
        ({"check_in": "2030-01-01", "check_out": "2030-01-03", "guests": "1_0"}, "guests"),
        ({"check_in": "2030-01-01", "check_out": "2030-01-03", "guests": THIRTY_NINES}, "guests"),
        ({"check_in": "9999-12-30", "check_out": "9999-12-31"}, "check_in"),
    ],
)
def test_availability_takes_ascii_numbers_and_dates_in_the_window(room_type, params, field):
    response = APIClient().get(f"/api/hotels/{room_type.hotel_id}/availability/", params)

    refused_naming(response, field)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"guests": "٢"}, "guests"),  # was booked, for 2 guests
        ({"hotel_id": "٣"}, "hotel_id"),
        ({"room_type_id": int(PAST_AN_ID)}, "room_type_id"),  # a 500 on SQLite
        ({"check_in": ARABIC_INDIC_DATE}, "check_in"),
        ({"check_in": "9999-12-30", "check_out": "9999-12-31"}, "check_in"),
    ],
)
def test_a_booking_takes_ascii_numbers_ids_in_range_and_dates_in_the_window(
    guest_client, booking, changes, field
):
    refused_naming(guest_client.post("/api/orders/", booking(**changes), format="json"), field)
    assert Order.objects.count() == 0


def test_an_idempotency_key_with_a_control_character_is_a_400(guest_client, booking):
    # PostgreSQL refuses a NUL in text: storing the key was a 500 there.
    response = guest_client.post(
        "/api/orders/", booking(), format="json", HTTP_IDEMPOTENCY_KEY="key\x00"
    )

    refused_naming(response, "Idempotency-Key")
    assert BookingRequest.objects.count() == 0


@pytest.mark.parametrize("username", ["\x91\U000f18d6\x15", "u" * 10_000, "\ud800"])
def test_a_login_with_any_username_is_counted_without_a_server_error(username):
    # The per-username throttle made its cache key of the username as sent: a control
    # character is a key the cache refuses (a 500), and "\ud800" no UTF-8.
    body = json.dumps({"username": username, "password": "wrong-password"})

    response = APIClient().post(TOKEN, body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] in ("invalid", "invalid_credentials")


def test_the_schema_in_a_format_it_has_not_is_a_404_in_the_error_shape():
    # The schema view rendered this error with its first renderer: a 404 in YAML.
    response = APIClient().get("/api/schema/", {"format": "AAA"})

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"


# --- What the schema says about errors (the fuzzer checks every answer against it) ---------


@pytest.fixture(scope="module")
def api_schema() -> dict:
    return APIClient().get("/api/schema/", {"format": "json"}).json()


def operations(schema: dict):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def test_every_error_answer_in_the_schema_has_the_error_shape(api_schema):
    shape = api_schema["components"]["schemas"]["ApiError"]
    assert set(shape["required"]) == {"code", "message", "details"}
    for name, operation in operations(api_schema):
        for status, answer in operation["responses"].items():
            if status.startswith("4"):
                ref = answer["content"]["application/json"]["schema"]["$ref"]
                assert ref == "#/components/schemas/ApiError", (name, status)


def test_the_schema_documents_the_errors_each_operation_can_answer(api_schema):
    documented = {name: set(operation["responses"]) for name, operation in operations(api_schema)}

    # Before, only the success answer was documented: a 400, 401 or 404 broke the contract.
    assert {"400", "401", "404"} <= documented["GET /api/orders/"]  # 404: no such page
    assert {"401", "404"} <= documented["GET /api/orders/{order_id}/"]
    assert "409" in documented["GET /api/orders/{order_id}/cancellation-quote/"]  # cancelled
    assert {"400", "402", "404", "409", "415", "422", "429", "503"} <= documented[
        "POST /api/orders/"
    ]
    assert {"400", "415", "429"} <= documented["POST /api/accounts/token/"]
    assert "401" not in documented["POST /api/accounts/token/"]  # it reads no credentials
    assert "400" not in documented["GET /api/orders/{order_id}/"]  # it reads no input
    assert "404" in documented["GET /api/schema/"]  # an unknown ?format=
