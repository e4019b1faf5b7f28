"""What a handler publishes in the worker's transaction is handled in the same round.

``probe.relay`` publishes a ``Counted`` for each ``Relayed`` it handles; ``Counted`` goes to
``probe.count_inside`` (in the transaction) and ``probe.count_outside`` (after it).
"""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from hotel.eventbus import publish
from hotel.eventbus.models import Delivery, StoredEvent
from hotel.eventbus.worker import OutboxWorker
from tests.outbox_probe.events import Counted, Relayed
from tests.outbox_probe.handlers import BATCH_CALLS
from tests.outbox_probe.models import Effect, Fault

pytestmark = pytest.mark.django_db(transaction=True)

RELAY, INSIDE, OUTSIDE = "probe.relay", "probe.count_inside", "probe.count_outside"
NOTE = "probe.note_relay"  # outside, on Relayed


@pytest.fixture(autouse=True)
def no_calls_yet():
    BATCH_CALLS.clear()
    yield
    BATCH_CALLS.clear()


def publish_one(event) -> None:
    with transaction.atomic():
        publish(event, correlation_id=event.key)


def calls(handler: str) -> list[list[str]]:
    return [keys for name, keys in BATCH_CALLS if name == handler]


def states(handler: str) -> list[tuple[str, str, int]]:
    """(aggregate, state, attempts) of ``handler``'s deliveries, in publication order."""
    rows = Delivery.objects.filter(handler=handler).select_related("event").order_by("id")
    return [(row.event.aggregate_id, row.state, row.attempts) for row in rows]


def effects(handler: str) -> list[str]:
    rows = Effect.objects.filter(handler=handler).order_by("sequence")
    return list(rows.values_list("aggregate", flat=True))


def test_the_events_a_handler_publishes_reach_both_kinds_of_handler_in_the_same_round():
    publish_one(Relayed(key="a", n=1))
    publish_one(Relayed(key="b", n=2))

    result = OutboxWorker().run_once()

    assert calls(RELAY) == [["a", "b"]]
    assert calls(INSIDE) == [["a", "b"]]
    assert calls(OUTSIDE) == [["a", "b"]]
    assert len(result.done) == 8
    for handler in (RELAY, NOTE, INSIDE, OUTSIDE):
        assert states(handler) == [("a", "done", 1), ("b", "done", 1)]
    assert effects(INSIDE) == effects(OUTSIDE) == ["a", "b"]
    assert not Delivery.objects.filter(lease_token__isnull=False).exists()
    assert OutboxWorker().run_once().handled == 0


def test_a_handler_seen_publishing_goes_first_so_its_events_join_the_others_calls():
    worker = OutboxWorker()
    publish_one(Counted(key="x", n=1))
    publish_one(Relayed(key="y", n=2))

    worker.run_once()  # count_inside's call comes first: relay is not known to publish yet

    assert calls(INSIDE) == [["x"], ["y"]]
    BATCH_CALLS.clear()
    publish_one(Counted(key="z", n=3))
    publish_one(Relayed(key="w", n=4))

    worker.run_once()

    assert calls(RELAY) == [["w"]]
    assert calls(INSIDE) == [["z", "w"]]
    assert calls(OUTSIDE) == [["z", "w"]]
    assert effects(INSIDE) == ["x", "y", "z", "w"]


def test_a_published_event_waits_behind_an_open_delivery_of_its_queue():
    publish_one(Counted(key="a", n=0))
    later = timezone.now() + timedelta(hours=1)
    Delivery.objects.update(available_at=later)  # both of its deliveries backing off
    publish_one(Relayed(key="a", n=1))
    publish_one(Relayed(key="b", n=2))

    result = OutboxWorker().run_once()

    assert calls(INSIDE) == [["b"]]
    assert calls(OUTSIDE) == [["b"]]
    assert len(result.done) == 6
    for handler in (INSIDE, OUTSIDE):
        # The new "a" is left as published: pending, no attempt, no lease, behind its head.
        assert states(handler) == [("a", "pending", 0), ("a", "pending", 0), ("b", "done", 1)]
    assert not Delivery.objects.filter(lease_token__isnull=False).exists()


def test_a_published_event_whose_handler_fails_is_retried_alone_and_the_rest_commits():
    Fault.objects.create(handler=INSIDE, aggregate="b", mode="raise")
    publish_one(Relayed(key="a", n=1))
    publish_one(Relayed(key="b", n=2))

    result = OutboxWorker().run_once()

    # The fast path failed and rolled back whole; the rerun published each Counted once more.
    assert StoredEvent.objects.filter(event_type=Counted.event_type).count() == 2
    assert states(RELAY) == [("a", "done", 1), ("b", "done", 1)]
    assert effects(RELAY) == ["a", "b"]
    inside = states(INSIDE)
    assert inside[0] == ("a", "done", 1)
    assert inside[1] == ("b", "pending", 1)
    assert effects(INSIDE) == ["a"]
    assert states(OUTSIDE) == [("a", "done", 1), ("b", "done", 1)]
    assert result.retried == [Delivery.objects.get(handler=INSIDE, state="pending").id]
    retried = Delivery.objects.get(handler=INSIDE, state="pending")
    assert retried.lease_token is None
    assert retried.available_at > timezone.now()
    assert "injected fault" in retried.last_error


def test_each_outside_handlers_outcomes_are_recorded_before_the_next_one_runs():
    publish_one(Relayed(key="a", n=1))

    OutboxWorker().run_once()

    noted = Delivery.objects.get(handler=NOTE)
    counted = Delivery.objects.get(handler=OUTSIDE)
    assert noted.state == counted.state == "done"
    # The round's own outside delivery ran first and was marked done before the next
    # handler's call (the one its relay published), not with it at the end of the round.
    assert noted.completed_at < counted.completed_at
    assert Effect.objects.get(handler=NOTE).sequence < Effect.objects.get(handler=OUTSIDE).sequence
