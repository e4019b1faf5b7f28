"""An order's reservation, as plain data (with its cancellation, if any)."""

from apps.reservations.dtos import CancellationData, ReservationData
from apps.reservations.models import Reservation


def reservation_data(reservation: Reservation) -> ReservationData:
    cancellation = getattr(reservation, "cancellation", None)
    return ReservationData(
        reservation_id=reservation.pk,
        order_id=reservation.order_id,
        guest_id=reservation.guest_id,
        hotel_id=reservation.hotel_id,
        room_type_id=reservation.room_type_id,
        check_in=reservation.check_in,
        check_out=reservation.check_out,
        guests=reservation.guests,
        total_krw=reservation.total_krw,
        status=reservation.status,
        rejection_reason=reservation.rejection_reason,
        requested_at=reservation.requested_at,
        decided_at=reservation.decided_at,
        cancellation=None
        if cancellation is None
        else CancellationData(
            cancellation_id=cancellation.pk,
            cancelled_by=cancellation.cancelled_by,
            reason=cancellation.reason,
            fee_krw=cancellation.fee_krw,
            refund_krw=cancellation.refund_krw,
            policy_summary=cancellation.policy_summary,
            cancelled_at=cancellation.cancelled_at,
        ),
    )


def reservation_for_order(*, order_id: int) -> ReservationData | None:
    """The order's reservation; ``None`` before it exists (a paid order's reservation appears
    once reservations handled its ``OrderPlaced``)."""
    reservation = (
        Reservation.objects.select_related("cancellation").filter(order_id=order_id).first()
    )
    return None if reservation is None else reservation_data(reservation)
