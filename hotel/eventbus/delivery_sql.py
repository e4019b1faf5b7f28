"""The worker's statements on ``eventbus_delivery`` that run every round, written out by hand.

A live round is small (a booking or two), so what the worker spends per round, not per
delivery, sets its cost per booking; and compiling the claim's ORM query (a correlated
``NOT EXISTS``) or an ORM ``update()`` cost the worker more CPU than PostgreSQL spends
running them. These are written out as SQL with table and column names from the model, the states
as literals (so the planner matches the partial indexes, whatever the plan), and values
converted by each field as the ORM would convert them. On PostgreSQL a list of ids or names
is one array parameter (one statement text whatever its length); elsewhere (SQLite) an
``IN`` list.

Each function answers ``(sql, params)`` for ``connection``; the worker runs them.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

from hotel.eventbus.models import Delivery, StoredEvent
from hotel.sql_lists import in_list

_PENDING = f"'{Delivery.State.PENDING.value}'"
_DONE = f"'{Delivery.State.DONE.value}'"

#: The columns a claim reads, in ``ClaimedDelivery``'s order (the state of the lease aside).
CLAIMED = ("id", "event_id", "handler", "attempts", "aggregate_key")


def _table() -> str:
    return f'"{Delivery._meta.db_table}"'


def _column(name: str, table: str = "") -> str:
    column = f'"{Delivery._meta.get_field(name).column}"'
    return f"{table}.{column}" if table else column


def _value(connection: BaseDatabaseWrapper, name: str, value: Any) -> Any:
    return Delivery._meta.get_field(name).get_db_prep_value(value, connection)


def claim_heads_sql(
    connection: BaseDatabaseWrapper, *, now: datetime, limit: int
) -> tuple[str, list]:
    """The first ``limit`` claimable deliveries by id, locked, skipping rows another worker
    holds: pending, due, not under a live lease, and the head of their (handler, aggregate)
    queue (no earlier delivery of that queue still open). Columns: ``CLAIMED``."""
    columns = ", ".join(_column(name, "d") for name in CLAIMED)
    lock = (
        " FOR UPDATE SKIP LOCKED" if connection.features.has_select_for_update_skip_locked else ""
    )
    sql = (
        f"SELECT {columns} FROM {_table()} AS d"
        f" WHERE {_column('available_at', 'd')} <= %s AND {_column('state', 'd')} = {_PENDING}"
        f" AND ({_column('leased_until', 'd')} IS NULL OR {_column('leased_until', 'd')} < %s)"
        f" AND NOT EXISTS (SELECT 1 FROM {_table()} AS earlier"
        f" WHERE {_column('aggregate_key', 'earlier')} = {_column('aggregate_key', 'd')}"
        f" AND {_column('handler', 'earlier')} = {_column('handler', 'd')}"
        f" AND {_column('id', 'earlier')} < {_column('id', 'd')}"
        f" AND NOT ({_column('state', 'earlier')} = {_DONE}))"
        f" ORDER BY {_column('id', 'd')} LIMIT %s{lock}"
    )
    at = _value(connection, "available_at", now)
    return sql, [at, at, limit]


def queue_followers_sql(
    connection: BaseDatabaseWrapper,
    *,
    handlers: Collection[str],
    aggregate_keys: Collection[str],
    after_id: int,
    now: datetime,
    limit: int,
) -> tuple[str, list]:
    """Open deliveries after ``after_id`` to any of ``handlers`` for any of
    ``aggregate_keys``, in id order, at most ``limit``: ``CLAIMED`` and whether each is
    claimable (pending, due, not under a live lease)."""
    columns = ", ".join(_column(name) for name in CLAIMED)
    in_handlers, handler_params = in_list(connection, _column("handler"), handlers)
    in_keys, key_params = in_list(connection, _column("aggregate_key"), aggregate_keys)
    sql = (
        f"SELECT {columns}, ({_column('state')} = {_PENDING} AND {_column('available_at')} <= %s"
        f" AND ({_column('leased_until')} IS NULL OR {_column('leased_until')} < %s))"
        f" FROM {_table()}"
        f" WHERE NOT ({_column('state')} = {_DONE}) AND {in_handlers} AND {in_keys}"
        f" AND {_column('id')} > %s ORDER BY {_column('id')} LIMIT %s"
    )
    at = _value(connection, "available_at", now)
    return sql, [at, at, *handler_params, *key_params, after_id, limit]


def lease_sql(
    connection: BaseDatabaseWrapper, *, ids: Sequence[int], token: uuid.UUID, until: datetime
) -> tuple[str, list]:
    """Put the deliveries ``ids`` under the lease ``token`` until ``until``, counting an
    attempt each."""
    in_ids, id_params = in_list(connection, _column("id"), ids)
    sql = (
        f"UPDATE {_table()} SET {_column('lease_token')} = %s, {_column('leased_until')} = %s,"
        f" {_column('attempts')} = {_column('attempts')} + 1 WHERE {in_ids}"
    )
    return sql, [
        _value(connection, "lease_token", token),
        _value(connection, "leased_until", until),
        *id_params,
    ]


def lock_leased_sql(
    connection: BaseDatabaseWrapper, *, ids: Collection[int], token: uuid.UUID
) -> tuple[str, list]:
    """``SELECT id ... FOR UPDATE``: lock those of the deliveries ``ids`` that are still
    pending under the lease ``token``, for the caller's transaction; their ids."""
    in_ids, id_params = in_list(connection, _column("id"), ids)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    sql = (
        f"SELECT {_column('id')} FROM {_table()} WHERE {in_ids}"
        f" AND {_column('lease_token')} = %s AND {_column('state')} = {_PENDING}{lock}"
    )
    return sql, [*id_params, _value(connection, "lease_token", token)]


