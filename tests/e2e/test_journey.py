"""A booking's whole journey through the API, with a real outbox worker process running:
book, the hotel confirms or rejects, the guest cancels; the order follows, the rooms are
released and the guest is refunded by the hotel's policy, exactly once."""

from datetime import date, timedelta

import pytest

from apps.payments.models import Payment
from hotel.eventbus.models import Delivery
from hotel.eventbus.testing import drain_outbox
from tests.e2e.helpers import (
    book,
    events_for_order,
    eventually,
    order_status,
    refunds_of,
    reservation_of,
    reservation_status,
)
from tests.reservations.factories import CancellationPolicyFactory, held_by_night

pytestmark = pytest.mark.django_db(transaction=True)

REFUNDED = "payments.PaymentRefunded"


@pytest.fixture
def worker(workers):
    return workers.start()


@pytest.fixture
def policy(room_type):
    """Free until 10 days before check-in, then 30 % kept; nothing back from check-in day."""
    return CancellationPolicyFactory(
        hotel=room_type.hotel, free_until_days_before=10, fee_percent=30
    )


def requested(order_id: int):
    eventually(
        lambda: reservation_status(order_id) == "requested",
        message=f"order {order_id} never reached the hotel",
    )
    return reservation_of(order_id)


def held(room_type) -> list[int]:
    return [n for n in held_by_night(room_type).values() if n]


def quiet(order_id: int) -> None:
    """Wait until nothing of this order is left for the worker."""
    eventually(
        lambda: (
            not Delivery.objects.filter(aggregate_key=f"order:{order_id}")
            .exclude(state="done")
            .exists()
        ),
        message=f"order {order_id}'s deliveries did not finish",
    )


def test_the_hotel_confirms_and_the_order_reads_confirmed(
    worker, guest_client, hotelier_client, booking, room_type
):
    order = book(guest_client, booking())
    reservation = requested(order["id"])
    assert order_status(guest_client, order["id"]) == "paid"  # "confirming reservation"

    response = hotelier_client.post(f"/api/reservations/{reservation.reservation_id}/confirm/")

    assert response.status_code == 200, response.data
    assert response.data["status"] == "confirmed"
    eventually(lambda: order_status(guest_client, order["id"]) == "confirmed")
    quiet(order["id"])
    assert held(room_type) == [1, 1]  # a confirmed stay keeps its rooms
    assert refunds_of(order["id"]) == []
    assert events_for_order(order["id"], REFUNDED) == []


def test_the_guest_cannot_confirm_their_own_reservation(worker, guest_client, booking):
    order = book(guest_client, booking())
    reservation = requested(order["id"])

    response = guest_client.post(f"/api/reservations/{reservation.reservation_id}/confirm/")

    assert response.status_code == 404
    assert reservation_status(order["id"]) == "requested"


def test_the_hotel_rejects_the_order_reads_rejected_and_the_guest_gets_one_full_refund(
    worker, guest_client, hotelier_client, booking, room_type
):
    order = book(guest_client, booking())
    reservation = requested(order["id"])

    response = hotelier_client.post(
        f"/api/reservations/{reservation.reservation_id}/reject/",
        {"reason": "Closed for renovation"},
        format="json",
    )

    assert response.status_code == 200, response.data
    eventually(lambda: order_status(guest_client, order["id"]) == "rejected")
    eventually(lambda: refunds_of(order["id"]) == [200_000])
    quiet(order["id"])
    detail = guest_client.get(f"/api/orders/{order['id']}/").data
    assert detail["rejection_reason"] == "Closed for renovation"
    assert held(room_type) == []  # released
    assert refunds_of(order["id"]) == [200_000]
    (refunded,) = events_for_order(order["id"], REFUNDED)
    assert (refunded.payload["amount_krw"], refunded.payload["fully_refunded"]) == (200_000, True)
    payment = Payment.objects.get(order_id=order["id"])
    assert (payment.status, payment.refunded_krw) == ("refunded", 200_000)
    # A rejected order cannot be cancelled any more.
    cancel = guest_client.post(f"/api/orders/{order['id']}/cancel/")
    assert (cancel.status_code, cancel.data["code"]) == (409, "order_not_cancellable")


@pytest.mark.parametrize(
    ("days_ahead", "fee_krw", "refund_krw"),
    [
        (20, 0, 200_000),  # before the free-cancellation deadline: everything back
        (7, 60_000, 140_000),  # inside 10 days: 30 % of 200,000 KRW kept
    ],
)
def test_the_guest_cancels_and_is_refunded_by_the_hotels_policy_once(
    worker, guest_client, booking, room_type, policy, days_ahead, fee_krw, refund_krw
):
    order = book(guest_client, booking(days_ahead=days_ahead))
    requested(order["id"])
    assert held(room_type) == [1, 1]

    quote = guest_client.get(f"/api/orders/{order['id']}/cancellation-quote/")
    assert quote.status_code == 200, quote.data
    assert (quote.data["fee_krw"], quote.data["refund_krw"]) == (fee_krw, refund_krw)
    check_in = date.fromisoformat(order["check_in"])
    assert quote.data["free_until"] == (check_in - timedelta(days=10)).isoformat()
    assert quote.data["policy_summary"]

    response = guest_client.post(
        f"/api/orders/{order['id']}/cancel/", {"reason": "plans changed"}, format="json"
    )

    assert response.status_code == 200, response.data
    assert response.data["status"] == "cancelled"
    assert response.data["cancellation"]["fee_krw"] == fee_krw
    eventually(lambda: reservation_status(order["id"]) == "cancelled")
    eventually(lambda: refunds_of(order["id"]) == [refund_krw])
    quiet(order["id"])

    reservation = reservation_of(order["id"])
    assert reservation.cancellation is not None
    assert (reservation.cancellation.fee_krw, reservation.cancellation.refund_krw) == (
        fee_krw,
        refund_krw,
    )
    assert reservation.cancellation.reason == "plans changed"
    assert held(room_type) == []  # every night released
    assert refunds_of(order["id"]) == [refund_krw]
    (refunded,) = events_for_order(order["id"], REFUNDED)
    assert refunded.payload["amount_krw"] == refund_krw
    detail = guest_client.get(f"/api/orders/{order['id']}/").data
    assert detail["status"] == "cancelled"
    assert detail["cancellation"]["fee_krw"] == fee_krw
    assert detail["cancellation"]["refund_krw"] == refund_krw
    assert detail["cancellation"]["recorded_by_hotel"] is True
    # Cancelling again is refused, and nothing more is refunded.
    again = guest_client.post(f"/api/orders/{order['id']}/cancel/")
    assert (again.status_code, again.data["code"]) == (409, "order_already_cancelled")
    quiet(order["id"])
    assert refunds_of(order["id"]) == [refund_krw]


