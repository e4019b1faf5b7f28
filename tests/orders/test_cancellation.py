"""Guest cancellation through the API: the quote before, the cancel, and every refusal."""

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from apps.orders.models import Order
from apps.reservations import api as reservations
from tests.orders.factories import OrderFactory
from tests.orders.helpers import ORDERS_HANDLER, book, confirmed, drain_only, events_of, rejected
from tests.reservations.factories import HotelFactory, RoomTypeFactory
from tests.user_factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

CANCELLED = "orders.OrderCancelled"


def cancel(client, order, reason="plans changed"):
    return client.post(f"/api/orders/{order.pk}/cancel/", {"reason": reason}, format="json")


def test_cancelling_a_paid_order_cancels_it_with_the_quoted_fee_and_publishes_one_event(
    guest, guest_client, booking, cancellation_policy
):
    # Check-in in 2 days: past the free window (3 days before), so 30 % of 200,000 is kept.
    order = book(guest_client, booking(days_ahead=2))
    quoted = guest_client.get(f"/api/orders/{order.pk}/cancellation-quote/").data
    assert (quoted["fee_krw"], quoted["refund_krw"]) == (60_000, 140_000)

    response = cancel(guest_client, order)

    assert response.status_code == 200, response.data
    assert response.data["status"] == "cancelled"
    cancellation = response.data["cancellation"]
    assert (cancellation["fee_krw"], cancellation["refund_krw"]) == (60_000, 140_000)
    assert (cancellation["reason"], cancellation["recorded_by_hotel"]) == ("plans changed", False)
    order.refresh_from_db()
    assert (order.status, order.cancellation_fee_krw, order.refund_krw) == (
        "cancelled",
        60_000,
        140_000,
    )
    (event,) = events_of(CANCELLED)
    assert event.correlation_id == str(order.pk)
    assert event.payload == {
        "order_id": order.pk,
        "guest_id": guest.pk,
        "hotel_id": order.hotel_id,
        "room_type_id": order.room_type_id,
        "check_in": order.check_in.isoformat(),
        "check_out": order.check_out.isoformat(),
        "total_krw": 200_000,
        "reason": "plans changed",
        "cancelled_at": order.cancelled_at.isoformat(),
    }
    # The fee is the policy's for the order's stay and total at the cancellation's own time,
    # the ``cancelled_at`` the event carries: the hotel's fee, computed from the event, matches
    # what the guest saw and was charged.
    hotel_quote = reservations.cancellation_quote(
        room_type_id=event.payload["room_type_id"],
        check_in=date.fromisoformat(event.payload["check_in"]),
        total_krw=event.payload["total_krw"],
        at=datetime.fromisoformat(event.payload["cancelled_at"]),
    )
    assert (hotel_quote.fee_krw, hotel_quote.refund_krw) == (60_000, 140_000)


def test_the_order_detail_shows_the_cancellation_after_cancelling(
    guest_client, booking, cancellation_policy
):
    cancellation_policy.fee_percent = 10
    cancellation_policy.save()
    order = book(guest_client, booking(days_ahead=2))  # past the free window: 10 % of 200,000
    assert guest_client.get(f"/api/orders/{order.pk}/").data["cancellation"] is None

    cancel(guest_client, order, reason="")
    detail = guest_client.get(f"/api/orders/{order.pk}/").data

    assert detail["status"] == "cancelled"
    assert detail["cancellation"]["fee_krw"] == 20_000
    assert detail["cancellation"]["refund_krw"] == 180_000
    assert detail["cancellation"]["reason"] == ""
    assert detail["cancellation"]["cancelled_at"] is not None


def test_the_reason_is_optional(guest_client, booking, cancellation_policy):
    order = book(guest_client, booking())

    response = guest_client.post(f"/api/orders/{order.pk}/cancel/")

    assert response.status_code == 200, response.data
    assert Order.objects.get(pk=order.pk).cancel_reason == ""


