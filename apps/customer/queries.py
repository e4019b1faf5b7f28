"""The customer context's hand-written SQL: the guest's mypage, its most read page.

A mypage read is one small indexed query, and compiling it with the ORM cost the web process
more CPU than PostgreSQL spends answering it (docs/ARCHITECTURE.md, "SQL on the booking path
and the mypage"). So the two reads every guest makes, the list's page and one booking with
its timeline, are written out once, with table and column names from the models, and their
rows become model instances as the ORM would make them (``hotel.model_rows``). A list filtered
by the guest (``?status=``) goes through django-filter and the ORM as before
(``selectors.mypage_list``).
"""

from django.db import connection

from apps.customer.models import MypageEntry, MypageTimelineEntry
from hotel.model_rows import ModelRows

_quote = connection.ops.quote_name
_entries = ModelRows(MypageEntry, table="entry")
_steps = ModelRows(MypageTimelineEntry, table="step")


def _column(model: type, table: str, field_name: str) -> str:
    return f"{_quote(table)}.{_quote(model._meta.get_field(field_name).column)}"


def _entry(field_name: str) -> str:
    return _column(MypageEntry, "entry", field_name)


def _step(field_name: str) -> str:
    return _column(MypageTimelineEntry, "step", field_name)


_FROM_ENTRIES = f"FROM {_quote(MypageEntry._meta.db_table)} AS {_quote('entry')}"

# Newest first, as the ``mypage_by_guest`` index has them.
_PAGE_SQL = (
    f"SELECT {_entries.columns} {_FROM_ENTRIES} WHERE {_entry('guest_id')} = %s"
    f" ORDER BY {_entry('booked_at')} DESC, {_entry('order_id')} DESC LIMIT %s OFFSET %s"
)
_COUNT_SQL = f"SELECT COUNT(*) {_FROM_ENTRIES} WHERE {_entry('guest_id')} = %s"

# The entry with its timeline's steps in order, one row per step; an entry without steps yet
# is one row whose step columns are all NULL.
_ENTRY_SQL = (
    f"SELECT {_entries.columns}, {_steps.columns} {_FROM_ENTRIES}"
    f" LEFT JOIN {_quote(MypageTimelineEntry._meta.db_table)} AS {_quote('step')}"
    f" ON {_step('entry')} = {_entry('id')}"
    f" WHERE {_entry('order_id')} = %s AND {_entry('guest_id')} = %s"
    f" ORDER BY {_step('sequence')}"
)
_STEP_ID = _entries.width + _steps.position("id")


class GuestMypage:
    """A guest's mypage entries, newest first, as a paginator reads a list: a slice is one
    page (one statement), ``count()`` counts them all."""

    model = MypageEntry  # what the list holds, as a query set would say
    ordered = True

    def __init__(self, *, guest_id: int) -> None:
        self.guest_id = guest_id

    def __getitem__(self, page: slice) -> list[MypageEntry]:
        if not isinstance(page, slice) or page.step is not None:
            raise TypeError("GuestMypage is read a page at a time: entries[start:stop]")
        start = page.start or 0
        if page.stop is None or start < 0 or page.stop < start:
            raise ValueError("a page of the mypage needs 0 <= start <= stop")
        with connection.cursor() as cursor:
            cursor.execute(_PAGE_SQL, [self.guest_id, page.stop - start, start])
            return _entries.instances(cursor.fetchall())

    def count(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute(_COUNT_SQL, [self.guest_id])
            return cursor.fetchone()[0]


def mypage_entry_with_timeline(*, guest_id: int, order_id: int) -> MypageEntry | None:
    """The guest's entry of ``order_id``, its steps in order in ``timeline_in_order``, in one
    query; ``None`` when the guest has no such entry."""
    with connection.cursor() as cursor:
        cursor.execute(_ENTRY_SQL, [order_id, guest_id])
        rows = cursor.fetchall()
    if not rows:
        return None
    entry = _entries.instance(rows[0])
    steps = [row for row in rows if row[_STEP_ID] is not None]
    entry.timeline_in_order = _steps.instances(steps, start=_entries.width)
    return entry
