"""The order follows the hotel side through its events (orders.reservation_outcome), once,
however often an event is delivered; and the status model refuses every other change."""

import pytest

from apps.orders.errors import OrderError
from apps.orders.models import ORDER_TRANSITIONS, Order, OrderStatus
from hotel.eventbus.models import Delivery
from hotel.eventbus.subscriptions import handler_names_for, runs_in_transaction
from tests.orders.helpers import (
    ORDERS_HANDLER,
    book,
    cancelled,
    confirmed,
    drain_only,
    redeliver,
    rejected,
)

pytestmark = pytest.mark.django_db(transaction=True)


def status_of(client, order) -> str:
    return client.get(f"/api/orders/{order.pk}/").data["status"]


def snapshot(order: Order) -> dict:
    order = Order.objects.get(pk=order.pk)
    return {f.attname: getattr(order, f.attname) for f in Order._meta.fields}


def test_one_handler_name_takes_all_three_outcomes_inside_the_workers_transaction():
    for event_type in ("Confirmed", "Rejected", "Cancelled"):
        assert ORDERS_HANDLER in handler_names_for(f"reservations.Reservation{event_type}")
    assert runs_in_transaction(ORDERS_HANDLER)


def test_a_confirmation_confirms_a_paid_order_once(guest_client, booking):
    order = book(guest_client, booking())
    confirmed(order)

    result = drain_only(ORDERS_HANDLER)

    assert len(result.done) == 1
    assert status_of(guest_client, order) == "confirmed"
    detail = guest_client.get(f"/api/orders/{order.pk}/").data
    assert detail["confirmed_at"] is not None
    before = snapshot(order)

    assert redeliver(ORDERS_HANDLER) == 1
    assert len(drain_only(ORDERS_HANDLER).done) == 1
    confirmed(order)  # the same outcome published twice
    drain_only(ORDERS_HANDLER)

    assert snapshot(order) == before


def test_a_late_confirmation_of_a_cancelled_order_changes_nothing(
    guest_client, booking, cancellation_policy
):
    order = book(guest_client, booking())
    guest_client.post(f"/api/orders/{order.pk}/cancel/")
    before = snapshot(order)
    confirmed(order)

    drain_only(ORDERS_HANDLER)

    assert snapshot(order) == before
    assert status_of(guest_client, order) == "cancelled"
    assert Delivery.objects.get(handler=ORDERS_HANDLER).state == "done"


def test_a_rejection_rejects_a_paid_order_with_a_full_refund_once(guest_client, booking):
    order = book(guest_client, booking())
    rejected(order, reason="Closed for renovation")

    drain_only(ORDERS_HANDLER)

    detail = guest_client.get(f"/api/orders/{order.pk}/").data
    assert (detail["status"], detail["rejection_reason"]) == ("rejected", "Closed for renovation")
    assert detail["rejected_at"] is not None
    row = Order.objects.get(pk=order.pk)
    assert (row.cancellation_fee_krw, row.refund_krw) == (0, 200_000)
    before = snapshot(order)

    redeliver(ORDERS_HANDLER)
    drain_only(ORDERS_HANDLER)
    rejected(order, reason="Closed for renovation")
    drain_only(ORDERS_HANDLER)

    assert snapshot(order) == before


def test_a_confirmation_after_a_rejection_changes_nothing(guest_client, booking):
    order = book(guest_client, booking())
    rejected(order)
    drain_only(ORDERS_HANDLER)
    before = snapshot(order)

    confirmed(order)
    drain_only(ORDERS_HANDLER)

    assert snapshot(order) == before


