"""Pacing: after a round that was not full, the worker waits as long as the round took (at most
``LINGER_MAX_SECONDS``) before it claims again, so that its rounds gather several bookings."""

import threading

import pytest
from django.db import connection

from hotel.eventbus.models import Delivery
from hotel.eventbus.testing import wait_until
from hotel.eventbus.worker import OutboxWorker
from tests.eventbus.helpers import publish_pings
from tests.outbox_probe.models import Effect


class RecordedStop(threading.Event):
    """A stop event that notes each timeout it is waited with (and waits as the real one)."""

    def __init__(self) -> None:
        super().__init__()
        self.waits: list[float] = []

    def wait(self, timeout: float | None = None) -> bool:
        self.waits.append(timeout)
        return super().wait(0 if timeout is None else min(timeout, 0.001))


@pytest.fixture
def paced_worker(settings) -> OutboxWorker:
    settings.OUTBOX = {**settings.OUTBOX, "BATCH_SIZE": 10, "LINGER_MAX_SECONDS": 0.05}
    worker = OutboxWorker(name="paced")
    worker._stop = RecordedStop()
    return worker


@pytest.mark.parametrize(
    ("claimed", "took", "waited"),
    [
        (3, 0.02, [0.02]),  # a round that was not full: as long as it took
        (3, 2.0, [0.05]),  # a slow one: at most LINGER_MAX_SECONDS
        (10, 0.02, []),  # a full round (a backlog): the next claim at once
    ],
)
def test_a_round_that_was_not_full_is_followed_by_a_wait_as_long_as_it_took(
    paced_worker, claimed, took, waited
):
    paced_worker._pace(claimed=claimed, took=took)

    assert paced_worker._stop.waits == waited


def test_no_wait_when_pacing_is_turned_off(settings):
    settings.OUTBOX = {**settings.OUTBOX, "LINGER_MAX_SECONDS": 0}
    worker = OutboxWorker(name="unpaced")
    worker._stop = RecordedStop()

    worker._pace(claimed=1, took=0.5)

    assert worker._stop.waits == []


@pytest.mark.django_db(transaction=True)
def test_a_running_worker_paces_its_rounds_and_handles_everything(settings, paced_worker):
    settings.OUTBOX = {**settings.OUTBOX, "POLL_SECONDS": 0.5}  # told apart from the pacing
    publish_pings("a", 3)
    publish_pings("b", 2)
    expected = Delivery.objects.count()

    def work() -> None:
        try:
            paced_worker.run()
        finally:
            connection.close()  # this thread's own

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    try:
        wait_until(
            lambda: Delivery.objects.filter(state="done").count() >= expected,
            timeout=30,
            message="the deliveries were never handled",
        )
    finally:
        paced_worker.request_stop()
        thread.join(timeout=30)

    assert not thread.is_alive()
    assert Effect.objects.count() == expected  # each probe handler's effect, once
    assert set(Delivery.objects.values_list("state", flat=True)) == {"done"}
    paced = [timeout for timeout in paced_worker._stop.waits if timeout <= 0.05]
    assert paced, "no round was followed by a paced wait"
    assert all(0 < timeout <= 0.05 for timeout in paced)
