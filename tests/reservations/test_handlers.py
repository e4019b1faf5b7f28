"""The hotel side reacting to orders' events through the outbox, effectively once."""

from dataclasses import replace
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from apps.orders.events import OrderCancelled, OrderPlaced
from apps.reservations.events import ReservationCancelled, ReservationRequested
from apps.reservations.handlers import BOOKING_FLOW
from apps.reservations.models import Cancellation, Reservation
from hotel.eventbus import publish
from hotel.eventbus.models import Delivery
from hotel.eventbus.subscriptions import handler_names_for
from hotel.eventbus.testing import drain_outbox
from tests.customer.factories import GuestProfileFactory
from tests.reservations.factories import held_by_night, hold_rooms
from tests.reservations.helpers import published

pytestmark = pytest.mark.django_db(transaction=True)

ORDER_ID = 8101


@pytest.fixture(autouse=True)
def _slow_backoff(settings):
    """A failed delivery waits a minute: one drain then makes exactly one attempt."""
    settings.OUTBOX = {**settings.OUTBOX, "BACKOFF_BASE_SECONDS": 60, "BACKOFF_MAX_SECONDS": 60}


@pytest.fixture
def named_guest():
    """A guest with a profile named 김민지: the reservation takes the guest's name from it."""
    return GuestProfileFactory(name="김민지").user


@pytest.fixture
def stay(room_type):
    check_in = room_type.hotel.local_today() + timedelta(days=7)
    return check_in, check_in + timedelta(days=2)


def place(room_type, stay, *, order_id: int = ORDER_ID, guest_id: int) -> None:
    """What orders does on a paid booking: hold the room, then publish OrderPlaced."""
    check_in, check_out = stay
    hold_rooms(room_type, check_in=check_in, check_out=check_out, guests=2)
    with transaction.atomic():
        publish(
            OrderPlaced(
                order_id=order_id,
                order_reference=f"ORD-{order_id}",
                guest_id=guest_id,
                hotel_id=room_type.hotel_id,
                hotel_name=room_type.hotel.name,
                room_type_id=room_type.pk,
                room_type_name=room_type.name,
                check_in=check_in,
                check_out=check_out,
                nights=2,
                guests=2,
                total_krw=200_000,
                payment_method="card",
                placed_at=timezone.now(),
            ),
            correlation_id=str(order_id),
        )


def cancel(room_type, stay, *, order_id: int = ORDER_ID, guest_id: int) -> None:
    check_in, check_out = stay
    with transaction.atomic():
        publish(
            OrderCancelled(
                order_id=order_id,
                guest_id=guest_id,
                hotel_id=room_type.hotel_id,
                room_type_id=room_type.pk,
                check_in=check_in,
                check_out=check_out,
                total_krw=200_000,
                reason="Plans changed",
                cancelled_at=timezone.now(),
            ),
            correlation_id=str(order_id),
        )


def redeliver() -> int:
    """Hand every delivery of the hotel side's handler out again, as after a lost ack."""
    return Delivery.objects.filter(handler=BOOKING_FLOW).update(
        state=Delivery.State.PENDING,
        available_at=timezone.now(),
        lease_token=None,
        leased_until=None,
        completed_at=None,
    )


def make_due() -> None:
    Delivery.objects.filter(state=Delivery.State.PENDING).update(available_at=timezone.now())


def booking_flow_deliveries() -> list[tuple[str, str]]:
    return list(
        Delivery.objects.filter(handler=BOOKING_FLOW)
        .order_by("id")
        .values_list("event__event_type", "state")
    )


def held(room_type, stay) -> list[int]:
    nights = held_by_night(room_type)
    return [nights[stay[0]], nights[stay[0] + timedelta(days=1)]]


def test_one_handler_name_takes_both_order_events():
    assert BOOKING_FLOW == "reservations.booking_flow"
    assert BOOKING_FLOW in handler_names_for(OrderPlaced.event_type)
    assert BOOKING_FLOW in handler_names_for(OrderCancelled.event_type)


def test_a_placed_order_becomes_one_reservation_however_often_it_is_delivered(
    room_type, stay, named_guest
):
    place(room_type, stay, guest_id=named_guest.pk)

    drain_outbox()
    drain_outbox()
    assert redeliver() == 1
    drain_outbox()

    reservation = Reservation.objects.get()
    assert (reservation.order_id, reservation.status, reservation.guest_name) == (
        ORDER_ID,
        "requested",
        "김민지",
    )
    assert (reservation.guest_id, reservation.order_reference) == (
        named_guest.pk,
        f"ORD-{ORDER_ID}",
    )
    assert [event.reservation_id for event in published(ReservationRequested)] == [reservation.pk]
    assert booking_flow_deliveries() == [("orders.OrderPlaced", "done")]
    assert held(room_type, stay) == [1, 1]


