"""The worker's statements on ``eventbus_delivery`` that run every round, written out once.

A live round is small (a booking or two), so what the worker spends per round, not per
delivery, sets its cost per booking; and compiling an ORM ``update()`` cost the worker more
CPU than PostgreSQL spends running it. These statements are built once per database vendor,
with table and column names from the model, and take their values converted by each field
as the ORM would convert them.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

from hotel.eventbus.models import Delivery

_PENDING = Delivery.State.PENDING.value
_DONE = Delivery.State.DONE.value


_mark_done_by_vendor: dict[str, str] = {}


def _mark_done_template(connection: BaseDatabaseWrapper) -> str:
    """The statement for ``connection``'s database, built on first use; on SQLite with ``{}``
    where the ids' placeholders go."""
    template = _mark_done_by_vendor.get(connection.vendor)
    if template is not None:
        return template
    quote = connection.ops.quote_name

    def column(name: str) -> str:
        return quote(Delivery._meta.get_field(name).column)

    ids = "= ANY(%s)" if connection.vendor == "postgresql" else "IN ({})"
    template = _mark_done_by_vendor[connection.vendor] = (
        f"UPDATE {quote(Delivery._meta.db_table)} SET {column('state')} = %s,"
        f" {column('completed_at')} = %s, {column('lease_token')} = NULL,"
        f" {column('leased_until')} = NULL"
        f" WHERE {column('id')} {ids} AND {column('lease_token')} = %s"
        f" AND {column('state')} = %s RETURNING {column('id')}"
    )
    return template


def mark_done_sql(
    connection: BaseDatabaseWrapper, *, ids: Sequence[int], token: uuid.UUID, now: datetime
) -> tuple[str, list[Any]]:
    """``UPDATE ... RETURNING id``: the deliveries ``ids`` that are still pending under the
    lease ``token`` become done at ``now``. On PostgreSQL the ids are one array parameter
    (one statement text whatever their number); elsewhere an ``IN`` list."""
    template = _mark_done_template(connection)
    completed_at = Delivery._meta.get_field("completed_at").get_db_prep_value(now, connection)
    lease = Delivery._meta.get_field("lease_token").get_db_prep_value(token, connection)
    if connection.vendor == "postgresql":
        return template, [_DONE, completed_at, list(ids), lease, _PENDING]
    sql = template.format(", ".join(["%s"] * len(ids)))
    return sql, [_DONE, completed_at, *ids, lease, _PENDING]
