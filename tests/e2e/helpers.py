"""Helpers for the end-to-end tests: book through the API, wait for the worker, read back."""

from __future__ import annotations

from rest_framework.test import APIClient

from apps.orders.models import Order
from apps.payments.models import Refund
from apps.reservations.selectors.order_reservation import reservation_for_order
from hotel.eventbus.models import StoredEvent
from hotel.eventbus.testing import wait_until

#: Generous: a worker process needs a second or two to start (Django setup), more on a busy CI.
WORKER_TIMEOUT = 60.0


def api_client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def eventually(condition, *, message: str = ""):
    return wait_until(condition, timeout=WORKER_TIMEOUT, interval=0.05, message=message)


def book(client: APIClient, body: dict) -> dict:
    response = client.post("/api/orders/", body, format="json")
    assert response.status_code == 201, response.data
    assert response.data["status"] == "paid"
    return response.data


def order_status(client: APIClient, order_id: int) -> str:
    return client.get(f"/api/orders/{order_id}/").data["status"]


def reservation_of(order_id: int):
    return reservation_for_order(order_id=order_id)


def reservation_status(order_id: int) -> str | None:
    reservation = reservation_of(order_id)
    return None if reservation is None else reservation.status


def events_for_order(order_id: int, event_type: str | None = None) -> list[StoredEvent]:
    events = StoredEvent.objects.filter(aggregate_type="order", aggregate_id=str(order_id))
    if event_type is not None:
        events = events.filter(event_type=event_type)
    return list(events.order_by("id"))


def refunds_of(order_id: int) -> list[int]:
    return list(
        Refund.objects.filter(payment__order_id=order_id)
        .order_by("id")
        .values_list("amount_krw", flat=True)
    )


def paid_orders() -> int:
    return Order.objects.filter(status="paid").count()
