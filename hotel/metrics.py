"""``GET /metrics``: outbox backlog, dead letters and lag, and process figures, for Prometheus.

The outbox figures come from the database on every scrape (``outbox_status()``), so they are
the same whichever gunicorn worker process, or web pod, answers: aggregate them with ``max``,
never ``sum``. The ``process_*`` figures are those of the process that answered.

Access: open when ``DEBUG``; otherwise to staff users (session) or to
``Authorization: Bearer <METRICS_TOKEN>``; anyone else gets 403.

Contexts may add their own families with ``register_collector`` (wired in ``hotel/urls.py``,
the one place of the project package that may import a context's ``api``).
"""

from __future__ import annotations

import hmac
import logging
import math
import os
import resource
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from hotel.eventbus.maintenance import outbox_status

logger = logging.getLogger("hotel.metrics")

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LAG_QUANTILES = (("0.5", "lag_p50_ms"), ("0.95", "lag_p95_ms"), ("0.99", "lag_p99_ms"))


# --- a tiny Prometheus text-format renderer ----------------------------------------------------
@dataclass
class Metric:
    """One metric family: ``samples`` are (labels, value) pairs."""

    name: str
    help: str
    type: str = "gauge"
    samples: list[tuple[dict[str, str], float]] = field(default_factory=list)

    def add(self, value: float, **labels: str) -> Metric:
        self.samples.append((labels, value))
        return self


def _escape_label(value: str) -> str:
    return value.replace("\\", r"\\").replace("\n", r"\n").replace('"', r"\"")


def _format_value(value: float) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value))


def render(metrics: Iterable[Metric]) -> str:
    """Prometheus text exposition format 0.0.4."""
    lines: list[str] = []
    for metric in metrics:
        help_text = metric.help.replace("\\", r"\\").replace("\n", r"\n")
        lines.append(f"# HELP {metric.name} {help_text}")
        lines.append(f"# TYPE {metric.name} {metric.type}")
        for labels, value in metric.samples:
            label_text = ",".join(f'{key}="{_escape_label(str(v))}"' for key, v in labels.items())
            name = f"{metric.name}{{{label_text}}}" if label_text else metric.name
            lines.append(f"{name} {_format_value(value)}")
    return "\n".join(lines) + "\n"


# --- collectors ----------------------------------------------------------------------------
Collector = Callable[[], Iterable[Metric]]
_collectors: list[Collector] = []


def register_collector(collector: Collector) -> Collector:
    """Add a function returning more metric families to every scrape (idempotent)."""
    if collector not in _collectors:
        _collectors.append(collector)
    return collector


def outbox_metrics() -> list[Metric]:
    status = outbox_status()
    deliveries = Metric("hotel_outbox_deliveries", "Outbox deliveries by state.")
    for state, count in status.by_state.items():
        deliveries.add(count, state=state)
    pending = status.by_state.get("pending", 0)
    metrics = [
        deliveries,
        Metric(
            "hotel_outbox_backlog",
            "Pending deliveries not held back behind a dead one (what workers can drain).",
        ).add(max(pending - status.blocked, 0)),
        Metric("hotel_outbox_in_flight", "Pending deliveries under a live worker lease.").add(
            status.in_flight
        ),
        Metric("hotel_outbox_blocked", "Pending deliveries held back behind a dead delivery.").add(
            status.blocked
        ),
        Metric("hotel_outbox_dead", "Dead-lettered deliveries (replay them).").add(
            status.by_state.get("dead", 0)
        ),
        Metric(
            "hotel_outbox_oldest_pending_age_seconds",
            "Age of the oldest pending delivery (0 when none).",
        ).add(status.oldest_pending_age_seconds or 0.0),
    ]
    per_handler = {
        "pending": Metric("hotel_outbox_handler_pending", "Pending deliveries per handler."),
        "in_flight": Metric("hotel_outbox_handler_in_flight", "Leased deliveries per handler."),
        "blocked": Metric(
            "hotel_outbox_handler_blocked", "Deliveries held back behind a dead one, per handler."
        ),
        "dead": Metric("hotel_outbox_handler_dead", "Dead deliveries per handler."),
        "oldest_pending_age_seconds": Metric(
            "hotel_outbox_handler_oldest_pending_age_seconds",
            "Age of the oldest pending delivery per handler (0 when none).",
        ),
    }
    for row in status.handlers:
        for attribute, metric in per_handler.items():
            metric.add(getattr(row, attribute) or 0, handler=row.handler)
    metrics.extend(per_handler.values())
    lag = Metric(
        "hotel_outbox_lag_seconds",
        "Publish-to-handled lag of recently handled deliveries, by quantile "
        "(absent when none were handled recently).",
    )
    for quantile, attribute in LAG_QUANTILES:
        value = getattr(status, attribute)
        if value is not None:
            lag.add(value / 1000, quantile=quantile)
    metrics.append(lag)
    metrics.append(
        Metric(
            "hotel_outbox_lag_sample_deliveries",
            "How many recently handled deliveries the lag quantiles are computed from.",
        ).add(status.lag_sample_size)
    )
    return metrics


_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def process_metrics() -> list[Metric]:
    """Cheap figures of this process (Linux /proc where available)."""
    times = os.times()
    metrics = [
        Metric("process_cpu_seconds_total", "User and system CPU time.", "counter").add(
            times.user + times.system
        ),
        Metric("python_info", "Python version.").add(
            1,
            implementation=sys.implementation.name,
            version=".".join(map(str, sys.version_info[:3])),
        ),
    ]
    try:
        with open("/proc/self/statm") as statm:
            resident_pages = int(statm.read().split()[1])
        metrics.append(
            Metric("process_resident_memory_bytes", "Resident memory size.").add(
                resident_pages * _PAGE_SIZE
            )
        )
        metrics.append(
            Metric("process_open_fds", "Open file descriptors.").add(
                len(os.listdir("/proc/self/fd"))
            )
        )
    except OSError:
        peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        metrics.append(
            Metric("process_max_resident_memory_bytes", "Peak resident memory size.").add(
                peak_kib * 1024
            )
        )
    metrics.append(
        Metric("process_start_time_seconds", "Start time of the process (Unix epoch).").add(
            _PROCESS_START
        )
    )
    return metrics


def _process_start_time() -> float:
    try:
        with open("/proc/self/stat") as stat:
            start_ticks = int(stat.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/stat") as system:
            boot = next(int(line.split()[1]) for line in system if line.startswith("btime"))
        return boot + start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return time.time()


_PROCESS_START = _process_start_time()


def collect() -> list[Metric]:
    started = time.perf_counter()
    metrics: list[Metric] = []
    try:
        metrics.extend(outbox_metrics())
        up = 1
    except DatabaseError as exc:
        logger.warning("metrics: cannot read the outbox status: %s", exc)
        up = 0
    metrics.append(
        Metric("hotel_outbox_status_up", "1 when the outbox figures could be read.").add(up)
    )
    for collector in _collectors:
        try:
            metrics.extend(collector())
        except Exception:
            logger.exception("metrics: collector %r failed", collector)
    metrics.extend(process_metrics())
    metrics.append(
        Metric("hotel_metrics_scrape_duration_seconds", "Time this scrape took to compute.").add(
            round(time.perf_counter() - started, 6)
        )
    )
    return metrics


# --- the view ------------------------------------------------------------------------------
def _allowed(request: HttpRequest) -> bool:
    if settings.DEBUG:
        return True
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_staff:
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
    return HttpResponse(render(collect()), content_type=CONTENT_TYPE)
