"""The mypage projection: each order's events folded into one ``MypageEntry`` and its timeline.

Built only from events (never from another context's tables). The live handler
(``customer.mypage``, a batch handler), ``manage.py rebuild_mypage`` and the notifier's
catch-up run the same ``mypage_apply_batch``, so a rebuild from the stored events reproduces
the live rows.

Rules that make it safe to run again and in a surprising order:

- An event is applied at most once: its timeline row is unique per event id, and an event
  whose row exists (read under the entry's row lock) is skipped whole.
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
import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Q

from apps.customer.models import (
    MypageEntry,
    MypageStatus,
    MypageTimelineEntry,
    NotificationKind,
)
from apps.customer.queries import entries_locked, events_applied
from apps.orders.events import OrderCancelled, OrderPlaced
from apps.payments.events import PaymentApproved, PaymentRefunded
from apps.reservations.events import (
    ReservationCancelled,
    ReservationConfirmed,
    ReservationRejected,
    ReservationRequested,
)
from hotel.bulk_rows import rows_insert, rows_update
from hotel.eventbus import Batch, Event, EventMeta
from hotel.eventbus.models import StoredEvent

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

    ``mypage_apply_batch`` with one item (same preconditions).
    """
    return mypage_apply_batch(items=[(event, meta)])[0]


def mypage_apply_batch(*, items: Batch) -> list[bool]:
    """Fold ``items`` into their orders' entries, in the order given; for each item, whether it
    was applied now (``False``: applied before).

    Precondition: runs inside the caller's transaction (the worker's, the rebuild's, the
    notifier's catch-up) and keeps the row locks it takes until that commits. The entries of
    all the items' orders are locked first, in one ``SELECT ... FOR UPDATE`` in order_id order
    (a fixed order, so two batches sharing orders never lock them in opposite orders), and only
    then is it read which events have a timeline row already: under the lock that answer stays
    true until commit, so an event is never applied twice.

    The items' events are then applied in memory with the same per-type rules as always, several
    events of one order in turn to the same entry, and written in a number of statements that
    does not grow with the batch: new entries in one INSERT, timeline rows in one, changed
    entries in one UPDATE (five statements at most, see ``hotel.bulk_rows``).

    Two transactions may both find an order's entry missing and create it (two workers, or a
    worker and the notifier's catch-up). The entry's INSERT does nothing for an order_id that
    is there already (it waits for the other transaction, PostgreSQL then sees its committed
    row); that order's events are then applied again to the entry as it now is, read under
    lock like the others. So the race costs a few statements, not an error.
    """
    if not items:
        return []
    appliers = [_applier(event, meta) for event, meta in items]
    order_ids = sorted({_order_id(event) for event, _ in items})
    entries = {entry.order_id: entry for entry in entries_locked(order_ids=order_ids)}
    done_before = events_applied(event_ids=[meta.event_id for _, meta in items])
    new: dict[int, MypageEntry] = {}
    changed: dict[int, MypageEntry] = {}
    applied: list[tuple[int, MypageEntry, EventMeta, Change]] = []
    for position, ((event, meta), apply) in enumerate(zip(items, appliers, strict=True)):
        if meta.event_id in done_before:
            continue
        done_before.add(meta.event_id)  # the same event twice in one list applies once
        order_id = _order_id(event)
        occurred_at = _occurred_at(event, meta)
        entry = entries.get(order_id)
        if entry is None:
            # The first event seen for this order (normally its OrderPlaced).
            entry = entries[order_id] = new[order_id] = MypageEntry(
                order_id=order_id,
                status=S.PAID,
                booked_at=occurred_at,
                last_sequence=meta.sequence,
                updated_at=occurred_at,
            )
        elif order_id not in new:
            changed[order_id] = entry
        change = apply(entry, event, occurred_at)
        if meta.sequence >= entry.last_sequence:
            entry.last_sequence = meta.sequence
            entry.updated_at = occurred_at
        applied.append((position, entry, meta, change))

    created = rows_insert([new[order_id] for order_id in sorted(new)], unless_exists="order_id")
    lost = set(new) - {entry.order_id for entry in created}
    rows_insert(
        [
            _timeline_row(entry, meta, change)
            for _, entry, meta, change in applied
            if entry.order_id not in lost
        ]
    )
    rows_update(list(changed.values()), fields=_ENTRY_COLUMNS)

    outcome = [False] * len(items)
    redo = []
    for position, entry, _, _ in applied:
        if entry.order_id in lost:
            redo.append(position)
        else:
            outcome[position] = True
    if redo:
        # Created meanwhile by another transaction, which has committed: apply these events
        # to that entry (they now find it, so this goes no deeper).
        again = mypage_apply_batch(items=[items[position] for position in redo])
        for position, was_applied in zip(redo, again, strict=True):
            outcome[position] = was_applied
    return outcome


