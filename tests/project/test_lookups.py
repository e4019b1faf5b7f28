"""InArray: the rows an IN list finds, as one array parameter on PostgreSQL."""

import uuid

import pytest
from django.db import connection
from django.utils import timezone

from hotel.bulk_rows import rows_insert
from hotel.eventbus.models import StoredEvent
from hotel.lookups import InArray

pytestmark = pytest.mark.django_db


def stored(n: int) -> StoredEvent:
    return StoredEvent(
        event_id=uuid.uuid4(),
        event_type="probe.Pinged",
        schema_version=2,
        aggregate_type="probe",
        aggregate_id=f"k{n}",
        occurred_at=timezone.now(),
        payload={"n": n},
    )


def test_in_array_finds_what_in_finds_for_ids_uuids_and_strings():
    events = rows_insert([stored(n) for n in range(6)])
    ids = [events[1].pk, events[4].pk, 10**12]
    uuids = [events[2].event_id, uuid.uuid4()]
    names = ["k3", "k5", "nobody"]

    for field, values in (("id", ids), ("event_id", uuids), ("aggregate_id", names)):
        found = set(StoredEvent.objects.filter(InArray(field, values)).values_list("pk", flat=True))
        expected = set(
            StoredEvent.objects.filter(**{f"{field}__in": values}).values_list("pk", flat=True)
        )
        assert found == expected
        assert len(found) == len(values) - 1
    assert not StoredEvent.objects.filter(InArray("id", [])).exists()


def test_on_postgresql_the_statement_is_the_same_whatever_the_length():
    events = rows_insert([stored(n) for n in range(60)])
    statements = []

    def record(execute, sql, params, many, context):
        statements.append((sql, len(params)))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        few = StoredEvent.objects.filter(InArray("id", [e.pk for e in events[:2]])).count()
        many = StoredEvent.objects.filter(InArray("id", [e.pk for e in events])).count()

    assert (few, many) == (2, 60)
    if connection.vendor == "postgresql":
        assert statements[0] == statements[1]
        assert statements[0][1] == 1
    else:
        assert [count for _, count in statements] == [2, 60]
