"""row_insert, rows_insert and rows_update: what they write, what they leave out, what they
return."""

import uuid

import pytest
from django.db import connection, models, transaction
from django.db.models import F
from django.test.utils import CaptureQueriesContext, isolate_apps
from django.utils import timezone

from apps.orders.models import BookingRequest
from hotel import bulk_rows
from hotel.bulk_rows import row_insert, rows_insert, rows_update
from hotel.eventbus.models import StoredEvent
from tests.user_factories import UserFactory

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


def test_row_insert_writes_one_row_as_save_would():
    """A foreign key from its ``_id``, ``auto_now_add`` filled in, a null left null."""
    guest = UserFactory()
    request = BookingRequest(guest_id=guest.pk, idempotency_key="key-1", fingerprint="f" * 64)
    before = timezone.now()

    with CaptureQueriesContext(connection) as queries:
        written = row_insert(request)

    assert written is request
    assert len(queries.captured_queries) == 1
    assert request.pk is not None
    assert not request._state.adding
    assert request._state.db == "default"
    assert before <= request.created_at <= timezone.now()
    stored = BookingRequest.objects.get(pk=request.pk)
    assert (stored.guest_id, stored.idempotency_key, stored.fingerprint) == (
        guest.pk,
        "key-1",
        "f" * 64,
    )
    assert (stored.order_id, stored.outcome, stored.completed_at) == (None, None, None)
    assert stored.created_at == request.created_at


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


def test_unless_exists_tells_new_rows_from_existing_ones_among_many():
    existing = rows_insert([stored_event(n) for n in range(3)])
    taken = iter(row.event_id for row in existing)
    # Rows 1, 3 and 5 carry values that are there already.
    given = [stored_event(10 + n, event_id=next(taken) if n % 2 else None) for n in range(6)]

    with CaptureQueriesContext(connection) as queries:
        written = rows_insert(given, unless_exists="event_id")

    assert sum(q["sql"].startswith("INSERT") for q in queries.captured_queries) == 1
    assert written == [given[0], given[2], given[4]]
    assert [row.pk for row in given[1::2]] == [None, None, None]
    assert all(row._state.adding for row in given[1::2])
    # Each new row got the key its own row was stored under, whatever the database's order.
    stored = {row.pk: row for row in StoredEvent.objects.all()}
    assert len(stored) == 6
    for row in written:
        assert (stored[row.pk].event_id, stored[row.pk].aggregate_id) == (
            row.event_id,
            row.aggregate_id,
        )
    for old in existing:  # untouched
        assert stored[old.pk].aggregate_id == old.aggregate_id


def test_rows_insert_splits_a_values_list_that_one_statement_cannot_carry(monkeypatch):
    monkeypatch.setattr(bulk_rows, "MAX_PARAMETERS", 8 * 3)  # three events a statement
    rows = [stored_event(n) for n in range(7)]

    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        written = rows_insert(rows)

    # PostgreSQL takes one array per column, whatever the rows; SQLite a VALUES list.
    statements = 1 if connection.vendor == "postgresql" else 3
    assert sum(q["sql"].startswith("INSERT") for q in queries.captured_queries) == statements
    assert written == rows
    assert StoredEvent.objects.count() == 7
    assert sorted(row.pk for row in rows) == list(
        StoredEvent.objects.order_by("id").values_list("id", flat=True)
    )


def test_rows_update_writes_the_named_fields_of_every_row_in_one_statement():
    rows = rows_insert([stored_event(n) for n in range(4)])
    for n, row in enumerate(rows):
        row.correlation_id = f"order-{n}"
        row.payload = [] if n == 0 else {"n": n, "note": "바뀜"}
        row.aggregate_id = "not written"

    with CaptureQueriesContext(connection) as queries:
        rows_update(rows, fields=["correlation_id", "payload"])

    assert len(queries.captured_queries) == 1
    stored = StoredEvent.objects.order_by("id")
    assert [(r.correlation_id, r.payload) for r in stored] == [
        ("order-0", []),
        ("order-1", {"n": 1, "note": "바뀜"}),
        ("order-2", {"n": 2, "note": "바뀜"}),
        ("order-3", {"n": 3, "note": "바뀜"}),
    ]
    assert {r.aggregate_id for r in stored} == {"k0", "k1", "k2", "k3"}


