"""Plain data the orders context hands out (never model instances)."""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass
from typing import Any

from apps.orders.models import Order


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
        )

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for name in ("check_in", "check_out", "created_at", "paid_at"):
            if data[name] is not None:
                data[name] = data[name].isoformat()
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OrderData:
        parsed = dict(data)
        for name in ("check_in", "check_out"):
            parsed[name] = datetime.date.fromisoformat(parsed[name])
        for name in ("created_at", "paid_at"):
            if parsed[name] is not None:
                parsed[name] = datetime.datetime.fromisoformat(parsed[name])
        return cls(**parsed)
