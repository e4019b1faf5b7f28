"""A booking waits while the outbox workers report they are behind, and says how long."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.orders.models import Order
from hotel.eventbus import backpressure
from hotel.eventbus.models import WorkerLag

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def fresh_reading(settings):
    settings.OUTBOX = {
        **settings.OUTBOX,
        "BACKPRESSURE_LAG_SECONDS": 2.0,
        "BACKPRESSURE_MAX_WAIT_SECONDS": 0.05,
    }
    backpressure.bookings.reset()
    yield
    backpressure.bookings.reset()


def book(guest_client, booking, days_ahead: int):
    response = guest_client.post("/api/orders/", booking(days_ahead=days_ahead), format="json")
    assert response.status_code == 201, response.data
    return response


def test_a_booking_waits_while_the_workers_are_behind_and_says_so(guest_client, booking):
    WorkerLag.objects.create(worker="w1", lag_seconds=9.0, reported_at=timezone.now())

    first = book(guest_client, booking, 7)  # takes the reading
    second = book(guest_client, booking, 14)

    assert "Server-Timing" not in first
    assert second["Server-Timing"] == "backpressure;dur=50"
    assert Order.objects.filter(status="paid").count() == 2


@pytest.mark.parametrize("age", [0.0, 30.0])
def test_no_wait_while_the_workers_keep_up_or_report_nothing_fresh(guest_client, booking, age):
    lag = 0.5 if age == 0.0 else 60.0
    WorkerLag.objects.create(
        worker="w1", lag_seconds=lag, reported_at=timezone.now() - timedelta(seconds=age)
    )

    responses = [book(guest_client, booking, days) for days in (7, 14)]

    assert ["Server-Timing" in response for response in responses] == [False, False]


def test_reading_the_orders_never_waits(guest_client, booking):
    WorkerLag.objects.create(worker="w1", lag_seconds=9.0, reported_at=timezone.now())
    book(guest_client, booking, 7)

    response = guest_client.get("/api/orders/")

    assert response.status_code == 200
    assert "Server-Timing" not in response
