"""Batch handlers: one call for a round's deliveries of a name, and failures found one by one."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from hotel.eventbus import publish
from hotel.eventbus.models import Delivery
from hotel.eventbus.subscriptions import handler_names_for, subscribe, takes_batches
from hotel.eventbus.testing import drain_outbox
from tests.eventbus.helpers import publish_pings
from tests.outbox_probe.events import Counted, Pinged
from tests.outbox_probe.handlers import BATCH_CALLS
from tests.outbox_probe.models import Effect, Fault

pytestmark = pytest.mark.django_db(transaction=True)

INSIDE, OUTSIDE = "probe.count_inside", "probe.count_outside"


@pytest.fixture(autouse=True)
def no_calls_yet():
    BATCH_CALLS.clear()
    yield
    BATCH_CALLS.clear()


def publish_counts(*keys: str) -> None:
    for n, key in enumerate(keys):
        with transaction.atomic():
            publish(Counted(key=key, n=n), correlation_id=key)


def calls(handler: str) -> list[list[str]]:
    return [keys for name, keys in BATCH_CALLS if name == handler]


def counted(handler: str) -> list[str]:
    rows = Effect.objects.filter(handler=handler).order_by("sequence")
    return list(rows.values_list("aggregate", flat=True))


def deliveries(handler: str) -> dict[str, tuple[str, int]]:
    rows = Delivery.objects.filter(handler=handler).select_related("event")
    return {row.event.aggregate_id: (row.state, row.attempts) for row in rows}


def in_publication_order(handler: str) -> list[tuple[str, str, int]]:
    """(aggregate, state, attempts) of ``handler``'s deliveries, in publication order."""
    rows = Delivery.objects.filter(handler=handler).select_related("event").order_by("id")
    return [(row.event.aggregate_id, row.state, row.attempts) for row in rows]


def make_due_now():
    Delivery.objects.filter(state="pending").update(available_at=timezone.now())


def test_a_batch_handler_gets_the_rounds_deliveries_in_one_call_in_publication_order():
    publish_counts("a", "b", "c")

    result = drain_outbox()

    assert takes_batches(INSIDE)
    assert takes_batches(OUTSIDE)
    assert calls(INSIDE) == [["a", "b", "c"]]
    assert calls(OUTSIDE) == [["a", "b", "c"]]
    assert len(result.done) == 6
    assert counted(INSIDE) == counted(OUTSIDE) == ["a", "b", "c"]
    assert set(Delivery.objects.values_list("state", flat=True)) == {"done"}


def test_a_round_takes_an_aggregates_next_events_with_its_head_in_publication_order():
    publish_counts("a", "a", "b", "a")

    result = drain_outbox()

    assert calls(INSIDE) == [["a", "a", "b", "a"]]
    assert counted(INSIDE) == ["a", "a", "b", "a"]
    assert len(result.done) == 8


def test_a_round_takes_no_event_behind_one_that_is_not_done():
    publish_counts("a")
    Delivery.objects.update(available_at=timezone.now() + timedelta(hours=1))  # in backoff
    publish_counts("a", "b")

    drain_outbox()

    # The head of a's queue is not due: neither it nor what follows it is taken.
    assert calls(INSIDE) == [["b"]]
    assert in_publication_order(INSIDE) == [
        ("a", "pending", 0),
        ("a", "pending", 0),
        ("b", "done", 1),
    ]


def test_in_the_transaction_a_failure_gives_back_the_rest_of_its_aggregates_queue():
    Fault.objects.create(handler=INSIDE, aggregate="a", mode="raise")
    publish_counts("a", "a", "b")

    result = drain_outbox()

    # The batch failed and was rolled back; one at a time, a's first event failed, so its
    # second was given back unhandled (attempt not counted) and b went on.
    assert calls(INSIDE) == [["a", "a", "b"], ["a"], ["b"]]
    assert in_publication_order(INSIDE) == [
        ("a", "pending", 1),
        ("a", "pending", 0),
        ("b", "done", 1),
    ]
    assert [d.last_error == "" for d in Delivery.objects.filter(handler=INSIDE).order_by("id")] == [
        False,
        True,
        True,
    ]
    assert len(result.retried) == 1
    assert len(result.released) == 1

    Fault.objects.all().delete()
    make_due_now()
    drain_outbox()

    assert counted(INSIDE) == ["a", "a", "b"]
    assert in_publication_order(INSIDE) == [("a", "done", 2), ("a", "done", 1), ("b", "done", 1)]


