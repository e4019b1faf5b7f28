"""The hotel side of a booking: request, confirm, reject, cancel.

Every state change follows one shape, inside one transaction: lock the reservation row
(``SELECT ... FOR UPDATE``), move its status through ``Reservation.transition_to`` (the one
place the status rules live), write a history row, do the change's own work (release the
rooms, record the cancellation) and publish its event to the outbox. So a cancellation racing
a confirmation queues on the row lock and sees the other's outcome: either it cancels a
confirmed reservation, or the confirmation finds it cancelled and is refused with a 409.
"""

import logging
from collections.abc import Sequence
from datetime import date, datetime

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from apps.reservations.cancellation_terms import (
    booked_cancellation_terms,
    cancellation_quote_under_terms,
)
from apps.reservations.decision_deadlines import decision_deadline
from apps.reservations.dtos import CancellationQuote, CancellationTerms, PaidOrder
from apps.reservations.errors import (
    ReservationNotFound,
    ReservationsError,
    ReservationsErrorCode,
    RoomTypeNotFound,
)
from apps.reservations.events import (
    UNANSWERED_REQUEST_REASON,
    ReservationCancelled,
    ReservationConfirmed,
    ReservationRejected,
    ReservationRequested,
)
from apps.reservations.models import (
    Actor,
    Cancellation,
    Reservation,
    ReservationStatus,
    ReservationStatusChange,
    RoomType,
)
from apps.reservations.queries import room_types_with_hotels
from apps.reservations.selectors.cancellation_quotes import (
    cancellation_policy_for,
    cancellation_quote_build,
)
from apps.reservations.selectors.hotelier import hotel_ids_managed_by
from apps.reservations.services.inventory import rooms_release
from hotel.bulk_rows import rows_insert
from hotel.correlation import correlation_context
from hotel.eventbus import publish, publish_all

logger = logging.getLogger(__name__)

#: A booking holds one room of its room type on every night of the stay.
ROOMS_PER_BOOKING = 1

#: Stale requests rejected per transaction, and transactions per run of the periodic job: a
#: run takes a few hundred milliseconds at most, however large the backlog.
STALE_BATCH_SIZE = 20
STALE_MAX_BATCHES = 10


def _locked(queryset: QuerySet[Reservation]) -> QuerySet[Reservation]:
    """Lock the reservation rows only (not the joined hotel and room type)."""
    return queryset.select_for_update(of=("self",)).select_related("hotel", "room_type")


def _access_reservation(*, reservation_id: int, by: AbstractBaseUser) -> Reservation:
    """The reservation, row-locked, if ``by`` manages its hotel (or is a superuser).

    Anyone else gets ``ReservationNotFound`` (404), as if it did not exist. Run inside a
    transaction: the lock lasts until it ends.
    """
    reservations = Reservation.objects.filter(pk=reservation_id)
    if not by.is_superuser:
        reservations = reservations.filter(hotel__in=hotel_ids_managed_by(user=by))
    reservation = _locked(reservations).first()
    if reservation is None:
        raise ReservationNotFound(reservation_id=reservation_id)
    return reservation


def _do_transition(
    reservation: Reservation,
    *,
    target: str,
    actor: str,
    at: datetime,
    by: AbstractBaseUser | None = None,
    note: str = "",
    update_fields: tuple[str, ...] = (),
) -> None:
    """Apply a status change to a locked reservation: save it and write its history row."""
    previous = reservation.transition_to(target)
    reservation.save(update_fields=["status", *update_fields])
    ReservationStatusChange.objects.create(
        reservation=reservation,
        from_status=previous,
        to_status=target,
        actor=actor,
        by=by,
        note=note,
        changed_at=at,
    )


def _release_rooms(reservation: Reservation) -> None:
    rooms_release(
        room_type_id=reservation.room_type_id,
        check_in=reservation.check_in,
        check_out=reservation.check_out,
        rooms=ROOMS_PER_BOOKING,
    )


