"""End-to-end fixtures: a hotelier of the test hotel with an API client, and real outbox
worker processes against the test database. The hotel's room type with inventory, the guest,
its client and the booking body come from tests/conftest.py."""

from collections.abc import Iterator

import pytest

from tests.e2e.helpers import api_client
from tests.processes import start_worker, stop
from tests.reservations.factories import HotelierFactory


@pytest.fixture
def hotelier(room_type):
    return HotelierFactory(hotels=[room_type.hotel])


@pytest.fixture
def hotelier_client(hotelier):
    return api_client(hotelier)


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
