"""What cancelling a stay costs: under the terms it was booked under, or (for a stay not
booked, or booked before bookings kept their terms) under the hotel's cancellation policy.
The terms themselves are built in ``apps/reservations/cancellation_terms.py``."""

from datetime import date, datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from apps.reservations.cancellation_terms import (
    FULL_REFUND_SUMMARY,
    cancellation_quote_under_terms,
)
from apps.reservations.dtos import CancellationQuote, CancellationTerms
from apps.reservations.errors import InvalidStay, ReservationsErrorCode
from apps.reservations.models import CancellationPolicy, RoomType
from apps.reservations.selectors.catalogue import room_type_get

__all__ = [
    "FULL_REFUND_SUMMARY",
    "cancellation_policies_of_hotel",
    "cancellation_policy_for",
    "cancellation_quote",
    "cancellation_quote_build",
]


def cancellation_policy_for(*, room_type: RoomType) -> CancellationPolicy | None:
    """The room type's own policy, else its hotel's, else ``None`` (full refund)."""
    policies = CancellationPolicy.objects.filter(hotel_id=room_type.hotel_id).filter(
        Q(room_type_id=room_type.pk) | Q(room_type__isnull=True)
    )
    return min(policies, key=lambda policy: policy.room_type_id is None, default=None)


def cancellation_policies_of_hotel(*, hotel_id: int) -> dict[int | None, CancellationPolicy]:
    """The hotel's policies by room type id, the hotel-wide one under ``None`` (one query).

    A room type's policy is ``policies.get(room_type_id) or policies.get(None)``.
    """
    return {
        policy.room_type_id: policy
        for policy in CancellationPolicy.objects.filter(hotel_id=hotel_id)
    }


def cancellation_quote_build(
    *, policy: CancellationPolicy | None, check_in: date, total_krw: int, on: date
) -> CancellationQuote:
    """The fee for cancelling on the hotel-local date ``on``, under ``policy``.

    Free up to and including ``check_in - free_until_days_before``; ``fee_percent`` of the
    total (rounded down, in the guest's favour) from the next day; everything from the
    check-in day on. Without a policy, a full refund whatever the date.
    """
    if total_krw < 0:
        raise InvalidStay(
            ReservationsErrorCode.INVALID_STAY,
            "A total cannot be negative.",
            details={"field": "total_krw"},
        )
    if policy is None:
        return CancellationQuote(
            fee_krw=0,
            refund_krw=total_krw,
            free_until=None,
            policy_summary=FULL_REFUND_SUMMARY,
            refundable=total_krw > 0,
        )
    free_until = check_in - timedelta(days=policy.free_until_days_before)
    if on <= free_until:
        fee_krw = 0
    elif on < check_in:
        fee_krw = total_krw * policy.fee_percent // 100
    else:
        fee_krw = total_krw
    return CancellationQuote(
        fee_krw=fee_krw,
        refund_krw=total_krw - fee_krw,
        free_until=free_until,
        policy_summary=policy.summary(),
        refundable=fee_krw < total_krw,
    )


def cancellation_quote(
    *,
    room_type_id: int,
    check_in: date,
    total_krw: int,
    at: datetime | None = None,
    terms: CancellationTerms | None = None,
) -> CancellationQuote:
    """What cancelling a stay of this room type costs at ``at`` (an aware datetime; default
    now).

    With ``terms`` (those the stay was booked under), by those terms alone, whatever the
    policy has become since: nothing is read. Without (a booking made before bookings kept
    their terms), by the room type's cancellation policy, else its hotel's, else a full
    refund. Days are the hotel's local dates (``at`` is read as a date in
    ``Hotel.time_zone``): free up to and including ``free_until``, then the policy's fee
    percentage (rounded down), and no refund from the check-in day on. When the order is
    cancelled, reservations computes the same quote once, at the time the guest cancelled
    (``OrderCancelled.cancelled_at``), from the terms its reservation keeps, and stores it
    with the cancellation. Raises ``RoomTypeNotFound`` (404) when it reads the policy.
    """
    at = timezone.now() if at is None else at
    if timezone.is_naive(at):
        raise ValueError("cancellation_quote needs an aware datetime")
    if terms is not None:
        return cancellation_quote_under_terms(terms=terms, total_krw=total_krw, at=at)
    room_type = room_type_get(room_type_id=room_type_id)
    return cancellation_quote_build(
        policy=cancellation_policy_for(room_type=room_type),
        check_in=check_in,
        total_krw=total_krw,
        on=room_type.hotel.local_date(at),
    )