def test_rows_update_leaves_the_rows_that_hold_the_unless_value_already():
    rows = rows_insert([stored_event(n) for n in range(3)])
    StoredEvent.objects.filter(pk=rows[1].pk).update(correlation_id="recorded elsewhere")
    for n, row in enumerate(rows):
        row.correlation_id = f"order-{n}"
        row.event_type = "probe.Changed"

    with CaptureQueriesContext(connection) as queries:
        rows_update(
            rows,
            fields=["correlation_id", "event_type"],
            unless={"correlation_id": "recorded elsewhere"},
        )

    assert len(queries.captured_queries) == 1
    stored = StoredEvent.objects.order_by("id")
    assert [(r.correlation_id, r.event_type) for r in stored] == [
        ("order-0", "probe.Changed"),
        ("recorded elsewhere", "probe.Pinged"),
        ("order-2", "probe.Changed"),
    ]


def test_nothing_to_insert_runs_nothing():
    with CaptureQueriesContext(connection) as queries:
        assert rows_insert([]) == []
    assert queries.captured_queries == []


@pytest.mark.postgres
def test_on_postgresql_the_statement_is_the_same_whatever_the_number_of_rows():
    statements = []

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        rows_insert([stored_event(n) for n in range(2)])
        rows_insert([stored_event(n) for n in range(60)])
        rows_update(list(StoredEvent.objects.all()), fields=["correlation_id"])
        rows_update(list(StoredEvent.objects.all()[:3]), fields=["correlation_id"])
        row_insert(stored_event(99))  # one row: plain parameters

    inserts = [sql for sql in statements if sql.startswith("INSERT")]
    assert len(set(inserts[:2])) == 1
    assert "unnest" not in inserts[2]
    assert len({sql for sql in statements if sql.startswith("UPDATE")}) == 1
    assert StoredEvent.objects.count() == 63


def test_an_over_long_value_is_refused_not_cut_short():
    from django.db import DataError, IntegrityError

    too_long = stored_event(0)
    too_long.event_type = "x" * 101  # the column holds 100

    if connection.vendor == "sqlite":  # SQLite does not enforce a varchar's length
        rows_insert([too_long])
        assert StoredEvent.objects.get().event_type == "x" * 101
        return
    with pytest.raises((DataError, IntegrityError)), transaction.atomic():
        rows_insert([too_long])
    assert StoredEvent.objects.count() == 0


def test_nothing_to_update_runs_nothing():
    with CaptureQueriesContext(connection) as queries:
        rows_update([], fields=["correlation_id"])
    assert queries.captured_queries == []


# --- the columns written -----------------------------------------------------------------
# A model of its own needs a table, so these ask the column selection (and the refusal below)
# of a model that exists only in an isolated app registry: nothing of them reaches the database.
def priced_model() -> type[models.Model]:
    class Priced(models.Model):
        nightly_krw = models.IntegerField()
        nights = models.IntegerField()
        total_krw = models.GeneratedField(
            expression=F("nightly_krw") * F("nights"),
            output_field=models.IntegerField(),
            db_persist=True,
        )
        note = models.CharField(max_length=20, db_default="")
        currency = models.CharField(max_length=3, default="KRW", db_default="KRW")

        class Meta:
            app_label = "outbox_probe"

        def __str__(self) -> str:
            return f"{self.nights} nights"

    return Priced


@isolate_apps("tests.outbox_probe")
def test_generated_fields_and_the_primary_key_are_not_written():
    priced = priced_model()

    written = bulk_rows._written_fields(priced)

    assert [field.name for field in written] == ["nightly_krw", "nights", "note", "currency"]
    for rows in (0, 1, 3):  # arrays (PostgreSQL), one row, a VALUES list
        sql = bulk_rows._insert_sql(priced, "", rows)
        assert '"total_krw"' not in sql
        assert '"id"' not in sql.split("RETURNING")[0]
        assert '"nightly_krw", "nights", "note", "currency"' in sql


@isolate_apps("tests.outbox_probe")
def test_a_field_left_to_its_db_default_is_refused_before_any_statement():
    priced = priced_model()
    given = priced(nightly_krw=100_000, nights=2, note="quiet room")
    left_to_default = priced(nightly_krw=100_000, nights=3)  # note: DatabaseDefault

    bulk_rows._refuse_database_defaults(priced, [given])  # a value, or a Python default
    with (
        CaptureQueriesContext(connection) as queries,
        pytest.raises(ValueError, match=r"Priced\.note to its db_default"),
    ):
        rows_insert([given, left_to_default])
    assert queries.captured_queries == []
