from collections.abc import Callable

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from hotel.eventbus import publish, publish_all
from hotel.eventbus.event_types import UnknownEventType
from hotel.eventbus.models import Delivery, StoredEvent
from hotel.eventbus.publishing import PublishOutsideTransaction
from hotel.eventbus.testing import wait_until
from tests.outbox_probe.events import HANDLERS, Pinged

pytestmark = pytest.mark.django_db(transaction=True)


def test_publishing_outside_a_transaction_raises_and_stores_nothing():
    with pytest.raises(PublishOutsideTransaction):
        publish(Pinged(key="a", n=1))

    assert StoredEvent.objects.count() == 0
    assert Delivery.objects.count() == 0


class Boom(Exception):
    pass


def _publish_then_fail() -> None:
    with transaction.atomic():
        publish(Pinged(key="a", n=1))
        raise Boom


def test_a_rolled_back_transaction_leaves_no_event_and_no_delivery():
    with pytest.raises(Boom):
        _publish_then_fail()

    assert StoredEvent.objects.count() == 0
    assert Delivery.objects.count() == 0


def test_a_committed_transaction_leaves_one_event_and_one_delivery_per_handler():
    with transaction.atomic():
        meta = publish(Pinged(key="a", n=7, note="hi"), correlation_id="order-1")

    stored = StoredEvent.objects.get()
    assert stored.event_id == meta.event_id
    assert (stored.event_type, stored.schema_version) == ("probe.Pinged", 2)
    assert (stored.aggregate_type, stored.aggregate_id, stored.correlation_id) == (
        "probe",
        "a",
        "order-1",
    )
    assert stored.payload == {"key": "a", "n": 7, "note": "hi"}
    deliveries = Delivery.objects.order_by("handler")
    assert [d.handler for d in deliveries] == sorted(HANDLERS)
    assert {(d.state, d.attempts, d.aggregate_key) for d in deliveries} == {
        ("pending", 0, "probe:a")
    }


def test_an_old_payload_is_upcast_to_the_current_version():
    event = Pinged.from_payload({"key": "a", "n": 1}, version=1)

    assert event == Pinged(key="a", n=1, note="(v1)")


def test_a_payload_newer_than_the_code_is_refused():
    with pytest.raises(UnknownEventType, match="newer"):
        Pinged.from_payload({"key": "a", "n": 1, "note": ""}, version=3)


def _notifies(publishing: Callable[[], object]) -> int:
    """How many of the statements ``publishing`` ran in its transaction NOTIFY the workers."""
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        publishing()
    return sum("pg_notify" in query["sql"] for query in queries.captured_queries)


@pytest.mark.postgres
def test_publishing_is_one_statement_and_notifies_workers_once_per_transaction(settings):
    settings.OUTBOX = {**settings.OUTBOX, "NOTIFY_INTERVAL_SECONDS": 0}

    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        publish(Pinged(key="a", n=1))
        publish(Pinged(key="a", n=2))
    next_transaction = _notifies(lambda: publish(Pinged(key="a", n=3)))

    statements = [q["sql"] for q in queries.captured_queries if "eventbus_event" in q["sql"]]
    assert len(statements) == 2
    assert ["pg_notify" in sql for sql in statements] == [True, False]
    assert next_transaction == 1
    assert Delivery.objects.count() == 9


@pytest.mark.postgres
def test_a_process_notifies_the_workers_at_most_once_per_interval(settings):
    settings.OUTBOX = {**settings.OUTBOX, "NOTIFY_INTERVAL_SECONDS": 60}

    first = _notifies(lambda: publish(Pinged(key="a", n=1)))
    within_the_interval = _notifies(lambda: publish(Pinged(key="b", n=1)))
    settings.OUTBOX = {**settings.OUTBOX, "NOTIFY_INTERVAL_SECONDS": 0.001}
    after_the_interval = wait_until(
        lambda: _notifies(lambda: publish(Pinged(key="c", n=1))), timeout=5
    )

    assert (first, within_the_interval, after_the_interval) == (1, 0, 1)


@pytest.mark.postgres
def test_a_rolled_back_notification_does_not_count():
    with pytest.raises(Boom):
        _publish_then_fail()  # it NOTIFYed, then rolled back
    after_the_rollback = _notifies(lambda: publish(Pinged(key="a", n=1)))

    assert after_the_rollback == 1


@pytest.mark.postgres
def test_handler_names_reach_postgresql_exactly_whatever_characters_they_hold():
    from django.db import connection

    from hotel.eventbus.publishing import _text_array

    names = ["customer.mypage", 'say "hi"', "back\\slash", "a,b", "{braces}", "two words", ""]
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::text[]", [_text_array(names)])
        (stored,) = cursor.fetchone()

    assert stored == names


def test_publish_all_numbers_events_and_their_deliveries_in_the_order_given():
    given = [Pinged(key="b", n=1), Pinged(key="a", n=2), Pinged(key="b", n=3)]
    with transaction.atomic():
        metas = publish_all([(event, f"order-{event.n}") for event in given])

    assert [meta.sequence for meta in metas] == sorted(meta.sequence for meta in metas)
    stored = list(StoredEvent.objects.order_by("id"))
    assert [event.event() for event in stored] == given
    assert [event.correlation_id for event in stored] == ["order-1", "order-2", "order-3"]
    assert [event.pk for event in stored] == [meta.sequence for meta in metas]
    # Each handler's deliveries follow the events' order (the claim's queue order).
    for handler in ("probe.record_a", "probe.record_b", "probe.record_c"):
        rows = Delivery.objects.filter(handler=handler).order_by("id")
        assert [row.event_id for row in rows] == [meta.sequence for meta in metas]
        assert [row.aggregate_key for row in rows] == ["probe:b", "probe:a", "probe:b"]


def test_a_payload_of_any_characters_round_trips_through_publish_all():
    notes = ['quote " and \\ backslash', "{braces}, commas", "한국어 호텔", "", "null"]
    with transaction.atomic():
        publish_all([(Pinged(key=f"k{n}", n=n, note=note), "") for n, note in enumerate(notes)])

    stored = StoredEvent.objects.order_by("id")
    assert [event.event().note for event in stored] == notes


@pytest.mark.postgres
def test_publish_all_is_one_statement_for_many_events():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        publish_all([(Pinged(key=f"k{n}", n=n), "") for n in range(20)])

    assert sum("eventbus_event" in q["sql"] for q in queries.captured_queries) == 1
    assert StoredEvent.objects.count() == 20
    assert Delivery.objects.count() == 60
