"""row_insert and rows_insert: what they write, what they leave out, and what they return."""

import uuid

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hotel.eventbus.models import StoredEvent
from hotel.row_insert import row_insert, rows_insert

pytestmark = pytest.mark.django_db


def stored_event(n: int, *, event_id: uuid.UUID | None = None) -> StoredEvent:
    return StoredEvent(
        event_id=event_id or uuid.uuid4(),
        event_type="probe.Pinged",
        schema_version=2,
        aggregate_type="probe",
        aggregate_id=f"k{n}",
        correlation_id="",
        occurred_at=timezone.now(),
        payload={"key": f"k{n}", "n": n, "note": '한국어 "quoted"'},
    )


def test_rows_insert_writes_every_row_in_one_statement_and_sets_their_keys():
    rows = [stored_event(n) for n in range(5)]

    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        written = rows_insert(rows)

    assert written == rows
    assert sum(q["sql"].startswith("INSERT") for q in queries.captured_queries) == 1
    assert all(row.pk is not None and not row._state.adding for row in rows)
    stored = StoredEvent.objects.order_by("id")
    assert [(row.pk, row.aggregate_id, row.payload) for row in stored] == [
        (row.pk, row.aggregate_id, row.payload) for row in rows
    ]


def test_unless_exists_writes_only_new_values_and_returns_exactly_those():
    taken = uuid.uuid4()
    first = row_insert(stored_event(0, event_id=taken))
    again = stored_event(1, event_id=taken)
    fresh = stored_event(2)
    twin = stored_event(3, event_id=fresh.event_id)  # the same value later in the same call

    written = rows_insert([again, fresh, twin], unless_exists="event_id")

    assert written == [fresh]
    assert again.pk is None
    assert twin.pk is None
    assert first is not None
    assert StoredEvent.objects.count() == 2
    assert StoredEvent.objects.get(event_id=taken).aggregate_id == "k0"
    assert row_insert(stored_event(4, event_id=taken), unless_exists="event_id") is None


def test_rows_insert_splits_what_one_statement_cannot_carry():
    rows = [stored_event(n) for n in range(3)]
    per_statement = connection.ops.bulk_batch_size(
        [f for f in StoredEvent._meta.concrete_fields if not f.primary_key], rows
    )
    many = [stored_event(n) for n in range(min(per_statement + 5, 3000))]

    written = rows_insert(many)

    assert len(written) == len(many)
    assert StoredEvent.objects.count() == len(many)
    assert len({row.pk for row in many}) == len(many)


def test_nothing_to_insert_runs_nothing():
    with CaptureQueriesContext(connection) as queries:
        assert rows_insert([]) == []
    assert queries.captured_queries == []
