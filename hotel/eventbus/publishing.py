"""Publishing: append an event and its deliveries to the outbox in the caller's transaction."""

import dataclasses
import json
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import connections, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from hotel.bulk_rows import rows_insert
from hotel.eventbus.event_types import Event, EventMeta
from hotel.eventbus.models import Delivery, StoredEvent
from hotel.eventbus.subscriptions import handler_names_for


class PublishOutsideTransaction(RuntimeError):
    """``publish`` was called in autocommit mode, where the event could outlive a rollback."""


@dataclasses.dataclass(frozen=True)
class Published:
    """An event as ``publish_all`` stored it, on the database ``using`` (``meta.sequence`` is
    its row's id)."""

    using: str
    event: Event
    meta: EventMeta


_published: ContextVar[list[Published] | None] = ContextVar("published", default=None)


@contextmanager
def recording_publications() -> Iterator[list[Published]]:
    """Collect every event published in this context while the block runs, in order.

    The worker records what its handlers publish, to hand the new events' deliveries to their
    handlers in the same round. What a rollback undid stays on the list: a reader looks the
    events up in the database, where only committed (or still open) ones are found.
    """
    record: list[Published] = []
    reset = _published.set(record)
    try:
        yield record
    finally:
        _published.reset(reset)


def publish(event: Event, *, correlation_id: str = "") -> EventMeta:
    """Store ``event`` and one pending delivery per subscribed handler.

    Must run inside ``transaction.atomic()``: the event commits with the state change that
    caused it, or not at all. Publish after taking the aggregate's row lock (or updating its
    row) so that events of one aggregate are numbered in commit order.
    """
    return publish_all([(event, correlation_id)])[0]


def publish_all(events: Sequence[tuple[Event, str]]) -> list[EventMeta]:
    """``publish`` each ``(event, correlation id)`` in turn, in one statement on PostgreSQL.

    The events are numbered in the order given, and so are their deliveries: two events of one
    aggregate reach each handler in that order.
    """
    alias = router.db_for_write(StoredEvent)
    connection = connections[alias]
    if not connection.in_atomic_block:
        names = ", ".join(event.event_type for event, _ in events)
        raise PublishOutsideTransaction(f"publish({names}) must run inside transaction.atomic()")
    if not events:
        return []
    occurred_at = timezone.now()
    metas = [
        EventMeta(
            event_id=uuid.uuid4(),
            event_type=event.event_type,
            schema_version=event.schema_version,
            aggregate_type=event.aggregate_type,
            aggregate_id=event.aggregate_id,
            correlation_id=correlation_id,
            occurred_at=occurred_at,
            sequence=0,
        )
        for event, correlation_id in events
    ]
    payloads = [event.to_payload() for event, _ in events]
    handlers = [handler_names_for(event.event_type) for event, _ in events]
    notify = any(handlers) and _should_notify(connection)
    if connection.vendor == "postgresql":
        sequences = _insert_postgresql(connection, metas, payloads, handlers, notify)
    else:
        sequences = _insert_portable(metas, payloads, handlers)
    metas = [
        dataclasses.replace(meta, sequence=sequence)
        for meta, sequence in zip(metas, sequences, strict=True)
    ]
    record = _published.get()
    if record is not None:
        record.extend(
            Published(using=alias, event=event, meta=meta)
            for (event, _), meta in zip(events, metas, strict=True)
        )
    return metas


# One statement on PostgreSQL: the events, their deliveries and (once per transaction) the
# NOTIFY that wakes the workers when the transaction commits. This is every write's hot path.
# Each column comes as one array; ``n`` keeps the events, and then their deliveries, in the
# order given.
_INSERT_SQL = """
WITH given AS (
    SELECT *
    FROM unnest(%(event_ids)s::uuid[], %(event_types)s::text[], %(versions)s::int[],
                %(aggregate_types)s::text[], %(aggregate_ids)s::text[],
                %(correlation_ids)s::text[], %(payloads)s::jsonb[], %(handlers)s::text[])
         WITH ORDINALITY AS given(event_id, event_type, version, aggregate_type, aggregate_id,
                                  correlation_id, payload, handlers, n)
), stored AS (
    INSERT INTO eventbus_event (event_id, event_type, schema_version, aggregate_type,
                                aggregate_id, correlation_id, occurred_at, payload)
    SELECT event_id, event_type, version, aggregate_type, aggregate_id, correlation_id,
           %(occurred_at)s, payload
    FROM given ORDER BY n
    RETURNING id, event_id
), queued AS (
    INSERT INTO eventbus_delivery (event_id, handler, aggregate_key, state, attempts,
                                   available_at, last_error, created_at)
    SELECT stored.id, handler.name, given.aggregate_type || ':' || given.aggregate_id,
           'pending', 0, %(occurred_at)s, '', %(occurred_at)s
    FROM stored
    JOIN given USING (event_id)
    CROSS JOIN LATERAL unnest(given.handlers::text[]) WITH ORDINALITY AS handler(name, k)
    ORDER BY stored.id, handler.k
)
SELECT stored.id{notify} FROM stored ORDER BY stored.id
"""


