"""INSERTs and UPDATEs of many rows in one statement, without the ORM's per-call compilation.

``Model.objects.create()`` compiles its INSERT anew on every call, which on the booking path
costs more CPU than PostgreSQL spends running the statement; and a batch handler must write its
rows in a number of statements that does not grow with the batch. Django's bulk operations do
not quite serve: ``bulk_create(ignore_conflicts=True)`` cannot say which rows it wrote (and
that is how a redelivered event is told from a new one), ``bulk_update`` writes each column as
a ``CASE`` with one branch per row (for a round's mypage entries, many times slower on
PostgreSQL than the statement below), and both split at 999 parameters on SQLite, whose limit
has long been far higher.

So these write the statement out, with table and column names from the model's ``_meta``, and
convert every value through its field's own ``pre_save`` and ``get_db_prep_save``, exactly as
``save()`` would. On PostgreSQL each column of several rows travels as one array parameter,
unnested in SQL: the statement's text is the same whatever the number of rows, so psycopg
converts it once and the server prepares it once (psycopg caches no statement of over 50
parameters, and splitting a multi-row ``VALUES`` list anew was a sixth of the outbox worker's
Python time); a single inserted row goes as plain parameters. Elsewhere (SQLite 3.35 or later)
it is a multi-row ``VALUES`` list, split at the database's parameter limit.

What they skip, on purpose: ``pre_save``/``post_save`` signals and ``full_clean``: use them
only for rows no receiver listens to and whose values the caller has already validated.
Foreign keys are written from their ``<name>_id`` attribute. Database-generated columns
(``GeneratedField``) are left to the database. A ``db_default`` is not: an instance built
without a value for such a field (one with no Python ``default``) is refused with
``ValueError``, since no parameter can carry "the column's default".
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from functools import cache, lru_cache
from typing import TypeVar

from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model
from django.db.models.expressions import DatabaseDefault

M = TypeVar("M", bound=Model)

#: Parameters per statement at the most where rows travel as a ``VALUES`` list (SQLite, whose
#: limit is 32,766 since 3.32); rows beyond it go in a further statement. A worker's batch
#: (``OUTBOX["BATCH_SIZE"]``, 100 by default) of the widest row here (a mypage entry) fits in
#: one, and so does one of 1,000.
MAX_PARAMETERS = 32_000


@cache
def _written_fields(model: type[Model]) -> tuple[Field, ...]:
    """The columns an INSERT writes: every concrete field but the (auto) primary key and the
    database-generated ones (``GeneratedField``), which no INSERT may name."""
    return tuple(
        field
        for field in model._meta.concrete_fields
        if not field.primary_key and not field.generated
    )


@cache
def _db_default_fields(model: type[Model]) -> tuple[Field, ...]:
    """Written fields with a ``db_default`` and no Python default: an instance built without a
    value for one holds a ``DatabaseDefault`` expression there, which ``rows_insert`` refuses."""
    return tuple(
        field
        for field in _written_fields(model)
        if field.has_db_default() and not field.has_default()
    )


def _refuse_database_defaults(model: type[Model], instances: Sequence[Model]) -> None:
    for field in _db_default_fields(model):
        if any(isinstance(getattr(i, field.attname), DatabaseDefault) for i in instances):
            raise ValueError(
                f"bulk_rows cannot leave {model.__name__}.{field.name} to its db_default: "
                "give it a value (or a Python default), or use save()/bulk_create()"
            )


@lru_cache(maxsize=512)
def _insert_sql(model: type[Model], unless_exists: str, rows: int) -> str:
    """The INSERT of ``rows`` rows: ``rows == 0`` means one array per column (PostgreSQL)."""
    fields = _written_fields(model)
    columns = ", ".join(f'"{field.column}"' for field in fields)
    if rows:
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        source = f"VALUES {', '.join([row] * rows)}"
    else:
        source = f"SELECT * FROM unnest({_array_parameters(tuple(fields))})"
    returning = f'"{model._meta.pk.column}"'
    on_conflict = ""
    if unless_exists:
        key = model._meta.get_field(unless_exists).column
        on_conflict = f' ON CONFLICT ("{key}") DO NOTHING'
        returning += f', "{key}"'
    return (
        f'INSERT INTO "{model._meta.db_table}" ({columns}) {source}'
        f"{on_conflict} RETURNING {returning}"
    )


@lru_cache(maxsize=512)
def _array_parameters(fields: tuple[Field, ...]) -> str:
    """``%b::<type>[]`` per field, for PostgreSQL. The type's length is left out (``varchar``,
    not ``varchar(64)``): an explicit cast would cut an over-long value short where the INSERT's
    own assignment refuses it.

    ``%b`` sends the array in PostgreSQL's binary format, which needs the server to bind the
    parameters (the default, ``DB_PREPARED_STATEMENTS``); psycopg writes it about three times
    faster than the text format (which escapes every element with a regular expression), and
    the server reads it without parsing. Bound on the client, the arrays go as text (``%s``).
    """
    connection = connections["default"]
    binary = connection.settings_dict.get("OPTIONS", {}).get("server_side_binding", False)
    placeholder = "%b" if binary else "%s"
    return ", ".join(
        f"{placeholder}::{re.sub(r'[(].*[)]', '', field.cast_db_type(connection))}[]"
        for field in fields
    )


def rows_insert(instances: Sequence[M], *, unless_exists: str = "") -> list[M]:
    """Insert ``instances`` (unsaved, of one model, auto primary keys); the ones written.

    Field defaults were applied when the instances were built; ``auto_now``/``auto_now_add``
    timestamps are filled in here as ``save()`` would. Runs in the caller's transaction. Each
    written instance gets its primary key and counts as saved.

    ``unless_exists`` names a field with a unique constraint of its own: a row whose value is
    there already (or comes earlier in ``instances``) is not written (``ON CONFLICT ... DO
    NOTHING``: no error, so no savepoint is needed to survive one) and is left out of the
    result. Without it every instance is written and returned, in the order given, and a
    duplicate raises ``IntegrityError`` as a plain INSERT would.
    """
    if not instances:
        return []
    model = type(instances[0])
    alias = router.db_for_write(model)
    connection = connections[alias]
    fields = _written_fields(model)
    _refuse_database_defaults(model, instances)
    written: list[M] = []
    for chunk in _chunks(instances, connection, columns=len(fields)):
        values = _prepared(chunk, fields, connection, add=True)
        if _as_arrays(connection, chunk):
            sql, params = _insert_sql(model, unless_exists, 0), _by_column(values)
        else:
            sql = _insert_sql(model, unless_exists, len(chunk))
            params = [value for row in values for value in row]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            returned = cursor.fetchall()
        if unless_exists:
            # RETURNING lists only the rows written: find each by its unique value.
            key_field = model._meta.get_field(unless_exists)
            by_key: dict[object, M] = {}
            for instance in chunk:  # the first of equal keys is the one written
                by_key.setdefault(getattr(instance, key_field.attname), instance)
            pairs = [(by_key[key_field.to_python(key)], pk) for pk, key in returned]
        else:
            # Every row was written, and both databases return them in the order given (as
            # Django's bulk_create relies on).
            pairs = [(instance, pk) for instance, (pk,) in zip(chunk, returned, strict=True)]
        for instance, pk in pairs:
            instance.pk = pk
            instance._state.adding = False
            instance._state.db = alias
            written.append(instance)
    return written


def row_insert(instance: M, *, unless_exists: str = "") -> M | None:
    """Insert one ``instance`` (see ``rows_insert``); ``None`` when ``unless_exists`` found
    its value there already, else ``instance`` with its primary key."""
    written = rows_insert([instance], unless_exists=unless_exists)
    return written[0] if written else None


def rows_update(
    instances: Sequence[Model],
    *,
    fields: Sequence[str],
    unless: Mapping[str, object] | None = None,
) -> None:
    """Write ``fields`` of each of ``instances`` (saved rows of one model) back, in one
    statement: ``UPDATE ... FROM`` the new values (unnested arrays on PostgreSQL, a ``VALUES``
    list elsewhere), matched on the primary key.

    ``unless`` (field name to value): a row whose stored field holds that value already is
    left as it is (``WHERE NOT (field = value)``, as ``.exclude(field=value)`` on a field
    that cannot be null), e.g. a notification another worker has recorded sent meanwhile.
    """
    if not instances:
        return
    model = type(instances[0])
    meta = model._meta
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    written = [meta.get_field(name) for name in fields]
    table = quote(meta.db_table)

    def new_value(field: Field) -> str:
        return f"changed.{quote(field.column)}"

    given = [meta.pk, *written]
    columns = ", ".join(quote(field.column) for field in given)
    assignments = ", ".join(f"{quote(field.column)} = {new_value(field)}" for field in written)
    match = f"{table}.{quote(meta.pk.column)} = changed.{quote(meta.pk.column)}"
    kept = [(meta.get_field(name), value) for name, value in (unless or {}).items()]
    for field, _ in kept:
        match += f" AND NOT ({table}.{quote(field.column)} = %s)"
    kept_values = [field.get_db_prep_value(value, connection) for field, value in kept]
    for chunk in _chunks(instances, connection, columns=len(given) + len(kept)):
        values = _prepared(chunk, given, connection, add=False)
        # Arrays even for one row: a VALUES list's columns would need casts on PostgreSQL.
        if connection.vendor == "postgresql":
            sql = (
                f"UPDATE {table} SET {assignments} "
                f"FROM unnest({_array_parameters(tuple(given))}) AS changed ({columns}) "
                f"WHERE {match}"
            )
            params = [*_by_column(values), *kept_values]
        else:
            # SQLite names a VALUES list's columns column1, column2, ...: renamed in a
            # subquery, so that the statement is an UPDATE from its first word.
            row = "(" + ", ".join(["%s"] * len(given)) + ")"
            renamed = ", ".join(
                f"column{n} AS {quote(field.column)}" for n, field in enumerate(given, start=1)
            )
            sql = (
                f"UPDATE {table} SET {assignments} FROM (SELECT {renamed} "
                f"FROM (VALUES {', '.join([row] * len(chunk))})) AS changed WHERE {match}"
            )
            params = [value for row_values in values for value in row_values] + kept_values
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def _as_arrays(connection: BaseDatabaseWrapper, rows: Sequence[Model]) -> bool:
    """Inserted columns as arrays: on PostgreSQL, for more than one row. One row (the booking
    path's inserts) is cheaper as plain parameters: few enough for psycopg to cache its
    statement, and no list to adapt per column."""
    return connection.vendor == "postgresql" and len(rows) > 1


def _prepared(
    instances: Sequence[Model],
    fields: Sequence[Field],
    connection: BaseDatabaseWrapper,
    *,
    add: bool,
) -> list[list]:
    """Each instance's values as the database takes them, row by row."""
    return [
        [field.get_db_prep_save(field.pre_save(instance, add), connection) for field in fields]
        for instance in instances
    ]


def _by_column(rows: list[list]) -> list[list]:
    return [list(column) for column in zip(*rows, strict=True)]


def _chunks(
    instances: Sequence[M], connection: BaseDatabaseWrapper, *, columns: int
) -> Iterator[Sequence[M]]:
    if connection.vendor == "postgresql":  # one array per column, whatever the rows
        yield instances
        return
    size = max(1, _max_parameters(connection) // columns)
    for start in range(0, len(instances), size):
        yield instances[start : start + size]


def _max_parameters(connection: BaseDatabaseWrapper) -> int:
    """``MAX_PARAMETERS``, or less where the database allows less (an SQLite built with a lower
    limit than the 32,766 of 3.32 and later)."""
    if connection.vendor != "sqlite":
        return min(MAX_PARAMETERS, connection.features.max_query_params or MAX_PARAMETERS)
    connection.ensure_connection()
    limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    return min(MAX_PARAMETERS, limit)