def test_a_confirmed_order_can_be_cancelled(guest_client, booking, cancellation_policy):
    order = book(guest_client, booking())
    confirmed(order)
    drain_only(ORDERS_HANDLER)
    assert guest_client.get(f"/api/orders/{order.pk}/").data["status"] == "confirmed"

    response = cancel(guest_client, order)

    assert response.status_code == 200, response.data
    assert response.data["status"] == "cancelled"
    assert len(events_of(CANCELLED)) == 1


def test_cancelling_twice_is_a_409_and_publishes_nothing_more(
    guest_client, booking, cancellation_policy
):
    order = book(guest_client, booking(days_ahead=2))  # past the free window: 30 % kept
    cancel(guest_client, order)
    first = Order.objects.get(pk=order.pk)
    # A stricter policy now: a second cancel that quoted again would store a new fee.
    cancellation_policy.fee_percent = 100
    cancellation_policy.save()

    again = cancel(guest_client, order)

    assert again.status_code == 409
    assert again.data["code"] == "order_already_cancelled"
    assert again.data["details"]["status"] == "cancelled"
    assert again.data["details"]["cancelled_at"] is not None
    assert len(events_of(CANCELLED)) == 1
    row = Order.objects.get(pk=order.pk)
    assert (row.cancellation_fee_krw, row.refund_krw, row.cancelled_at) == (
        60_000,
        140_000,
        first.cancelled_at,
    )


def test_a_rejected_order_cannot_be_cancelled(guest_client, booking, cancellation_policy):
    order = book(guest_client, booking())
    rejected(order)
    drain_only(ORDERS_HANDLER)

    response = cancel(guest_client, order)

    assert response.status_code == 409
    assert response.data == {
        "code": "order_not_cancellable",
        "message": "An order that is rejected by the hotel cannot be cancelled.",
        "details": {"reason": "status", "status": "rejected"},
    }
    assert Order.objects.get(pk=order.pk).status == "rejected"
    assert events_of(CANCELLED) == []


@pytest.mark.parametrize("status", ["payment_failed", "pending_payment"])
def test_an_order_that_never_paid_cannot_be_cancelled(
    guest_client, booking, cancellation_policy, status
):
    order = book(guest_client, booking())
    Order.objects.filter(pk=order.pk).update(status=status)

    response = cancel(guest_client, order)

    assert response.status_code == 409
    assert response.data["code"] == "order_not_cancellable"
    assert response.data["details"] == {"reason": "status", "status": status}
    assert Order.objects.get(pk=order.pk).status == status
    assert events_of(CANCELLED) == []


def test_a_stay_whose_check_out_day_has_come_cannot_be_cancelled(
    guest_client, booking, room_type, cancellation_policy
):
    order = book(guest_client, booking())
    today = room_type.hotel.local_today()
    Order.objects.filter(pk=order.pk).update(check_in=today - timedelta(days=2), check_out=today)

    response = cancel(guest_client, order)

    assert response.status_code == 409
    assert response.data["code"] == "order_not_cancellable"
    assert response.data["details"] == {
        "reason": "stay_over",
        "status": "paid",
        "check_out": today.isoformat(),
        "hotel_today": today.isoformat(),
    }
    assert Order.objects.get(pk=order.pk).status == "paid"
    assert events_of(CANCELLED) == []


def test_a_stay_in_progress_can_still_be_cancelled(
    guest_client, booking, room_type, cancellation_policy
):
    order = book(guest_client, booking())
    today = room_type.hotel.local_today()
    Order.objects.filter(pk=order.pk).update(
        check_in=today - timedelta(days=1), check_out=today + timedelta(days=1)
    )

    assert cancel(guest_client, order).status_code == 200


