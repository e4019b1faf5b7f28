"""Fault isolation, the original design's key requirement: with the hotel side down (its
handlers failing) or no worker at all, guests still book and pay; the events wait; once the
fault is gone the backlog drains and every reservation appears exactly once, in order.

Real ``manage.py outbox work`` processes against the test database."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.orders.models import Order
from apps.payments.models import Payment
from hotel.eventbus.models import Delivery
from hotel.eventbus.testing import drain_outbox
from hotel.eventbus.worker import OutboxWorker
from tests.e2e.helpers import book, events_for_order, eventually, reservation_of
from tests.reservations.factories import held_by_night

pytestmark = pytest.mark.django_db(transaction=True)

HOTEL_SIDE = "reservations.booking_flow"
BOOKINGS = 4


def book_several(guest_client, booking) -> list[int]:
    """Book ``BOOKINGS`` stays (a night apart) through the API: each is 201 and paid."""
    return [book(guest_client, booking(days_ahead=7 + n))["id"] for n in range(BOOKINGS)]


def assert_paid_and_holding_rooms(order_ids, room_type) -> None:
    assert list(Order.objects.filter(pk__in=order_ids).values_list("status", flat=True)) == [
        "paid"
    ] * len(order_ids)
    assert Payment.objects.filter(order_id__in=order_ids, status="approved").count() == len(
        order_ids
    )
    # Four overlapping two-night stays: 1, 2, 2, 2, 1 rooms held on the five nights.
    held = [n for n in held_by_night(room_type).values() if n]
    assert held == [1, 2, 2, 2, 1]


def assert_each_reservation_once_in_order(order_ids) -> None:
    reservations = [reservation_of(order_id) for order_id in order_ids]
    assert all(r is not None for r in reservations)
    assert [r.status for r in reservations] == ["requested"] * len(order_ids)
    ids = [r.reservation_id for r in reservations]
    assert ids == sorted(ids), "reservations were created out of booking order"
    assert len(set(ids)) == len(ids)
    for order_id in order_ids:
        types = [e.event_type for e in events_for_order(order_id)]
        # Once each, and the request only after the booking it answers.
        assert types.count("reservations.ReservationRequested") == 1, types
        assert types.index("orders.OrderPlaced") < types.index("reservations.ReservationRequested")


def hotel_side_deliveries():
    return Delivery.objects.filter(handler=HOTEL_SIDE)


def test_with_no_worker_bookings_are_taken_and_the_backlog_drains_once_in_order_later(
    guest_client, booking, room_type, workers
):
    order_ids = book_several(guest_client, booking)

    # No worker: everything is paid and waits in the outbox.
    assert_paid_and_holding_rooms(order_ids, room_type)
    assert all(reservation_of(order_id) is None for order_id in order_ids)
    assert hotel_side_deliveries().filter(state="pending").count() == BOOKINGS

    workers.start()
    eventually(
        lambda: all(reservation_of(order_id) is not None for order_id in order_ids),
        message="the backlog did not drain",
    )
    eventually(lambda: not Delivery.objects.exclude(state="done").exists())

    assert_each_reservation_once_in_order(order_ids)
    assert hotel_side_deliveries().filter(state="done").count() == BOOKINGS


def test_with_the_hotel_side_failing_bookings_are_taken_and_its_backlog_drains_once_in_order(
    guest_client, booking, room_type, workers
):
    failing = workers.start(env={"RESERVATIONS_HANDLERS_FAIL": "true"})

    order_ids = book_several(guest_client, booking)

    assert_paid_and_holding_rooms(order_ids, room_type)
    # The worker runs: the hotel side's deliveries fail and retry, then are dead-lettered with
    # the error kept for operators; every other handler's deliveries are done meanwhile.
    eventually(
        lambda: hotel_side_deliveries().filter(state="dead").count() == BOOKINGS,
        message="the hotel side's deliveries did not fail",
    )
    eventually(lambda: not Delivery.objects.exclude(handler=HOTEL_SIDE).exclude(state="done"))
    workers.stop(failing)
    assert all("RESERVATIONS_HANDLERS_FAIL" in d.last_error for d in hotel_side_deliveries())
    assert all(reservation_of(order_id) is None for order_id in order_ids)

    # The fault is removed: the operator replays the dead deliveries, makes the pending ones
    # due, and starts a healthy worker.
    call_command("outbox", "replay", "--handler", HOTEL_SIDE)
    Delivery.objects.filter(state="pending").update(available_at=timezone.now())
    workers.start()

    eventually(
        lambda: all(reservation_of(order_id) is not None for order_id in order_ids),
        message="the backlog did not drain after the fault was removed",
    )
    eventually(lambda: not Delivery.objects.exclude(state="done").exists())
    assert_each_reservation_once_in_order(order_ids)


def test_bookings_made_while_the_hotel_side_fails_still_wait_for_it_in_process(
    settings, guest_client, booking, room_type
):
    """The same with the setting flipped in this process and one worker round run here: the
    hotel side's deliveries back off (pending, not lost) until the fault is removed."""
    settings.RESERVATIONS_HANDLERS_FAIL = True
    order_ids = book_several(guest_client, booking)
    started = timezone.now()
    OutboxWorker().run_once()

    assert_paid_and_holding_rooms(order_ids, room_type)
    waiting = list(hotel_side_deliveries())
    assert [(d.state, d.attempts) for d in waiting] == [("pending", 1)] * BOOKINGS
    assert all(d.available_at > started for d in waiting)  # backing off
    assert all(reservation_of(order_id) is None for order_id in order_ids)

    settings.RESERVATIONS_HANDLERS_FAIL = False
    Delivery.objects.filter(state="pending").update(available_at=timezone.now())
    drain_outbox()

    assert_each_reservation_once_in_order(order_ids)
