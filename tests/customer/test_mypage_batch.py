"""The mypage projection in batches: the same rows as one by one, in a fixed number of
statements, and safe when another transaction creates an entry meanwhile."""

import re
import threading
import uuid

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from apps.customer.models import MypageEntry, MypageTimelineEntry
from apps.customer.projection import mypage_apply, mypage_apply_batch, mypage_rebuild
from hotel.eventbus import EventMeta
from hotel.eventbus.testing import wait_until
from tests.customer.booking_events import Booking, at, publish_events, stored_items
from tests.customer.snapshots import mypage_rows
from tests.outbox_probe.events import Pinged

pytestmark = pytest.mark.django_db(transaction=True)

# ``guest`` is the root conftest's user: the projection needs only a guest id, no profile.


def four_stories(guest_id: int):
    """Four orders' events in publication order: a confirmed booking, a rejected and refunded
    one, one whose PaymentApproved came before its OrderPlaced, and a cancelled one whose
    confirmation crossed the cancellation."""
    a, b, c, d = (Booking(guest_id=guest_id) for _ in range(4))
    events = [
        a.placed(), a.approved(), b.placed(), c.approved(), d.placed(), d.approved(),
        b.approved(), a.requested(), b.requested(), c.placed(), d.requested(), a.confirmed(),
        b.rejected(), d.order_cancelled(), d.confirmed(), b.refunded(amount_krw=200_000),
        d.reservation_cancelled(fee_krw=20_000), d.refunded(amount_krw=180_000),
    ]  # fmt: skip
    return (a, b, c, d), stored_items(publish_events(*events))


def shape(sql: str) -> tuple[str, str]:
    """A statement's first word and the first customer table it names."""
    return sql.split()[0], re.findall(r'"(customer_\w+)"', sql)[0]


def forget_the_projection() -> None:
    MypageTimelineEntry.objects.all().delete()
    MypageEntry.objects.all().delete()


def test_batches_give_the_rows_of_applying_the_events_one_by_one(guest):
    (a, b, c, d), items = four_stories(guest.pk)
    with transaction.atomic():
        one_by_one = [mypage_apply(event=event, meta=meta) for event, meta in items]
    expected = mypage_rows()
    forget_the_projection()

    # Given a's OrderPlaced applied before
    with transaction.atomic():
        assert mypage_apply(event=items[0][0], meta=items[0][1]) is True
    # When the first six events come as one batch (a's OrderPlaced again; two events of a and
    # two of d, whose entry is new), then the rest (several events of each existing entry, and
    # a's PaymentApproved once more)
    with transaction.atomic():
        first = mypage_apply_batch(items=items[:6])
    with transaction.atomic():
        rest = mypage_apply_batch(items=[*items[6:], items[1]])

    # Then
    assert one_by_one == [True] * 18
    assert first == [False, True, True, True, True, True]
    assert rest == [True] * 12 + [False]
    assert mypage_rows() == expected
    entries = {entry.order_id: entry for entry in MypageEntry.objects.all()}
    assert [
        (entries[x.order_id].status, entries[x.order_id].timeline.count()) for x in (a, b, c, d)
    ] == [("confirmed", 4), ("refunded", 5), ("paid", 2), ("refunded", 7)]
    assert entries[c.order_id].guest_id == guest.pk  # the partial entry was completed
    notify = dict(MypageTimelineEntry.objects.values_list("event_id", "notify_kind"))
    assert sorted(kind for kind in notify.values() if kind) == sorted(
        ["booked"] * 4 + ["confirmed", "rejected", "refunded", "cancelled", "refunded"]
    )


@pytest.mark.parametrize("orders", [5, 50])
def test_a_batch_runs_five_statements_whatever_its_size(guest, orders):
    booked = [Booking(guest_id=guest.pk) for _ in range(orders)]
    with transaction.atomic():
        mypage_apply_batch(items=stored_items(publish_events(*(x.placed() for x in booked))))
    fresh = [Booking(guest_id=guest.pk) for _ in range(orders)]
    items = stored_items(
        publish_events(*(x.confirmed() for x in booked), *(x.placed() for x in fresh))
    )

    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        applied = mypage_apply_batch(items=items)

    assert applied == [True] * (2 * orders)
    entry, timeline = MypageEntry._meta.db_table, MypageTimelineEntry._meta.db_table
    assert [shape(query["sql"]) for query in queries.captured_queries] == [
        ("SELECT", entry),  # the entries, locked
        ("SELECT", timeline),  # which events were applied before
        ("INSERT", entry),  # the new entries
        ("INSERT", timeline),  # every event's timeline row
        # UPDATE the other entries FROM their new values (unnested arrays on PostgreSQL, a
        # VALUES list on SQLite)
        ("UPDATE", entry),
    ]
    statuses = dict(MypageEntry.objects.values_list("order_id", "status"))
    assert [statuses[x.order_id] for x in booked] == ["confirmed"] * orders
    assert [statuses[x.order_id] for x in fresh] == ["paid"] * orders
    assert MypageTimelineEntry.objects.count() == 3 * orders


