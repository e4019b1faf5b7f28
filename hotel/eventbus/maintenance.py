"""Operator actions on the outbox: status figures, replay of dead deliveries, purge, renames."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Exists, Min, OuterRef, Q
from django.utils import timezone

from hotel.eventbus.models import Delivery

PENDING = Delivery.State.PENDING
DONE = Delivery.State.DONE
DEAD = Delivery.State.DEAD


@dataclass(frozen=True)
class HandlerBacklog:
    handler: str
    pending: int
    in_flight: int
    blocked: int
    dead: int
    oldest_pending_age_seconds: float | None


@dataclass(frozen=True)
class OutboxStatus:
    by_state: dict[str, int]
    in_flight: int
    blocked: int
    handlers: list[HandlerBacklog]
    lag_sample_size: int
    lag_p50_ms: float | None
    lag_p95_ms: float | None
    lag_p99_ms: float | None

    @property
    def backlog(self) -> int:
        return self.by_state.get(PENDING, 0)

    @property
    def oldest_pending_age_seconds(self) -> float | None:
        ages = [h.oldest_pending_age_seconds for h in self.handlers if h.oldest_pending_age_seconds]
        return max(ages) if ages else None


def _held_back_by_dead() -> Exists:
    return Exists(
        Delivery.objects.filter(
            handler=OuterRef("handler"),
            aggregate_key=OuterRef("aggregate_key"),
            id__lt=OuterRef("id"),
            state=DEAD,
        )
    )


def outbox_status(*, lag_window: timedelta = timedelta(minutes=15), lag_sample: int = 5000):
    """Backlog by state and handler, what dead deliveries hold back, and recent lag.

    Lag is publish-to-handled: a done delivery's completion time minus its event's publish
    time, over the most recent ``lag_sample`` deliveries done within ``lag_window``.
    """
    now = timezone.now()
    by_state = {
        row["state"]: row["n"]
        for row in Delivery.objects.values("state").annotate(n=Count("id")).order_by()
    }
    open_rows = Delivery.objects.exclude(state=DONE)
    per_handler = (
        open_rows.values("handler")
        .annotate(
            pending=Count("id", filter=Q(state=PENDING)),
            in_flight=Count("id", filter=Q(state=PENDING, leased_until__gt=now)),
            dead=Count("id", filter=Q(state=DEAD)),
            oldest=Min("created_at", filter=Q(state=PENDING)),
        )
        .order_by("handler")
    )
    blocked_by_handler = dict(
        Delivery.objects.filter(state=PENDING)
        .filter(_held_back_by_dead())
        .values_list("handler")
        .annotate(n=Count("id"))
        .order_by()
    )
    handlers = [
        HandlerBacklog(
            handler=row["handler"],
            pending=row["pending"],
            in_flight=row["in_flight"],
            blocked=blocked_by_handler.get(row["handler"], 0),
            dead=row["dead"],
            oldest_pending_age_seconds=(now - row["oldest"]).total_seconds()
            if row["oldest"]
            else None,
        )
        for row in per_handler
    ]
    lags = [
        (completed - created).total_seconds() * 1000
        for created, completed in Delivery.objects.filter(
            state=DONE, completed_at__gte=now - lag_window
        )
        .order_by("-completed_at")
        .values_list("created_at", "completed_at")[:lag_sample]
    ]
    return OutboxStatus(
        by_state={state: by_state.get(state, 0) for state in Delivery.State.values},
        in_flight=sum(h.in_flight for h in handlers),
        blocked=sum(blocked_by_handler.values()),
        handlers=handlers,
        lag_sample_size=len(lags),
        lag_p50_ms=_percentile(lags, 50),
        lag_p95_ms=_percentile(lags, 95),
        lag_p99_ms=_percentile(lags, 99),
    )


def _percentile(values: list[float], pct: int) -> float | None:
    """Nearest-rank percentile: an observed value, and never smaller for a higher ``pct``
    (interpolating between nearly equal floats could make p50 exceed p95 by a rounding)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def replay_dead(*, delivery_ids: list[int] | None = None, handler: str | None = None) -> int:
    """Give dead deliveries a fresh set of attempts, due now. Returns how many.

    What they held back (later deliveries of their aggregate to their handler) follows them.
    """
    rows = Delivery.objects.filter(state=DEAD)
    if delivery_ids is not None:
        rows = rows.filter(id__in=delivery_ids)
    if handler is not None:
        rows = rows.filter(handler=handler)
    return rows.update(state=PENDING, attempts=0, available_at=timezone.now())


def purge_done(*, older_than: timedelta | None = None, batch_size: int | None = None) -> int:
    """Delete done deliveries completed before the retention, in bounded batches.

    Pending and dead deliveries are never touched. Events stay: they are the history that
    projections are rebuilt from.
    """
    options = settings.OUTBOX
    retention = (
        older_than if older_than is not None else timedelta(hours=options["RETENTION_HOURS"])
    )
    batch = batch_size or options["PURGE_BATCH_SIZE"]
    cutoff = timezone.now() - retention
    removed = 0
    while True:
        with transaction.atomic():
            ids = list(
                Delivery.objects.filter(state=DONE, completed_at__lt=cutoff)
                .order_by("completed_at")
                .values_list("id", flat=True)[:batch]
            )
            if not ids:
                return removed
            removed += Delivery.objects.filter(id__in=ids, state=DONE).delete()[0]


def rename_handler(*, old: str, new: str) -> int:
    """Move the open deliveries of a renamed handler to its new name. Returns how many."""
    return Delivery.objects.exclude(state=DONE).filter(handler=old).update(handler=new)


def discard_handler(*, name: str) -> int:
    """Mark a removed handler's open deliveries done (nothing handles them any more)."""
    return (
        Delivery.objects.exclude(state=DONE)
        .filter(handler=name)
        .update(
            state=DONE,
            completed_at=timezone.now(),
            last_error=f"discarded: handler {name!r} was removed",
            lease_token=None,
            leased_until=None,
        )
    )


#: What the worker logs at start, and ``outbox status`` prints, when autovacuum is off.
AUTOVACUUM_OFF_WARNING = (
    "PostgreSQL's autovacuum is off: every handled delivery leaves dead index entries in "
    "eventbus_delivery, lookups slow down as they pile up, and the outbox lag grows within "
    "minutes under load. Turn it on (autovacuum = on; docs/operations.md)."
)


def autovacuum_is_off() -> bool:
    """Whether the database server runs without autovacuum (always False on SQLite).

    The outbox's tables depend on it: a delivery's state change moves its row between partial
    indexes, so it is never a HOT update, and ``eventbus.0002`` gives the table tighter
    autovacuum thresholds that only apply while autovacuum runs.
    """
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        return cursor.fetchone()[0] != "on"
