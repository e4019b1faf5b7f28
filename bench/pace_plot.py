"""One figure per bench/event_pace.py scenario: bookings, per-handler lag and backlog over time.

Top: bookings answered 201 per second (by the second they were answered) against the offered
rate. Middle: per handler, lag p50 (dashed) and p99 (solid) of the deliveries created in each
second (publish to handled, ms, log scale). Bottom: open deliveries per handler (not done), as
sampled every 0.5 s from the warm-up's end until the drain ends. Last: the machine's pressure
in each sample's half second (PSI): how long some task waited for a CPU, and how long every
task with work stalled on the disk at once; a dip in the answers that comes with an IO stall
was the disk, not the product. The load window is shaded; the dotted line is the load's end
plus 1 s (where nothing should be open any more).
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

# Lag of a delivery handled within the same millisecond is drawn at this floor (log axis).
LAG_FLOOR_MS = 0.5


def plot_scenario(scenario: dict[str, Any], path: Path) -> None:
    load_end = scenario["load"]["load_end_s"]
    fig, (top, middle, bottom, pressure) = plt.subplots(
        4, 1, figsize=(11, 12), sharex=True, gridspec_kw={"height_ratios": [1, 1.4, 1, 0.6]}
    )
    handlers = sorted(scenario["lag"]["per_handler"])
    colors = {h: plt.get_cmap("tab10")(i % 10) for i, h in enumerate(handlers)}

    per_second = scenario["client"]["per_second_201"]
    top.step(
        [s + 0.5 for s in range(len(per_second))],
        per_second,
        where="mid",
        color="tab:blue",
        label="201 answers / s",
    )
    top.hlines(
        scenario["offered_rate"],
        0,
        scenario["duration_s"],
        colors="black",
        linestyles="--",
        label=f"offered {scenario['offered_rate']:g} / s",
    )
    top.set_ylabel("bookings / s")
    top.set_ylim(0, max([scenario["offered_rate"], *per_second]) * 1.15)
    top.legend(loc="lower right", fontsize=8)

    for handler in handlers:
        series = scenario["lag"]["per_second"].get(handler, [])
        seconds = [row["second"] + 0.5 for row in series if row["p50_ms"] is not None]
        p50 = [max(LAG_FLOOR_MS, row["p50_ms"]) for row in series if row["p50_ms"] is not None]
        p99 = [max(LAG_FLOOR_MS, row["p99_ms"]) for row in series if row["p99_ms"] is not None]
        middle.plot(seconds, p99, color=colors[handler], linewidth=1.4, label=f"{handler} p99")
        middle.plot(seconds, p50, color=colors[handler], linewidth=1.0, linestyle="--")
    middle.set_yscale("log")
    middle.set_ylabel("lag, publish to handled (ms)\nsolid p99, dashed p50")
    for target, label in ((50, "50 ms"), (250, "250 ms")):
        middle.axhline(target, color="grey", linewidth=0.6, linestyle=":")
        middle.annotate(label, (0, target), fontsize=7, color="grey", va="bottom")
    middle.legend(loc="upper left", fontsize=7, ncol=2)

    samples = scenario["backlog"]["samples"]
    times = [row["t"] for row in samples]
    for handler in handlers:
        bottom.plot(
            times,
            [row["open"].get(handler, 0) for row in samples],
            color=colors[handler],
            linewidth=1.0,
            label=handler,
        )
    bottom.plot(
        times,
        [sum(row["open"].values()) for row in samples],
        color="black",
        linewidth=1.2,
        label="all handlers",
    )
    bottom.set_ylabel("open deliveries")
    bottom.set_ylim(bottom=0)
    bottom.legend(loc="upper left", fontsize=7, ncol=2)

    for key, label, color in (
        ("cpu_waited_s", "some task waited for a CPU", "tab:orange"),
        ("io_stalled_s", "every task stalled on the disk", "tab:red"),
    ):
        shares = _shares_per_interval(samples, key)
        if shares:
            pressure.plot(*zip(*shares, strict=True), color=color, linewidth=1.0, label=label)
    pressure.set_ylabel("pressure\n(share of time)")
    pressure.set_ylim(0, 1.05)
    pressure.set_xlabel("seconds since the load started")
    if pressure.get_lines():
        pressure.legend(loc="upper left", fontsize=7, ncol=2)

    for axis in (top, middle, bottom, pressure):
        axis.axvspan(0, load_end, color="tab:green", alpha=0.07, linewidth=0)
        axis.axvline(load_end + 1, color="tab:red", linewidth=0.8, linestyle=":")
        axis.grid(True, which="major", alpha=0.3)
    top.annotate("load", (0.2, 0.04), xycoords=("data", "axes fraction"), color="tab:green")
    bottom.annotate(
        "load end + 1 s",
        (load_end + 1.2, 0.9),
        xycoords=("data", "axes fraction"),
        color="tab:red",
        fontsize=7,
    )
    drain = scenario["drain"]
    drained = (
        f"nothing pending {drain['seconds_to_drain']:.1f} s after the load"
        if drain["seconds_to_drain"] is not None
        else f"NOT drained after {drain['waited_s']:.0f} s ({drain['open_at_deadline']} open)"
    )
    if drain.get("dead_at_end"):
        drained += f" ({drain['dead_at_end']} dead-lettered)"
    fig.suptitle(
        f"{scenario['name']}: {scenario['offered_rate']:g} bookings/s offered for "
        f"{scenario['duration_s']:g} s, {scenario['client']['share_201'] * 100:.1f} % 201, "
        f"{drain['open_at_load_end_plus_1s']} open at load end + 1 s, {drained}",
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _shares_per_interval(samples: list[dict[str, Any]], key: str) -> list[tuple[float, float]]:
    """(time, share of the interval) between consecutive samples of the PSI total ``key``
    (seconds since boot); empty where the samples have none (no PSI, or an older result)."""
    points = [(row["t"], row.get(key)) for row in samples]
    return [
        ((t0 + t1) / 2, (v1 - v0) / (t1 - t0))
        for (t0, v0), (t1, v1) in pairwise(points)
        if v0 is not None and v1 is not None and t1 > t0
    ]
