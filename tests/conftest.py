"""Fixtures shared by every test package: a room type with inventory, a guest with an API
client, a booking body and the payment provider. No package redefines one of these names; a
test that needs something else names its fixture after what it is (``race_room_type``)."""

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from pytest_httpserver import HTTPServer
from rest_framework.test import APIClient

from apps.payments.gateway import reset_payment_provider
from hotel.eventbus.testing import forget_last_notification
from tests.reservations.factories import RoomTypeFactory, inventory
from tests.user_factories import UserFactory


def pytest_collection_modifyitems(config, items):
    if not django_settings.DATABASE_IS_SQLITE:
        return
    skip = pytest.mark.skip(
        reason="needs PostgreSQL (row locks, SKIP LOCKED, LISTEN/NOTIFY or real concurrency); "
        "set DATABASE_URL=postgres://... to run it"
    )
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _fresh_throttle_counters():
    """Throttle counters live in the cache: every test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _no_booking_throttle(settings):
    """Tests book far more often than a guest may (POST /api/orders/ is throttled per guest):
    the booking throttle is off. Only tests/orders and tests/e2e book; no test relies on it
    (its rate setting is covered by tests/project/test_production_settings.py)."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "booking": None,
        },
    }


@pytest.fixture
def room_type():
    """10 rooms at 100,000 KRW a night, 40 nights open from the hotel's today."""
    room_type = RoomTypeFactory(room_count=10, nightly_rate_krw=100_000)
    inventory(room_type, first_night=room_type.hotel.local_today(), nights=40)
    return room_type


@pytest.fixture
def guest():
    return UserFactory()


@pytest.fixture
def guest_client(guest) -> APIClient:
    client = APIClient()
    client.force_authenticate(guest)
    return client


@pytest.fixture
def booking(room_type) -> Callable[..., dict]:
    """A valid booking body: ``nights`` nights from ``days_ahead`` days after the hotel's
    today (two nights in a week by default) in ``room`` (default: ``room_type``), for two
    guests paying by card. Any other keyword replaces that field of the body as sent."""

    def make(*, days_ahead: int = 7, nights: int = 2, room=None, **changes) -> dict:
        room = room or room_type
        check_in: date = room.hotel.local_today() + timedelta(days=days_ahead)
        body = {
            "hotel_id": room.hotel_id,
            "room_type_id": room.pk,
            "check_in": check_in.isoformat(),
            "check_out": (check_in + timedelta(days=nights)).isoformat(),
            "guests": 2,
            "payment_method": "card",
            "payment_key": "test_ok",
        }
        return {**body, **changes}

    return make


# --- the payment provider: a local Toss-like server, a fresh gateway per test ---------------


@pytest.fixture(scope="session")
def make_httpserver():
    """A threaded local provider: a slow answer to one request must not delay the next one,
    and each request is logged when it is answered."""
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()


@pytest.fixture(autouse=True)
def _no_recent_notification():
    """A process NOTIFYs the outbox workers at most twice a second; each test starts as if it
    had not yet (a worker a test starts may have missed the last one)."""
    forget_last_notification()


@pytest.fixture(autouse=True)
def fresh_payment_provider():
    """Each test starts with a closed circuit and an empty bulkhead."""
    reset_payment_provider()
    yield
    reset_payment_provider()


@pytest.fixture
def toss_settings(settings, httpserver):
    """Point the gateway at the local provider with a short timeout and a small breaker."""
    settings.PAYMENT_PROVIDER = "toss"
    settings.PAYMENT_TOSS_BASE_URL = httpserver.url_for("/")
    settings.PAYMENT_TOSS_SECRET_KEY = "test_sk_local"
    settings.PAYMENT_TIMEOUT_MS = 300
    settings.PAYMENT_BREAKER_FAILURES = 3
    settings.PAYMENT_BREAKER_RESET_SECONDS = 0.5
    settings.PAYMENT_MAX_CONCURRENT_CALLS = 50
    return settings