def reservation_request_from_order(
    *,
    order_id: int,
    order_reference: str = "",
    guest_id: int,
    guest_name: str = "",
    hotel_id: int,
    room_type_id: int,
    check_in: date,
    check_out: date,
    guests: int,
    total_krw: int,
    cancellation_terms: CancellationTerms | None = None,
) -> tuple[Reservation, bool]:
    """One paid order as a reservation request (see ``reservations_request_from_orders``),
    booked under ``cancellation_terms`` (``None``: an order placed before bookings kept
    their terms, charged by the policy of the day it is cancelled)."""
    terms = cancellation_terms
    order = PaidOrder(
        order_id=order_id,
        order_reference=order_reference,
        guest_id=guest_id,
        guest_name=guest_name,
        hotel_id=hotel_id,
        room_type_id=room_type_id,
        check_in=check_in,
        check_out=check_out,
        guests=guests,
        total_krw=total_krw,
        terms_free_until=None if terms is None else terms.free_until,
        terms_fee_percent=None if terms is None else terms.fee_percent,
        terms_no_refund_from=None if terms is None else terms.no_refund_from,
        terms_summary="" if terms is None else terms.summary,
    )
    return reservations_request_from_orders(orders=[order])[0]


def reservations_request_from_orders(
    *, orders: Sequence[PaidOrder]
) -> list[tuple[Reservation, bool]]:
    """Turn paid orders into reservation requests; publish ``ReservationRequested`` for each.

    Idempotent: ``order_id`` is unique, so an order requested before (an event delivered
    again, or a racing caller) gets its existing reservation with ``False`` and publishes
    nothing; a new one comes with ``True``. The orders' rooms were held when they were placed;
    they stay held while requested. A constant number of statements, however many orders.

    Raises ``ReservationsError`` (and writes nothing) if an order names a room type that does
    not exist or is not of its hotel.
    """
    if not orders:
        return []
    room_types = {
        room_type.pk: room_type
        for room_type in room_types_with_hotels(
            room_type_ids={order.room_type_id for order in orders}
        )
    }
    for order in orders:
        _check_room_type_of_hotel(room_types.get(order.room_type_id), order)
    # Checked before writing anything, so the writes need no savepoint of their own inside a
    # caller's transaction (the worker's, a round trip each way saved): an error there is the
    # caller's to roll back.
    with transaction.atomic(savepoint=False):
        now = timezone.now()
        # One statement settles "requested before?" for every order: the insert leaves out
        # the orders that have a reservation already.
        written = rows_insert(
            [
                Reservation(
                    order_id=order.order_id,
                    order_reference=order.order_reference,
                    guest_id=order.guest_id,
                    guest_name=order.guest_name[:100],
                    hotel_id=order.hotel_id,
                    room_type=room_types[order.room_type_id],
                    check_in=order.check_in,
                    check_out=order.check_out,
                    guests=order.guests,
                    total_krw=order.total_krw,
                    terms_free_until=order.terms_free_until,
                    terms_fee_percent=order.terms_fee_percent,
                    terms_no_refund_from=order.terms_no_refund_from,
                    terms_summary=order.terms_summary[:300],
                    requested_at=now,
                    decision_deadline=_decision_deadline(
                        room_types[order.room_type_id], order, now
                    ),
                )
                for order in orders
            ],
            unless_exists="order_id",
        )
        rows_insert(
            [
                ReservationStatusChange(
                    reservation=reservation,
                    from_status="",
                    to_status=ReservationStatus.REQUESTED,
                    actor=Actor.SYSTEM,
                    note=f"Order {reservation.order_reference or reservation.order_id} paid.",
                    changed_at=now,
                )
                for reservation in written
            ]
        )
        publish_all(
            [(_requested_event(reservation), str(reservation.order_id)) for reservation in written]
        )
        new = {reservation.order_id: reservation for reservation in written}
        earlier = Reservation.objects.in_bulk(
            [order.order_id for order in orders if order.order_id not in new],
            field_name="order_id",
        )
    return [
        (new[order.order_id], True) if order.order_id in new else (earlier[order.order_id], False)
        for order in orders
    ]


