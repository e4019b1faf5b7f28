"""``in_list``: ``column IN (...)`` for a statement written out by hand.

On PostgreSQL the values go as one array parameter (``column = ANY(%s)``): one statement text
whatever the list's length, so psycopg's and the server's prepared statements are reused (see
``hotel.lookups.InArray``, the same for the ORM). Elsewhere (SQLite) a plain ``IN`` list.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper


def in_list(
    connection: BaseDatabaseWrapper, column: str, values: Collection[Any]
) -> tuple[str, list[Any]]:
    """``(sql, params)`` of ``column`` being one of ``values`` (already converted for the
    database, as ``Field.get_db_prep_value`` converts them)."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [list(values)]
    if not values:
        return "1 = 0", []
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)
