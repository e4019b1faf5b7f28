"""Events the reservations context publishes.

Their aggregate is the order (the booking), like the orders and payments events: every
handler then sees one booking's story (placed, paid, requested, confirmed or rejected,
cancelled, refunded) in publication order. The reservation's own id is in the payload.
"""

import datetime
from dataclasses import dataclass

from hotel.eventbus import Event

#: ``ReservationRejected.reason`` when the hotel let a request's decision deadline pass and the
#: system rejected it: the Korean text is what the event, the reservation and the order carry;
#: a guest who reads English is shown the English one (the customer context's messages).
UNANSWERED_REQUEST_REASON = "호텔이 기한 내에 응답하지 않아 자동으로 거절되었습니다"
UNANSWERED_REQUEST_REASON_EN = (
    "The hotel did not respond in time, so the booking was declined automatically"
)


@dataclass(frozen=True, kw_only=True)
class ReservationRequested(
    Event,
    event_type="reservations.ReservationRequested",
    version=1,
    aggregate="order",
    aggregate_id_field="order_id",
):
    """A paid booking reached the hotel and awaits a hotelier ("Confirming reservation")."""

    reservation_id: int
    order_id: int
    guest_id: int
    hotel_id: int
    hotel_name: str
    room_type_id: int
    room_type_name: str
    check_in: datetime.date
    check_out: datetime.date
    guests: int
    requested_at: datetime.datetime


@dataclass(frozen=True, kw_only=True)
class ReservationConfirmed(
    Event,
    event_type="reservations.ReservationConfirmed",
    version=1,
    aggregate="order",
    aggregate_id_field="order_id",
):
    reservation_id: int
    order_id: int
    guest_id: int
    hotel_id: int
    confirmed_at: datetime.datetime


@dataclass(frozen=True, kw_only=True)
class ReservationRejected(
    Event,
    event_type="reservations.ReservationRejected",
    version=1,
    aggregate="order",
    aggregate_id_field="order_id",
):
    """The hotel turned the request down; its rooms are released, the guest gets a full refund."""

    reservation_id: int
    order_id: int
    guest_id: int
    hotel_id: int
    reason: str
    rejected_at: datetime.datetime


@dataclass(frozen=True, kw_only=True)
class ReservationCancelled(
    Event,
    event_type="reservations.ReservationCancelled",
    version=1,
    aggregate="order",
    aggregate_id_field="order_id",
):
    """The guest cancelled; the reservation is kept as cancelled, a Cancellation records the
    fee from the hotel's policy, the rooms are released; payments refunds ``refund_krw``."""

    reservation_id: int
    order_id: int
    guest_id: int
    hotel_id: int
    cancellation_id: int
    fee_krw: int
    refund_krw: int
    reason: str
    cancelled_at: datetime.datetime