def _decision_deadline(room_type: RoomType, order: PaidOrder, requested_at: datetime) -> datetime:
    hotel = room_type.hotel
    return decision_deadline(
        requested_at=requested_at,
        check_in=order.check_in,
        time_zone=hotel.time_zone,
        hours=hotel.request_deadline_hours,
    )


def _check_room_type_of_hotel(room_type: RoomType | None, order: PaidOrder) -> None:
    if room_type is None:
        raise RoomTypeNotFound(room_type_id=order.room_type_id)
    if room_type.hotel_id != order.hotel_id:
        raise ReservationsError(
            ReservationsErrorCode.ROOM_TYPE_NOT_FOUND,
            f"Room type {order.room_type_id} is not a room type of hotel {order.hotel_id}.",
            details={"field": "room_type_id", "hotel_id": order.hotel_id},
            http_status=404,
        )


def _requested_event(reservation: Reservation) -> ReservationRequested:
    room_type = reservation.room_type
    return ReservationRequested(
        reservation_id=reservation.pk,
        order_id=reservation.order_id,
        guest_id=reservation.guest_id,
        hotel_id=reservation.hotel_id,
        hotel_name=room_type.hotel.name,
        room_type_id=room_type.pk,
        room_type_name=room_type.name,
        check_in=reservation.check_in,
        check_out=reservation.check_out,
        guests=reservation.guests,
        requested_at=reservation.requested_at,
    )


def reservation_confirm(*, reservation_id: int, by: AbstractBaseUser) -> Reservation:
    """A hotelier of the reservation's hotel (or a superuser) confirms a requested reservation.

    Raises ``ReservationNotFound`` (404) for a reservation ``by`` may not act on and
    ``IllegalReservationTransition`` (409) unless it is requested (e.g. already cancelled).
    Locks: the reservation row, until the transaction ends.
    """
    with transaction.atomic():
        reservation = _access_reservation(reservation_id=reservation_id, by=by)
        now = timezone.now()
        reservation.decided_at = now
        reservation.decided_by = by
        _do_transition(
            reservation,
            target=ReservationStatus.CONFIRMED,
            actor=Actor.HOTEL,
            by=by,
            at=now,
            update_fields=("decided_at", "decided_by"),
        )
        publish(
            ReservationConfirmed(
                reservation_id=reservation.pk,
                order_id=reservation.order_id,
                guest_id=reservation.guest_id,
                hotel_id=reservation.hotel_id,
                confirmed_at=now,
            ),
            correlation_id=str(reservation.order_id),
        )
        return reservation


def reservation_reject(*, reservation_id: int, by: AbstractBaseUser, reason: str) -> Reservation:
    """A hotelier turns a requested reservation down: its rooms are released, and
    ``ReservationRejected`` tells payments to refund in full and orders to mark it rejected.

    ``reason`` is required (400 ``rejection_reason_required``, ``details["field"] ==
    "reason"``). Otherwise as ``reservation_confirm``: 404 out of scope, 409 unless requested.
    Locks: the reservation row, then its stay's room nights (``rooms_release``).
    """
    reason = reason.strip()
    if not reason:
        raise ReservationsError(
            ReservationsErrorCode.REJECTION_REASON_REQUIRED,
            "Tell the guest why the reservation is rejected.",
            details={"field": "reason"},
            http_status=400,
        )
    with transaction.atomic():
        reservation = _access_reservation(reservation_id=reservation_id, by=by)
        _do_reject(reservation, reason=reason, actor=Actor.HOTEL, by=by, at=timezone.now())
        return reservation


