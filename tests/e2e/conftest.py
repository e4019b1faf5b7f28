"""End-to-end fixtures: a hotel with inventory, a guest and a hotelier with API clients, and
real outbox worker processes against the test database."""

from collections.abc import Callable, Iterator
from datetime import date, timedelta

import pytest

from tests.customer.factories import UserFactory
from tests.e2e.helpers import api_client
from tests.processes import start_worker, stop
from tests.reservations.factories import HotelierFactory, RoomTypeFactory, inventory


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
    """10 rooms at 100,000 KRW a night, 40 nights open from the hotel's today."""
    room_type = RoomTypeFactory(room_count=10, nightly_rate_krw=100_000)
    inventory(room_type, first_night=room_type.hotel.local_today(), nights=40)
    return room_type


@pytest.fixture
def guest():
    return UserFactory()


@pytest.fixture
def guest_client(guest):
    return api_client(guest)


@pytest.fixture
def hotelier(room_type):
    return HotelierFactory(hotels=[room_type.hotel])


@pytest.fixture
def hotelier_client(hotelier):
    return api_client(hotelier)


@pytest.fixture
def booking(room_type) -> Callable[..., dict]:
    """A booking body: two nights from ``days_ahead`` days after the hotel's today."""

    def make(*, days_ahead: int = 7, nights: int = 2, room=None) -> dict:
        room = room or room_type
        check_in: date = room.hotel.local_today() + timedelta(days=days_ahead)
        return {
            "hotel_id": room.hotel_id,
            "room_type_id": room.pk,
            "check_in": check_in.isoformat(),
            "check_out": (check_in + timedelta(days=nights)).isoformat(),
            "guests": 2,
            "payment_method": "card",
            "payment_key": "test_ok",
        }

    return make


class Workers:
    """Outbox worker processes started by a test; all stopped (SIGTERM) at its end."""

    def __init__(self) -> None:
        self.processes = []

    def start(self, *, env: dict[str, str] | None = None):
        process = start_worker("--no-periodic", extra_env=env)
        self.processes.append(process)
        return process

    def stop(self, process) -> str:
        return stop(process)

    def stop_all(self) -> None:
        for process in self.processes:
            stop(process)


@pytest.fixture
def workers() -> Iterator[Workers]:
    started = Workers()
    yield started
    started.stop_all()
