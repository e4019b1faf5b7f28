"""Operator tools: purge, status, replay, rename, the claim query's plan, periodic jobs."""

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from hotel.eventbus.delivery_sql import claim_heads_sql
from hotel.eventbus.maintenance import (
    AUTOVACUUM_OFF_WARNING,
    autovacuum_is_off,
    outbox_status,
    purge_done,
)
from hotel.eventbus.models import Delivery
from hotel.eventbus.testing import drain_outbox
from hotel.eventbus.worker import OutboxWorker
from hotel.periodic_jobs import PeriodicJob, PeriodicScheduler
from tests.eventbus.helpers import publish_pings
from tests.outbox_probe.models import Effect, Fault

pytestmark = pytest.mark.django_db(transaction=True)


def outbox(*args: str) -> str:
    out = StringIO()
    call_command("outbox", *args, stdout=out)
    return out.getvalue()


def test_purge_removes_only_done_deliveries_older_than_the_retention_in_batches(
    django_assert_max_num_queries,
):
    publish_pings("old", 4)
    drain_outbox()  # 12 done
    Delivery.objects.update(completed_at=timezone.now() - timedelta(hours=48))
    publish_pings("recent", 1)
    drain_outbox()  # 3 done just now
    Fault.objects.create(handler="probe.record_a", mode="raise")
    publish_pings("open", 1)
    drain_outbox()  # record_a pending (backoff), b and c done now
    Delivery.objects.filter(aggregate_key="probe:recent", handler="probe.record_b").update(
        state="dead", completed_at=timezone.now() - timedelta(hours=48)
    )

    removed = purge_done(older_than=timedelta(hours=24), batch_size=5)

    assert removed == 12
    remaining = sorted(Delivery.objects.values_list("aggregate_key", "state"))
    assert remaining == [
        ("probe:open", "done"),
        ("probe:open", "done"),
        ("probe:open", "pending"),
        ("probe:recent", "dead"),
        ("probe:recent", "done"),
        ("probe:recent", "done"),
    ]


def test_status_reports_backlog_dead_blocked_oldest_age_and_lag():
    publish_pings("fine", 2)
    drain_outbox()
    Fault.objects.create(handler="probe.record_a", aggregate="bad", mode="raise")
    publish_pings("bad", 3)
    for _ in range(3):
        drain_outbox()
        Delivery.objects.filter(state="pending").update(available_at=timezone.now())

    status = outbox_status()
    printed = outbox("status")

    assert status.by_state == {"pending": 2, "done": 12, "dead": 1}
    assert (status.blocked, status.in_flight, status.lag_sample_size) == (2, 0, 12)
    row = next(h for h in status.handlers if h.handler == "probe.record_a")
    assert (row.pending, row.blocked, row.dead) == (2, 2, 1)
    assert row.oldest_pending_age_seconds >= 0
    assert status.lag_p50_ms is not None
    assert status.lag_p99_ms >= status.lag_p50_ms
    assert "deliveries by state: pending 2, done 12, dead 1" in printed
    assert "blocked behind dead 2" in printed
    assert "lag (publish to handled, last 12 deliveries): p50" in printed


def test_replay_command_and_admin_action_revive_dead_deliveries(client):
    Fault.objects.create(handler="probe.record_a", mode="raise")
    publish_pings("d", 1)
    publish_pings("e", 1)
    Delivery.objects.filter(handler="probe.record_a").update(state="dead", attempts=3)
    Fault.objects.all().delete()
    first, second = Delivery.objects.filter(state="dead").order_by("id")

    assert outbox("replay", str(first.pk)) == "replaying 1 dead deliveries\n"
    admin = get_user_model().objects.create_superuser("ops", "ops@example.com", "pw-ops-12345")
    client.force_login(admin)
    response = client.post(
        "/admin/eventbus/delivery/",
        {"action": "replay", "_selected_action": [second.pk]},
    )

    assert response.status_code == 302
    assert set(
        Delivery.objects.values_list("state", "attempts").filter(handler="probe.record_a")
    ) == {("pending", 0)}
    drain_outbox()
    assert Effect.objects.filter(handler="probe.record_a").count() == 2