def test_the_same_order_published_twice_is_still_one_reservation(room_type, stay, named_guest):
    place(room_type, stay, guest_id=named_guest.pk)
    with transaction.atomic():
        # A second OrderPlaced for the same order (a replay upstream): nothing new here.
        publish(
            replace(published(OrderPlaced)[0], placed_at=timezone.now()),
            correlation_id=str(ORDER_ID),
        )

    drain_outbox()

    assert Reservation.objects.count() == 1
    assert len(published(ReservationRequested)) == 1
    assert booking_flow_deliveries() == [
        ("orders.OrderPlaced", "done"),
        ("orders.OrderPlaced", "done"),
    ]


def test_a_guest_without_an_account_gets_a_blank_name(room_type, stay):
    place(room_type, stay, guest_id=987654)

    drain_outbox()

    assert Reservation.objects.get().guest_name == ""


def test_a_cancelled_order_cancels_the_reservation_once_under_redelivery(
    room_type, stay, named_guest
):
    place(room_type, stay, order_id=8102, guest_id=named_guest.pk)  # another guest keeps a room
    place(room_type, stay, guest_id=named_guest.pk)
    drain_outbox()
    cancel(room_type, stay, guest_id=named_guest.pk)

    drain_outbox()
    drain_outbox()
    assert redeliver() == 3
    drain_outbox()

    reservation = Reservation.objects.get(order_id=ORDER_ID)
    assert reservation.status == "cancelled"
    cancellation = Cancellation.objects.get()
    assert (cancellation.reservation_id, cancellation.fee_krw, cancellation.refund_krw) == (
        reservation.pk,
        0,
        200_000,
    )
    assert [event.order_id for event in published(ReservationCancelled)] == [ORDER_ID]
    assert len(published(ReservationRequested)) == 2
    assert Reservation.objects.get(order_id=8102).status == "requested"
    assert held(room_type, stay) == [1, 1]  # released once: order 8102's room is still held


def test_placed_then_cancelled_in_one_drain_are_handled_in_order(room_type, stay, named_guest):
    place(room_type, stay, guest_id=named_guest.pk)
    cancel(room_type, stay, guest_id=named_guest.pk)

    drain_outbox()

    assert Reservation.objects.get().status == "cancelled"
    assert Cancellation.objects.count() == 1
    assert booking_flow_deliveries() == [
        ("orders.OrderPlaced", "done"),
        ("orders.OrderCancelled", "done"),
    ]
    assert held(room_type, stay) == [0, 0]


def test_with_the_hotel_side_down_events_wait_then_drain_in_order_exactly_once(
    room_type, stay, named_guest, settings
):
    settings.RESERVATIONS_HANDLERS_FAIL = True
    place(room_type, stay, guest_id=named_guest.pk)
    place(room_type, stay, order_id=8103, guest_id=named_guest.pk)
    cancel(room_type, stay, order_id=8103, guest_id=named_guest.pk)

    drain_outbox()

    assert Reservation.objects.count() == 0
    waiting = Delivery.objects.filter(handler=BOOKING_FLOW).order_by("id")
    assert [delivery.state for delivery in waiting] == ["pending", "pending", "pending"]
    assert [delivery.attempts for delivery in waiting] == [1, 1, 0]  # 8103's cancel waits
    assert "RESERVATIONS_HANDLERS_FAIL" in waiting[0].last_error

    settings.RESERVATIONS_HANDLERS_FAIL = False
    make_due()
    drain_outbox()

    assert sorted(Reservation.objects.values_list("order_id", "status")) == [
        (ORDER_ID, "requested"),
        (8103, "cancelled"),
    ]
    assert sorted(event.order_id for event in published(ReservationRequested)) == [ORDER_ID, 8103]
    assert [event.order_id for event in published(ReservationCancelled)] == [8103]
    assert held(room_type, stay) == [1, 1]


def test_a_cancelled_order_without_a_reservation_retries_and_creates_nothing(
    room_type, stay, named_guest
):
    cancel(room_type, stay, guest_id=named_guest.pk)

    drain_outbox()

    delivery = Delivery.objects.get(handler=BOOKING_FLOW)
    assert (delivery.state, delivery.attempts) == ("pending", 1)
    assert "reservation_not_found" in delivery.last_error
    assert (Reservation.objects.count(), Cancellation.objects.count()) == (0, 0)
