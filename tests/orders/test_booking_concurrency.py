"""Concurrency claims of book-and-pay, proven with threads on real PostgreSQL connections."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connections
from rest_framework.test import APIClient

from apps.orders.models import Order
from apps.payments.models import Payment, SandboxCharge
from tests.reservations.factories import held_by_night
from tests.user_factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

# The local server allows 100 connections, shared with other test runs: cap the ones we open.
MAX_CONNECTIONS = 40


def post_concurrently(requests: list[tuple], *, workers: int = MAX_CONNECTIONS) -> list:
    """POST each (user, body, idempotency key) from a pool of threads; the first ``workers``
    requests are released together, the rest follow as threads free up."""
    first_wave = min(len(requests), workers)
    start = threading.Barrier(first_wave)

    def post(numbered):
        index, (user, body, key) = numbered
        client = APIClient()
        client.force_authenticate(user)
        try:
            if index < first_wave:
                start.wait(timeout=30)
            headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
            response = client.post("/api/orders/", body, format="json", **headers)
            return response.status_code, response.data
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(post, enumerate(requests)))


def test_200_guests_racing_for_10_rooms_get_exactly_10_bookings(booking, room_type):
    body = booking()
    guests = [UserFactory() for _ in range(200)]

    results = post_concurrently([(guest, body, None) for guest in guests])

    statuses = [status for status, _ in results]
    assert statuses.count(201) == 10
    assert statuses.count(409) == 190
    assert {data["code"] for status, data in results if status == 409} == {"room_unavailable"}
    assert Order.objects.filter(status="paid").count() == 10
    assert Payment.objects.filter(status="approved").count() == 10
    assert SandboxCharge.objects.count() == 10
    check_in = room_type.hotel.local_today() + timedelta(days=7)
    by_night = held_by_night(room_type)
    assert [by_night[check_in], by_night[check_in + timedelta(days=1)]] == [10, 10]
    assert all(0 <= held <= 10 for held in by_night.values())


def test_overlapping_multi_night_stays_never_oversell_any_night(booking, room_type):
    today = room_type.hotel.local_today()
    stays = [
        (today + timedelta(days=start), length) for start in range(1, 6) for length in (1, 2, 3)
    ]
    requests = [
        (
            UserFactory(),
            booking(
                check_in=check_in.isoformat(),
                check_out=(check_in + timedelta(days=length)).isoformat(),
            ),
            None,
        )
        for check_in, length in stays * 8  # 120 bookings over 5 start days
    ]

    results = post_concurrently(requests)

    booked = [
        request[1] for request, (status, _) in zip(requests, results, strict=True) if status == 201
    ]
    assert all(status in (201, 409) for status, _ in results)
    by_night = held_by_night(room_type)
    for night, held in by_night.items():
        expected = sum(
            1 for body in booked if body["check_in"] <= night.isoformat() < body["check_out"]
        )
        assert held == expected <= 10, night
    assert Order.objects.filter(status="paid").count() == len(booked)


def test_50_concurrent_replays_of_one_key_make_one_order_one_charge_identical_answers(
    booking, guest
):
    body = booking()

    results = post_concurrently([(guest, body, "one-key")] * 50)

    assert {status for status, _ in results} == {201}
    assert all(data == results[0][1] for _, data in results)
    assert Order.objects.count() == 1
    assert SandboxCharge.objects.count() == 1
    assert Payment.objects.count() == 1


def test_a_slow_provider_does_not_serialise_bookings_of_one_room_type(settings, booking):
    settings.PAYMENT_SANDBOX_LATENCY_MS = "500"
    body = booking()
    guests = [UserFactory() for _ in range(10)]

    started = time.monotonic()
    results = post_concurrently([(guest, body, None) for guest in guests], workers=10)
    elapsed = time.monotonic() - started

    assert [status for status, _ in results] == [201] * 10
    # Ten provider calls of 0.5 s in a row would take 5 s; no lock is held across the call.
    assert elapsed < 2.5
