"""Handlers that call the outside world run outside any transaction (in_transaction=False)."""

import uuid
from dataclasses import dataclass

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hotel.eventbus import Event, publish, subscribe
from hotel.eventbus.models import Delivery
from hotel.eventbus.subscriptions import unsubscribe
from hotel.eventbus.testing import drain_outbox
from hotel.eventbus.worker import OutboxWorker

pytestmark = pytest.mark.django_db(transaction=True)


@dataclass(frozen=True, kw_only=True)
class Called(Event, event_type="probe.Called", aggregate="probe", aggregate_id_field="key"):
    key: str


@pytest.fixture
def outside_calls():
    """A handler standing in for a provider call; records whether a transaction was open."""
    calls: list[tuple[str, bool]] = []
    behaviour = {"fail": False, "on_call": None}

    def call_provider(event: Called, meta) -> None:
        calls.append((event.key, connection.in_atomic_block))
        if behaviour["on_call"]:
            behaviour["on_call"](meta)
        if behaviour["fail"]:
            raise ConnectionError("provider down")

    subscribe(Called, name="probe.call_provider", in_transaction=False)(call_provider)
    yield calls, behaviour
    unsubscribe(Called, name="probe.call_provider")


def publish_called(key: str) -> None:
    with transaction.atomic():
        publish(Called(key=key))


def test_the_handler_runs_outside_any_transaction_and_its_delivery_is_done(outside_calls):
    calls, _ = outside_calls
    publish_called("a")

    result = drain_outbox()

    assert calls == [("a", False)]
    assert len(result.done) == 1
    assert Delivery.objects.get().state == "done"


def test_a_failure_backs_off_and_keeps_the_error(outside_calls):
    _calls, behaviour = outside_calls
    behaviour["fail"] = True
    publish_called("a")

    result = drain_outbox()

    delivery = Delivery.objects.get()
    assert len(result.retried) == 1
    assert (delivery.state, delivery.attempts) == ("pending", 1)
    assert "provider down" in delivery.last_error
    assert delivery.available_at > timezone.now()


def test_a_worker_that_lost_its_lease_while_calling_does_not_mark_the_delivery(outside_calls):
    _calls, behaviour = outside_calls
    takeover = uuid.uuid4()

    def taken_over(meta):  # another worker took the delivery over mid-call
        Delivery.objects.update(lease_token=takeover)

    behaviour["on_call"] = taken_over
    publish_called("a")
    worker = OutboxWorker()

    result = worker.handle(worker.claim())

    delivery = Delivery.objects.get()
    assert result.lost == [delivery.pk]
    assert (delivery.state, delivery.lease_token) == ("pending", takeover)


def test_a_stop_request_gives_outside_deliveries_back_untouched(outside_calls):
    calls, _ = outside_calls
    publish_called("a")
    worker = OutboxWorker()
    claim = worker.claim()
    worker.request_stop()

    result = worker.handle(claim)

    assert calls == []
    assert len(result.released) == 1
    assert Delivery.objects.values_list("attempts", "lease_token").get() == (0, None)


def test_one_name_cannot_mix_transaction_modes(outside_calls):
    @dataclass(frozen=True, kw_only=True)
    class Other(Event, event_type="probe.Other", aggregate="probe", aggregate_id_field="key"):
        key: str

    with pytest.raises(ValueError, match="both transaction modes"):
        subscribe(Other, name="probe.call_provider")(lambda event, meta: None)


@pytest.mark.postgres
def test_the_worker_commits_without_waiting_for_the_wal_flush_and_restores_it(settings):
    seen = []

    def observe(event: Called, meta) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            seen.append(cursor.fetchone()[0])

    subscribe(Called, name="probe.observe_commit_mode")(observe)
    try:
        publish_called("a")
        OutboxWorker().run(until_idle=True)
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            after = cursor.fetchone()[0]
        settings.OUTBOX = {**settings.OUTBOX, "SYNCHRONOUS_COMMIT": True}
        publish_called("b")
        OutboxWorker().run(until_idle=True)
    finally:
        unsubscribe(Called, name="probe.observe_commit_mode")

    assert seen == ["off", "on"]
    assert after == "on"


def test_a_round_reads_its_events_once_and_records_outside_outcomes_in_one_statement(
    outside_calls,
):
    calls, _ = outside_calls
    inside_calls = []
    subscribe(Called, name="probe.write_locally")(lambda event, meta: inside_calls.append(1))
    try:
        publish_called("a")
        worker = OutboxWorker()
        with CaptureQueriesContext(connection) as queries:
            result = worker.run_once()
    finally:
        unsubscribe(Called, name="probe.write_locally")

    assert (len(calls), len(inside_calls), len(result.done)) == (1, 1, 2)
    statements = [q["sql"] for q in queries.captured_queries]
    reads_of_events = [sql for sql in statements if '"eventbus_event"' in sql]
    on_deliveries = [sql for sql in statements if '"eventbus_delivery"' in sql]
    # The claim (its heads, their queues' runs, the lease), the inside batch's lock (which
    # also checks the outside delivery's lease) and its outcome, the outside outcome.
    assert len(reads_of_events) == 1
    assert len(on_deliveries) == 6, on_deliveries
    assert sum(sql.startswith("UPDATE") and "RETURNING" in sql for sql in on_deliveries) == 2
