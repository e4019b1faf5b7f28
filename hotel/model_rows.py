"""``ModelRows``: model instances from the rows of a SELECT written once, as the ORM makes them.

A read that runs on nearly every request (the token lookup, a guest's mypage) spends more of
its CPU in the ORM compiling the query than PostgreSQL spends answering it. Such a read is
written out once per process instead, with table and column names from the model's
``_meta``; ``ModelRows`` gives it the model's columns for the SELECT list and turns the
columns of each row back into an instance the way the ORM's own iterators do: the backend's
and the field's converters first (a JSON column decoded, on SQLite a date parsed), then
``Model.from_db``. The instance is then as the ORM would have loaded it: loaded from that
database, every concrete field set, its relations loaded on first access.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Generic, TypeVar

from django.db import connections
from django.db.models import Field, Model

ModelT = TypeVar("ModelT", bound=Model)
Converter = Callable[[Any, Any, Any], Any]


class ModelRows(Generic[ModelT]):
    """The concrete columns of ``model`` (or those named in ``only``) in a SELECT list, and
    instances from them.

    ``table`` is the name the statement gives the model's table (its alias in the FROM
    clause). Build one per model, table and database, once, at import: it holds no
    connection, and the converters are asked of each thread's own connection when rows are
    built.
    """

    def __init__(
        self,
        model: type[ModelT],
        *,
        table: str,
        alias: str = "default",
        only: Sequence[str] = (),
    ) -> None:
        self.model = model
        self.alias = alias
        fields: list[Field] = list(model._meta.concrete_fields)
        if only:  # some columns only; the others deferred, as ``QuerySet.only`` leaves them
            fields = [field for field in fields if field.name in only]
        quote = connections[alias].ops.quote_name
        #: The SELECT list: ``"table"."column", ...`` in the model's field order.
        self.columns = ", ".join(f"{quote(table)}.{quote(field.column)}" for field in fields)
        #: How many columns of a row are this model's.
        self.width = len(fields)
        self._attnames = [field.attname for field in fields]
        self._fields = [(field, field.get_col(model._meta.db_table)) for field in fields]
        self._converted: list[int] | None = None  # positions with converters, once known

    def position(self, attname: str) -> int:
        """Where the field ``attname`` is among this model's columns."""
        return self._attnames.index(attname)

    def instances(self, rows: Iterable[Sequence[Any]], *, start: int = 0) -> list[ModelT]:
        """One instance per row, from the row's ``width`` columns at ``start``."""
        convert = self._converters()
        end = start + self.width
        instances = []
        for row in rows:
            values = list(row[start:end])
            for position, converters, column in convert:
                for converter in converters:
                    values[position] = converter(values[position], column, self._connection)
            instances.append(self.model.from_db(self.alias, self._attnames, values))
        return instances

    def instance(self, row: Sequence[Any], *, start: int = 0) -> ModelT:
        """``instances`` of one row."""
        return self.instances([row], start=start)[0]

    @property
    def _connection(self) -> Any:
        return connections[self.alias]

    def _converters(self) -> list[tuple[int, list[Converter], Any]]:
        """(position, converters, column) of each column the backend hands back unconverted
        (on PostgreSQL only JSON columns), the converters as this thread's connection has them.
        Which columns those are is found once."""
        connection = self._connection
        if self._converted is None:
            self._converted = [
                position
                for position, (field, column) in enumerate(self._fields)
                if _converters(connection, field, column)
            ]
        return [
            (position, _converters(connection, *self._fields[position]), self._fields[position][1])
            for position in self._converted
        ]


def _converters(connection: Any, field: Field, column: Any) -> list[Converter]:
    return connection.ops.get_db_converters(column) + field.get_db_converters(connection)
