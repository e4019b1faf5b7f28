"""The outbox worker: claims pending deliveries under a lease and hands them to their handlers.

One round is two transactions:

1. **Claim** (short): lock up to ``BATCH_SIZE`` claimable deliveries with ``FOR UPDATE SKIP
   LOCKED`` (other workers skip them instead of waiting) and stamp them with this round's lease
   token and expiry. Claimable means pending, due (not in backoff), not under a live lease, and
   the *head* of its (handler, aggregate) queue: no earlier delivery of the same aggregate to the
   same handler is still open. That keeps each aggregate's events in publication order per
   handler, and lets a dead delivery hold back only its own aggregate. With room left, the
   claim adds the deliveries that follow each head in its queue (``_queue_runs``).
2. **Handle**: re-lock the batch *where the lease token is still ours* (a worker whose lease ran
   out and was taken over finds its rows gone and writes nothing), run each handler in a
   savepoint, and in the same transaction mark successes done and failures for retry or the
   dead letter; the rest of a failed delivery's queue in the round is given back unhandled. A
   crash anywhere rolls the handlers' effects back with the marks; the lease then expires and
   another worker takes the deliveries over. What the handlers publish in this transaction
   joins the round where it heads its queue (``_take_published``): a booking's chain of
   events is handled in one round, not one round per link.

A batch handler (``subscribe(..., batch=True)``) gets all of its deliveries in the round in one
call; every other handler gets one delivery per call.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import traceback
import uuid
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import F
from django.utils import timezone

from hotel.correlation import correlation_context
from hotel.eventbus.backpressure import LagReport, round_lag_seconds
from hotel.eventbus.delivery_sql import (
    EVENT_FIELDS,
    claim_heads_sql,
    lease_reading_events_sql,
    lease_sql,
    lock_leased_sql,
    mark_done_sql,
    queue_followers_sql,
    take_published_sql,
)
from hotel.eventbus.event_types import Event, EventMeta
from hotel.eventbus.models import Delivery, StoredEvent
from hotel.eventbus.publishing import Published, recording_publications
from hotel.eventbus.subscriptions import (
    dispatch,
    dispatch_batch,
    runs_in_transaction,
    subscribed_handler_names,
    takes_batches,
)
from hotel.eventbus.wakeup import Wakeup
from hotel.lookups import InArray
from hotel.periodic_jobs import PeriodicScheduler

logger = logging.getLogger("hotel.eventbus.worker")

PENDING = Delivery.State.PENDING
DONE = Delivery.State.DONE
DEAD = Delivery.State.DEAD

# How often a worker that has just worked or been notified claims again while nothing comes
# (see OutboxWorker._idle_wait).
AWAKE_POLL_SECONDS = 0.05


class _Heartbeat:
    """Touches ``settings.OUTBOX_HEARTBEAT_FILE`` (if set) at most once a second, from the
    worker's loop and before each handler run: the liveness probe reads the file's age."""

    def __init__(self) -> None:
        self._next = 0.0
        self._warned = False

    def beat(self) -> None:
        now = time.monotonic()
        if now < self._next:
            return
        self._next = now + 1.0
        path = getattr(settings, "OUTBOX_HEARTBEAT_FILE", "")
        if path:
            try:
                Path(path).touch()
            except OSError as exc:
                if not self._warned:
                    self._warned = True
                    logger.warning("cannot touch the heartbeat file %s: %s", path, exc)


_heartbeat = _Heartbeat()


# Outcomes of outside-transaction handlers are recorded in groups of this many, or this often.
_OUTSIDE_GROUP = 25
_OUTSIDE_GROUP_SECONDS = 5.0


class _FastPathFailed(Exception):
    """A handler failed in the savepoint-free fast path; the round is rolled back and rerun."""

    def __init__(self, delivery_ids: tuple[int, ...], error: str) -> None:
        super().__init__(delivery_ids)
        self.delivery_ids = delivery_ids
        self.error = error


class _Events:
    """A round's stored events, each decoded (upcast, structured) at most once."""

    def __init__(self, stored: dict[int, StoredEvent]) -> None:
        self._stored = stored
        self._decoded: dict[int, tuple[Event, EventMeta]] = {}

    def published_at(self, event_id: int) -> datetime:
        pair = self._decoded.get(event_id)
        return pair[1].occurred_at if pair else self._stored[event_id].occurred_at

    def add(self, published: Published) -> None:
        """An event this round's handlers published: handed on as it was published."""
        self._decoded[published.meta.sequence] = (published.event, published.meta)

    def decoded(self, event_id: int) -> tuple[Event, EventMeta]:
        pair = self._decoded.get(event_id)
        if pair is None:
            stored = self._stored[event_id]
            pair = self._decoded[event_id] = (stored.event(), stored.meta)
        return pair


