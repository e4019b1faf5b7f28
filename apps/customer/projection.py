"""The mypage projection: each order's events folded into one ``MypageEntry`` and its timeline.

Built only from events (never from another context's tables). The live handler
(``customer.mypage``) and ``manage.py rebuild_mypage`` run the same ``mypage_apply``, so a
rebuild from the stored events reproduces the live rows.

Rules that make it safe to run again and in a surprising order:

- An event is applied at most once: its timeline row is unique per event id, and an event
  whose row exists is skipped whole.
- A status never goes back. The overall status, the reservation status and the payment status
  each only move to a higher rank; a late, older event still gets its timeline row and fills in
  facts that are missing, but cannot undo a later change.
- An event may arrive before the entry's OrderPlaced (if events were ever misordered): it starts
  a partial entry that the OrderPlaced completes later.
- Whether a change sends the guest a message is decided here, once, when the event is applied
  (``MypageTimelineEntry.notify_kind``); the ``customer.notify`` handler only carries it out.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction

from apps.customer.models import (
    MypageEntry,
    MypageStatus,
    MypageTimelineEntry,
    NotificationKind,
)
from apps.orders.events import OrderCancelled, OrderPlaced
from apps.payments.events import PaymentApproved, PaymentRefunded
from apps.reservations.events import (
    ReservationCancelled,
    ReservationConfirmed,
    ReservationRejected,
    ReservationRequested,
)
from hotel.eventbus import Event, EventMeta
from hotel.eventbus.models import StoredEvent
from hotel.row_insert import row_insert

#: Every event type the projection folds, in the order a booking usually sees them.
MYPAGE_EVENT_TYPES: tuple[type[Event], ...] = (
    OrderPlaced,
    PaymentApproved,
    ReservationRequested,
    ReservationConfirmed,
    ReservationRejected,
    OrderCancelled,
    ReservationCancelled,
    PaymentRefunded,
)

#: The event types that may mean a message for the guest (``Change.notify_kind`` below); a
#: PaymentApproved, ReservationRequested or OrderCancelled never does.
MESSAGE_EVENT_TYPES: tuple[type[Event], ...] = (
    OrderPlaced,
    ReservationConfirmed,
    ReservationRejected,
    ReservationCancelled,
    PaymentRefunded,
)

S = MypageStatus
#: Overall statuses by how far along a booking is. Rejected and cancelled are both final
#: outcomes: whichever comes first stays (a refund may follow either).
STATUS_RANK = {S.PAID: 1, S.CONFIRMING: 2, S.CONFIRMED: 3, S.REJECTED: 4, S.CANCELLED: 4,
               S.REFUNDED: 5}  # fmt: skip
RESERVATION_RANK = {"": 0, "requested": 1, "confirmed": 2, "rejected": 3, "cancelled": 3}
PAYMENT_RANK = {"": 0, "approved": 1, "refunded": 2}


@dataclass
class Change:
    """What one event did to an entry, for its timeline row."""

    kind: str
    status: str
    occurred_at: datetime.datetime
    details: dict[str, Any] = field(default_factory=dict)
    notify_kind: str = ""


def mypage_apply(*, event: Event, meta: EventMeta) -> bool:
    """Fold one event into its order's entry; ``False`` when it was applied before.

    Runs inside the caller's transaction (the worker's, or the rebuild's) and takes the
    entry's row lock, so its effects commit with the delivery's ``done``.
    """
    apply = _APPLIERS.get(type(event))
    if apply is None:
        raise TypeError(f"the mypage projection does not handle {meta.event_type}")
    order_id = int(event.order_id)  # type: ignore[attr-defined]
    entry = MypageEntry.objects.select_for_update().filter(order_id=order_id).first()
    occurred_at = _occurred_at(event, meta)
    is_new = entry is None
    if is_new:
        # The first event seen for this order (normally its OrderPlaced).
        entry = MypageEntry(
            order_id=order_id,
            status=S.PAID,
            booked_at=occurred_at,
            last_sequence=meta.sequence,
            updated_at=occurred_at,
        )
    change = apply(entry, event, occurred_at)
    if meta.sequence >= entry.last_sequence:
        entry.last_sequence = meta.sequence
        entry.updated_at = occurred_at
    if is_new:
        # No timeline row can name an entry that did not exist: this event is new here.
        row_insert(entry)
    row = MypageTimelineEntry(
        entry=entry,
        event_id=meta.event_id,
        event_type=meta.event_type,
        kind=change.kind,
        status=change.status,
        details=change.details,
        notify_kind=change.notify_kind,
        occurred_at=change.occurred_at,
        sequence=meta.sequence,
    )
    # The timeline row is unique per event: when it is there already, the event was applied
    # before, and the entry (row-locked above) is left as it was.
    if row_insert(row, unless_exists="event_id") is None:
        return False
    if not is_new:
        entry.save()
    return True


def mypage_rebuild(*, chunk_size: int = 2000) -> tuple[int, int]:
    """Empty the projection and replay every stored event it folds, in outbox order.

    One transaction: readers see the old rows until the new ones commit. On PostgreSQL the
    tables are locked against the live handler meanwhile (it waits, then finds its events
    already applied). Sends nothing: messages leave only from the ``customer.notify`` handler's
    deliveries, which a rebuild neither creates nor re-runs. Returns (events, entries).
    """
    types = [cls.event_type for cls in MYPAGE_EVENT_TYPES]
    replayed = 0
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    f"LOCK TABLE {MypageEntry._meta.db_table}, "
                    f"{MypageTimelineEntry._meta.db_table} IN SHARE ROW EXCLUSIVE MODE"
                )
        with connection.cursor() as cursor:  # no cascade collection: plain deletes
            cursor.execute(f"DELETE FROM {MypageTimelineEntry._meta.db_table}")
            cursor.execute(f"DELETE FROM {MypageEntry._meta.db_table}")
        stored_events = (
            StoredEvent.objects.filter(event_type__in=types).order_by("id").iterator(chunk_size)
        )
        for stored in stored_events:
            mypage_apply(event=stored.event(), meta=stored.meta)
            replayed += 1
        entries = MypageEntry.objects.count()
    return replayed, entries


# --- one function per event type ------------------------------------------------------------


def _occurred_at(event: Event, meta: EventMeta) -> datetime.datetime:
    """The business time the event carries (placed, approved, confirmed...), else publication."""
    for name in ("placed_at", "approved_at", "requested_at", "confirmed_at", "rejected_at",
                 "cancelled_at"):  # fmt: skip
        value = getattr(event, name, None)
        if value is not None:
            return value
    return meta.occurred_at


def _advance(entry: MypageEntry, status: str) -> bool:
    """Move the overall status forward to ``status``; never back, never sideways."""
    if STATUS_RANK[status] > STATUS_RANK[entry.status]:
        entry.status = status
        return True
    return False


def _advance_reservation(entry: MypageEntry, status: str) -> bool:
    if RESERVATION_RANK[status] > RESERVATION_RANK[entry.reservation_status]:
        entry.reservation_status = status
        return True
    return False


def _advance_payment(entry: MypageEntry, status: str) -> bool:
    if PAYMENT_RANK[status] > PAYMENT_RANK[entry.payment_status]:
        entry.payment_status = status
        return True
    return False


def _fill_stay(entry: MypageEntry, event: OrderPlaced | ReservationRequested) -> None:
    """Facts of the stay that never change; a partial entry takes them from whichever event
    carries them first."""
    entry.guest_id = entry.guest_id or event.guest_id
    entry.hotel_id = entry.hotel_id or event.hotel_id
    entry.hotel_name = entry.hotel_name or event.hotel_name
    entry.room_type_id = entry.room_type_id or event.room_type_id
    entry.room_type_name = entry.room_type_name or event.room_type_name
    entry.check_in = entry.check_in or event.check_in
    entry.check_out = entry.check_out or event.check_out
    entry.guests = entry.guests or event.guests
    if entry.nights is None:
        entry.nights = (event.check_out - event.check_in).days


def _order_placed(entry: MypageEntry, event: OrderPlaced, at: datetime.datetime) -> Change:
    nothing_visible_yet = STATUS_RANK[entry.status] <= STATUS_RANK[S.CONFIRMING]
    entry.guest_id = event.guest_id
    entry.order_reference = event.order_reference
    entry.nights = event.nights
    entry.total_krw = event.total_krw
    entry.booked_at = event.placed_at
    entry.payment_method = entry.payment_method or event.payment_method
    _fill_stay(entry, event)
    _advance(entry, S.PAID)
    return Change(
        kind="booked",
        status=S.PAID,
        occurred_at=at,
        details={"total_krw": event.total_krw},
        notify_kind=NotificationKind.BOOKED if nothing_visible_yet else "",
    )


def _payment_approved(entry: MypageEntry, event: PaymentApproved, at: datetime.datetime) -> Change:
    entry.payment_id = event.payment_id
    entry.payment_method = event.method
    entry.masked_card_number = event.masked_card_number
    entry.paid_krw = event.amount_krw
    _advance_payment(entry, "approved")
    _advance(entry, S.PAID)
    return Change(
        kind="paid",
        status=S.PAID,
        occurred_at=at,
        details={
            "amount_krw": event.amount_krw,
            "method": event.method,
            "masked_card_number": event.masked_card_number,
        },
    )


def _reservation_requested(
    entry: MypageEntry, event: ReservationRequested, at: datetime.datetime
) -> Change:
    entry.reservation_id = event.reservation_id
    _fill_stay(entry, event)
    _advance_reservation(entry, "requested")
    _advance(entry, S.CONFIRMING)
    return Change(kind="requested", status=S.CONFIRMING, occurred_at=at)


def _reservation_confirmed(
    entry: MypageEntry, event: ReservationConfirmed, at: datetime.datetime
) -> Change:
    entry.reservation_id = event.reservation_id
    entry.guest_id = entry.guest_id or event.guest_id
    _advance_reservation(entry, "confirmed")
    # A confirmation that crossed the guest's cancellation is history, not news.
    advanced = _advance(entry, S.CONFIRMED)
    return Change(
        kind="confirmed",
        status=S.CONFIRMED,
        occurred_at=at,
        notify_kind=NotificationKind.CONFIRMED if advanced else "",
    )


def _reservation_rejected(
    entry: MypageEntry, event: ReservationRejected, at: datetime.datetime
) -> Change:
    entry.reservation_id = event.reservation_id
    entry.guest_id = entry.guest_id or event.guest_id
    if _advance_reservation(entry, "rejected"):
        entry.rejection_reason = event.reason
    advanced = _advance(entry, S.REJECTED)
    return Change(
        kind="rejected",
        status=S.REJECTED,
        occurred_at=at,
        details={"reason": event.reason},
        notify_kind=NotificationKind.REJECTED if advanced else "",
    )


def _order_cancelled(entry: MypageEntry, event: OrderCancelled, at: datetime.datetime) -> Change:
    entry.guest_id = entry.guest_id or event.guest_id
    entry.hotel_id = entry.hotel_id or event.hotel_id
    entry.room_type_id = entry.room_type_id or event.room_type_id
    entry.check_in = entry.check_in or event.check_in
    entry.check_out = entry.check_out or event.check_out
    entry.total_krw = entry.total_krw if entry.total_krw is not None else event.total_krw
    entry.cancellation_reason = entry.cancellation_reason or event.reason
    _advance(entry, S.CANCELLED)
    entry.cancelled_at = entry.cancelled_at or event.cancelled_at
    # The guest hears about the cancellation once the hotel side has settled the fee
    # (ReservationCancelled), so this step sends nothing.
    return Change(
        kind="cancellation_requested",
        status=S.CANCELLED,
        occurred_at=at,
        details={"reason": event.reason},
    )


def _reservation_cancelled(
    entry: MypageEntry, event: ReservationCancelled, at: datetime.datetime
) -> Change:
    entry.reservation_id = event.reservation_id
    entry.guest_id = entry.guest_id or event.guest_id
    newly_cancelled = _advance_reservation(entry, "cancelled")
    if newly_cancelled:
        entry.cancellation_fee_krw = event.fee_krw
        entry.refund_due_krw = event.refund_krw
        entry.cancellation_reason = entry.cancellation_reason or event.reason
    entry.cancelled_at = entry.cancelled_at or event.cancelled_at
    _advance(entry, S.CANCELLED)
    return Change(
        kind="cancelled",
        status=S.CANCELLED,
        occurred_at=at,
        details={"fee_krw": event.fee_krw, "refund_krw": event.refund_krw, "reason": event.reason},
        notify_kind=NotificationKind.CANCELLED if newly_cancelled else "",
    )


def _payment_refunded(entry: MypageEntry, event: PaymentRefunded, at: datetime.datetime) -> Change:
    entry.payment_id = entry.payment_id or event.payment_id
    more = event.refunded_total_krw > entry.refunded_krw
    if more:
        entry.refunded_krw = event.refunded_total_krw
    _advance_payment(entry, "refunded")
    _advance(entry, S.REFUNDED)
    return Change(
        kind="refunded",
        status=S.REFUNDED,
        occurred_at=at,
        details={
            "amount_krw": event.amount_krw,
            "refunded_total_krw": event.refunded_total_krw,
            "fully_refunded": event.fully_refunded,
            "reason": event.reason,
        },
        notify_kind=NotificationKind.REFUNDED if more else "",
    )


_APPLIERS: dict[type[Event], Callable[[MypageEntry, Any, datetime.datetime], Change]] = {
    OrderPlaced: _order_placed,
    PaymentApproved: _payment_approved,
    ReservationRequested: _reservation_requested,
    ReservationConfirmed: _reservation_confirmed,
    ReservationRejected: _reservation_rejected,
    OrderCancelled: _order_cancelled,
    ReservationCancelled: _reservation_cancelled,
    PaymentRefunded: _payment_refunded,
}
