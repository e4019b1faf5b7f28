"""Backpressure: the workers report their lag, and bookings wait while it is high."""

from datetime import timedelta

import pytest
from django.utils import timezone

from hotel.eventbus.backpressure import (
    Backpressure,
    LagReport,
    reported_lag_seconds,
    round_lag_seconds,
    wait_for_lag,
)
from hotel.eventbus.models import Delivery, StoredEvent, WorkerLag
from hotel.eventbus.testing import drain_outbox
from hotel.eventbus.worker import OutboxWorker
from tests.eventbus.helpers import publish_pings
from tests.outbox_probe.models import Fault

pytestmark = pytest.mark.django_db(transaction=True)


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def backpressure_settings(settings):
    settings.OUTBOX = {
        **settings.OUTBOX,
        "BACKPRESSURE_LAG_SECONDS": 2.0,
        "BACKPRESSURE_MAX_WAIT_SECONDS": 1.0,
    }
    return settings


def published_ago(seconds_by_key: dict[str, float]) -> None:
    """Publish one ping per key, as if it had been published ``seconds`` ago."""
    for key, seconds in seconds_by_key.items():
        (meta,) = publish_pings(key)
        then = timezone.now() - timedelta(seconds=seconds)
        StoredEvent.objects.filter(event_id=meta.event_id).update(occurred_at=then)


def report(worker: str, lag: float, *, age: float = 0.0) -> None:
    WorkerLag.objects.create(
        worker=worker, lag_seconds=lag, reported_at=timezone.now() - timedelta(seconds=age)
    )


def test_a_round_reports_the_median_wait_of_its_first_attempts():
    published_ago({"a": 1.0, "b": 3.0, "c": 30.0})

    result = OutboxWorker().run_once()

    assert len(result.done) == 9
    # The median, 3 s (plus the moments the test took): one straggler is no backlog.
    assert 3.0 <= result.lag_seconds < 3.0 + 2.0


def test_a_retry_is_no_lag_and_an_empty_round_reports_none():
    Fault.objects.create(handler="probe.record_a", mode="raise")
    published_ago({"a": 20.0})
    assert drain_outbox().retried
    Fault.objects.all().delete()
    Delivery.objects.filter(state="pending").update(available_at=timezone.now())

    retried = OutboxWorker().run_once()

    assert len(retried.done) == 1
    assert retried.lag_seconds == 0.0
    assert OutboxWorker().run_once().lag_seconds == 0.0


def test_round_lag_is_never_negative_and_zero_without_first_attempts():
    now = timezone.now()

    assert round_lag_seconds(now, []) == 0.0
    assert round_lag_seconds(now, [now + timedelta(seconds=1)]) == 0.0
    assert round_lag_seconds(now, [now - timedelta(seconds=4)]) == 4.0


def test_a_worker_reports_at_most_once_a_second_and_takes_its_report_away_on_stop():
    clock = Clock()
    lag_report = LagReport(worker="w1", clock=clock)

    assert lag_report.observe(5.0) is True
    clock.now += 0.5
    assert lag_report.observe(9.0) is False
    assert WorkerLag.objects.get(worker="w1").lag_seconds == 5.0
    clock.now += 0.5
    assert lag_report.observe(0.25) is True
    assert WorkerLag.objects.get(worker="w1").lag_seconds == 0.25

    lag_report.stop()

    assert not WorkerLag.objects.filter(worker="w1").exists()


def test_a_starting_worker_clears_reports_no_one_renews():
    report("killed", 40.0, age=2 * 3600)
    report("running", 1.0)

    LagReport(worker="new").start()

    assert list(WorkerLag.objects.values_list("worker", flat=True)) == ["running"]


def test_a_worker_that_ran_leaves_no_report_behind():
    publish_pings("a", 3)

    OutboxWorker(name="w-run").run(until_idle=True)

    assert Delivery.objects.filter(state="done").count() == 9
    assert not WorkerLag.objects.exists()


def test_the_highest_fresh_report_counts_and_stale_ones_do_not():
    assert reported_lag_seconds() is None
    report("stale", 60.0, age=10.0)
    assert reported_lag_seconds() is None

    report("a", 0.5)
    report("b", 3.5)

    assert reported_lag_seconds() == 3.5


@pytest.mark.parametrize(
    ("lag", "wait"),
    [(None, 0.0), (0.0, 0.0), (2.0, 0.0), (3.0, 0.2), (4.5, 0.5), (7.0, 1.0), (60.0, 1.0)],
)
def test_the_wait_grows_in_a_line_from_the_threshold_to_the_maximum(
    backpressure_settings, lag, wait
):
    assert wait_for_lag(lag) == pytest.approx(wait)


def test_no_wait_when_turned_off(backpressure_settings):
    backpressure_settings.OUTBOX = {**backpressure_settings.OUTBOX, "BACKPRESSURE_LAG_SECONDS": 0}

    assert wait_for_lag(60.0) == 0.0


def test_a_process_waits_as_its_last_reading_says_and_reads_twice_a_second(
    backpressure_settings,
):
    clock, slept = Clock(), []
    pressure = Backpressure(clock=clock, sleep=slept.append)
    report("w1", 4.5)

    assert pressure.wait() == 0.0  # no reading yet: no wait; this one reads
    assert pressure.wait() == 0.5
    WorkerLag.objects.all().delete()
    assert pressure.wait() == 0.5  # the next reading is not due yet
    clock.now += 0.5
    assert pressure.wait() == 0.5  # waits as before, then reads: no report any more
    assert pressure.wait() == 0.0

    assert slept == [0.5, 0.5, 0.5]


def test_a_reading_left_from_long_ago_is_no_reason_to_wait(backpressure_settings):
    clock, slept = Clock(), []
    pressure = Backpressure(clock=clock, sleep=slept.append)
    report("w1", 4.5)
    pressure.wait()  # reads: 0.5 s from now on
    WorkerLag.objects.all().delete()
    clock.now += 60  # no booking for a minute; the load is long gone

    assert pressure.wait() == 0.0  # reads again instead of waiting on the old reading
    assert pressure.wait() == 0.0
    assert slept == []


def test_a_process_that_is_turned_off_reads_nothing_and_never_waits(backpressure_settings):
    backpressure_settings.OUTBOX = {**backpressure_settings.OUTBOX, "BACKPRESSURE_LAG_SECONDS": 0}
    slept = []
    pressure = Backpressure(sleep=slept.append)
    report("w1", 60.0)

    assert [pressure.wait(), pressure.wait()] == [0.0, 0.0]
    assert slept == []
