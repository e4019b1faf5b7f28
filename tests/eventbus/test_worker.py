"""The worker's rules, exercised in-process: isolation, retries, dead letters, order, leases."""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from hotel.eventbus import Event, publish, subscribe
from hotel.eventbus.delivery_sql import claim_heads_sql
from hotel.eventbus.maintenance import outbox_status, replay_dead
from hotel.eventbus.models import Delivery
from hotel.eventbus.subscriptions import unsubscribe
from hotel.eventbus.testing import drain_outbox
from hotel.eventbus.worker import OrphanedDeliveries, OutboxWorker, retry_delay_seconds
from tests.eventbus.helpers import publish_pings
from tests.outbox_probe.events import Pinged
from tests.outbox_probe.models import Effect, Fault

pytestmark = pytest.mark.django_db(transaction=True)


def effects(handler=None, aggregate=None):
    rows = Effect.objects.order_by("id")
    if handler:
        rows = rows.filter(handler=handler)
    if aggregate:
        rows = rows.filter(aggregate=aggregate)
    return list(rows.values_list("aggregate", "n"))


def make_due_now():
    Delivery.objects.filter(state="pending").update(available_at=timezone.now())


def test_every_handler_runs_once_and_its_delivery_is_done():
    publish_pings("a", 2)

    result = drain_outbox()

    assert len(result.done) == 6
    assert Effect.objects.count() == 6
    assert effects("probe.record_a") == [("a", 0), ("a", 1)]
    assert set(Delivery.objects.values_list("state", flat=True)) == {"done"}
    assert drain_outbox().handled == 0


def test_a_failing_handler_is_retried_alone_and_its_effect_is_undone():
    Fault.objects.create(handler="probe.record_a", mode="raise")
    publish_pings("a", 1)

    first = drain_outbox()

    assert (len(first.done), len(first.retried)) == (2, 1)
    assert effects("probe.record_a") == []  # the savepoint undid the failed handler's write
    assert effects("probe.record_b") == [("a", 0)]
    failed = Delivery.objects.get(handler="probe.record_a")
    assert (failed.state, failed.attempts) == ("pending", 1)
    assert "injected fault in probe.record_a" in failed.last_error
    assert failed.available_at > timezone.now()  # backing off

    Fault.objects.all().delete()
    make_due_now()
    second = drain_outbox()

    assert (len(second.done), len(second.retried)) == (1, 0)
    assert Effect.objects.filter(handler="probe.record_b").count() == 1  # B was not re-run
    assert effects("probe.record_a") == [("a", 0)]


def test_when_an_event_fails_the_ones_behind_it_in_the_round_are_given_back_unhandled():
    Fault.objects.create(handler="probe.record_a", mode="raise")
    publish_pings("a", 3)

    first = drain_outbox()

    # One round took all three events of the aggregate for each handler. The first failed
    # for probe.record_a, so its other two were given back without running (no attempt
    # counted, no error); the other handlers went on.
    assert (len(first.done), len(first.retried), len(first.released)) == (6, 1, 2)
    queue = Delivery.objects.filter(handler="probe.record_a").order_by("id")
    assert [(d.attempts, d.last_error != "") for d in queue] == [(1, True), (0, False), (0, False)]
    assert effects("probe.record_b") == [("a", 0), ("a", 1), ("a", 2)]

    Fault.objects.all().delete()
    make_due_now()
    drain_outbox()

    assert effects("probe.record_a") == [("a", 0), ("a", 1), ("a", 2)]


def test_backoff_grows_exponentially_with_jitter(settings):
    settings.OUTBOX = {**settings.OUTBOX, "BACKOFF_BASE_SECONDS": 2.0, "BACKOFF_MAX_SECONDS": 60.0}

    samples = {attempt: [retry_delay_seconds(attempt) for _ in range(200)] for attempt in (1, 3, 9)}

    assert all(1.0 <= d <= 2.0 for d in samples[1])
    assert all(4.0 <= d <= 8.0 for d in samples[3])
    assert all(30.0 <= d <= 60.0 for d in samples[9])  # capped
    assert len(set(samples[3])) > 100  # jittered, not fixed


def test_after_the_last_attempt_a_delivery_is_dead_with_its_error_and_holds_back_its_aggregate():
    Fault.objects.create(handler="probe.record_a", aggregate="x", mode="raise")
    publish_pings("x", 3)
    publish_pings("y", 2)

    for _ in range(3):  # MAX_ATTEMPTS is 3 in the test settings
        drain_outbox()
        make_due_now()

    dead = Delivery.objects.get(state="dead")
    assert (dead.handler, dead.aggregate_key, dead.attempts) == ("probe.record_a", "probe:x", 3)
    assert "injected fault" in dead.last_error
    # The other aggregate and the other handlers flowed; x's later events wait behind the dead one.
    assert effects("probe.record_a", "y") == [("y", 0), ("y", 1)]
    assert effects("probe.record_b", "x") == [("x", 0), ("x", 1), ("x", 2)]
    assert effects("probe.record_a", "x") == []
    status = outbox_status()
    assert (status.by_state["dead"], status.blocked, status.backlog) == (1, 2, 2)

    Fault.objects.all().delete()
    assert replay_dead() == 1
    drain_outbox()

    assert effects("probe.record_a", "x") == [("x", 0), ("x", 1), ("x", 2)]
    assert outbox_status().by_state == {"pending": 0, "done": 15, "dead": 0}