def test_rename_handler_moves_open_deliveries_so_the_worker_starts_again():
    publish_pings("r", 1)
    Delivery.objects.filter(handler="probe.record_c").update(handler="probe.old_c")

    assert "moved 1 open deliveries" in outbox("rename-handler", "probe.old_c", "probe.record_c")
    OutboxWorker().run(until_idle=True)
    assert Effect.objects.filter(handler="probe.record_c").count() == 1


@pytest.mark.postgres
def test_the_claim_query_reads_the_partial_pending_index():
    # A realistic outbox: 20,000 events to 3 handlers, 90 % already done.
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO eventbus_event (event_id, event_type, schema_version, aggregate_type,
                                        aggregate_id, correlation_id, occurred_at, payload)
            SELECT gen_random_uuid(), 'probe.Pinged', 2, 'probe', (g % 200)::text, '', now(),
                   '{}'::jsonb
            FROM generate_series(1, 20000) AS g
            """
        )
        cursor.execute(
            """
            INSERT INTO eventbus_delivery (event_id, handler, aggregate_key, state, attempts,
                                           available_at, last_error, created_at, completed_at)
            SELECT e.id, h, 'probe:' || e.aggregate_id,
                   CASE WHEN e.id % 10 = 0 THEN 'pending' ELSE 'done' END, 0, now(), '', now(),
                   CASE WHEN e.id % 10 = 0 THEN NULL ELSE now() END
            FROM eventbus_event AS e, unnest(ARRAY['a', 'b', 'c']) AS h
            """
        )
        cursor.execute("ANALYZE eventbus_delivery")
    sql, params = claim_heads_sql(connection, now=timezone.now(), limit=100)

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "Index Scan using delivery_pending on eventbus_delivery" in plan, plan
    assert "Index Scan using delivery_open_by_aggregate" in plan, plan
    assert "LockRows" in plan, plan
    assert "Sort" not in plan, plan  # read in id order straight from the index


def test_periodic_jobs_run_when_due_and_survive_errors():
    calls = []
    clock = [0.0]

    def failing():
        calls.append("failing")
        raise RuntimeError("boom")

    scheduler = PeriodicScheduler(
        [
            PeriodicJob("every-10", 10, lambda: calls.append("every-10")),
            PeriodicJob("failing", 5, failing),
        ],
        clock=lambda: clock[0],
    )

    assert scheduler.run_due() == ["every-10", "failing"]
    clock[0] = 6
    assert scheduler.run_due() == ["failing"]
    clock[0] = 11
    assert scheduler.run_due() == ["every-10", "failing"]
    assert calls == ["every-10", "failing", "failing", "every-10", "failing"]


def test_lag_percentiles_are_observed_values_in_order():
    from hotel.eventbus.maintenance import _percentile

    nearly_equal = [0.014129] * 7 + [0.014128999999999997] * 2
    ranks = [_percentile(nearly_equal, pct) for pct in (50, 95, 99)]

    assert ranks == sorted(ranks)
    assert set(ranks) <= set(nearly_equal)
    assert _percentile(list(range(1, 101)), 50) == 50
    assert _percentile(list(range(1, 101)), 99) == 99
    assert _percentile([], 50) is None


def servers_autovacuum() -> str | None:
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT setting FROM pg_settings WHERE name = 'autovacuum'")
        return cursor.fetchone()[0]


def test_the_worker_warns_at_start_when_the_server_runs_without_autovacuum(caplog):
    setting = servers_autovacuum()

    with caplog.at_level("WARNING", logger="hotel.eventbus.worker"):
        call_command("outbox", "work", "--until-idle", "--no-periodic")

    warned = [r for r in caplog.records if r.getMessage() == AUTOVACUUM_OFF_WARNING]
    assert autovacuum_is_off() is (setting == "off")
    assert len(warned) == (1 if setting == "off" else 0)


def test_status_says_when_autovacuum_is_off():
    printed = outbox("status")

    assert ("WARNING: " + AUTOVACUUM_OFF_WARNING in printed) is (servers_autovacuum() == "off")