def _insert_postgresql(
    connection: BaseDatabaseWrapper,
    metas: list[EventMeta],
    payloads: list[dict],
    handlers: list[list[str]],
    notify: bool,
) -> list[int]:
    sql = _INSERT_SQL.format(notify=", pg_notify(%(channel)s, '')" if notify else "")
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            {
                "event_ids": _text_array([str(meta.event_id) for meta in metas]),
                "event_types": _text_array([meta.event_type for meta in metas]),
                "versions": _text_array([str(meta.schema_version) for meta in metas]),
                "aggregate_types": _text_array([meta.aggregate_type for meta in metas]),
                "aggregate_ids": _text_array([meta.aggregate_id for meta in metas]),
                "correlation_ids": _text_array([meta.correlation_id for meta in metas]),
                "payloads": _text_array([json.dumps(payload) for payload in payloads]),
                "handlers": _text_array([_text_array(names) for names in handlers]),
                "occurred_at": metas[0].occurred_at,
                "channel": settings.OUTBOX["NOTIFY_CHANNEL"],
            },
        )
        return [row[0] for row in cursor.fetchall()]


def _text_array(items: list[str]) -> str:
    """``items`` as a PostgreSQL array literal, sent as one text parameter and cast in SQL.

    psycopg adapts a Python list by inspecting its elements on every call, which cost the
    booking request measurable CPU; a literal is one string. Each item is quoted, so it may
    hold any character (a handler list is itself an item: a nested literal).
    """
    quoted = ('"' + item.replace("\\", "\\\\").replace('"', '\\"') + '"' for item in items)
    return "{" + ",".join(quoted) + "}"


def _insert_portable(
    metas: list[EventMeta], payloads: list[dict], handlers: list[list[str]]
) -> list[int]:
    """Elsewhere (SQLite): the events in one INSERT, then their deliveries in another."""
    stored = rows_insert(
        [
            StoredEvent(
                event_id=meta.event_id,
                event_type=meta.event_type,
                schema_version=meta.schema_version,
                aggregate_type=meta.aggregate_type,
                aggregate_id=meta.aggregate_id,
                correlation_id=meta.correlation_id,
                occurred_at=meta.occurred_at,
                payload=payload,
            )
            for meta, payload in zip(metas, payloads, strict=True)
        ]
    )
    rows_insert(
        [
            Delivery(
                event=event,
                handler=name,
                aggregate_key=f"{meta.aggregate_type}:{meta.aggregate_id}",
                available_at=meta.occurred_at,
                created_at=meta.occurred_at,
            )
            for event, meta, names in zip(stored, metas, handlers, strict=True)
            for name in names
        ]
    )
    return [event.pk for event in stored]


class _LastNotification:
    """When this process's last NOTIFY committed (``time.monotonic()``), shared by its threads.

    A race between two threads costs at most one NOTIFY more; a float's assignment is atomic.
    """

    committed_at = float("-inf")


def _notified_this_transaction() -> None:
    """Marker on the transaction's on-commit list: its NOTIFY has been issued. Run at the
    commit, it records when."""
    _LastNotification.committed_at = time.monotonic()


def forget_last_notification() -> None:
    """Let this process's next transaction NOTIFY whenever its last one did (for tests, which
    start workers at any moment)."""
    _LastNotification.committed_at = float("-inf")


def _should_notify(connection: BaseDatabaseWrapper) -> bool:
    """NOTIFY once per transaction, and at most once per ``NOTIFY_INTERVAL_SECONDS`` per
    process (PostgreSQL only, when enabled).

    A transaction that NOTIFYs takes a lock that every other notifying transaction of the
    server waits for until it has committed, its WAL flush included: a NOTIFY per booking
    lines the bookings' commits up one behind the other. One per interval is enough, because
    a worker woken by a NOTIFY keeps claiming, a few times a second, for twice the interval
    (``OutboxWorker.run``): what a process publishes within the interval after a NOTIFY is
    claimed by a worker still looking.

    The marker rides on the transaction's on-commit list, which Django discards with a
    rollback, and with a savepoint rollback the marker and the NOTIFY issued in that
    savepoint both vanish together.
    """
    if not settings.OUTBOX["NOTIFY"] or connection.vendor != "postgresql":
        return False
    if any(func is _notified_this_transaction for _, func, _ in connection.run_on_commit):
        return False
    since = time.monotonic() - _LastNotification.committed_at
    if since < settings.OUTBOX["NOTIFY_INTERVAL_SECONDS"]:
        return False
    transaction.on_commit(_notified_this_transaction, using=connection.alias)
    return True
