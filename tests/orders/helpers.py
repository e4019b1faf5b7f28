"""Helpers for the orders tests: book through the API, publish the hotel side's events, and
drain the outbox for chosen handlers only."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from apps.orders.models import Order
from apps.reservations.events import (
    ReservationCancelled,
    ReservationConfirmed,
    ReservationRejected,
)
from hotel.eventbus import EventMeta, publish
from hotel.eventbus.models import Delivery, StoredEvent
from hotel.eventbus.worker import OutboxWorker, RoundResult

ORDERS_HANDLER = "orders.reservation_outcome"
REFUNDS_HANDLER = "payments.refunds"


def book(client, body) -> Order:
    response = client.post("/api/orders/", body, format="json")
    assert response.status_code == 201, response.data
    return Order.objects.get(pk=response.data["id"])


def drain_only(*handlers: str) -> RoundResult:
    """Drain the outbox for ``handlers`` only: before each round, every other handler's
    pending deliveries (including those of events published meanwhile) are set aside as done,
    so these tests do not depend on other contexts' reactions."""
    worker = OutboxWorker()
    total = RoundResult()
    while True:
        Delivery.objects.filter(state="pending").exclude(handler__in=handlers).update(
            state="done", completed_at=timezone.now()
        )
        result = worker.run_once()
        for name in ("done", "retried", "dead", "lost", "released"):
            getattr(total, name).extend(getattr(result, name))
        if not (result.handled or result.lost):
            return total


def redeliver(handler: str) -> int:
    """Make every done delivery to ``handler`` pending and due again (an at-least-once
    redelivery, as after a crash between the effect and its mark)."""
    return Delivery.objects.filter(handler=handler, state="done").update(
        state="pending", attempts=0, available_at=timezone.now(), completed_at=None
    )


def events_of(event_type: str) -> list[StoredEvent]:
    return list(StoredEvent.objects.filter(event_type=event_type).order_by("id"))


def _publish(event) -> EventMeta:
    with transaction.atomic():
        return publish(event, correlation_id=str(event.order_id))


def confirmed(order: Order, *, reservation_id: int = 501) -> EventMeta:
    return _publish(
        ReservationConfirmed(
            reservation_id=reservation_id,
            order_id=order.pk,
            guest_id=order.guest_id,
            hotel_id=order.hotel_id,
            confirmed_at=timezone.now(),
        )
    )


def rejected(order: Order, *, reason: str = "Overbooked", reservation_id: int = 501) -> EventMeta:
    return _publish(
        ReservationRejected(
            reservation_id=reservation_id,
            order_id=order.pk,
            guest_id=order.guest_id,
            hotel_id=order.hotel_id,
            reason=reason,
            rejected_at=timezone.now(),
        )
    )


def cancelled(
    order: Order,
    *,
    fee_krw: int,
    refund_krw: int,
    cancellation_id: int = 901,
    reason: str = "plans changed",
    reservation_id: int = 501,
) -> EventMeta:
    return _publish(
        ReservationCancelled(
            reservation_id=reservation_id,
            order_id=order.pk,
            guest_id=order.guest_id,
            hotel_id=order.hotel_id,
            cancellation_id=cancellation_id,
            fee_krw=fee_krw,
            refund_krw=refund_krw,
            reason=reason,
            cancelled_at=timezone.now(),
        )
    )