def test_an_event_the_projection_does_not_fold_fails_the_batch_before_any_statement(guest):
    booking = Booking(guest_id=guest.pk)
    items = stored_items(publish_events(booking.placed()))
    stranger = EventMeta(
        event_id=uuid.uuid4(),
        event_type=Pinged.event_type,
        schema_version=1,
        aggregate_type="probe",
        aggregate_id="p",
        correlation_id="",
        occurred_at=at(1, 10),
        sequence=10**9,
    )

    with (
        transaction.atomic(),
        CaptureQueriesContext(connection) as queries,
        pytest.raises(TypeError, match="does not handle"),
    ):
        mypage_apply_batch(items=[*items, (Pinged(key="p", n=1), stranger)])

    assert queries.captured_queries == []
    assert (MypageEntry.objects.count(), MypageTimelineEntry.objects.count()) == (0, 0)


@pytest.mark.parametrize("chunk_size", [1, 4])
def test_a_rebuild_in_small_chunks_equals_the_live_rows(guest, chunk_size):
    _, items = four_stories(guest.pk)
    with transaction.atomic():
        for event, meta in items:
            mypage_apply(event=event, meta=meta)
    live = mypage_rows()

    assert mypage_rebuild(chunk_size=chunk_size) == (18, 4)
    assert mypage_rows() == live


@pytest.mark.postgres
@pytest.mark.parametrize("with_another_order", [False, True], ids=["alone", "in-a-batch"])
def test_an_entry_another_transaction_creates_meanwhile_gets_the_event_applied_to_it(
    guest, with_another_order
):
    a, b = Booking(guest_id=guest.pk), Booking(guest_id=guest.pk)
    placed_a, approved_a, placed_b = stored_items(
        publish_events(a.placed(), a.approved(), b.placed())
    )
    inserted = threading.Event()
    failures = []

    def other_worker() -> None:
        """Creates a's entry and commits only once the batch below waits for that row."""
        try:
            with transaction.atomic():
                mypage_apply(event=placed_a[0], meta=placed_a[1])
                inserted.set()
                with connection.cursor() as cursor:

                    def someone_waits() -> bool:
                        cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
                        return cursor.fetchone()[0] > 0

                    wait_until(someone_waits, message="the batch never waited for the entry")
        except Exception as exc:  # reported by the test below
            failures.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    assert inserted.wait(10)

    # The batch finds no entry of a (the other transaction has not committed), so it creates
    # one: its INSERT waits for the other transaction, then does nothing.
    batch = [approved_a, placed_b] if with_another_order else [approved_a]
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        applied = mypage_apply_batch(items=batch)
    thread.join(10)

    assert failures == []
    assert applied == [True] * len(batch)
    entry_table, timeline_table = MypageEntry._meta.db_table, MypageTimelineEntry._meta.db_table
    first_try = [("SELECT", entry_table), ("SELECT", timeline_table), ("INSERT", entry_table)]
    if with_another_order:
        first_try.append(("INSERT", timeline_table))  # b's row; a's waits for the second try
    # ...then a's event once more, to the entry now found under lock.
    second_try = [
        ("SELECT", entry_table),
        ("SELECT", timeline_table),
        ("INSERT", timeline_table),
        ("UPDATE", entry_table),  # a PostgreSQL-only test: UPDATE ... FROM unnest(...)
    ]
    assert [shape(query["sql"]) for query in queries.captured_queries] == first_try + second_try
    entry = MypageEntry.objects.get(order_id=a.order_id)
    assert (entry.status, entry.payment_status, entry.guest_id, entry.order_reference) == (
        "paid",
        "approved",
        guest.pk,
        a.reference,
    )
    assert (entry.paid_krw, entry.masked_card_number) == (200_000, "4330-****-****-1234")
    assert [row.kind for row in entry.timeline.order_by("sequence")] == ["booked", "paid"]
    assert MypageEntry.objects.filter(order_id=b.order_id).count() == int(with_another_order)
