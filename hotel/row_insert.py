"""One INSERT for one new row, without the ORM's per-call SQL compilation.

``Model.objects.create()`` compiles its INSERT anew on every call, which on the booking path
costs more CPU than PostgreSQL spends running the statement. ``row_insert`` builds the
statement once per model and then only converts the values (through each field's own
``pre_save`` and ``get_db_prep_save``, exactly as ``save()`` would) and runs it.

What it skips, on purpose: ``pre_save``/``post_save`` signals and ``full_clean``. Use it only
for rows no receiver listens to and whose values the caller has already validated.
"""

from __future__ import annotations

from functools import cache
from typing import TypeVar

from django.db import connections, router
from django.db.models import Model

M = TypeVar("M", bound=Model)


@cache
def _insert_sql(model: type[Model], unless_exists: str) -> tuple[str, tuple]:
    fields = tuple(field for field in model._meta.concrete_fields if not field.primary_key)
    columns = ", ".join(f'"{field.column}"' for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    on_conflict = ""
    if unless_exists:
        on_conflict = f' ON CONFLICT ("{model._meta.get_field(unless_exists).column}") DO NOTHING'
    sql = (
        f'INSERT INTO "{model._meta.db_table}" ({columns}) VALUES ({placeholders})'
        f'{on_conflict} RETURNING "{model._meta.pk.column}"'
    )
    return sql, fields


def row_insert(instance: M, *, unless_exists: str = "") -> M | None:
    """Insert ``instance`` (unsaved, auto primary key) and set its primary key.

    Field defaults were applied when the instance was built; ``auto_now``/``auto_now_add``
    timestamps are filled in here as ``save()`` would. Runs in the caller's transaction.

    ``unless_exists`` names a field with a unique constraint of its own: when a row with the
    same value is there already, nothing is written (``ON CONFLICT ... DO NOTHING``: no error,
    so no savepoint is needed to survive one) and ``None`` is returned. Without it, the
    function always returns ``instance``.
    """
    model = type(instance)
    alias = router.db_for_write(model)
    connection = connections[alias]
    sql, fields = _insert_sql(model, unless_exists)
    values = [
        field.get_db_prep_save(field.pre_save(instance, add=True), connection) for field in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        inserted = cursor.fetchone()
    if inserted is None:
        return None
    instance.pk = inserted[0]
    instance._state.adding = False
    instance._state.db = alias
    return instance