@pytest.mark.parametrize(
    ("time_zone", "cancellable"),
    # 2030-01-10 20:00 UTC is 2030-01-11 05:00 in Seoul but 2030-01-10 10:00 in Honolulu.
    [("Asia/Seoul", False), ("Pacific/Honolulu", True)],
)
def test_the_check_out_day_is_the_hotels_local_date(
    monkeypatch, guest, guest_client, time_zone, cancellable
):
    room_type = RoomTypeFactory(hotel=HotelFactory(time_zone=time_zone))
    order = OrderFactory(
        guest=guest, room_type=room_type, check_in=date(2030, 1, 9), check_out=date(2030, 1, 11)
    )
    monkeypatch.setattr(timezone, "now", lambda: datetime(2030, 1, 10, 20, 0, tzinfo=UTC))

    response = cancel(guest_client, order)

    assert (response.status_code == 200) is cancellable, response.data
    assert len(events_of(CANCELLED)) == (1 if cancellable else 0)


def test_another_guests_order_is_a_404_for_the_quote_and_the_cancel(
    guest_client, booking, cancellation_policy
):
    order = book(guest_client, booking(days_ahead=2))  # a fee would be due: 30 %
    stranger = APIClient()
    stranger.force_authenticate(UserFactory())

    quote = stranger.get(f"/api/orders/{order.pk}/cancellation-quote/")
    response = cancel(stranger, order)

    assert (quote.status_code, quote.data["code"]) == (404, "order_not_found")
    assert (response.status_code, response.data["code"]) == (404, "order_not_found")
    assert "fee_krw" not in quote.data
    row = Order.objects.get(pk=order.pk)
    assert (row.status, row.cancelled_at, row.cancellation_fee_krw, row.refund_krw) == (
        "paid",
        None,
        None,
        None,
    )
    assert events_of(CANCELLED) == []


def test_an_anonymous_client_cannot_cancel(guest_client, booking, cancellation_policy):
    order = book(guest_client, booking())

    response = cancel(APIClient(), order)

    assert response.status_code == 401
    assert Order.objects.get(pk=order.pk).status == "paid"


def test_a_missing_order_is_a_404(guest_client, cancellation_policy):
    assert guest_client.post("/api/orders/999999/cancel/").status_code == 404


def test_a_too_long_reason_is_a_400(guest_client, booking, cancellation_policy):
    order = book(guest_client, booking())

    response = cancel(guest_client, order, reason="x" * 501)

    assert (response.status_code, response.data["code"]) == (400, "invalid")
    assert "reason" in response.data["details"]
    assert Order.objects.get(pk=order.pk).status == "paid"


def test_the_quote_shows_the_fee_and_refund_before_cancelling_and_changes_nothing(
    guest_client, booking, cancellation_policy
):
    cancellation_policy.fee_percent = 50
    cancellation_policy.save()
    order = book(guest_client, booking(days_ahead=2))  # past the free window: 50 % kept

    response = guest_client.get(f"/api/orders/{order.pk}/cancellation-quote/")

    assert response.status_code == 200, response.data
    data = response.data
    assert (data["order_id"], data["total_krw"], data["fee_krw"], data["refund_krw"]) == (
        order.pk,
        200_000,
        100_000,
        100_000,
    )
    # Free until 3 days before check-in: the hotel's yesterday, so the fee is due today.
    assert data["free_until"] == (order.check_in - timedelta(days=3)).isoformat()
    assert (data["policy_summary"], data["refundable"]) == (
        "Free cancellation until 3 days before check-in; 50% fee after that; "
        "no refund from the check-in day.",
        True,
    )
    assert Order.objects.get(pk=order.pk).status == "paid"
    assert events_of(CANCELLED) == []


def test_no_quote_for_an_order_that_cannot_be_cancelled(guest_client, booking, cancellation_policy):
    order = book(guest_client, booking())
    cancel(guest_client, order)

    response = guest_client.get(f"/api/orders/{order.pk}/cancellation-quote/")

    assert (response.status_code, response.data["code"]) == (409, "order_already_cancelled")


@pytest.mark.postgres
def test_concurrent_cancels_cancel_once(guest, booking, cancellation_policy):
    """Both requests lock the order row: the second waits, then sees it cancelled."""
    order = book(_client(guest), booking())
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def cancel_in_thread():
        try:
            client = _client(guest)
            barrier.wait()
            statuses.append(cancel(client, order).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=cancel_in_thread) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [200, 409]
    assert len(events_of(CANCELLED)) == 1


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client
