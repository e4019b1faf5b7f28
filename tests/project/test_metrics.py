"""GET /metrics: Prometheus text with the outbox's backlog, dead letters and lag,
open only to DEBUG, the outbox's operators and the METRICS_TOKEN bearer."""

import re
import time

import prometheus_client
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import DatabaseError
from django.utils import timezone
from prometheus_client import Gauge
from prometheus_client.core import GaugeMetricFamily

from hotel import metrics
from hotel.eventbus import backpressure
from hotel.eventbus.models import Delivery, WorkerLag
from hotel.eventbus.testing import drain_outbox
from tests.eventbus.helpers import publish_pings
from tests.outbox_probe.events import HANDLERS

pytestmark = pytest.mark.django_db

TOKEN = "s3cret-scrape-token"
# name{label="value",...} value, or name value
SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$")
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse(text: str) -> dict[tuple[str, frozenset], float]:
    """Parse the exposition text strictly: HELP and TYPE before each family's samples."""
    assert text.endswith("\n")
    samples: dict[tuple[str, frozenset], float] = {}
    typed: set[str] = set()
    for line in text.splitlines():
        if line.startswith("# HELP "):
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            assert kind in {"gauge", "counter", "summary", "histogram", "untyped"}
            assert name not in typed, f"family {name} declared twice"
            typed.add(name)
            continue
        match = SAMPLE.match(line)
        assert match, f"not a sample line: {line!r}"
        name, labels, value = match.groups()
        assert name in typed, f"sample {name} before its TYPE"
        key = (name, frozenset(LABEL.findall(labels or "")))
        assert key not in samples, f"duplicate sample {line!r}"
        samples[key] = float(value)
    return samples


def value(samples, name: str, **labels: str) -> float:
    return samples[(name, frozenset(labels.items()))]


