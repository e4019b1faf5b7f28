"""Plain data the orders context hands out (never model instances)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, fields
from typing import Any

from apps.orders.models import Order

_DATETIMES = (
    "created_at",
    "paid_at",
    "confirmed_at",
    "rejected_at",
    "cancelled_at",
    "terms_free_until",
    "terms_no_refund_from",
)


@dataclass(frozen=True, kw_only=True)
class OrderData:
    id: int
    reference: str
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
    status: str
    failure_code: str
    failure_message: str
    created_at: datetime.datetime
    paid_at: datetime.datetime | None
    # The hotel side's outcome and the cancellation (defaults keep stored replays readable).
    confirmed_at: datetime.datetime | None = None
    rejected_at: datetime.datetime | None = None
    rejection_reason: str = ""
    cancelled_at: datetime.datetime | None = None
    cancel_reason: str = ""
    cancellation_fee_krw: int | None = None
    refund_krw: int | None = None
    cancellation_id: int | None = None
    # The cancellation terms booked under (empty on orders placed before orders kept them).
    hotel_time_zone: str = ""
    terms_free_until: datetime.datetime | None = None
    terms_fee_percent: int | None = None
    terms_no_refund_from: datetime.datetime | None = None
    terms_summary: str = ""

    @classmethod
    def from_order(cls, order: Order) -> OrderData:
        return cls(
            id=order.pk,
            reference=order.reference,
            guest_id=order.guest_id,
            hotel_id=order.hotel_id,
            hotel_name=order.hotel_name,
            room_type_id=order.room_type_id,
            room_type_name=order.room_type_name,
            check_in=order.check_in,
            check_out=order.check_out,
            nights=order.nights,
            guests=order.guests,
            total_krw=order.total_krw,
            payment_method=order.payment_method,
            status=order.status,
            failure_code=order.failure_code,
            failure_message=order.failure_message,
            created_at=order.created_at,
            paid_at=order.paid_at,
            confirmed_at=order.confirmed_at,
            rejected_at=order.rejected_at,
            rejection_reason=order.rejection_reason,
            cancelled_at=order.cancelled_at,
            cancel_reason=order.cancel_reason,
            cancellation_fee_krw=order.cancellation_fee_krw,
            refund_krw=order.refund_krw,
            cancellation_id=order.cancellation_id,
            hotel_time_zone=order.hotel_time_zone,
            terms_free_until=order.terms_free_until,
            terms_fee_percent=order.terms_fee_percent,
            terms_no_refund_from=order.terms_no_refund_from,
            terms_summary=order.terms_summary,
        )

    def to_json(self) -> dict[str, Any]:
        data = {field.name: getattr(self, field.name) for field in fields(self)}  # all flat
        for name in ("check_in", "check_out", *_DATETIMES):
            if data[name] is not None:
                data[name] = data[name].isoformat()
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OrderData:
        parsed = dict(data)
        for name in ("check_in", "check_out"):
            parsed[name] = datetime.date.fromisoformat(parsed[name])
        for name in _DATETIMES:
            if parsed.get(name) is not None:
                parsed[name] = datetime.datetime.fromisoformat(parsed[name])
        return cls(**parsed)


@dataclass(frozen=True, kw_only=True)
class OrderCancellationQuote:
    """What cancelling the order now would cost, by the hotel's cancellation policy."""

    order_id: int
    total_krw: int
    fee_krw: int
    refund_krw: int
    #: The last hotel-local date on which cancelling is free (None: free whatever the date).
    free_until: datetime.date | None
    policy_summary: str
    refundable: bool
    quoted_at: datetime.datetime
