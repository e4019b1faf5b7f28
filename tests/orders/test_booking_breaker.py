"""A slow payment provider trips the circuit breaker: bookings then fail fast with 503."""

import time

import pytest

from apps.orders.models import Order
from apps.payments.gateway import payment_provider
from hotel.eventbus.testing import wait_until
from tests.payments.test_resilience import LocalProvider
from tests.reservations.factories import held_by_night

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def slow_provider(httpserver, toss_settings):
    provider = LocalProvider()
    provider.delay_seconds = 0.5  # the timeout is 0.2 s
    httpserver.expect_request("/v1/payments/confirm", method="POST").respond_with_handler(provider)
    yield provider
    wait_until(lambda: len(httpserver.log) >= len(provider.arrivals))  # late answers go out


def test_timeouts_open_the_circuit_and_bookings_then_fail_fast_until_a_trial_closes_it(
    guest_client, booking, room_type, slow_provider
):
    body = booking()
    timed_out = [guest_client.post("/api/orders/", body, format="json") for _ in range(3)]
    # PAYMENT_BREAKER_FAILURES = 3: the third timeout trips the breaker as it fails.
    assert [(r.status_code, r.data["code"]) for r in timed_out] == [
        (503, "payment_timeout"),
        (503, "payment_timeout"),
        (503, "payment_unavailable"),
    ]

    started = time.monotonic()
    refused = guest_client.post("/api/orders/", body, format="json")
    refused_in = time.monotonic() - started

    assert refused.status_code == 503
    assert refused.data["code"] == "payment_unavailable"
    assert int(refused["Retry-After"]) >= 1
    assert refused_in < 0.2  # well under the provider timeout: nobody was asked
    assert len(slow_provider.arrivals) == 3  # the provider saw no request for it
    assert Order.objects.filter(status="paid").count() == 0
    assert set(held_by_night(room_type).values()) == {0}  # every hold released

    slow_provider.delay_seconds = 0.0  # the provider recovers
    wait_until(lambda: payment_provider().cooldown_remaining_seconds() <= 0, timeout=5)
    trial = guest_client.post("/api/orders/", body, format="json")

    assert trial.status_code == 201
    assert payment_provider().circuit_state == "closed"
    assert len(slow_provider.arrivals) == 4