def mypage_catch_up(*, event_ids: Collection[uuid.UUID]) -> None:
    """Apply these stored events now, each after every earlier event of its aggregate (its
    order) that is not applied yet, in outbox order; in a transaction of its own.

    For the notifier, which may reach a message event before the projection's own delivery
    has (see ``apps.customer.handlers``). The result is the one the live handler would reach:
    the same function applies the same events in the same order, and the projection's
    deliveries then find them applied. Ids of events not stored (or of a type the projection
    does not fold) are passed over.
    """
    types = [cls.event_type for cls in MYPAGE_EVENT_TYPES]
    with transaction.atomic():
        targets = StoredEvent.objects.filter(event_id__in=event_ids, event_type__in=types)
        last: dict[tuple[str, str], int] = {}
        for aggregate_type, aggregate_id, sequence in targets.values_list(
            "aggregate_type", "aggregate_id", "id"
        ):
            key = (aggregate_type, aggregate_id)
            last[key] = max(sequence, last.get(key, 0))
        if not last:
            return
        story = Q()
        for (aggregate_type, aggregate_id), sequence in last.items():
            story |= Q(aggregate_type=aggregate_type, aggregate_id=aggregate_id, id__lte=sequence)
        stored_events = StoredEvent.objects.filter(story, event_type__in=types).order_by("id")
        mypage_apply_batch(items=[(stored.event(), stored.meta) for stored in stored_events])


def mypage_rebuild(*, chunk_size: int = 500) -> tuple[int, int]:
    """Empty the projection and replay every stored event it folds, in outbox order.

    One transaction: readers see the old rows until the new ones commit. On PostgreSQL the
    tables are locked against the live handler meanwhile (it waits, then finds its events
    already applied). The events go through ``mypage_apply_batch`` ``chunk_size`` at a time
    (several of one order in a chunk apply in turn, as one by one). Sends nothing: messages
    leave only from the ``customer.notify`` handler's deliveries, which a rebuild neither
    creates nor re-runs. Returns (events, entries).
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
        chunk: list[tuple[Event, EventMeta]] = []
        for stored in stored_events:
            chunk.append((stored.event(), stored.meta))
            if len(chunk) == chunk_size:
                replayed += len(mypage_apply_batch(items=chunk))
                chunk = []
        replayed += len(mypage_apply_batch(items=chunk))
        entries = MypageEntry.objects.count()
    return replayed, entries


#: What an event may change on an entry: every column but the keys.
_ENTRY_COLUMNS = [
    field.name
    for field in MypageEntry._meta.concrete_fields
    if not field.primary_key and field.name != "order_id"
]


def _applier(
    event: Event, meta: EventMeta
) -> Callable[[MypageEntry, Any, datetime.datetime], Change]:
    apply = _APPLIERS.get(type(event))
    if apply is None:
        raise TypeError(f"the mypage projection does not handle {meta.event_type}")
    return apply


def _order_id(event: Event) -> int:
    return int(event.order_id)  # type: ignore[attr-defined]


def _timeline_row(entry: MypageEntry, meta: EventMeta, change: Change) -> MypageTimelineEntry:
    return MypageTimelineEntry(
        entry_id=entry.pk,
        event_id=meta.event_id,
        event_type=meta.event_type,
        kind=change.kind,
        status=change.status,
        details=change.details,
        notify_kind=change.notify_kind,
        occurred_at=change.occurred_at,
        sequence=meta.sequence,
    )


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
    details: dict[str, Any] = {"total_krw": event.total_krw}
    if event.terms_free_until is not None:  # the cancellation terms booked under
        details["cancellation_terms"] = {
            "free_until": event.terms_free_until.isoformat(),
            "fee_percent": event.terms_fee_percent,
            "no_refund_from": None
            if event.terms_no_refund_from is None
            else event.terms_no_refund_from.isoformat(),
            "summary": event.terms_summary,
        }
    return Change(
        kind="booked",
        status=S.PAID,
        occurred_at=at,
        details=details,
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