class OrphanedDeliveries(RuntimeError):
    """Open deliveries name handlers that no code subscribes any more (renamed or removed)."""


@dataclass(frozen=True)
class ClaimedDelivery:
    id: int
    event_id: int
    handler: str
    attempts: int
    aggregate_key: str = ""

    @property
    def queue(self) -> tuple[str, str]:
        """The (handler, aggregate) queue it stands in; its deliveries are handled in id order."""
        return (self.handler, self.aggregate_key)


@dataclass(frozen=True)
class Claim:
    token: uuid.UUID
    deliveries: tuple[ClaimedDelivery, ...]
    claimed_at: datetime | None = None
    #: The deliveries' stored events by id, when the claim read them (PostgreSQL).
    events: dict[int, StoredEvent] | None = None


def handler_groups(deliveries: Sequence[ClaimedDelivery]) -> list[list[ClaimedDelivery]]:
    """The calls a round makes: a batch handler's deliveries together, in claim order (placed
    where its first one stands), and every other delivery alone."""
    groups: list[list[ClaimedDelivery]] = []
    batches: dict[str, list[ClaimedDelivery]] = {}
    for delivery in deliveries:
        if not takes_batches(delivery.handler):
            groups.append([delivery])
            continue
        group = batches.get(delivery.handler)
        if group is None:
            group = batches[delivery.handler] = []
            groups.append(group)
        group.append(delivery)
    return groups


def _ids(group: Sequence[ClaimedDelivery]) -> tuple[int, ...]:
    return tuple(delivery.id for delivery in group)


def _join(groups: list[list[ClaimedDelivery]], deliveries: Sequence[ClaimedDelivery]) -> None:
    """Add ``deliveries`` to the calls still to make: a batch handler's to its call (after
    what it holds, so each queue keeps its order), or as new calls at the end."""
    waiting = {group[0].handler: group for group in groups if takes_batches(group[0].handler)}
    for group in handler_groups(deliveries):
        existing = waiting.get(group[0].handler)
        if existing is None:
            groups.append(group)
        else:
            existing.extend(group)


@dataclass
class RoundResult:
    done: list[int] = field(default_factory=list)
    retried: list[int] = field(default_factory=list)
    dead: list[int] = field(default_factory=list)
    lost: list[int] = field(default_factory=list)
    released: list[int] = field(default_factory=list)
    #: How long the round's first-attempt deliveries had waited when claimed (median), seconds.
    lag_seconds: float = 0.0

    @property
    def handled(self) -> int:
        return len(self.done) + len(self.retried) + len(self.dead)


def retry_delay_seconds(attempts: int) -> float:
    """Exponential backoff with jitter: half fixed, half random ("equal jitter")."""
    options = settings.OUTBOX
    ceiling = min(
        options["BACKOFF_MAX_SECONDS"], options["BACKOFF_BASE_SECONDS"] * 2 ** (attempts - 1)
    )
    return ceiling / 2 + random.uniform(0, ceiling / 2)


def orphaned_handler_counts(*, using: str = "default") -> dict[str, int]:
    """Open deliveries per handler name that nothing subscribes."""
    known = subscribed_handler_names()
    rows = (
        Delivery.objects.using(using)
        .exclude(state=DONE)
        .values_list("handler")
        .order_by("handler")
        .distinct()
    )
    orphans = [name for (name,) in rows if name not in known]
    return {
        name: Delivery.objects.using(using).exclude(state=DONE).filter(handler=name).count()
        for name in orphans
    }