def test_while_an_event_backs_off_its_aggregate_waits_and_others_flow():
    Fault.objects.create(handler="probe.record_a", aggregate="slow", mode="raise")
    publish_pings("slow", 3)
    publish_pings("fast", 3)

    drain_outbox()

    head = Delivery.objects.filter(handler="probe.record_a", aggregate_key="probe:slow").first()
    assert head.available_at > timezone.now()
    assert effects("probe.record_a", "fast") == [("fast", 0), ("fast", 1), ("fast", 2)]
    assert effects("probe.record_a", "slow") == []
    assert (
        Delivery.objects.filter(
            handler="probe.record_a", aggregate_key="probe:slow", attempts=0
        ).count()
        == 2
    )  # never tried while the head waits

    Fault.objects.all().delete()
    make_due_now()
    drain_outbox()

    assert effects("probe.record_a", "slow") == [("slow", 0), ("slow", 1), ("slow", 2)]


def test_a_done_delivery_is_never_claimed_again():
    publish_pings("a", 1)
    drain_outbox()
    Delivery.objects.update(leased_until=timezone.now() - timedelta(hours=1))

    claim = OutboxWorker().claim()

    assert claim.deliveries == ()


def test_an_expired_lease_is_taken_over_and_the_late_worker_writes_nothing():
    publish_pings("a", 1)
    late, rescuer = OutboxWorker(name="late"), OutboxWorker(name="rescuer")
    stale_claim = late.claim()
    assert len(stale_claim.deliveries) == 3
    assert rescuer.claim().deliveries == ()  # leased: not claimable

    Delivery.objects.update(leased_until=timezone.now() - timedelta(seconds=1))  # lease runs out
    rescued = rescuer.handle(rescuer.claim())
    late_result = late.handle(stale_claim)

    assert len(rescued.done) == 3
    assert late_result.handled == 0
    assert sorted(late_result.lost) == sorted(d.id for d in stale_claim.deliveries)
    assert Effect.objects.count() == 3
    assert set(Delivery.objects.values_list("attempts", flat=True)) == {2}


def test_a_stop_request_gives_the_rest_of_the_batch_back():
    publish_pings("a", 1)
    publish_pings("b", 1)
    worker = OutboxWorker()
    claim = worker.claim()
    worker.request_stop()

    result = worker.handle(claim)

    assert len(result.released) == 6
    assert Effect.objects.count() == 0
    assert set(Delivery.objects.values_list("attempts", "lease_token")) == {(0, None)}


def test_the_worker_refuses_to_start_while_deliveries_name_an_unsubscribed_handler():
    publish_pings("a", 1)
    Delivery.objects.filter(handler="probe.record_c").update(handler="probe.old_name")

    with pytest.raises(OrphanedDeliveries, match=r"'probe.old_name' \(1 open\)"):
        OutboxWorker().run(until_idle=True)


def test_events_published_with_no_subscriber_get_no_delivery():
    from dataclasses import dataclass

    @dataclass(frozen=True, kw_only=True)
    class Unheard(Event, event_type="probe.Unheard", aggregate="probe", aggregate_id_field="k"):
        k: str

    with transaction.atomic():
        publish(Unheard(k="1"))

    assert Delivery.objects.count() == 0

    seen = []
    subscribe(Unheard, name="probe.hear")(lambda event, meta: seen.append(event.k))
    try:
        with transaction.atomic():
            publish(Unheard(k="2"))
        drain_outbox()
    finally:
        unsubscribe(Unheard, name="probe.hear")
    assert seen == ["2"]


@pytest.mark.postgres
def test_a_claim_walks_the_pending_index_in_order_even_when_statistics_say_the_queue_is_empty():
    publish_pings("quiet", 1)
    with connection.cursor() as cursor:  # statistics taken while the queue was quiet
        cursor.execute("ANALYZE eventbus_delivery")
    with transaction.atomic():  # then a burst: a thousand events, three deliveries each
        for n in range(1000):
            publish(Pinged(key=f"burst-{n % 50}", n=n), correlation_id="burst")
    worker = OutboxWorker(batch_size=100)

    with transaction.atomic():
        worker._walk_the_queue_in_order()
        with connection.cursor() as cursor:
            sql, params = claim_heads_sql(connection, now=timezone.now(), limit=100)
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            cursor.execute("SHOW plan_cache_mode")
            plan_cache_mode = cursor.fetchone()[0]
    claim = worker.claim()

    assert "delivery_pending" in plan
    assert "Sort" not in plan, plan
    # A prepared claim is planned anew with its values each time, never from a generic plan.
    assert plan_cache_mode == "force_custom_plan"
    first = list(Delivery.objects.filter(state="pending").order_by("id").values_list("id")[:3])
    assert [d.id for d in claim.deliveries[:3]] == [row[0] for row in first]
    assert len(claim.deliveries) == 100
