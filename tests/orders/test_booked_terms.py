"""An order keeps the cancellation terms it was booked under: the booking shows them, and
cancelling charges by them, on both sides, however the hotel's policy changes afterwards."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from apps.orders.models import Order
from apps.reservations.events import ReservationCancelled
from apps.reservations.models import Cancellation, CancellationPolicy, Reservation
from hotel.eventbus.models import StoredEvent
from tests.orders.helpers import ORDERS_HANDLER, book, drain_only
from tests.reservations.factories import (
    CancellationPolicyFactory,
    HotelFactory,
    RoomTypeFactory,
    inventory,
)
from tests.reservations.helpers import published

pytestmark = pytest.mark.django_db(transaction=True)

BOOKING_FLOW = "reservations.booking_flow"
SUMMARY_30 = (
    "Free cancellation until 3 days before check-in; 30% fee after that; "
    "no refund from the check-in day."
)


def cancel(client, order):
    response = client.post(f"/api/orders/{order.pk}/cancel/", {"reason": ""}, format="json")
    assert response.status_code == 200, response.data
    return response.data


def quote(client, order) -> dict:
    response = client.get(f"/api/orders/{order.pk}/cancellation-quote/")
    assert response.status_code == 200, response.data
    return response.data


def local(day, hour_minute_second: tuple[int, int, int], zone: str) -> str:
    return datetime.combine(day, time(*hour_minute_second), tzinfo=ZoneInfo(zone)).isoformat()


def test_a_booking_keeps_and_shows_the_terms_it_was_made_under(
    guest_client, booking, room_type, cancellation_policy
):
    body = booking(days_ahead=7)  # free until 3 days before: 4 days from the hotel's today
    check_in = room_type.hotel.local_today() + timedelta(days=7)

    response = guest_client.post("/api/orders/", body, format="json")

    assert response.status_code == 201, response.data
    expected = {
        "free_until": local(check_in - timedelta(days=3), (23, 59, 59), "Asia/Seoul"),
        "free_until_date": (check_in - timedelta(days=3)).isoformat(),
        "fee_percent": 30,
        "fee_krw": 60_000,
        "no_refund_from": local(check_in, (0, 0, 0), "Asia/Seoul"),
        "summary": SUMMARY_30,
    }
    assert response.data["cancellation_terms"] == expected
    order = Order.objects.get()
    assert guest_client.get(f"/api/orders/{order.pk}/").data["cancellation_terms"] == expected
    assert (order.hotel_time_zone, order.terms_fee_percent, order.terms_summary) == (
        "Asia/Seoul",
        30,
        SUMMARY_30,
    )
    assert order.terms_free_until == datetime.fromisoformat(expected["free_until"])
    placed = StoredEvent.objects.get(event_type="orders.OrderPlaced").payload
    assert (placed["terms_free_until"], placed["terms_fee_percent"]) == (
        expected["free_until"],
        30,
    )
    assert placed["terms_no_refund_from"] == expected["no_refund_from"]


def test_the_terms_are_given_in_the_hotels_own_time_zone(guest_client, booking):
    """A New York hotel: the times carry New York's offset, not the server's (Seoul)."""
    room_type = RoomTypeFactory(hotel=HotelFactory(time_zone="America/New_York"))
    inventory(room_type, first_night=room_type.hotel.local_today(), nights=20)
    CancellationPolicyFactory(hotel=room_type.hotel, free_until_days_before=2, fee_percent=50)
    check_in = room_type.hotel.local_today() + timedelta(days=10)

    order = book(guest_client, booking(days_ahead=10, room=room_type))

    terms = guest_client.get(f"/api/orders/{order.pk}/").data["cancellation_terms"]
    assert terms["free_until"] == local(
        check_in - timedelta(days=2), (23, 59, 59), "America/New_York"
    )
    assert terms["no_refund_from"] == local(check_in, (0, 0, 0), "America/New_York")
    assert (terms["free_until_date"], terms["fee_percent"], terms["fee_krw"]) == (
        (check_in - timedelta(days=2)).isoformat(),
        50,
        100_000,
    )


def test_a_booking_at_a_hotel_without_a_policy_is_free_until_the_check_in_day(
    guest_client, booking, room_type
):
    check_in = room_type.hotel.local_today() + timedelta(days=7)

    order = book(guest_client, booking(days_ahead=7))

    terms = guest_client.get(f"/api/orders/{order.pk}/").data["cancellation_terms"]
    assert terms == {
        "free_until": local(check_in - timedelta(days=1), (23, 59, 59), "Asia/Seoul"),
        "free_until_date": (check_in - timedelta(days=1)).isoformat(),
        "fee_percent": 0,
        "fee_krw": 0,
        "no_refund_from": None,
        "summary": "Free cancellation: the hotel refunds in full.",
    }


@pytest.mark.parametrize(
    ("new_policy", "new_fee_krw"),
    [
        pytest.param({"fee_percent": 100}, 200_000, id="the hotel turns stricter"),
        pytest.param({"free_until_days_before": 1}, 0, id="the hotel turns lenient"),
    ],
)
def test_a_policy_changed_after_booking_does_not_change_the_fee_of_the_booking(
    guest_client, booking, cancellation_policy, new_policy, new_fee_krw
):
    # Booked 2 days ahead under "free until 3 days before, then 30 %": the fee is due now.
    order = book(guest_client, booking(days_ahead=2))
    drain_only(BOOKING_FLOW)  # the hotel side has the reservation, with the booked terms
    CancellationPolicy.objects.filter(pk=cancellation_policy.pk).update(**new_policy)

    quoted = quote(guest_client, order)
    assert (quoted["fee_krw"], quoted["policy_summary"]) == (60_000, SUMMARY_30)
    cancelled = cancel(guest_client, order)
    drain_only(BOOKING_FLOW, ORDERS_HANDLER)

    assert (cancelled["cancellation"]["fee_krw"], cancelled["cancellation"]["refund_krw"]) == (
        60_000,
        140_000,
    )
    hotel_side = Cancellation.objects.get(reservation__order_id=order.pk)
    assert (hotel_side.fee_krw, hotel_side.refund_krw, hotel_side.policy_summary) == (
        60_000,
        140_000,
        SUMMARY_30,
    )
    [event] = published(ReservationCancelled)
    assert (event.fee_krw, event.refund_krw) == (60_000, 140_000)
    detail = guest_client.get(f"/api/orders/{order.pk}/").data
    assert (detail["cancellation"]["fee_krw"], detail["cancellation"]["recorded_by_hotel"]) == (
        60_000,
        True,
    )
    assert detail["cancellation_terms"]["fee_percent"] == 30

    # A new booking of the same stay is made under the policy as it is now.
    again = book(guest_client, booking(days_ahead=2))
    assert quote(guest_client, again)["fee_krw"] == new_fee_krw
    now_policy = CancellationPolicy.objects.get()
    assert Order.objects.get(pk=again.pk).terms_summary == now_policy.summary()


def test_an_order_placed_before_orders_kept_terms_follows_the_policy_of_the_day(
    guest_client, booking, cancellation_policy
):
    order = book(guest_client, booking(days_ahead=2))
    drain_only(BOOKING_FLOW)
    # As an order and its reservation from before: no terms kept on either side.
    Order.objects.filter(pk=order.pk).update(
        terms_free_until=None, terms_fee_percent=None, terms_no_refund_from=None, terms_summary=""
    )
    Reservation.objects.filter(order_id=order.pk).update(
        terms_free_until=None, terms_fee_percent=None, terms_no_refund_from=None, terms_summary=""
    )
    CancellationPolicy.objects.update(fee_percent=10)

    assert guest_client.get(f"/api/orders/{order.pk}/").data["cancellation_terms"] is None
    assert quote(guest_client, order)["fee_krw"] == 20_000
    cancel(guest_client, order)
    drain_only(BOOKING_FLOW)

    assert Cancellation.objects.get(reservation__order_id=order.pk).fee_krw == 20_000


def test_a_replayed_booking_shows_the_same_terms(guest_client, booking, cancellation_policy):
    body = booking(days_ahead=7)
    first = guest_client.post("/api/orders/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    CancellationPolicy.objects.update(fee_percent=90)

    replay = guest_client.post("/api/orders/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert (first.status_code, replay.status_code) == (201, 201)
    assert replay.data["cancellation_terms"] == first.data["cancellation_terms"]
    assert replay.data["cancellation_terms"]["fee_percent"] == 30


def test_mypage_shows_the_terms_with_the_booking(guest_client, booking, cancellation_policy):
    order = book(guest_client, booking(days_ahead=7))
    terms = guest_client.get(f"/api/orders/{order.pk}/").data["cancellation_terms"]

    drain_only("customer.mypage")

    timeline = guest_client.get(f"/api/mypage/{order.pk}/").data["timeline"]
    [booked] = [row for row in timeline if row["kind"] == "booked"]
    assert booked["details"]["cancellation_terms"] == {
        "free_until": terms["free_until"],
        "fee_percent": 30,
        "no_refund_from": terms["no_refund_from"],
        "summary": SUMMARY_30,
    }
