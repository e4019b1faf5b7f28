"""Events the payments context publishes (aggregate: the order, so they line up with its other
events for every handler)."""

import datetime
from dataclasses import dataclass

from hotel.eventbus import Event


@dataclass(frozen=True, kw_only=True)
class PaymentApproved(
    Event,
    event_type="payments.PaymentApproved",
    version=1,
    aggregate="order",
    aggregate_id_field="order_id",
):
    """The provider approved the order's payment and it is recorded."""

    order_id: int
    payment_id: int
    amount_krw: int
    method: str
    masked_card_number: str
    approved_at: datetime.datetime


@dataclass(frozen=True, kw_only=True)
class PaymentRefunded(
    Event,
    event_type="payments.PaymentRefunded",
    version=1,
    aggregate="order",
    aggregate_id_field="order_id",
):
    """Part or all of the order's payment went back to the guest."""

    order_id: int
    payment_id: int
    refund_id: int
    amount_krw: int
    refunded_total_krw: int
    reason: str
    fully_refunded: bool
