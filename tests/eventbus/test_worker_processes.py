"""The worker as operators run it: real `manage.py outbox work` processes against the test
database, killed, stopped, woken and run four at a time."""

import signal
import time
from collections import defaultdict
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hotel.eventbus import publish
from hotel.eventbus.models import Delivery
from hotel.eventbus.testing import drain_outbox, wait_until
from tests.eventbus.helpers import publish_pings
from tests.outbox_probe.events import HANDLERS, Pinged
from tests.outbox_probe.models import Effect, Fault
from tests.processes import start_worker, stop

pytestmark = pytest.mark.django_db(transaction=True)


def done_count() -> int:
    return Delivery.objects.filter(state="done").count()


def test_a_worker_killed_mid_handling_leaves_no_half_done_work_and_the_delivery_runs_again(
    tmp_path,
):
    Fault.objects.create(handler="probe.record_a", mode="block", directory=str(tmp_path))
    (meta,) = publish_pings("k", 1)
    worker = start_worker(extra_env={"OUTBOX_LEASE_SECONDS": "1"})
    try:
        wait_until(lambda: (tmp_path / f"started-{meta.sequence}").exists(), timeout=30)
        # The handler has written its effect and is blocked inside the transaction.
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        stop(worker)

    assert Effect.objects.filter(handler="probe.record_a").count() == 0  # rolled back
    blocked = Delivery.objects.get(handler="probe.record_a")
    assert (blocked.state, blocked.attempts) == ("pending", 1)
    Fault.objects.all().delete()
    # Its lease (1 s) must run out before anyone may take it over.
    wait_until(lambda: Delivery.objects.get(pk=blocked.pk).leased_until < timezone.now(), timeout=5)

    drain_outbox()

    assert Effect.objects.filter(handler="probe.record_a").count() == 1
    assert Delivery.objects.get(pk=blocked.pk).state == "done"


def test_sigterm_finishes_the_delivery_in_hand_and_exits_zero(tmp_path):
    Fault.objects.create(
        handler="probe.record_a", aggregate="first", mode="block", directory=str(tmp_path)
    )
    (meta,) = publish_pings("first", 1)
    publish_pings("later", 3)  # pending work that must wait for the next worker
    worker = start_worker("--batch-size", "1", "--no-periodic")
    try:
        wait_until(lambda: (tmp_path / f"started-{meta.sequence}").exists(), timeout=30)
        worker.send_signal(signal.SIGTERM)
        (tmp_path / "release").touch()
        started = time.monotonic()
        exit_code = worker.wait(timeout=10)
        stopped_after = time.monotonic() - started
    finally:
        output = stop(worker)

    assert exit_code == 0, output
    assert stopped_after < 5
    assert Effect.objects.filter(handler="probe.record_a", aggregate="first").count() == 1
    assert Delivery.objects.get(handler="probe.record_a", aggregate_key="probe:first").state == (
        "done"
    )
    assert Effect.objects.filter(aggregate="later").count() == 0


@pytest.mark.postgres
def test_listen_notify_wakes_an_idle_worker_right_after_commit():
    worker = start_worker("--no-periodic", extra_env={"OUTBOX_POLL_SECONDS": "30"})
    try:
        wait_until(lambda: _listening(), timeout=30, message="worker never LISTENed")
        publish_pings("n", 1)
        published = time.monotonic()
        wait_until(lambda: done_count() == 3, timeout=10)
        latency = time.monotonic() - published
    finally:
        stop(worker)

    assert latency < 5  # far below the 30 s poll interval: the NOTIFY woke it


@pytest.mark.postgres
def test_events_published_without_a_notify_shortly_after_one_are_handled_at_once(settings):
    # This process NOTIFYs once a minute at most; the worker polls every 30 s and keeps looking
    # for 10 s (twice its interval) after work or a notification. Without pacing, it claims
    # again right after the first event's round, finds nothing and waits.
    settings.OUTBOX = {**settings.OUTBOX, "NOTIFY_INTERVAL_SECONDS": 60}
    worker = start_worker(
        "--no-periodic",
        extra_env={
            "OUTBOX_POLL_SECONDS": "30",
            "OUTBOX_NOTIFY_INTERVAL_SECONDS": "5",
            "OUTBOX_LINGER_MAX_SECONDS": "0",
        },
    )
    try:
        wait_until(lambda: _listening(), timeout=30, message="worker never LISTENed")
        first = _notifies_of_publishing("first")
        wait_until(lambda: done_count() == 3, timeout=10)
        # The scenario, not a wait for a result: the next booking comes half a second later,
        # when the worker has long gone back to waiting (with a 0 s interval this test fails).
        time.sleep(0.5)
        second, latency = _published_until_handled("second", done=6)
    finally:
        stop(worker)

    assert (first, second) == (1, 0)
    assert latency < 5  # far below the 30 s poll interval: the worker was still looking