def test_a_cancellation_on_the_check_in_day_refunds_nothing(
    worker, guest_client, booking, room_type, policy
):
    order = book(guest_client, booking(days_ahead=0))
    requested(order["id"])

    quote = guest_client.get(f"/api/orders/{order['id']}/cancellation-quote/").data
    assert (quote["fee_krw"], quote["refund_krw"], quote["refundable"]) == (200_000, 0, False)
    response = guest_client.post(f"/api/orders/{order['id']}/cancel/")

    assert response.status_code == 200, response.data
    eventually(lambda: reservation_status(order["id"]) == "cancelled")
    quiet(order["id"])
    assert held(room_type) == []
    assert refunds_of(order["id"]) == []
    assert events_for_order(order["id"], REFUNDED) == []
    assert Payment.objects.get(order_id=order["id"]).status == "approved"


def test_a_confirmed_stay_cancelled_by_the_guest_is_released_and_refunded_once(
    worker, guest_client, hotelier_client, booking, room_type
):
    order = book(guest_client, booking())
    reservation = requested(order["id"])
    hotelier_client.post(f"/api/reservations/{reservation.reservation_id}/confirm/")
    eventually(lambda: order_status(guest_client, order["id"]) == "confirmed")

    response = guest_client.post(f"/api/orders/{order['id']}/cancel/")

    assert response.status_code == 200, response.data
    eventually(lambda: reservation_status(order["id"]) == "cancelled")
    eventually(lambda: refunds_of(order["id"]) == [200_000])  # no policy: a full refund
    quiet(order["id"])
    assert held(room_type) == []
    assert len(events_for_order(order["id"], REFUNDED)) == 1
    # The hotel cannot confirm (or reject) a cancelled reservation.
    late = hotelier_client.post(f"/api/reservations/{reservation.reservation_id}/confirm/")
    assert late.status_code == 409
    assert order_status(guest_client, order["id"]) == "cancelled"


def test_a_cancellation_racing_a_confirmation_ends_cancelled_with_one_refund(
    guest_client, hotelier_client, booking, room_type, policy
):
    """The guest cancels and the hotelier confirms before either side has heard of the other
    (no worker yet): the reservation ends cancelled, the late confirmation changes nothing on
    the order, and the guest gets the policy's refund once."""
    order = book(guest_client, booking(days_ahead=7))
    drain_outbox()
    reservation = reservation_of(order["id"])

    cancel = guest_client.post(f"/api/orders/{order['id']}/cancel/")
    confirm = hotelier_client.post(f"/api/reservations/{reservation.reservation_id}/confirm/")
    drain_outbox()

    assert (cancel.status_code, confirm.status_code) == (200, 200)
    assert reservation_status(order["id"]) == "cancelled"
    assert order_status(guest_client, order["id"]) == "cancelled"
    assert refunds_of(order["id"]) == [140_000]
    assert len(events_for_order(order["id"], REFUNDED)) == 1
    assert held(room_type) == []
    cancellation = guest_client.get(f"/api/orders/{order['id']}/").data["cancellation"]
    assert (cancellation["fee_krw"], cancellation["recorded_by_hotel"]) == (60_000, True)


def test_a_cancellation_racing_a_rejection_ends_with_one_full_refund(
    guest_client, hotelier_client, booking, room_type, policy
):
    """The hotelier rejects and the guest cancels before either side has heard of the other:
    the reservation stays rejected (it is not cancelled again), the order stays cancelled, and
    the guest gets the rejection's full refund, once, whatever the quote said."""
    order = book(guest_client, booking(days_ahead=7))
    drain_outbox()
    reservation = reservation_of(order["id"])

    reject = hotelier_client.post(
        f"/api/reservations/{reservation.reservation_id}/reject/",
        {"reason": "Overbooked"},
        format="json",
    )
    cancel = guest_client.post(f"/api/orders/{order['id']}/cancel/")
    drain_outbox()

    assert (reject.status_code, cancel.status_code) == (200, 200)
    assert cancel.data["cancellation"]["fee_krw"] == 60_000  # the quote, before the news
    assert reservation_status(order["id"]) == "rejected"
    assert order_status(guest_client, order["id"]) == "cancelled"
    assert refunds_of(order["id"]) == [200_000]
    assert len(events_for_order(order["id"], REFUNDED)) == 1
    assert held(room_type) == []
    cancellation = guest_client.get(f"/api/orders/{order['id']}/").data["cancellation"]
    assert (cancellation["fee_krw"], cancellation["refund_krw"]) == (0, 200_000)
