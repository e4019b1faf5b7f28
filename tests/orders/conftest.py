from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from tests.customer.factories import UserFactory
from tests.reservations.factories import RoomTypeFactory, inventory


@pytest.fixture(autouse=True)
def _no_booking_throttle(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "booking": None,
        },
    }


@pytest.fixture
def room_type():
    """10 rooms at 100,000 KRW a night, 30 nights open from today."""
    room_type = RoomTypeFactory(room_count=10, nightly_rate_krw=100_000)
    inventory(room_type, first_night=room_type.hotel.local_today(), nights=30)
    return room_type


@pytest.fixture
def guest():
    return UserFactory()


@pytest.fixture
def guest_client(guest):
    client = APIClient()
    client.force_authenticate(guest)
    return client


@pytest.fixture
def booking(room_type):
    """A valid booking body for two nights starting in a week."""
    check_in = room_type.hotel.local_today() + timedelta(days=7)

    def make(**changes):
        body = {
            "hotel_id": room_type.hotel_id,
            "room_type_id": room_type.pk,
            "check_in": check_in.isoformat(),
            "check_out": (check_in + timedelta(days=2)).isoformat(),
            "guests": 2,
            "payment_method": "card",
            "payment_key": "test_ok_1",
        }
        return {**body, **changes}

    return make


@pytest.fixture
def cancellation_policy(monkeypatch):
    """The hotel's cancellation quote, stubbed: these tests are about the order, not the
    policy (tests/reservations and tests/e2e cover the real one). Starts at no fee."""
    from apps.reservations import api as reservations_api
    from tests.orders.helpers import FakePolicy

    policy = FakePolicy()
    monkeypatch.setattr(reservations_api, "cancellation_quote", policy, raising=False)
    return policy
