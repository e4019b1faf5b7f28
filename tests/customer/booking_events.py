"""Realistic events of one booking, published the way their contexts publish them.

The other contexts' handlers also subscribe to these events; ``publish_events`` keeps only the
customer context's deliveries so these tests exercise the customer handlers alone.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from itertools import count

from django.db import transaction

from apps.orders.events import OrderCancelled, OrderPlaced
from apps.payments.events import PaymentApproved, PaymentRefunded
from apps.reservations.events import (
    ReservationCancelled,
    ReservationConfirmed,
    ReservationRejected,
    ReservationRequested,
)
from hotel.eventbus import Event, EventMeta, publish
from hotel.eventbus.models import Delivery, StoredEvent

KST = datetime.timezone(datetime.timedelta(hours=9))
_order_ids = count(5001)


def at(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    """A time in March 2026, Korean time."""
    return datetime.datetime(2026, 3, day, hour, minute, tzinfo=KST)


def publish_events(*events: Event) -> list[EventMeta]:
    """Publish ``events`` in one transaction (as one service would), customer deliveries only."""
    with transaction.atomic():
        metas = [publish(event, correlation_id=event.aggregate_id) for event in events]
        Delivery.objects.filter(event_id__in=[meta.sequence for meta in metas]).exclude(
            handler__startswith="customer."
        ).delete()
    return metas


def stored_items(metas: list[EventMeta]) -> list[tuple[Event, EventMeta]]:
    """The published events as a worker hands them to a batch handler: read back from the
    outbox, as ``(event, meta)`` pairs in the order given."""
    stored = StoredEvent.objects.in_bulk([meta.sequence for meta in metas])
    return [(stored[meta.sequence].event(), stored[meta.sequence].meta) for meta in metas]


@dataclass
class Booking:
    """One order's facts; each method builds the event its context would publish."""

    guest_id: int
    order_id: int = field(default_factory=lambda: next(_order_ids))
    hotel_id: int = 7
    hotel_name: str = "서울 한강 호텔"
    room_type_id: int = 21
    room_type_name: str = "디럭스 더블"
    check_in: datetime.date = datetime.date(2026, 4, 10)
    check_out: datetime.date = datetime.date(2026, 4, 12)
    guests: int = 2
    total_krw: int = 200_000
    payment_method: str = "card"
    masked_card_number: str = "4330-****-****-1234"

    @property
    def reference(self) -> str:
        return f"HT-2026-{self.order_id}"

    @property
    def payment_id(self) -> int:
        return 9000 + self.order_id

    @property
    def reservation_id(self) -> int:
        return 7000 + self.order_id

    def placed(self) -> OrderPlaced:
        return OrderPlaced(
            order_id=self.order_id,
            order_reference=self.reference,
            guest_id=self.guest_id,
            hotel_id=self.hotel_id,
            hotel_name=self.hotel_name,
            room_type_id=self.room_type_id,
            room_type_name=self.room_type_name,
            check_in=self.check_in,
            check_out=self.check_out,
            nights=(self.check_out - self.check_in).days,
            guests=self.guests,
            total_krw=self.total_krw,
            payment_method=self.payment_method,
            placed_at=at(1, 10),
        )

    def approved(self) -> PaymentApproved:
        return PaymentApproved(
            order_id=self.order_id,
            payment_id=self.payment_id,
            amount_krw=self.total_krw,
            method=self.payment_method,
            masked_card_number=self.masked_card_number,
            approved_at=at(1, 10),
        )

    def requested(self) -> ReservationRequested:
        return ReservationRequested(
            reservation_id=self.reservation_id,
            order_id=self.order_id,
            guest_id=self.guest_id,
            hotel_id=self.hotel_id,
            hotel_name=self.hotel_name,
            room_type_id=self.room_type_id,
            room_type_name=self.room_type_name,
            check_in=self.check_in,
            check_out=self.check_out,
            guests=self.guests,
            requested_at=at(1, 10, 1),
        )

    def confirmed(self) -> ReservationConfirmed:
        return ReservationConfirmed(
            reservation_id=self.reservation_id,
            order_id=self.order_id,
            guest_id=self.guest_id,
            hotel_id=self.hotel_id,
            confirmed_at=at(1, 15),
        )

    def rejected(self, reason: str = "객실 점검") -> ReservationRejected:
        return ReservationRejected(
            reservation_id=self.reservation_id,
            order_id=self.order_id,
            guest_id=self.guest_id,
            hotel_id=self.hotel_id,
            reason=reason,
            rejected_at=at(1, 16),
        )

    def order_cancelled(self, reason: str = "일정 변경") -> OrderCancelled:
        return OrderCancelled(
            order_id=self.order_id,
            guest_id=self.guest_id,
            hotel_id=self.hotel_id,
            room_type_id=self.room_type_id,
            check_in=self.check_in,
            check_out=self.check_out,
            total_krw=self.total_krw,
            reason=reason,
            cancelled_at=at(5, 9),
        )

    def reservation_cancelled(
        self, *, fee_krw: int = 20_000, reason: str = "일정 변경"
    ) -> ReservationCancelled:
        return ReservationCancelled(
            reservation_id=self.reservation_id,
            order_id=self.order_id,
            guest_id=self.guest_id,
            hotel_id=self.hotel_id,
            cancellation_id=3000 + self.order_id,
            fee_krw=fee_krw,
            refund_krw=self.total_krw - fee_krw,
            reason=reason,
            cancelled_at=at(5, 9, 1),
        )

    def refunded(
        self, *, amount_krw: int, refunded_total_krw: int | None = None, reason: str = "취소"
    ) -> PaymentRefunded:
        total = amount_krw if refunded_total_krw is None else refunded_total_krw
        return PaymentRefunded(
            order_id=self.order_id,
            payment_id=self.payment_id,
            refund_id=4000 + self.order_id + total,
            amount_krw=amount_krw,
            refunded_total_krw=total,
            reason=reason,
            fully_refunded=total == self.total_krw,
        )
