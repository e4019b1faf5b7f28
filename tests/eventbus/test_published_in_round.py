"""What a handler publishes in the worker's transaction is handled in the same round.

``probe.relay`` publishes a ``Counted`` for each ``Relayed`` it handles; ``Counted`` goes to
``probe.count_inside`` (in the transaction) and ``probe.count_outside`` (after it).
"""

from collections import defaultdict
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from hotel.eventbus import publish
from hotel.eventbus.models import Delivery, StoredEvent
from hotel.eventbus.testing import wait_until
from hotel.eventbus.worker import OutboxWorker
from tests.outbox_probe.events import Counted, Relayed
from tests.outbox_probe.handlers import BATCH_CALLS
from tests.outbox_probe.models import Effect, Fault
from tests.processes import start_worker, stop

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


@pytest.mark.postgres
def test_four_workers_handle_published_events_exactly_once_in_order_per_aggregate():
    keys, solos = 50, 20
    # Per key, two Counted and three Relayed, interleaved: each relay publishes a Counted of
    # its key, so the published events queue behind the direct ones (and each other). A solo
    # key has one Relayed only: what its relay publishes heads its queues at once.
    for n in range(5):
        for k in range(keys):
            event = Counted(key=f"k{k}", n=n) if n in (0, 2) else Relayed(key=f"k{k}", n=n)
            with transaction.atomic():
                publish(event, correlation_id=f"{k}-{n}")
    for k in range(solos):
        with transaction.atomic():
            publish(Relayed(key=f"solo{k}", n=0), correlation_id=f"solo-{k}")
    # Deliveries, the relayed Counted's included: 4 per Counted, 2 per relay and its Counted.
    expected = keys * (2 * 2 + 3 * 4) + solos * 4
    workers = [start_worker("--no-periodic") for _ in range(4)]
    try:
        wait_until(
            lambda: Delivery.objects.filter(state="done").count() == expected,
            timeout=120,
            interval=0.2,
        )
    finally:
        outputs = [stop(worker) for worker in workers]

    deliveries = Delivery.objects.all()
    assert deliveries.count() == expected, outputs
    # Every delivery handled once, at its first attempt: none taken twice, none retried.
    assert set(deliveries.values_list("state", "attempts")) == {("done", 1)}, outputs
    for handler in (INSIDE, OUTSIDE):
        effects = list(
            Effect.objects.filter(handler=handler)
            .order_by("id")
            .values_list("aggregate", "sequence", "pid")
        )
        assert len(effects) == keys * 5 + solos
        assert len({(key, sequence) for key, sequence, _ in effects}) == keys * 5 + solos
        handled = defaultdict(list)
        for key, sequence, _ in effects:
            handled[key].append(sequence)
        assert all(sequences == sorted(sequences) for sequences in handled.values())
    assert Effect.objects.filter(handler=RELAY).count() == keys * 3 + solos
    assert len(set(Effect.objects.values_list("pid", flat=True))) >= 2  # the work was shared
    # Published events were handled in the round that published them (the solo keys' at
    # least): marked done in the same statement as the relay's delivery that caused them.
    relayed_done = {
        row.event.correlation_id: row.completed_at
        for row in Delivery.objects.filter(handler=RELAY).select_related("event")
    }
    counted_done = Delivery.objects.filter(
        handler=INSIDE, event__correlation_id__in=relayed_done
    ).select_related("event")
    assert any(row.completed_at == relayed_done[row.event.correlation_id] for row in counted_done)
