"""One figure per bench/system_bench.py scenario under load: answers, latency and the outbox.

Top: answers per second by kind (201, 503, other 4xx, other 5xx, no answer), by the second
they came back, against the offered rate. Middle: latency p50 (dashed) and p99 (solid) of the
requests sent in each second (ms, log scale). Bottom: open outbox deliveries (every handler),
sampled every 0.5 s (gaps while the database is down), and the slowest handler's lag p99 of
the deliveries published in each second (publish to handled, right axis, log scale). The fault
windows are shaded red; instant faults (a SIGKILL, a SIGTERM) are red lines.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

from bench.drill_figures import KINDS

COLORS = {
    "201": "tab:green",
    "503": "tab:orange",
    "other 4xx": "tab:gray",
    "other 5xx": "tab:red",
    "no answer": "black",
}
FLOOR_MS = 0.5  # log axes: a zero is drawn here


def plot_drill(scenario: dict[str, Any], path: Path) -> None:
    series = scenario["series"]
    fig, (top, middle, bottom) = plt.subplots(
        3, 1, figsize=(11, 9.5), sharex=True, gridspec_kw={"height_ratios": [1.2, 1, 1]}
    )
    seconds = [s + 0.5 for s in range(len(series["answers"]["201"]))]
    for kind in KINDS:
        counts = series["answers"][kind]
        if any(counts):
            top.step(seconds, counts, where="mid", color=COLORS[kind], label=kind)
    top.axhline(scenario["rate"], color="black", linestyle="--", linewidth=0.8)
    top.annotate(f"offered {scenario['rate']:g}/s", (0.2, scenario["rate"]), fontsize=7)
    top.set_ylabel("answers / s")
    top.set_ylim(bottom=0)
    top.legend(loc="lower left", fontsize=7, ncol=5)

    for key, style in (("latency_p99_ms", "-"), ("latency_p50_ms", "--")):
        values = [max(FLOOR_MS, v) if v is not None else None for v in series[key]]
        middle.plot(seconds, values, color="tab:blue", linestyle=style, linewidth=1.1)
    middle.set_yscale("log")
    middle.set_ylabel("latency (ms)\nsolid p99, dashed p50")

    samples = series["open_deliveries"]
    bottom.plot(
        [t for t, _ in samples],
        [n for _, n in samples],
        color="black",
        linewidth=1.1,
        label="open deliveries",
    )
    bottom.set_ylabel("open deliveries")
    bottom.set_ylim(bottom=0)
    bottom.set_xlabel("seconds since the load started")
    lag = bottom.twinx()
    lag.plot(
        [s + 0.5 for s, _ in series["lag_p99_ms"]],
        [max(FLOOR_MS, v) for _, v in series["lag_p99_ms"]],
        color="tab:purple",
        linewidth=1.0,
        label="lag p99, slowest handler",
    )
    lag.set_yscale("log")
    lag.set_ylabel("lag p99 (ms)", color="tab:purple")
    handles = bottom.get_legend_handles_labels()[0] + lag.get_legend_handles_labels()[0]
    bottom.legend(handles=handles, loc="upper right", fontsize=7)

    for axis in (top, middle, bottom):
        for fault in scenario["faults"]:
            if fault["end_s"] - fault["start_s"] >= 0.3:
                axis.axvspan(fault["start_s"], fault["end_s"], color="tab:red", alpha=0.12)
            else:
                axis.axvline(fault["start_s"], color="tab:red", linewidth=0.9)
        axis.grid(True, alpha=0.3)
    for fault in scenario["faults"]:
        top.annotate(
            fault["label"],
            (fault["start_s"], 0.92),
            xycoords=("data", "axes fraction"),
            fontsize=7,
            color="tab:red",
        )
    fig.suptitle(f"{scenario['title']}: {scenario['verdict']}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