def test_a_rejection_after_the_guest_cancelled_keeps_the_order_cancelled_with_a_full_refund(
    guest_client, booking, cancellation_policy
):
    order = book(guest_client, booking(days_ahead=2))  # past the free window: 30 % kept
    guest_client.post(f"/api/orders/{order.pk}/cancel/")
    quoted = Order.objects.get(pk=order.pk)
    assert (quoted.cancellation_fee_krw, quoted.refund_krw) == (60_000, 140_000)
    rejected(order, reason="Overbooked")

    drain_only(ORDERS_HANDLER)

    row = Order.objects.get(pk=order.pk)
    assert row.status == "cancelled"
    assert (row.cancellation_fee_krw, row.refund_krw, row.rejection_reason) == (
        0,
        200_000,
        "Overbooked",
    )


def test_the_hotels_recorded_cancellation_replaces_the_quote_once(
    guest_client, booking, cancellation_policy
):
    cancellation_policy.fee_percent = 10
    cancellation_policy.save()
    order = book(guest_client, booking(days_ahead=2))  # past the free window: 10 % kept
    guest_client.post(f"/api/orders/{order.pk}/cancel/")
    quoted = Order.objects.get(pk=order.pk)
    assert (quoted.cancellation_fee_krw, quoted.refund_krw) == (20_000, 180_000)
    cancelled(order, fee_krw=40_000, refund_krw=160_000, cancellation_id=77)

    drain_only(ORDERS_HANDLER)

    cancellation = guest_client.get(f"/api/orders/{order.pk}/").data["cancellation"]
    assert (cancellation["fee_krw"], cancellation["refund_krw"]) == (40_000, 160_000)
    assert cancellation["recorded_by_hotel"] is True
    assert Order.objects.get(pk=order.pk).cancellation_id == 77
    before = snapshot(order)

    redeliver(ORDERS_HANDLER)
    drain_only(ORDERS_HANDLER)

    assert snapshot(order) == before


def test_a_cancellation_by_the_hotel_side_cancels_a_confirmed_order(guest_client, booking):
    order = book(guest_client, booking())
    confirmed(order)
    cancelled(order, fee_krw=0, refund_krw=200_000, reason="guest called the hotel")

    drain_only(ORDERS_HANDLER)

    row = Order.objects.get(pk=order.pk)
    assert (row.status, row.cancel_reason, row.refund_krw) == (
        "cancelled",
        "guest called the hotel",
        200_000,
    )
    assert row.cancelled_at is not None


def test_a_cancellation_event_for_a_rejected_order_changes_nothing(guest_client, booking):
    order = book(guest_client, booking())
    rejected(order)
    drain_only(ORDERS_HANDLER)
    before = snapshot(order)

    cancelled(order, fee_krw=50_000, refund_krw=150_000)
    drain_only(ORDERS_HANDLER)

    assert snapshot(order) == before


def test_outcomes_of_one_order_apply_in_publication_order(guest_client, booking):
    order = book(guest_client, booking())
    confirmed(order)
    cancelled(order, fee_krw=20_000, refund_krw=180_000)

    drain_only(ORDERS_HANDLER)

    row = Order.objects.get(pk=order.pk)
    assert (row.status, row.cancellation_fee_krw) == ("cancelled", 20_000)
    assert row.confirmed_at is not None


STATUSES = list(OrderStatus.values)


@pytest.mark.parametrize("source", STATUSES)
@pytest.mark.parametrize("target", STATUSES)
def test_the_status_model_allows_exactly_the_documented_transitions(source, target):
    order = Order(status=source)
    allowed = {
        ("pending_payment", "paid"),
        ("pending_payment", "payment_failed"),
        ("paid", "confirmed"),
        ("paid", "rejected"),
        ("paid", "cancelled"),
        ("confirmed", "cancelled"),
    }
    assert (target in ORDER_TRANSITIONS[source]) == ((source, target) in allowed)

    if (source, target) in allowed:
        order.transition_to(target)
        assert order.status == target
    else:
        with pytest.raises(OrderError) as refused:
            order.transition_to(target)
        assert (refused.value.code, refused.value.http_status) == ("illegal_order_transition", 409)
        assert refused.value.details == {"from": source, "to": target}
        assert order.status == source