class OutboxWorker:
    def __init__(
        self,
        *,
        using: str = "default",
        batch_size: int | None = None,
        lease_seconds: float | None = None,
        name: str = "",
    ) -> None:
        options = settings.OUTBOX
        self.using = using
        self.batch_size = batch_size or options["BATCH_SIZE"]
        self.lease = timedelta(seconds=lease_seconds or options["LEASE_SECONDS"])
        self.max_attempts = options["MAX_ATTEMPTS"]
        self.linger_max = options["LINGER_MAX_SECONDS"]
        # Publishers NOTIFY at most once per interval (hotel/eventbus/publishing.py), so after
        # work or a notification the worker keeps looking for twice that long.
        self.awake_seconds = 2 * options["NOTIFY_INTERVAL_SECONDS"]
        self.name = name or f"worker-{uuid.uuid4().hex[:8]}"
        self._stop = threading.Event()
        self._relaxed_connection: object | None = None
        #: Handlers seen publishing events in a round (see ``_publishers_first``).
        self._publishers: set[str] = set()

    # --- lifecycle ---------------------------------------------------------------------------
    def request_stop(self) -> None:
        """Finish the delivery in hand, give the rest of the batch back, then stop."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def check_handlers(self) -> None:
        """Refuse to run while open deliveries name handlers that no code subscribes."""
        orphans = orphaned_handler_counts(using=self.using)
        if orphans:
            listing = ", ".join(f"{name!r} ({count} open)" for name, count in orphans.items())
            raise OrphanedDeliveries(
                f"open deliveries name handlers that are not subscribed: {listing}. "
                "A handler was renamed or removed; move its deliveries with "
                "'manage.py outbox rename-handler OLD NEW' or restore the old name."
            )

    # --- one round ---------------------------------------------------------------------------
    def claim(self, *, limit: int | None = None) -> Claim:
        """Take up to ``limit`` claimable deliveries under a fresh lease (see module docs)."""
        now = timezone.now()
        token = uuid.uuid4()
        limit = limit or self.batch_size
        connection = connections[self.using]
        with transaction.atomic(using=self.using), connection.cursor() as cursor:
            self._walk_the_queue_in_order()
            cursor.execute(*claim_heads_sql(connection, now=now, limit=limit))
            rows = cursor.fetchall()
            if rows and len(rows) < limit:
                rows += self._queue_runs(rows, now=now, room=limit - len(rows))
            events = None
            if rows:
                lease = {"ids": [row[0] for row in rows], "token": token, "until": now + self.lease}
                if connection.vendor == "postgresql":
                    cursor.execute(*lease_reading_events_sql(connection, **lease))
                    events = self._stored_events(connection, cursor.fetchall())
                else:
                    cursor.execute(*lease_sql(connection, **lease))
        deliveries = tuple(
            ClaimedDelivery(
                id=id_,
                event_id=event_id,
                handler=handler,
                attempts=attempts + 1,
                aggregate_key=aggregate_key,
            )
            for id_, event_id, handler, attempts, aggregate_key in sorted(rows)
        )
        return Claim(token=token, deliveries=deliveries, claimed_at=now, events=events)

    @staticmethod
    def _stored_events(
        connection: BaseDatabaseWrapper, rows: list[tuple]
    ) -> dict[int, StoredEvent]:
        """``lease_reading_events_sql``'s rows as stored events, the payload decoded as the ORM
        would decode it."""
        payload = StoredEvent._meta.get_field("payload")
        position = EVENT_FIELDS.index("payload")
        events = {}
        for row in rows:
            values = list(row)
            values[position] = payload.from_db_value(values[position], None, connection)
            event = StoredEvent(**dict(zip(EVENT_FIELDS, values, strict=True)))
            events[event.pk] = event
        return events

    def _queue_runs(self, heads: list[tuple], *, now: datetime, room: int) -> list[tuple]:
        """The deliveries that follow the claimed heads in their queues, up to ``room`` of them.

        An order's events usually come in twos and threes (placed and paid commit together),
        and a queue gives out only its head: without this, each of them would wait a round
        for the one before it. A head's followers are safe to take with it: no other worker
        can claim them while the head is open (they are not heads), so they need no
        ``SKIP LOCKED``. A queue's run stops at its first delivery that is not claimable
        (leased, in backoff, dead), and the rows are taken in id order, so every queue's run
        is a prefix of that queue. The handling keeps the order: when a delivery fails, the
        rest of its queue's run in the round is given back unhandled.
        """
        head_of = {(handler, key): id_ for id_, _, handler, _, key in heads}
        connection = connections[self.using]
        with connection.cursor() as cursor:
            cursor.execute(
                *queue_followers_sql(
                    connection,
                    handlers={handler for handler, _ in head_of},
                    aggregate_keys={key for _, key in head_of},
                    after_id=min(head_of.values()),
                    now=now,
                    # A cut in id order still leaves every run a prefix.
                    limit=4 * (room + len(heads)),
                )
            )
            candidates = cursor.fetchall()
        runs: list[tuple] = []
        stopped: set[tuple[str, str]] = set()
        for id_, event_id, handler, attempts, key, claimable in candidates:
            queue = (handler, key)
            if queue not in head_of or id_ <= head_of[queue] or queue in stopped:
                continue
            if not claimable:
                stopped.add(queue)
                continue
            runs.append((id_, event_id, handler, attempts, key))
            if len(runs) == room:
                break
        return runs

    def _walk_the_queue_in_order(self) -> None:
        """Make PostgreSQL claim by walking ``delivery_pending`` in id order (PostgreSQL only).

        The claim wants the first ``BATCH_SIZE`` claimable deliveries by id. Walking the
        pending index in order finds them after a few rows, however long the backlog. Two
        things can talk the planner out of it, so the claim's transaction turns both off
        (``set_config(..., true)`` is ``SET LOCAL``: until the claim commits):

        - **Statistics.** A queue table's statistics are taken when it is quiet (a handful of
          pending rows); in a burst the planner then reads *every* pending row, checks each
          one's queue and sorts them, to keep a hundred. Sorting is the step that plan needs:
          ``enable_sort = off``.
        - **A generic plan.** With server-side binding the connection prepares the claim after
          a few runs, and PostgreSQL may then reuse a plan made without the parameters' values
          (the claim's ``now``), whose cost grows with the backlog: the whole drain ran about
          five times slower. ``plan_cache_mode = force_custom_plan`` plans each claim with
          its values.
        """
        connection = connections[self.using]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('enable_sort', 'off', true), "
                    "set_config('plan_cache_mode', 'force_custom_plan', true)"
                )

    def handle(self, claim: Claim) -> RoundResult:
        """Run the claimed deliveries' handlers and record each outcome.

        Handlers that run in the transaction (the default) go first, in one transaction.
        Fast path: every call in that transaction with no savepoints (no extra round trips). If
        a call raises, the transaction rolls back whole and the round runs again with a
        savepoint around each call; the failed call is not run again as it was: a single
        delivery is recorded as failed, a batch is run one delivery at a time to find the
        failing ones. A handler may thus run twice within a round; only one run's effects
        commit.

        Handlers subscribed with ``in_transaction=False`` then run outside any transaction,
        their successes recorded by one guarded UPDATE per group, failures in short
        transactions. The round's events are read once, for both; the outside deliveries'
        lease is checked with the inside batch's lock when the round has one.
        """
        if not claim.deliveries:
            return RoundResult()
        inside = tuple(d for d in claim.deliveries if runs_in_transaction(d.handler))
        outside = [d for d in claim.deliveries if not runs_in_transaction(d.handler)]
        events = (
            _Events(claim.events)
            if claim.events is not None
            else self._load_events({delivery.event_id for delivery in claim.deliveries})
        )
        result = RoundResult()
        outside_owned: set[int] | None = None  # checked with the inside batch's lock, if any
        if inside:
            batch = Claim(token=claim.token, deliveries=inside)
            outside_ids = [delivery.id for delivery in outside]
            try:
                result, outside_owned, taken = self._handle(
                    batch, events, isolate=False, also_check=outside_ids
                )
            except _FastPathFailed as failed:
                result, outside_owned, taken = self._handle(
                    batch, events, isolate=True, known_failure=failed, also_check=outside_ids
                )
            # What the inside handlers published for outside handlers, leased as it committed.
            outside.extend(taken)
            outside_owned.update(delivery.id for delivery in taken)
        if outside:
            self._handle_outside_transaction(
                claim.token, outside, result, events, owned=outside_owned
            )
        if claim.claimed_at is not None:
            result.lag_seconds = round_lag_seconds(
                claim.claimed_at,
                (events.published_at(d.event_id) for d in claim.deliveries if d.attempts == 1),
            )
        return result

    def run_once(self, *, limit: int | None = None) -> RoundResult:
        return self.handle(self.claim(limit=limit))

    def give_back(self, claim: Claim) -> int:
        """Release what a round cut off by a database error still holds under its lease.

        The round's transaction rolled back (or never reached the database), so its deliveries
        are pending under a lease no one works on; without this they would wait the whole
        lease out (``LEASE_SECONDS``) after the database returns. Their attempt stays counted:
        a handler that brings its connection down every time still ends in the dead letter.
        """
        if not claim.deliveries:
            return 0
        released = (
            Delivery.objects.using(self.using)
            .filter(InArray("id", [d.id for d in claim.deliveries]))
            .filter(lease_token=claim.token, state=PENDING)
            .update(lease_token=None, leased_until=None)
        )
        if released:
            logger.info("gave back %s deliveries of a round cut off by a database error", released)
        return released

    def _handle(
        self,
        claim: Claim,
        events: _Events,
        *,
        isolate: bool,
        known_failure: _FastPathFailed | None = None,
        also_check: Sequence[int] = (),
    ) -> tuple[RoundResult, set[int], list[ClaimedDelivery]]:
        """Handle the in-transaction deliveries of ``claim``; with them, see which of the
        ``also_check`` deliveries (the round's outside ones) are still under this lease.

        What the handlers publish joins the round (``_take_published``): the new events'
        in-transaction deliveries are handled in this transaction, after what published them;
        their outside ones are leased in it, for the caller to run after the commit. Returns
        the result, the ``also_check`` deliveries still ours, and those outside deliveries.
        """
        result = RoundResult()
        failures: list[tuple[ClaimedDelivery, str]] = []
        taken_outside: list[ClaimedDelivery] = []
        ids = [delivery.id for delivery in claim.deliveries]
        with transaction.atomic(using=self.using), recording_publications() as published:
            owned = self._lock_leased([*ids, *also_check], claim.token)
            result.lost.extend(d.id for d in claim.deliveries if d.id not in owned)
            # Queues with a failed (or lost) delivery in this round: the rest of each is given
            # back unhandled, so a queue's order holds within a round too.
            blocked = {d.queue for d in claim.deliveries if d.id not in owned}
            groups = self._publishers_first(
                handler_groups([d for d in claim.deliveries if d.id in owned])
            )
            in_round = set(owned)
            while groups:
                group = groups.pop(0)
                before = len(published)
                self._run_group(group, events, result, failures, blocked, isolate, known_failure)
                if len(published) == before:
                    continue
                self._publishers.add(group[0].handler)
                room = self.batch_size - (len(in_round) - len(owned))
                if self.stopping or room <= 0:
                    continue
                taken = self._take_published(
                    published[before:], events, in_round=in_round, token=claim.token, limit=room
                )
                in_round.update(delivery.id for delivery in taken)
                taken_outside.extend(d for d in taken if not runs_in_transaction(d.handler))
                _join(groups, [d for d in taken if runs_in_transaction(d.handler)])
            now = timezone.now()
            if result.done:
                self._mark_done(result.done, claim.token, now=now)
            for delivery, error in failures:
                self._record_failure(delivery, error, now=now, result=result)
            if result.released:
                Delivery.objects.using(self.using).filter(InArray("id", result.released)).update(
                    lease_token=None, leased_until=None, attempts=F("attempts") - 1
                )
        if result.lost:
            logger.warning(
                "lease lost before handling; left to the worker that took over: %s", result.lost
            )
        return result, owned.intersection(also_check), taken_outside

    def _run_group(
        self,
        group: list[ClaimedDelivery],
        events: _Events,
        result: RoundResult,
        failures: list[tuple[ClaimedDelivery, str]],
        blocked: set[tuple[str, str]],
        isolate: bool,
        known_failure: _FastPathFailed | None,
    ) -> None:
        """One handler call of ``_handle`` (or, once a batch failed, one call per delivery)."""
        group = self._unblocked(group, blocked, result.released)
        if not group:
            return
        if self.stopping:
            result.released.extend(_ids(group))
        elif known_failure is not None and known_failure.delivery_ids == _ids(group):
            if len(group) == 1:
                failures.append((group[0], known_failure.error))
                blocked.add(group[0].queue)
            else:
                self._run_one_by_one(group, events, result, failures, blocked)
        elif not isolate:
            error = self._run_handler(group, events, isolate=False)
            if error is not None:
                raise _FastPathFailed(_ids(group), error)
            result.done.extend(_ids(group))
        elif (error := self._run_handler(group, events, isolate=True)) is None:
            result.done.extend(_ids(group))
        elif len(group) == 1:
            failures.append((group[0], error))
            blocked.add(group[0].queue)
        else:
            self._run_one_by_one(group, events, result, failures, blocked)

    def _publishers_first(self, groups: list[list[ClaimedDelivery]]) -> list[list[ClaimedDelivery]]:
        """``groups`` with the handlers seen publishing first, so that what they publish can
        join the other handlers' calls in the round (each handler's queues keep their order:
        only calls of different handlers change places)."""
        return sorted(groups, key=lambda group: group[0].handler not in self._publishers)

    def _take_published(
        self,
        published: Sequence[Published],
        events: _Events,
        *,
        in_round: set[int],
        token: uuid.UUID,
        limit: int,
    ) -> list[ClaimedDelivery]:
        """Lease the deliveries of events a handler just published in this round's transaction,
        where they head their queue (counting the round's own deliveries as handled): at most
        ``limit``, in id order. Their events join ``events`` as published (no reading back)."""
        mine = {p.meta.sequence: p for p in published if p.using == self.using}
        if not mine:
            return []
        connection = connections[self.using]
        with connection.cursor() as cursor:
            cursor.execute(
                *take_published_sql(
                    connection,
                    event_ids=list(mine),
                    handled_ids=sorted(in_round),
                    token=token,
                    until=timezone.now() + self.lease,
                    limit=limit,
                )
            )
            rows = cursor.fetchall()
        taken = [
            ClaimedDelivery(
                id=id_,
                event_id=event_id,
                handler=handler,
                attempts=attempts,  # counted by the statement
                aggregate_key=aggregate_key,
            )
            for id_, event_id, handler, attempts, aggregate_key in sorted(rows)
        ]
        for event_id in {delivery.event_id for delivery in taken}:
            events.add(mine[event_id])
        return taken

    @staticmethod
    def _unblocked(
        group: list[ClaimedDelivery], blocked: set[tuple[str, str]], released: list[int]
    ) -> list[ClaimedDelivery]:
        """``group`` without the deliveries queued behind one that failed (or was lost) in this
        round; their ids go to ``released``, to be given back unhandled."""
        if not blocked:
            return group
        released.extend(d.id for d in group if d.queue in blocked)
        return [d for d in group if d.queue not in blocked]

    def _run_one_by_one(
        self,
        group: list[ClaimedDelivery],
        events: _Events,
        result: RoundResult,
        failures: list[tuple[ClaimedDelivery, str]],
        blocked: set[tuple[str, str]],
    ) -> None:
        """A batch failed: run its deliveries one at a time, each in a savepoint. After a
        failure, the rest of that delivery's queue is given back unhandled."""
        for delivery in group:
            if self.stopping or delivery.queue in blocked:
                result.released.append(delivery.id)
            elif (error := self._run_handler([delivery], events, isolate=True)) is None:
                result.done.append(delivery.id)
            else:
                failures.append((delivery, error))
                blocked.add(delivery.queue)

    def _handle_outside_transaction(
        self,
        token: uuid.UUID,
        deliveries: list[ClaimedDelivery],
        result: RoundResult,
        events: _Events,
        *,
        owned: set[int] | None = None,
    ) -> None:
        """Run outside-transaction handlers; record their outcomes in small groups.

        A batch handler gets its deliveries in calls of at most ``_OUTSIDE_GROUP``; a call that
        raises is run again one delivery at a time, to find the failing ones (such handlers
        are idempotent, so what the first call did is not done twice). The lease is checked
        before the calls (a worker that lost it calls nothing) and again, under row lock, when
        the outcomes are recorded: every ``_OUTSIDE_GROUP`` deliveries or
        ``_OUTSIDE_GROUP_SECONDS``, so a slow outside party cannot outlive the lease
        unrecorded, and whenever the next call is another handler's. A crash before recording
        runs them again, which their idempotency keys make harmless. ``owned``: the deliveries
        found still leased when the round's in-transaction batch was locked a moment ago (else
        they are checked here).
        """
        ids = [delivery.id for delivery in deliveries]
        leased = Delivery.objects.using(self.using).filter(
            InArray("id", ids), lease_token=token, state=PENDING
        )
        if owned is None:
            owned = set(leased.values_list("id", flat=True))
        result.lost.extend(d.id for d in deliveries if d.id not in owned)
        outcomes: list[tuple[ClaimedDelivery, str | None]] = []
        released: list[int] = []
        # Queues with a failed (or lost) delivery in this round: the rest of each is given back.
        blocked = {d.queue for d in deliveries if d.id not in owned}
        group_started = time.monotonic()
        groups = handler_groups([d for d in deliveries if d.id in owned])
        for position, group in enumerate(groups):
            if position and groups[position - 1][0].handler != group[0].handler:
                # A handler's outcomes are recorded before the next handler runs: its lag is
                # its own work, not the next one's too.
                self._record_outside_outcomes(token, outcomes, result)
                outcomes, group_started = [], time.monotonic()
            for start in range(0, len(group), _OUTSIDE_GROUP):
                chunk = self._unblocked(group[start : start + _OUTSIDE_GROUP], blocked, released)
                if not chunk:
                    continue
                if self.stopping:
                    released.extend(_ids(chunk))
                    continue
                error = self._run_handler(chunk, events, isolate=False)
                if error is None:
                    outcomes.extend((delivery, None) for delivery in chunk)
                    continue
                for delivery in chunk:
                    if self.stopping or delivery.queue in blocked:
                        released.append(delivery.id)
                        continue
                    if len(chunk) > 1:
                        error = self._run_handler([delivery], events, isolate=False)
                    outcomes.append((delivery, error))
                    if error is not None:
                        blocked.add(delivery.queue)
                if (
                    len(outcomes) >= _OUTSIDE_GROUP
                    or time.monotonic() - group_started > _OUTSIDE_GROUP_SECONDS
                ):
                    self._record_outside_outcomes(token, outcomes, result)
                    outcomes, group_started = [], time.monotonic()
        self._record_outside_outcomes(token, outcomes, result)
        if released and leased.filter(InArray("id", released)).update(
            lease_token=None, leased_until=None, attempts=F("attempts") - 1
        ):
            result.released.extend(released)

    def _record_outside_outcomes(
        self,
        token: uuid.UUID,
        outcomes: list[tuple[ClaimedDelivery, str | None]],
        result: RoundResult,
    ) -> None:
        """Mark the handled deliveries done, the failed ones for retry or the dead letter, each
        only while it is still under this lease. The done ones, the usual outcome, take one
        statement (its own transaction): the UPDATE's row lock is the lease check."""
        if not outcomes:
            return
        now = timezone.now()
        handled = [d for d, error in outcomes if error is None]
        failed = [(d, error) for d, error in outcomes if error is not None]
        lost = []
        if handled:
            marked = self._mark_done([d.id for d in handled], token, now=now)
            result.done.extend(d.id for d in handled if d.id in marked)
            lost = [d for d in handled if d.id not in marked]
        if failed:
            with transaction.atomic(using=self.using):
                still_ours = self._lock_leased([d.id for d, _ in failed], token)
                for delivery, error in failed:
                    if delivery.id in still_ours:
                        self._record_failure(delivery, error, now=now, result=result)
                    else:
                        lost.append(delivery)
        for delivery in lost:
            # Another worker took over after our lease ran out; it will run the handler
            # again, which the handler's idempotency key makes harmless.
            logger.warning("lease of delivery #%s lost while its handler ran", delivery.id)
            result.lost.append(delivery.id)

    def _lock_leased(self, ids: Sequence[int], token: uuid.UUID) -> set[int]:
        """Lock, for the open transaction, those of the deliveries ``ids`` still pending under
        ``token``: their ids (``hotel.eventbus.delivery_sql``)."""
        connection = connections[self.using]
        with connection.cursor() as cursor:
            cursor.execute(*lock_leased_sql(connection, ids=ids, token=token))
            return {row[0] for row in cursor.fetchall()}

    def _mark_done(self, ids: Sequence[int], token: uuid.UUID, *, now: datetime) -> set[int]:
        """Mark the deliveries ``ids`` done where they are still pending under ``token``: the
        ids marked. One statement written out as SQL (``hotel.eventbus.delivery_sql``)."""
        connection = connections[self.using]
        with connection.cursor() as cursor:
            cursor.execute(*mark_done_sql(connection, ids=ids, token=token, now=now))
            return {row[0] for row in cursor.fetchall()}

    def _load_events(self, event_ids: set[int]) -> _Events:
        stored = StoredEvent.objects.using(self.using).filter(InArray("id", event_ids))
        return _Events({event.pk: event for event in stored})

    def _run_handler(
        self, group: Sequence[ClaimedDelivery], events: _Events, isolate: bool
    ) -> str | None:
        """Run one handler call (in a savepoint when ``isolate``); the error text or None.

        ``group`` is one delivery, or a batch handler's deliveries. A single delivery's
        handler, and the warning if it fails, log under its event's correlation id.
        """
        handler = group[0].handler
        items = [events.decoded(delivery.event_id) for delivery in group]
        first = items[0][1]
        _heartbeat.beat()
        with correlation_context((first.correlation_id or None) if len(group) == 1 else None):
            try:
                with transaction.atomic(using=self.using) if isolate else nullcontext():
                    if len(group) == 1:
                        dispatch(handler, *items[0])
                    else:
                        dispatch_batch(handler, items)
            except Exception as exc:
                if len(group) == 1:
                    logger.warning(
                        "handler %s failed on %s #%s (attempt %s): %r",
                        handler,
                        first.event_type,
                        first.sequence,
                        group[0].attempts,
                        exc,
                    )
                else:
                    logger.info(
                        "batch handler %s failed on a batch of %s events (%r); running them "
                        "one at a time",
                        handler,
                        len(group),
                        exc,
                    )
                return "".join(traceback.format_exception(exc))[-4000:]
        return None

    def _record_failure(
        self, delivery: ClaimedDelivery, error: str, *, now, result: RoundResult
    ) -> None:
        rows = Delivery.objects.using(self.using).filter(id=delivery.id)
        if delivery.attempts >= self.max_attempts:
            rows.update(state=DEAD, last_error=error, lease_token=None, leased_until=None)
            result.dead.append(delivery.id)
            logger.error(
                "delivery #%s to %s is dead after %s attempts",
                delivery.id,
                delivery.handler,
                delivery.attempts,
            )
        else:
            delay = timedelta(seconds=retry_delay_seconds(delivery.attempts))
            rows.update(
                available_at=now + delay, last_error=error, lease_token=None, leased_until=None
            )
            result.retried.append(delivery.id)

    # --- the loop ----------------------------------------------------------------------------
    def run(self, *, until_idle: bool = False, periodic: PeriodicScheduler | None = None) -> None:
        """Claim and handle until stopped (or, with ``until_idle``, until nothing is claimable).

        Idle, it waits for a NOTIFY from a committing publisher (PostgreSQL) or the poll
        interval, whichever comes first.
        """
        self.check_handlers()
        options = settings.OUTBOX
        wakeup = Wakeup.for_connection(connections[self.using], enabled=options["NOTIFY"])
        lag_report = LagReport(worker=self.name, using=self.using)
        lag_report.start()
        logger.info("outbox worker %s started (%s)", self.name, wakeup.describe())
        # A round cut off by a database error: its deliveries are still leased to this worker.
        failed_claim: Claim | None = None
        # Until when (time.monotonic()) an empty round is followed quickly. A worker starts
        # awake: a process may have NOTIFYed just before it LISTENed, and publish without.
        awake_until = time.monotonic() + self.awake_seconds
        try:
            while not self.stopping:
                _heartbeat.beat()
                # Everything that talks to the database is inside the try: a database that
                # restarts costs a pause, never the worker (and, in the "all" role, the web).
                try:
                    self._relax_commit_durability()
                    if failed_claim is not None:
                        self.give_back(failed_claim)
                        failed_claim = None
                    if periodic is not None:
                        periodic.run_due()
                    started = time.monotonic()
                    claim = self.claim()
                    failed_claim = claim
                    result = self.handle(claim)
                    failed_claim = None
                    lag_report.observe(result.lag_seconds)
                except DatabaseError:
                    logger.exception("outbox round failed; retrying after a pause")
                    close_old_connections()
                    self._stop.wait(options["POLL_SECONDS"])
                    continue
                if result.handled or result.released or result.lost:
                    awake_until = time.monotonic() + self.awake_seconds
                    if not until_idle:
                        self._pace(claimed=len(claim.deliveries), took=time.monotonic() - started)
                    continue
                if until_idle:
                    return
                if self._idle_wait(wakeup, awake_until=awake_until):
                    awake_until = time.monotonic() + self.awake_seconds
        finally:
            wakeup.close()
            self._stop_reporting(lag_report)
            self._restore_commit_durability()
            logger.info("outbox worker %s stopped", self.name)

    def _idle_wait(self, wakeup: Wakeup, *, awake_until: float) -> bool:
        """Wait after a round that found nothing; True when a notification ended the wait.

        Within ``awake_until`` (set by work or a notification) the wait is short
        (``AWAKE_POLL_SECONDS``): a process that NOTIFYed a moment ago publishes its next
        events without one. After that the worker sleeps until a NOTIFY or the poll interval.
        """
        now = time.monotonic()
        timeout = settings.OUTBOX["POLL_SECONDS"]
        if now < awake_until:
            timeout = min(timeout, AWAKE_POLL_SECONDS, awake_until - now)
        return wakeup.wait(timeout, stop=self._stop)

    def _pace(self, *, claimed: int, took: float) -> None:
        """After a round that was not full, wait as long as it took (at most
        ``LINGER_MAX_SECONDS``) before the next claim.

        A round's own cost (the claim, the lease, the commits, the handlers' reads) does not
        grow with its deliveries, so a worker that claims again the moment a round ends makes a
        round of every booking or two and spends most of its CPU on the rounds themselves,
        CPU the web server on the same cores then lacks. Waiting as long as the round took lets
        the next round gather what arrived meanwhile: the worker is busy at most about half the
        time while it keeps up, and a delivery waits at most one more round's duration. A full
        round (a backlog) is followed at once, and so is a notification after an idle wait: a
        quiet system hands each booking on as it comes.
        """
        linger = min(took, self.linger_max)
        if claimed < self.batch_size and linger > 0:
            self._stop.wait(linger)

    @staticmethod
    def _stop_reporting(lag_report: LagReport) -> None:
        """Take this worker's lag report away, so no booking waits on a worker that stopped
        (a report goes stale in seconds anyway, should the database be away)."""
        try:
            lag_report.stop()
        except DatabaseError:
            logger.info("could not remove the lag report of %s", lag_report.worker)

    def _relax_commit_durability(self) -> None:
        """Commit without waiting for the WAL flush (PostgreSQL ``synchronous_commit = off``).

        Safe for the worker, and only for it: every row it writes is derived from events the
        web process committed durably. A crash can lose its last few hundred milliseconds of
        commits, and with them a handler's effect together with its delivery's ``done``
        (one transaction): the delivery is simply handled again, which at-least-once delivery
        already allows. Without the flush wait, one-at-a-time outside handlers and small
        batches are no longer bound by the disk's fsync latency.
        """
        connection = connections[self.using]
        if settings.OUTBOX["SYNCHRONOUS_COMMIT"] or connection.vendor != "postgresql":
            return
        connection.ensure_connection()
        if self._relaxed_connection is connection.connection:
            return
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO off")
        self._relaxed_connection = connection.connection

    def _restore_commit_durability(self) -> None:
        connection = connections[self.using]
        if self._relaxed_connection is not None and connection.connection is (
            self._relaxed_connection
        ):
            with connection.cursor() as cursor:
                cursor.execute("SET synchronous_commit TO DEFAULT")
        self._relaxed_connection = None


def drain(*, using: str = "default", max_rounds: int = 10_000) -> RoundResult:
    """Handle everything claimable now, in this thread; returns what was handled (for tests)."""
    worker = OutboxWorker(using=using)
    total = RoundResult()
    for _ in range(max_rounds):
        result = worker.run_once()
        for name in ("done", "retried", "dead", "lost", "released"):
            getattr(total, name).extend(getattr(result, name))
        if not (result.handled or result.lost):
            return total
    raise RuntimeError(f"outbox still busy after {max_rounds} rounds")
