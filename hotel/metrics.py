"""``GET /metrics``: outbox backlog, dead letters and lag, and process figures, for Prometheus.

The exposition (text format, escaping, number formatting) and the process figures are
``prometheus_client``'s: ``OutboxCollector`` yields the outbox families, ``ProcessCollector``
the standard ``process_*`` figures (CPU, memory, open file descriptors, start time, from
Linux's /proc) and ``PlatformCollector`` ``python_info``, all on a registry of our own
(``REGISTRY``), not the library's global one.

The outbox figures come from the database on every scrape (``outbox_status()``), so they are
the same whichever gunicorn worker process, or web pod, answers: aggregate them with ``max``,
never ``sum``. The ``process_*`` figures are those of the process that answered.

Access: open when ``DEBUG``; otherwise to staff users (session) or to
``Authorization: Bearer <METRICS_TOKEN>``; anyone else gets 403.

Contexts may add their own families with ``register_collector``: a function returning
``prometheus_client`` metric families (``GaugeMetricFamily`` and the like), called on every
scrape; one that fails is logged and left out of that scrape, never failing it.
"""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Callable, Iterable, Iterator

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import (
    CollectorRegistry,
    Metric,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.registry import Collector

from hotel.eventbus import backpressure
from hotel.eventbus.maintenance import outbox_status

logger = logging.getLogger("hotel.metrics")

#: The classic text format (0.0.4), which ``generate_latest`` writes and every Prometheus
#: reads. (The library's ``CONTENT_TYPE_LATEST`` names text format 1.0.0 since 0.22.)
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4
LAG_QUANTILES = (("0.5", "lag_p50_ms"), ("0.95", "lag_p95_ms"), ("0.99", "lag_p99_ms"))

# --- the contexts' collectors ------------------------------------------------------------------
ContextCollector = Callable[[], Iterable[Metric]]
_collectors: list[ContextCollector] = []


def register_collector(collector: ContextCollector) -> ContextCollector:
    """Add a function returning more metric families to every scrape (idempotent)."""
    if collector not in _collectors:
        _collectors.append(collector)
    return collector


# --- the outbox --------------------------------------------------------------------------------
def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


def outbox_metrics() -> list[Metric]:
    """The outbox families, from one ``outbox_status()`` (raises ``DatabaseError``)."""
    status = outbox_status()
    deliveries = GaugeMetricFamily(
        "hotel_outbox_deliveries", "Outbox deliveries by state.", labels=["state"]
    )
    for state, count in status.by_state.items():
        deliveries.add_metric([state], count)
    pending = status.by_state.get("pending", 0)
    metrics: list[Metric] = [
        deliveries,
        _gauge(
            "hotel_outbox_backlog",
            "Pending deliveries not held back behind a dead one (what workers can drain).",
            max(pending - status.blocked, 0),
        ),
        _gauge(
            "hotel_outbox_in_flight",
            "Pending deliveries under a live worker lease.",
            status.in_flight,
        ),
        _gauge(
            "hotel_outbox_blocked",
            "Pending deliveries held back behind a dead delivery.",
            status.blocked,
        ),
        _gauge(
            "hotel_outbox_dead",
            "Dead-lettered deliveries (replay them).",
            status.by_state.get("dead", 0),
        ),
        _gauge(
            "hotel_outbox_oldest_pending_age_seconds",
            "Age of the oldest pending delivery (0 when none).",
            status.oldest_pending_age_seconds or 0.0,
        ),
    ]
    per_handler = {
        attribute: GaugeMetricFamily(name, documentation, labels=["handler"])
        for attribute, name, documentation in (
            ("pending", "hotel_outbox_handler_pending", "Pending deliveries per handler."),
            ("in_flight", "hotel_outbox_handler_in_flight", "Leased deliveries per handler."),
            (
                "blocked",
                "hotel_outbox_handler_blocked",
                "Deliveries held back behind a dead one, per handler.",
            ),
            ("dead", "hotel_outbox_handler_dead", "Dead deliveries per handler."),
            (
                "oldest_pending_age_seconds",
                "hotel_outbox_handler_oldest_pending_age_seconds",
                "Age of the oldest pending delivery per handler (0 when none).",
            ),
        )
    }
    for row in status.handlers:
        for attribute, family in per_handler.items():
            family.add_metric([row.handler], getattr(row, attribute) or 0)
    metrics.extend(per_handler.values())
    lag = GaugeMetricFamily(
        "hotel_outbox_lag_seconds",
        "Publish-to-handled lag of recently handled deliveries, by quantile "
        "(absent when none were handled recently).",
        labels=["quantile"],
    )
    for quantile, attribute in LAG_QUANTILES:
        value = getattr(status, attribute)
        if value is not None:
            lag.add_metric([quantile], value / 1000)
    metrics.append(lag)
    metrics.append(
        _gauge(
            "hotel_outbox_lag_sample_deliveries",
            "How many recently handled deliveries the lag quantiles are computed from.",
            status.lag_sample_size,
        )
    )
    metrics.append(
        _gauge(
            "hotel_outbox_worker_lag_seconds",
            "The highest lag the outbox workers reported in the last seconds (0 when none "
            "did): above OUTBOX_BACKPRESSURE_LAG_SECONDS bookings wait.",
            backpressure.reported_lag_seconds() or 0.0,
        )
    )
    metrics.append(
        _gauge(
            "hotel_booking_backpressure_wait_seconds",
            "How long each booking now waits in this process for the workers to catch up.",
            backpressure.bookings.wait_seconds,
        )
    )
    return metrics


class OutboxCollector(Collector):
    """The outbox families and ``hotel_outbox_status_up`` (0 when the database could not be
    read), the contexts' registered families, and how long all that took to compute."""

    def collect(self) -> Iterator[Metric]:
        started = time.perf_counter()
        try:
            families = outbox_metrics()
            up = 1
        except DatabaseError as exc:
            logger.warning("metrics: cannot read the outbox status: %s", exc)
            families, up = [], 0
        yield from families
        yield _gauge("hotel_outbox_status_up", "1 when the outbox figures could be read.", up)
        for collector in list(_collectors):
            try:
                families = list(collector())
            except Exception:
                logger.exception("metrics: collector %r failed", collector)
                continue
            yield from families
        yield _gauge(
            "hotel_metrics_scrape_duration_seconds",
            "Time this scrape took to compute.",
            round(time.perf_counter() - started, 6),
        )


#: What ``/metrics`` exposes; the library's global ``prometheus_client.REGISTRY`` is not.
REGISTRY = CollectorRegistry()
REGISTRY.register(OutboxCollector())
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)


# --- the view ------------------------------------------------------------------------------
def _allowed(request: HttpRequest) -> bool:
    if settings.DEBUG:
        return True
    user = getattr(request, "user", None)
    # The outbox's operators: whoever may view its deliveries in the admin (superusers too).
    # Not every staff user: hoteliers are staff, and the outbox is not theirs to watch.
    if user is not None and user.is_authenticated and user.has_perm("eventbus.view_delivery"):
        return True
    token = getattr(settings, "METRICS_TOKEN", "")
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    return bool(
        token
        and scheme.lower() == "bearer"
        and hmac.compare_digest(presented.strip().encode(), token.encode())
    )


@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not _allowed(request):
        return HttpResponse("forbidden\n", status=403, content_type="text/plain; charset=utf-8")
    return HttpResponse(generate_latest(REGISTRY), content_type=CONTENT_TYPE)