def _do_reject(
    reservation: Reservation,
    *,
    reason: str,
    actor: str,
    by: AbstractBaseUser | None,
    at: datetime,
) -> None:
    """Reject a locked reservation: the one path of a hotelier's rejection and the system's.

    Records the reason, releases the rooms and publishes ``ReservationRejected`` (orders marks
    the order rejected, payments refunds in full, the guest is told why).
    """
    reservation.rejection_reason = reason
    reservation.decided_at = at
    reservation.decided_by = by
    _do_transition(
        reservation,
        target=ReservationStatus.REJECTED,
        actor=actor,
        by=by,
        at=at,
        note=reason,
        update_fields=("rejection_reason", "decided_at", "decided_by"),
    )
    _release_rooms(reservation)
    publish(
        ReservationRejected(
            reservation_id=reservation.pk,
            order_id=reservation.order_id,
            guest_id=reservation.guest_id,
            hotel_id=reservation.hotel_id,
            reason=reason,
            rejected_at=at,
        ),
        correlation_id=str(reservation.order_id),
    )


def reservations_reject_stale(
    *, batch_size: int = STALE_BATCH_SIZE, max_batches: int = STALE_MAX_BATCHES
) -> list[int]:
    """Reject every requested reservation whose decision deadline has passed; their ids.

    The hotel's silence ends like a hotelier's rejection (``_do_reject``), by the system, with
    ``UNANSWERED_REQUEST_REASON``: rooms released, full refund, the guest told why. One log
    line per rejection. The worker runs it as a periodic job.

    Safe with several workers and with hoteliers deciding at the same moment: each batch is
    claimed in its own transaction with ``SELECT ... FOR UPDATE SKIP LOCKED`` (a row another
    transaction holds, say a hotelier's confirmation, is left for a later run), and the
    status and deadline are checked again under the lock. A hotelier's confirmation that got
    the row first wins (the row is no longer requested); one that waits on this lock finds it
    rejected and gets a 409. So a request is never both confirmed and rejected, and never
    rejected twice. A hotelier may still decide a request past its deadline until this runs.

    Bounded per run (``max_batches`` of ``batch_size``), so the worker's event rounds wait
    little; a backlog (the worker was down) drains over the next runs, soonest deadline first.
    A reservation whose rejection raises is logged, rolled back alone (a savepoint) and left
    for the next run, so it never holds back the others.
    """
    rejected: list[int] = []
    failed: list[int] = []
    for _ in range(max_batches):
        batch_rejected: list[Reservation] = []
        with transaction.atomic():
            now = timezone.now()
            due = list(
                Reservation.objects.filter(
                    status=ReservationStatus.REQUESTED, decision_deadline__lte=now
                )
                .exclude(pk__in=failed)
                .order_by("decision_deadline", "id")
                .select_for_update(of=("self",), skip_locked=True)
                .select_related("hotel", "room_type")[:batch_size]
            )
            for reservation in due:
                if not _still_open_and_overdue(reservation, now=now):
                    continue  # decided meanwhile (the claim's filter read an older row)
                if _reject_unanswered(reservation, now=now):
                    batch_rejected.append(reservation)
                else:
                    failed.append(reservation.pk)
        for reservation in batch_rejected:  # committed: now it may be said
            with correlation_context(reservation.order_id):
                logger.info(
                    "reservation %s (order %s, hotel %s) rejected automatically: not decided "
                    "by its deadline %s",
                    reservation.pk,
                    reservation.order_id,
                    reservation.hotel_id,
                    reservation.decision_deadline.isoformat(),
                )
            rejected.append(reservation.pk)
        if len(due) < batch_size:
            break
    return rejected


def _still_open_and_overdue(reservation: Reservation, *, now: datetime) -> bool:
    """The check under the row lock, whatever the claim's filter read."""
    deadline = reservation.decision_deadline
    return (
        reservation.status == ReservationStatus.REQUESTED
        and deadline is not None
        and deadline <= now
    )