#: The stored event's fields ``lease_reading_events_sql`` reads, in its columns' order.
EVENT_FIELDS = tuple(field.attname for field in StoredEvent._meta.concrete_fields)


def lease_reading_events_sql(
    connection: BaseDatabaseWrapper, *, ids: Sequence[int], token: uuid.UUID, until: datetime
) -> tuple[str, list]:
    """``lease_sql``, answering the leased deliveries' stored events (``EVENT_FIELDS``, each
    event once): the round reads them in the claim's statement instead of one of its own.
    PostgreSQL only (an UPDATE in a ``WITH``)."""
    lease, params = lease_sql(connection, ids=ids, token=token, until=until)
    events = f'"{StoredEvent._meta.db_table}"'
    columns = ", ".join(
        f'{events}."{StoredEvent._meta.get_field(name).column}"' for name in EVENT_FIELDS
    )
    sql = (
        f"WITH leased AS ({lease} RETURNING {_column('event_id')})"
        f" SELECT {columns} FROM {events}"
        f' WHERE {events}."id" IN (SELECT {_column("event_id")} FROM leased)'
    )
    return sql, params


def mark_done_sql(
    connection: BaseDatabaseWrapper, *, ids: Sequence[int], token: uuid.UUID, now: datetime
) -> tuple[str, list]:
    """``UPDATE ... RETURNING id``: the deliveries ``ids`` that are still pending under the
    lease ``token`` become done at ``now``."""
    in_ids, id_params = in_list(connection, _column("id"), ids)
    sql = (
        f"UPDATE {_table()} SET {_column('state')} = {_DONE}, {_column('completed_at')} = %s,"
        f" {_column('lease_token')} = NULL, {_column('leased_until')} = NULL"
        f" WHERE {in_ids} AND {_column('lease_token')} = %s AND {_column('state')} = {_PENDING}"
        f" RETURNING {_column('id')}"
    )
    return sql, [
        _value(connection, "completed_at", now),
        *id_params,
        _value(connection, "lease_token", token),
    ]


def take_published_sql(
    connection: BaseDatabaseWrapper,
    *,
    event_ids: Collection[int],
    handled_ids: Collection[int],
    token: uuid.UUID,
    until: datetime,
    limit: int,
) -> tuple[str, list]:
    """``UPDATE ... RETURNING``: put under the lease ``token`` the pending deliveries of the
    events ``event_ids`` (published in the caller's open transaction) that head their queue,
    counting an attempt each; at most ``limit``, in id order. A queue's earlier deliveries in
    ``handled_ids`` (the round's own, handled or to be handled before these) do not count as
    open. Columns: ``CLAIMED``, in no particular order.

    No other worker can see these rows before the caller commits, so they need no
    ``SKIP LOCKED``; the same ``NOT EXISTS`` as the claim keeps each queue in order.
    """
    in_events, event_params = in_list(connection, _column("event_id", "d"), event_ids)
    if handled_ids:
        in_handled, handled_params = in_list(connection, _column("id", "earlier"), handled_ids)
        not_handled = f" AND NOT ({in_handled})"
    else:
        not_handled, handled_params = "", []
    sql = (
        f"UPDATE {_table()} SET {_column('lease_token')} = %s, {_column('leased_until')} = %s,"
        f" {_column('attempts')} = {_column('attempts')} + 1"
        f" WHERE {_column('id')} IN (SELECT {_column('id', 'd')} FROM {_table()} AS d"
        f" WHERE {in_events} AND {_column('state', 'd')} = {_PENDING}"
        f" AND {_column('lease_token', 'd')} IS NULL"
        f" AND NOT EXISTS (SELECT 1 FROM {_table()} AS earlier"
        f" WHERE {_column('aggregate_key', 'earlier')} = {_column('aggregate_key', 'd')}"
        f" AND {_column('handler', 'earlier')} = {_column('handler', 'd')}"
        f" AND {_column('id', 'earlier')} < {_column('id', 'd')}"
        f" AND NOT ({_column('state', 'earlier')} = {_DONE}){not_handled})"
        f" ORDER BY {_column('id', 'd')} LIMIT %s)"
        f" RETURNING {', '.join(_column(name) for name in CLAIMED)}"
    )
    return sql, [
        _value(connection, "lease_token", token),
        _value(connection, "leased_until", until),
        *event_params,
        *handled_params,
        limit,
    ]
