"""``InArray``: ``field IN (...)`` as one array parameter on PostgreSQL.

A batch reads and writes its rows by lists of ids: ``filter(id__in=ids)`` sends one parameter
per id, so every list length is a statement of its own. psycopg caches the conversion of no
statement with over 50 parameters, and the server prepares each length anew; both showed in the
outbox worker's profile. ``filter(InArray(F("id"), ids))`` sends ``id = ANY(%s)`` with the
ids as one array: one statement text whatever the length. Elsewhere (SQLite) it is a plain
``IN`` list.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import F, Lookup
from django.db.models.sql.compiler import SQLCompiler


class InArray(Lookup):
    lookup_name = "in_array"
    prepare_rhs = False

    def __init__(self, lhs: Any, rhs: Iterable[Any]) -> None:
        super().__init__(F(lhs) if isinstance(lhs, str) else lhs, list(rhs))

    def as_sql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        field = self.lhs.output_field
        values = [field.get_db_prep_value(value, connection, prepared=False) for value in self.rhs]
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*lhs_params, values]
        if not values:
            return "1 = 0", list(lhs_params)
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*lhs_params, *values]
