"""The customer context's hand-written SQL: the guest's mypage, its most read page, and the
reads the event handlers make every worker round.

A mypage read is one small indexed query, and compiling it with the ORM cost the web process
more CPU than PostgreSQL spends answering it (docs/ARCHITECTURE.md, "SQL on the booking path
and the mypage"). So the two reads every guest makes, the list's page and one booking with
its timeline, are written out once, with table and column names from the models, and their
rows become model instances as the ORM would make them (``hotel.model_rows``). A list filtered
by the guest (``?status=``) goes through django-filter and the ORM as before
(``selectors.mypage_list``).

The same holds for the outbox worker: a live round carries a booking or two, and each of its
handlers' reads (the guests' profiles, the entries the projection folds events into, the
timeline rows a message is written from) cost more to compile than to run. They are written
out here too, each reading a batch by a list of ids (``hotel.sql_lists.in_list``).
"""

from collections.abc import Collection, Iterable

from django.contrib.auth import get_user_model
from django.db import connection

from apps.customer.models import GuestProfile, MypageEntry, MypageTimelineEntry
from hotel.model_rows import ModelRows
from hotel.sql_lists import in_list

_quote = connection.ops.quote_name
_entries = ModelRows(MypageEntry, table="entry")
_steps = ModelRows(MypageTimelineEntry, table="step")
_User = get_user_model()
_users = ModelRows(_User, table="account")
_profiles = ModelRows(GuestProfile, table="profile")


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


# --- What the event handlers read each round --------------------------------------------------

_FROM_ACCOUNTS = (
    f"FROM {_quote(_User._meta.db_table)} AS {_quote('account')}"
    f" LEFT JOIN {_quote(GuestProfile._meta.db_table)} AS {_quote('profile')}"
    f" ON {_column(GuestProfile, 'profile', 'user')} = {_column(_User, 'account', 'id')}"
)
_PROFILE_ID = _users.width + _profiles.position("id")


def users_with_profiles(*, user_ids: Collection[int]) -> list[tuple]:
    """The users ``user_ids`` (those that exist), each with its stored profile or ``None``,
    in one query: ``(user, profile)`` pairs, the profile's user loaded."""
    if not user_ids:
        return []
    where, params = in_list(connection, _column(_User, "account", "id"), user_ids)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {_users.columns}, {_profiles.columns} {_FROM_ACCOUNTS} WHERE {where}", params
        )
        rows = cursor.fetchall()
    pairs = []
    for row in rows:
        user = _users.instance(row)
        profile = None
        if row[_PROFILE_ID] is not None:
            profile = _profiles.instance(row, start=_users.width)
            profile.user = user  # as select_related("guest_profile") leaves it: no query
        pairs.append((user, profile))
    return pairs


_event_id = MypageTimelineEntry._meta.get_field("event_id")
_FROM_STEPS = (
    f"FROM {_quote(MypageTimelineEntry._meta.db_table)} AS {_quote('step')}"
    f" JOIN {_quote(MypageEntry._meta.db_table)} AS {_quote('entry')}"
    f" ON {_entry('id')} = {_step('entry')}"
)


def timeline_rows_with_entries(*, event_ids: Iterable) -> list[MypageTimelineEntry]:
    """The timeline rows of the events ``event_ids`` (those applied), each with its entry
    loaded, in one query."""
    values = [_event_id.get_db_prep_value(event_id, connection) for event_id in event_ids]
    if not values:
        return []
    where, params = in_list(connection, _step("event_id"), values)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {_steps.columns}, {_entries.columns} {_FROM_STEPS} WHERE {where}", params
        )
        rows = cursor.fetchall()
    steps = _steps.instances(rows)
    for step, entry in zip(steps, _entries.instances(rows, start=_steps.width), strict=True):
        step.entry = entry
    return steps


_LOCK = " FOR UPDATE" if connection.features.has_select_for_update else ""


def entries_locked(*, order_ids: Collection[int]) -> list[MypageEntry]:
    """The mypage entries of ``order_ids`` (those there are), locked for the caller's
    transaction in order_id order (SQLite: its write transaction serialises them)."""
    if not order_ids:
        return []
    where, params = in_list(connection, _entry("order_id"), order_ids)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {_entries.columns} {_FROM_ENTRIES} WHERE {where}"
            f" ORDER BY {_entry('order_id')}{_LOCK}",
            params,
        )
        return _entries.instances(cursor.fetchall())


_event_ids = ModelRows(MypageTimelineEntry, table="step", only=["event_id"])
_EVENTS_APPLIED_SQL = (
    f"SELECT {_event_ids.columns} FROM {_quote(MypageTimelineEntry._meta.db_table)}"
    f" AS {_quote('step')} WHERE "
)


def events_applied(*, event_ids: Iterable) -> set:
    """Which of the events ``event_ids`` have a timeline row (were applied to the mypage)."""
    values = [_event_id.get_db_prep_value(event_id, connection) for event_id in event_ids]
    if not values:
        return set()
    where, params = in_list(connection, _step("event_id"), values)
    with connection.cursor() as cursor:
        cursor.execute(_EVENTS_APPLIED_SQL + where, params)
        rows = cursor.fetchall()
    return {step.event_id for step in _event_ids.instances(rows)}