def _reject_unanswered(reservation: Reservation, *, now: datetime) -> bool:
    """Reject one locked, overdue request (in a savepoint); ``False`` if that raised."""
    with correlation_context(reservation.order_id):
        try:
            with transaction.atomic():
                _do_reject(
                    reservation,
                    reason=UNANSWERED_REQUEST_REASON,
                    actor=Actor.SYSTEM,
                    by=None,
                    at=now,
                )
        except Exception:
            logger.exception(
                "reservation %s (order %s): automatic rejection failed; retried next run",
                reservation.pk,
                reservation.order_id,
            )
            return False
        return True


def reservation_cancel_for_order(
    *,
    order_id: int,
    reason: str,
    cancelled_at: datetime,
    cancelled_by: str = Actor.GUEST,
) -> Cancellation | None:
    """The order was cancelled: cancel its reservation, record the fee, release the rooms.

    The fee comes from the cancellation terms the stay was booked under (kept on the
    reservation), at ``cancelled_at`` (when the guest cancelled, not when this runs), so a
    policy changed since does not touch it; a reservation booked before bookings kept their
    terms is charged by the policy as it stands, on the hotel's local date of
    ``cancelled_at``. The fee is stored on the ``Cancellation``; ``ReservationCancelled``
    carries it so payments refunds the rest.

    Idempotent: a reservation already cancelled returns its cancellation and nothing else
    happens (no second release, no second event). A rejected reservation is left as it is
    and ``None`` returned: its rooms were released and its refund is in full already. Raises
    ``ReservationNotFound`` when the order has no reservation (so the delivery retries).
    Locks: the reservation row, then its stay's room nights.
    """
    if timezone.is_naive(cancelled_at):
        raise ValueError("cancelled_at must be an aware datetime")
    with transaction.atomic():
        reservation = _locked(Reservation.objects.filter(order_id=order_id)).first()
        if reservation is None:
            raise ReservationNotFound(order_id=order_id)
        if reservation.status == ReservationStatus.CANCELLED:
            return Cancellation.objects.get(reservation=reservation)
        if reservation.status == ReservationStatus.REJECTED:
            logger.info(
                "order %s cancelled after its reservation %s was rejected: nothing to do",
                order_id,
                reservation.pk,
            )
            return None
        quote = _cancellation_quote(reservation, at=cancelled_at)
        _do_transition(
            reservation,
            target=ReservationStatus.CANCELLED,
            actor=cancelled_by,
            at=timezone.now(),
            note=reason,
        )
        cancellation = Cancellation.objects.create(
            reservation=reservation,
            cancelled_by=cancelled_by,
            reason=reason,
            fee_krw=quote.fee_krw,
            refund_krw=quote.refund_krw,
            policy_summary=quote.policy_summary[:300],
            cancelled_at=cancelled_at,
        )
        _release_rooms(reservation)
        publish(
            ReservationCancelled(
                reservation_id=reservation.pk,
                order_id=order_id,
                guest_id=reservation.guest_id,
                hotel_id=reservation.hotel_id,
                cancellation_id=cancellation.pk,
                fee_krw=cancellation.fee_krw,
                refund_krw=cancellation.refund_krw,
                reason=reason,
                cancelled_at=cancelled_at,
            ),
            correlation_id=str(order_id),
        )
        return cancellation


def _cancellation_quote(reservation: Reservation, *, at: datetime) -> CancellationQuote:
    """What cancelling ``reservation`` at ``at`` costs: by its booked terms, or (booked before
    reservations kept them) by its room type's policy as it stands."""
    if reservation.terms_free_until is None:
        return cancellation_quote_build(
            policy=cancellation_policy_for(room_type=reservation.room_type),
            check_in=reservation.check_in,
            total_krw=reservation.total_krw,
            on=reservation.hotel.local_date(at),
        )
    terms = booked_cancellation_terms(
        free_until=reservation.terms_free_until,
        fee_percent=reservation.terms_fee_percent or 0,
        no_refund_from=reservation.terms_no_refund_from,
        summary=reservation.terms_summary,
        time_zone=reservation.hotel.time_zone,
        total_krw=reservation.total_krw,
    )
    return cancellation_quote_under_terms(terms=terms, total_krw=reservation.total_krw, at=at)
