"""The orders context's reactions to the hotel side's events (thin: call a service).

One handler name for the three outcomes, so one order's confirmation, rejection and
cancellation are applied in the order they were published.
"""

from apps.orders.services import (
    order_confirm_by_hotel,
    order_record_cancellation,
    order_reject_by_hotel,
)
from apps.reservations.events import (
    ReservationCancelled,
    ReservationConfirmed,
    ReservationRejected,
)
from hotel.eventbus import EventMeta, subscribe

HANDLER = "orders.reservation_outcome"


@subscribe(ReservationConfirmed, name=HANDLER)
def reservation_confirmed(event: ReservationConfirmed, meta: EventMeta) -> None:
    order_confirm_by_hotel(order_id=event.order_id, confirmed_at=event.confirmed_at)


@subscribe(ReservationRejected, name=HANDLER)
def reservation_rejected(event: ReservationRejected, meta: EventMeta) -> None:
    order_reject_by_hotel(
        order_id=event.order_id, reason=event.reason, rejected_at=event.rejected_at
    )


@subscribe(ReservationCancelled, name=HANDLER)
def reservation_cancelled(event: ReservationCancelled, meta: EventMeta) -> None:
    order_record_cancellation(
        order_id=event.order_id,
        cancellation_id=event.cancellation_id,
        fee_krw=event.fee_krw,
        refund_krw=event.refund_krw,
        cancelled_at=event.cancelled_at,
        reason=event.reason,
    )
