"""INSERTs of new rows without the ORM's per-call SQL compilation.

``Model.objects.create()`` compiles its INSERT anew on every call, which on the booking path
costs more CPU than PostgreSQL spends running the statement. ``row_insert`` (one row) and
``rows_insert`` (several, in one statement) build the statement once per model and row count
and then only convert the values (through each field's own ``pre_save`` and
``get_db_prep_save``, exactly as ``save()`` would) and run it.

Unlike ``bulk_create(ignore_conflicts=True)``, ``unless_exists`` tells which rows were written:
the caller learns in the same statement which were new.

What they skip, on purpose: ``pre_save``/``post_save`` signals and ``full_clean``. Use them
only for rows no receiver listens to and whose values the caller has already validated.
Database-generated columns (``GeneratedField``) are left to the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache, lru_cache
from typing import TypeVar

from django.db import connections, router
from django.db.models import Field, Model

M = TypeVar("M", bound=Model)


@cache
def _written_fields(model: type[Model]) -> tuple[Field, ...]:
    return tuple(
        field
        for field in model._meta.concrete_fields
        if not field.primary_key and not getattr(field, "generated", False)
    )


@lru_cache(maxsize=512)
def _insert_sql(model: type[Model], unless_exists: str, rows: int) -> str:
    fields = _written_fields(model)
    columns = ", ".join(f'"{field.column}"' for field in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    returning = f'"{model._meta.pk.column}"'
    on_conflict = ""
    if unless_exists:
        key = model._meta.get_field(unless_exists).column
        on_conflict = f' ON CONFLICT ("{key}") DO NOTHING'
        returning += f', "{key}"'
    return (
        f'INSERT INTO "{model._meta.db_table}" ({columns}) VALUES {", ".join([row] * rows)}'
        f"{on_conflict} RETURNING {returning}"
    )


def rows_insert(instances: Sequence[M], *, unless_exists: str = "") -> list[M]:
    """Insert ``instances`` (unsaved, of one model, auto primary keys); the ones written.

    Field defaults were applied when the instances were built; ``auto_now``/``auto_now_add``
    timestamps are filled in here as ``save()`` would. Runs in the caller's transaction. Each
    written instance gets its primary key and counts as saved.

    ``unless_exists`` names a field with a unique constraint of its own: a row whose value is
    there already (or comes earlier in ``instances``) is not written (``ON CONFLICT ... DO
    NOTHING``: no error, so no savepoint is needed to survive one) and is left out of the
    result. Without it every instance is written and returned, in the order given.
    """
    if not instances:
        return []
    model = type(instances[0])
    alias = router.db_for_write(model)
    connection = connections[alias]
    fields = _written_fields(model)
    per_statement = connection.ops.bulk_batch_size(fields, instances) if len(instances) > 1 else 1
    written: list[M] = []
    for start in range(0, len(instances), per_statement):
        chunk = instances[start : start + per_statement]
        values = [
            field.get_db_prep_save(field.pre_save(instance, add=True), connection)
            for instance in chunk
            for field in fields
        ]
        with connection.cursor() as cursor:
            cursor.execute(_insert_sql(model, unless_exists, len(chunk)), values)
            returned = cursor.fetchall()
        if unless_exists:
            key_field = model._meta.get_field(unless_exists)
            by_key: dict[object, M] = {}
            for instance in chunk:  # the first of equal keys is the one written
                by_key.setdefault(getattr(instance, key_field.attname), instance)
            pairs = [(by_key[key_field.to_python(key)], pk) for pk, key in returned]
        else:
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
