"""One figure per bench/booking_bench.py scenario of the product: bookings, lag and backlog over
time, read back from the scenario's database once its outbox has drained.

Top: bookings paid per second (by the second they were paid). Middle: per handler, lag p50
(dashed) and p99 (solid) of the deliveries created in each second (publish to handled, ms, log
scale). Bottom: deliveries open (created, not yet handled) at the end of each second. The load
window is shaded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import psycopg

# Lag of a delivery handled within the same millisecond is drawn at this floor (log axis).
LAG_FLOOR_MS = 0.5

_SECOND = "floor(extract(epoch FROM {column}) - %(start)s)::int"


def saturation_series(database_url: str, *, load_started_at: float) -> dict[str, Any]:
    """Per second since ``load_started_at`` (a Unix time): bookings paid, each handler's lag
    p50/p99 of the deliveries created in it, and the deliveries open at its end."""
    start = {"start": load_started_at}
    with psycopg.connect(database_url, autocommit=True) as conn:
        paid = dict(
            conn.execute(
                f"SELECT {_SECOND.format(column='paid_at')}, count(*) FROM orders_order "
                "WHERE paid_at IS NOT NULL GROUP BY 1",
                start,
            ).fetchall()
        )
        lag_rows = conn.execute(
            f"SELECT {_SECOND.format(column='created_at')} AS second, handler, "
            "percentile_cont(0.5) WITHIN GROUP (ORDER BY completed_at - created_at), "
            "percentile_cont(0.99) WITHIN GROUP (ORDER BY completed_at - created_at) "
            "FROM eventbus_delivery WHERE state = 'done' GROUP BY 1, 2 ORDER BY 1",
            start,
        ).fetchall()
        created = dict(
            conn.execute(
                f"SELECT {_SECOND.format(column='created_at')}, count(*) FROM eventbus_delivery "
                "GROUP BY 1",
                start,
            ).fetchall()
        )
        completed = dict(
            conn.execute(
                f"SELECT {_SECOND.format(column='completed_at')}, count(*) "
                "FROM eventbus_delivery WHERE completed_at IS NOT NULL GROUP BY 1",
                start,
            ).fetchall()
        )
    last = max([0, *paid, *created, *completed])
    per_handler: dict[str, list[dict]] = {}
    for second, handler, p50, p99 in lag_rows:
        if second >= 0:
            per_handler.setdefault(handler, []).append(
                {
                    "second": second,
                    "p50_ms": p50.total_seconds() * 1000,
                    "p99_ms": p99.total_seconds() * 1000,
                }
            )
    open_at_end, running = (
        [],
        sum(n for s, n in created.items() if s < 0) - sum(n for s, n in completed.items() if s < 0),
    )
    for second in range(last + 1):
        running += created.get(second, 0) - completed.get(second, 0)
        open_at_end.append(running)
    return {
        "paid_per_second": [paid.get(second, 0) for second in range(last + 1)],
        "lag_per_second": per_handler,
        "open_at_end_of_second": open_at_end,
    }


def plot_saturation(series: dict[str, Any], path: Path, *, title: str, load_s: float) -> None:
    fig, (top, middle, bottom) = plt.subplots(
        3, 1, figsize=(11, 10), sharex=True, gridspec_kw={"height_ratios": [1, 1.4, 1]}
    )
    paid = series["paid_per_second"]
    top.step([s + 0.5 for s in range(len(paid))], paid, where="mid", color="tab:blue")
    top.set_ylabel("bookings paid / s")
    top.set_ylim(0, max([1, *paid]) * 1.15)

    handlers = sorted(series["lag_per_second"])
    colors = {h: plt.get_cmap("tab10")(i % 10) for i, h in enumerate(handlers)}
    for handler in handlers:
        rows = series["lag_per_second"][handler]
        seconds = [row["second"] + 0.5 for row in rows]
        middle.plot(
            seconds,
            [max(LAG_FLOOR_MS, row["p99_ms"]) for row in rows],
            color=colors[handler],
            linewidth=1.4,
            label=f"{handler} p99",
        )
        middle.plot(
            seconds,
            [max(LAG_FLOOR_MS, row["p50_ms"]) for row in rows],
            color=colors[handler],
            linewidth=1.0,
            linestyle="--",
        )
    middle.set_yscale("log")
    middle.set_ylabel("lag, publish to handled (ms)\nsolid p99, dashed p50")
    middle.axhline(10_000, color="grey", linewidth=0.6, linestyle=":")
    middle.annotate("10 s", (0, 10_000), fontsize=7, color="grey", va="bottom")
    middle.legend(loc="upper left", fontsize=7, ncol=2)

    open_ = series["open_at_end_of_second"]
    bottom.plot([s + 1 for s in range(len(open_))], open_, color="black", linewidth=1.2)
    bottom.set_ylabel("open deliveries")
    bottom.set_xlabel("seconds since the load started")
    bottom.set_ylim(bottom=0)

    for axis in (top, middle, bottom):
        axis.axvspan(0, load_s, color="tab:green", alpha=0.07, linewidth=0)
        axis.grid(True, which="major", alpha=0.3)
    top.annotate("load", (0.2, 0.04), xycoords=("data", "axes fraction"), color="tab:green")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