def test_outside_the_transaction_a_failure_gives_back_the_rest_of_its_aggregates_queue():
    Fault.objects.create(handler=OUTSIDE, aggregate="a", mode="raise")
    publish_counts("a", "a", "b")

    drain_outbox()

    assert calls(OUTSIDE) == [["a", "a", "b"], ["a"], ["b"]]
    assert in_publication_order(OUTSIDE) == [
        ("a", "pending", 1),
        ("a", "pending", 0),
        ("b", "done", 1),
    ]


def test_in_the_transaction_a_failing_event_is_found_and_only_it_retries():
    Fault.objects.create(handler=INSIDE, aggregate="b", mode="raise")
    publish_counts("a", "b", "c")

    result = drain_outbox()

    # The batch failed and was rolled back; its events then ran one at a time.
    assert calls(INSIDE) == [["a", "b", "c"], ["a"], ["b"], ["c"]]
    assert counted(INSIDE) == ["a", "c"]  # b's savepoint undid its write
    assert deliveries(INSIDE) == {"a": ("done", 1), "b": ("pending", 1), "c": ("done", 1)}
    assert "injected fault in probe.count_inside" in (
        Delivery.objects.get(handler=INSIDE, state="pending").last_error
    )
    assert len(result.retried) == 1

    Fault.objects.all().delete()
    make_due_now()
    drain_outbox()

    assert calls(INSIDE)[-1] == ["b"]
    assert counted(INSIDE) == ["a", "b", "c"]
    assert deliveries(INSIDE)["b"] == ("done", 2)


def test_outside_the_transaction_a_failing_event_is_found_and_the_others_are_not_redone():
    Fault.objects.create(handler=OUTSIDE, aggregate="b", mode="raise")
    publish_counts("a", "b", "c")

    drain_outbox()

    assert calls(OUTSIDE) == [["a", "b", "c"], ["a"], ["b"], ["c"]]
    # Outside a transaction nothing is rolled back: the handler's own idempotency (one row
    # per event) keeps each effect single.
    assert counted(OUTSIDE) == ["a", "b", "c"]
    assert deliveries(OUTSIDE) == {"a": ("done", 1), "b": ("pending", 1), "c": ("done", 1)}


def test_a_failing_single_handler_does_not_split_a_batch_that_did_not_fail():
    Fault.objects.create(handler="probe.record_a", mode="raise")
    publish_counts("a", "b")
    publish_pings("p", 1)  # after the batch's deliveries: the fast path runs the batch first

    drain_outbox()

    # Fast path (rolled back when probe.record_a raised), then the batch again whole, in its
    # own savepoint.
    assert calls(INSIDE) == [["a", "b"], ["a", "b"]]
    assert counted(INSIDE) == ["a", "b"]
    assert Delivery.objects.get(handler="probe.record_a").state == "pending"


def test_a_name_subscribes_either_singly_or_in_batches_with_one_function():
    def other(batch):
        return None

    with pytest.raises(ValueError, match="both singly and in batches"):
        subscribe(Counted, name="probe.record_a", batch=True)(other)
    with pytest.raises(ValueError, match="both singly and in batches"):
        subscribe(Pinged, name=INSIDE)(lambda event, meta: None)
    with pytest.raises(ValueError, match="one function"):
        subscribe(Pinged, name=INSIDE, batch=True)(other)

    # Nothing of the refused subscriptions was kept.
    assert not takes_batches("probe.record_a")
    assert handler_names_for(Counted.event_type) == [INSIDE, OUTSIDE]
    assert INSIDE not in handler_names_for(Pinged.event_type)