@pytest.mark.postgres
def test_a_worker_started_after_a_notify_still_sees_what_follows_without_one(settings):
    settings.OUTBOX = {**settings.OUTBOX, "NOTIFY_INTERVAL_SECONDS": 60}
    before_the_worker = _notifies_of_publishing("before")
    drain_outbox()
    worker = start_worker(
        "--no-periodic",
        extra_env={"OUTBOX_POLL_SECONDS": "30", "OUTBOX_NOTIFY_INTERVAL_SECONDS": "5"},
    )
    try:
        wait_until(lambda: _listening(), timeout=30, message="worker never LISTENed")
        time.sleep(0.5)  # the scenario: the worker has found nothing and waits
        after, latency = _published_until_handled("after", done=6)
    finally:
        stop(worker)

    assert (before_the_worker, after) == (1, 0)
    assert latency < 5  # the worker starts awake: far below the 30 s poll interval


@pytest.mark.postgres
def test_without_notifications_the_poll_still_delivers():
    worker = start_worker(
        "--no-periodic", extra_env={"OUTBOX_NOTIFY": "false", "OUTBOX_POLL_SECONDS": "0.2"}
    )
    try:
        publish_pings("p", 1)
        wait_until(lambda: done_count() == 3, timeout=15)
    finally:
        stop(worker)

    assert Effect.objects.filter(aggregate="p").count() == 3


def _notifies_of_publishing(key: str) -> int:
    """Publish one ping for ``key``: how many of its statements NOTIFYed the workers."""
    with CaptureQueriesContext(connection) as queries:
        publish_pings(key, 1)
    return sum("pg_notify" in query["sql"] for query in queries.captured_queries)


def _published_until_handled(key: str, *, done: int) -> tuple[int, float]:
    """Publish one ping for ``key`` and wait until ``done`` deliveries are done: how many
    NOTIFYs the publication issued, and the seconds until then."""
    published = time.monotonic()
    notifies = _notifies_of_publishing(key)
    wait_until(lambda: done_count() == done, timeout=20)
    return notifies, time.monotonic() - published


def _listening() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE query ILIKE 'LISTEN %%' "
            "AND datname = current_database()"
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.postgres
def test_four_workers_handle_every_delivery_exactly_once_in_order_per_aggregate():
    aggregates, events = 200, 5000
    with transaction.atomic():
        for n in range(events):  # round-robin over aggregates, in one transaction
            publish(Pinged(key=f"agg-{n % aggregates}", n=n))
    workers = [start_worker("--no-periodic") for _ in range(4)]
    try:
        wait_until(lambda: done_count() == events * 3, timeout=240, interval=0.5)
    finally:
        outputs = [stop(worker) for worker in workers]

    assert Delivery.objects.exclude(state="done").count() == 0, outputs
    effects = list(Effect.objects.order_by("id").values_list("handler", "aggregate", "n", "pid"))
    assert len(effects) == events * 3
    assert len({(h, a, n) for h, a, n, _ in effects}) == events * 3  # no duplicates
    handled_order = defaultdict(list)
    for handler, aggregate, n, _ in effects:
        handled_order[(handler, aggregate)].append(n)
    assert len(handled_order) == aggregates * len(HANDLERS)
    assert all(ns == sorted(ns) for ns in handled_order.values())
    assert len({pid for *_, pid in effects}) >= 2  # the work really was shared


def test_a_leased_delivery_is_not_taken_while_its_lease_lives():
    publish_pings("l", 1)
    Delivery.objects.update(leased_until=timezone.now() + timedelta(minutes=5), lease_token=None)

    assert drain_outbox().handled == 0