@pytest.fixture
def scrape(client, settings):
    settings.METRICS_TOKEN = TOKEN

    def get():
        response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
        assert response.status_code == 200, response.content
        assert response["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
        return parse(response.content.decode())

    return get


# --- access ---------------------------------------------------------------------------------
def test_anonymous_scrapes_are_refused_unless_debug(client, settings):
    settings.METRICS_TOKEN = TOKEN

    assert client.get("/metrics").status_code == 403

    settings.DEBUG = True
    assert client.get("/metrics").status_code == 200


@pytest.mark.parametrize(
    ("header", "status"),
    [
        (f"Bearer {TOKEN}", 200),
        (f"bearer {TOKEN}", 200),
        ("Bearer wrong-token", 403),
        (f"Basic {TOKEN}", 403),
        (TOKEN, 403),
        ("Bearer ", 403),
    ],
)
def test_the_bearer_token_opens_it(client, settings, header, status):
    settings.METRICS_TOKEN = TOKEN

    assert client.get("/metrics", HTTP_AUTHORIZATION=header).status_code == status


def test_no_token_configured_means_no_token_is_accepted(client, settings):
    settings.METRICS_TOKEN = ""

    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer").status_code == 403


def test_the_outbox_operators_may_scrape_and_other_users_may_not(client):
    user_model = get_user_model()
    guest = user_model.objects.create_user("guest", password="pw-guest-1234")
    hotelier = user_model.objects.create_user("hotelier", password="pw-ho-1234", is_staff=True)
    ops = user_model.objects.create_user("ops", password="pw-ops-1234", is_staff=True)
    ops.user_permissions.add(Permission.objects.get(codename="view_delivery"))
    root = user_model.objects.create_superuser("root", password="pw-root-1234")

    for user, status in ((guest, 403), (hotelier, 403), (ops, 200), (root, 200)):
        client.force_login(user)
        assert client.get("/metrics").status_code == status, user.username


def test_only_get_is_served(client, settings):
    settings.DEBUG = True

    assert client.post("/metrics").status_code == 405


# --- content --------------------------------------------------------------------------------
def test_an_empty_outbox_reports_zeroes_and_no_lag(scrape):
    samples = scrape()

    assert value(samples, "hotel_outbox_status_up") == 1
    for state in ("pending", "done", "dead"):
        assert value(samples, "hotel_outbox_deliveries", state=state) == 0
    assert value(samples, "hotel_outbox_backlog") == 0
    assert value(samples, "hotel_outbox_oldest_pending_age_seconds") == 0
    assert not [key for key in samples if key[0] == "hotel_outbox_lag_seconds"]
    assert value(samples, "hotel_outbox_lag_sample_deliveries") == 0
    assert value(samples, "hotel_outbox_worker_lag_seconds") == 0
    assert value(samples, "hotel_booking_backpressure_wait_seconds") == 0
    assert value(samples, "process_resident_memory_bytes") > 0
    assert value(samples, "process_cpu_seconds_total") > 0


def test_backlog_dead_blocked_and_oldest_age_per_handler_and_overall(scrape):
    publish_pings("a", 2)  # two events x three handlers
    publish_pings("b", 1)
    first_to_a = Delivery.objects.filter(handler="probe.record_a").order_by("id").first()
    Delivery.objects.filter(pk=first_to_a.pk).update(state="dead", attempts=3)
    # "a"'s second delivery to record_a now waits behind the dead one.

    samples = scrape()

    assert value(samples, "hotel_outbox_deliveries", state="pending") == 8
    assert value(samples, "hotel_outbox_deliveries", state="dead") == 1
    assert value(samples, "hotel_outbox_dead") == 1
    assert value(samples, "hotel_outbox_blocked") == 1
    assert value(samples, "hotel_outbox_backlog") == 7
    assert value(samples, "hotel_outbox_in_flight") == 0
    assert value(samples, "hotel_outbox_handler_pending", handler="probe.record_a") == 2
    assert value(samples, "hotel_outbox_handler_dead", handler="probe.record_a") == 1
    assert value(samples, "hotel_outbox_handler_blocked", handler="probe.record_a") == 1
    assert value(samples, "hotel_outbox_handler_blocked", handler="probe.record_b") == 0
    ages = [
        value(samples, "hotel_outbox_handler_oldest_pending_age_seconds", handler=name)
        for name in HANDLERS
    ]
    assert all(age >= 0 for age in ages)
    assert value(samples, "hotel_outbox_oldest_pending_age_seconds") == pytest.approx(
        max(ages), abs=0.5
    )


def test_lag_quantiles_appear_once_deliveries_are_handled(scrape):
    publish_pings("a", 3)
    drain_outbox()

    samples = scrape()

    assert value(samples, "hotel_outbox_deliveries", state="done") == 9
    assert value(samples, "hotel_outbox_backlog") == 0
    assert value(samples, "hotel_outbox_lag_sample_deliveries") == 9
    p50, p95, p99 = (
        value(samples, "hotel_outbox_lag_seconds", quantile=q) for q in ("0.5", "0.95", "0.99")
    )
    assert 0 <= p50 <= p95 <= p99 < 60


def test_the_figures_come_from_the_database_on_every_scrape(scrape):
    assert value(scrape(), "hotel_outbox_deliveries", state="pending") == 0

    publish_pings("a", 1)

    assert value(scrape(), "hotel_outbox_deliveries", state="pending") == 3


def test_a_database_error_still_answers_with_up_zero_and_process_figures(scrape, monkeypatch):
    def broken():
        raise DatabaseError("connection refused")

    monkeypatch.setattr(metrics, "outbox_status", broken)

    samples = scrape()

    assert value(samples, "hotel_outbox_status_up") == 0
    assert value(samples, "process_resident_memory_bytes") > 0


def test_registered_collectors_add_families_and_a_failing_one_is_skipped(scrape, monkeypatch):
    monkeypatch.setattr(metrics, "_collectors", [])

    def circuit():
        family = GaugeMetricFamily(
            "hotel_payment_circuit_open", "Circuit open.", labels=["provider"]
        )
        family.add_metric(["x"], 0)
        return [family]

    def broken():
        raise RuntimeError("boom")

    metrics.register_collector(circuit)
    metrics.register_collector(broken)
    metrics.register_collector(circuit)  # once only

    samples = scrape()

    assert value(samples, "hotel_payment_circuit_open", provider="x") == 0
    assert value(samples, "hotel_outbox_status_up") == 1


def test_label_values_and_special_numbers_are_escaped(client, settings, monkeypatch):
    settings.DEBUG = True
    monkeypatch.setattr(metrics, "_collectors", [])

    def special():
        family = GaugeMetricFamily("m", "help with \\ and\nnewline", labels=["handler"])
        family.add_metric(['a"b\\c\nd'], float("nan"))
        family.add_metric(["x"], float("inf"))
        family.add_metric(["y"], True)
        family.add_metric(["z"], 0.25)
        return [family]

    metrics.register_collector(special)

    text = client.get("/metrics").content.decode()

    assert (
        "# HELP m help with \\\\ and\\nnewline\n"
        "# TYPE m gauge\n"
        'm{handler="a\\"b\\\\c\\nd"} NaN\n'
        'm{handler="x"} +Inf\n'
        'm{handler="y"} 1.0\n'
        'm{handler="z"} 0.25\n'
    ) in text


def test_the_registry_is_our_own_with_the_librarys_process_figures(scrape):
    """Nothing registered on prometheus_client's global registry leaks into /metrics, and the
    process figures are the library's standard ones."""
    leaked = Gauge("hotel_test_global_registry_gauge", "Registered globally.")
    try:
        samples = scrape()
    finally:
        prometheus_client.REGISTRY.unregister(leaked)

    names = {name for name, _ in samples}
    assert "hotel_test_global_registry_gauge" not in names
    assert not [name for name in names if name.startswith("python_gc_")]  # the global's
    assert {
        "process_cpu_seconds_total",
        "process_resident_memory_bytes",
        "process_virtual_memory_bytes",
        "process_start_time_seconds",
        "process_open_fds",
        "python_info",
        "hotel_metrics_scrape_duration_seconds",
    } <= names
    assert value(samples, "process_open_fds") > 0
    assert 0 < value(samples, "process_start_time_seconds") <= time.time()


def test_the_workers_reported_lag_and_this_process_wait(scrape):
    backpressure.bookings.reset()
    WorkerLag.objects.create(worker="w1", lag_seconds=4.5, reported_at=timezone.now())
    WorkerLag.objects.create(worker="w2", lag_seconds=1.0, reported_at=timezone.now())
    backpressure.bookings.wait()  # takes the reading

    samples = scrape()
    backpressure.bookings.reset()

    assert value(samples, "hotel_outbox_worker_lag_seconds") == 4.5
    # 2.5 s over the 2 s threshold, half of the 5 s ramp: half of the longest wait, 1 s.
    assert value(samples, "hotel_booking_backpressure_wait_seconds") == 0.5
