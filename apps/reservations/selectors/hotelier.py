"""What a hotelier may see: their own hotels' reservations and cancellations, nobody else's
(a superuser sees all). The hoteliers' API and Django admin both scope through here."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, F, Min, QuerySet

from apps.reservations.errors import ReservationNotFound
from apps.reservations.models import (
    Cancellation,
    HotelierMembership,
    Reservation,
    ReservationStatus,
)


def hotel_ids_managed_by(*, user: AbstractBaseUser) -> QuerySet[HotelierMembership]:
    """The ids of the hotels ``user`` is a hotelier of (a subquery: use with ``__in``)."""
    return HotelierMembership.objects.filter(user_id=user.pk).values("hotel_id")


def _hotelier_scope(queryset: QuerySet, *, user: AbstractBaseUser | AnonymousUser, path: str):
    """Superusers see every row; a hotelier their hotels' rows; anyone else none."""
    if not user.is_authenticated:
        return queryset.none()
    if user.is_superuser:
        return queryset
    return queryset.filter(**{f"{path}__in": hotel_ids_managed_by(user=user)})


def reservation_list_for(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Reservation]:
    """The reservations of the hotels ``user`` manages (all of them for a superuser)."""
    return _hotelier_scope(
        Reservation.objects.select_related("hotel", "room_type", "cancellation"),
        user=user,
        path="hotel",
    )


def reservation_get_for(
    *, reservation_id: int, user: AbstractBaseUser | AnonymousUser
) -> Reservation:
    """One reservation ``user`` may see; ``ReservationNotFound`` (404) otherwise."""
    try:
        return reservation_list_for(user=user).get(pk=reservation_id)
    except Reservation.DoesNotExist:
        raise ReservationNotFound(reservation_id=reservation_id) from None


def cancellation_list_for(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Cancellation]:
    """The cancellations of the hotels ``user`` manages (all of them for a superuser)."""
    return _hotelier_scope(
        Cancellation.objects.select_related("reservation__hotel", "reservation__room_type"),
        user=user,
        path="reservation__hotel",
    )


@dataclass(frozen=True)
class OpenRequests:
    """A hotelier's requests awaiting a decision: how many, since when, and the most urgent."""

    count: int
    oldest_requested_at: datetime | None
    soonest: list[Reservation]


def open_requests_for(*, user: AbstractBaseUser | AnonymousUser, limit: int) -> OpenRequests:
    """The requested reservations of ``user``'s hotels, the ``limit`` nearest their decision
    deadline first (then the oldest), with the count and the oldest request of all of them."""
    requested = reservation_list_for(user=user).filter(status=ReservationStatus.REQUESTED)
    totals = requested.aggregate(count=Count("pk"), oldest=Min("requested_at"))
    soonest = requested.order_by(F("decision_deadline").asc(nulls_last=True), "requested_at", "pk")
    return OpenRequests(
        count=totals["count"],
        oldest_requested_at=totals["oldest"],
        soonest=list(soonest[:limit]),
    )
