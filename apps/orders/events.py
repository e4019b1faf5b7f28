"""Events the orders context publishes. Aggregate: the order."""

import datetime
from dataclasses import dataclass

from hotel.eventbus import Event


@dataclass(frozen=True, kw_only=True)
class OrderPlaced(
    Event,
    event_type="orders.OrderPlaced",
    version=1,
    aggregate="order",
    aggregate_id_field="order_id",
):
    """A guest booked and paid: the order is paid and its rooms are held.

    ``terms_*`` are the cancellation terms the guest booked under (reservations'
    ``CancellationTerms``: free until ``terms_free_until``, then ``terms_fee_percent`` of the
    total, nothing back from ``terms_no_refund_from`` if set). Added with defaults, so events
    stored before them load as placed without terms (charged by the policy of the day).
    """

    order_id: int
    order_reference: str
    guest_id: int
    hotel_id: int
    hotel_name: str
    room_type_id: int
    room_type_name: str
    check_in: datetime.date
    check_out: datetime.date
    nights: int
    guests: int
    total_krw: int
    payment_method: str
    placed_at: datetime.datetime
    terms_free_until: datetime.datetime | None = None
    terms_fee_percent: int | None = None
    terms_no_refund_from: datetime.datetime | None = None
    terms_summary: str = ""


@dataclass(frozen=True, kw_only=True)
class OrderCancelled(
    Event,
    event_type="orders.OrderCancelled",
    version=1,
    aggregate="order",
    aggregate_id_field="order_id",
):
    """The guest cancelled the order; the hotel side releases the rooms and refunds."""

    order_id: int
    guest_id: int
    hotel_id: int
    room_type_id: int
    check_in: datetime.date
    check_out: datetime.date
    total_krw: int
    reason: str
    cancelled_at: datetime.datetime
