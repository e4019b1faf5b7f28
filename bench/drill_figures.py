"""What a fault drill's records say: answers by kind and window, recovery times, effect counts.

Pure functions over the open-loop client's record (bench/open_loop_client.py) and over counts
read from the database, so that bench/system_bench.py only gathers and bench/drill_plot.py only
draws. Times are seconds since the load's t0 unless a name says wall clock.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bench.event_pace import percentile

#: Answer kinds, in the order the tables and plots give them.
KINDS = ("201", "503", "other 4xx", "other 5xx", "no answer")


@dataclass(frozen=True)
class Answer:
    """One request of the load: when it was scheduled, sent and answered, and how."""

    scheduled: float
    sent: float | None
    done: float | None
    status: int | str
    code: str | None
    retry_after: str | None

    @property
    def kind(self) -> str:
        if not isinstance(self.status, int):
            return "no answer"  # timeout, refused or dropped connection, unfinished
        if self.status == 201:
            return "201"
        if self.status == 503:
            return "503"
        return "other 5xx" if self.status >= 500 else "other 4xx"

    @property
    def failed(self) -> bool:
        """Not served: a 5xx or no answer at all (a 4xx is an answer, e.g. sold out)."""
        return self.kind in {"503", "other 5xx", "no answer"}

    @property
    def latency(self) -> float | None:
        if self.sent is None or self.done is None or not isinstance(self.status, int):
            return None
        return self.done - self.sent

    @property
    def at(self) -> float:
        """When it left (its schedule if it never did)."""
        return self.sent if self.sent is not None else self.scheduled


def answers(raw: Mapping[str, Any]) -> list[Answer]:
    """The client's record as one ``Answer`` per request (older records lack code and
    Retry-After: then None)."""
    requests = raw["requests"]
    count = len(requests["scheduled"])
    codes = requests.get("code") or [None] * count
    retry = requests.get("retry_after") or [None] * count
    return [
        Answer(*values)
        for values in zip(
            requests["scheduled"],
            requests["sent"],
            requests["done"],
            requests["status"],
            codes,
            retry,
            strict=True,
        )
    ]


def ms(seconds: float | None) -> float | None:
    return None if seconds is None else seconds * 1000


def window(answers_: Sequence[Answer], start: float, end: float) -> dict[str, Any]:
    """The requests sent in [start, end): by kind, their rate, latency, the 503s' codes and
    whether each carried Retry-After."""
    chosen = [a for a in answers_ if start <= a.at < end]
    kinds = Counter(a.kind for a in chosen)
    latencies = [a.latency for a in chosen if a.latency is not None]
    refused = [a for a in chosen if a.kind == "503"]
    seconds = max(end - start, 1e-9)
    return {
        "start_s": round(start, 3),
        "end_s": round(end, 3),
        "requests": len(chosen),
        "by_kind": {kind: kinds.get(kind, 0) for kind in KINDS},
        "statuses": dict(sorted(Counter(str(a.status) for a in chosen).items())),
        "accepted_per_s": kinds.get("201", 0) / seconds,
        "accepted_share": kinds.get("201", 0) / len(chosen) if chosen else None,
        "latency_ms": {
            "p50": ms(percentile(latencies, 0.5)),
            "p99": ms(percentile(latencies, 0.99)),
            "max": ms(max(latencies, default=None)),
        },
        "503_codes": dict(Counter(a.code or "-" for a in refused)),
        "503_without_retry_after": sum(1 for a in refused if not a.retry_after),
    }


def latency_of(answers_: Iterable[Answer], *, code: str) -> dict[str, float | None]:
    """Latency (ms) of the answers whose error code is ``code``."""
    latencies = [a.latency for a in answers_ if a.code == code and a.latency is not None]
    return {
        "count": len(latencies),
        "p50": ms(percentile(latencies, 0.5)),
        "p99": ms(percentile(latencies, 0.99)),
        "max": ms(max(latencies, default=None)),
    }


def recovery_s(answers_: Sequence[Answer], fault_end: float) -> float | None:
    """Seconds from ``fault_end`` to the first request from which every later one was served
    (0 when none sent after ``fault_end`` failed); None when the last one failed too."""
    later = sorted((a for a in answers_ if a.at >= fault_end), key=lambda a: a.at)
    last_failed = max((i for i, a in enumerate(later) if a.failed), default=None)
    if last_failed is None:
        return 0.0
    if last_failed == len(later) - 1:
        return None
    return later[last_failed + 1].at - fault_end


def in_flight_at(answers_: Sequence[Answer], moment: float) -> dict[str, int]:
    """Requests sent before ``moment`` and not yet answered then: how each ended."""
    caught = [a for a in answers_ if a.sent is not None and a.sent < moment]
    caught = [a for a in caught if a.done is None or a.done > moment]
    kinds = Counter(a.kind for a in caught)
    return {"count": len(caught), **{kind: kinds.get(kind, 0) for kind in KINDS}}


def per_second(answers_: Sequence[Answer], seconds: int) -> dict[str, Any]:
    """Series for the plots: answers per second by kind (by the second they came back, or
    were given up), and latency p50/p99 (ms) by the second they were sent."""
    by_kind = {kind: [0] * seconds for kind in KINDS}
    sent: list[list[float]] = [[] for _ in range(seconds)]
    for a in answers_:
        ended = a.done if a.done is not None else a.at
        by_kind[a.kind][min(max(int(ended), 0), seconds - 1)] += 1
        if a.latency is not None:
            sent[min(max(int(a.at), 0), seconds - 1)].append(a.latency * 1000)
    return {
        "answers": by_kind,
        "latency_p50_ms": [percentile(values, 0.5) for values in sent],
        "latency_p99_ms": [percentile(values, 0.99) for values in sent],
    }


def series_length(raw: Mapping[str, Any]) -> int:
    return max(1, math.ceil(raw["finished_s"]) + 1)


# --- effects ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class EffectCount:
    """Of one kind of effect (a reservation, a mypage entry, ...): paid orders without one,
    paid orders with more than the expected number, and effects of orders that are not paid."""

    missing: int
    duplicated: int
    without_a_paid_order: int

    @property
    def wrong(self) -> int:
        return self.missing + self.duplicated + self.without_a_paid_order


def effect_counts(paid: set[int], per_order: Mapping[int, int], *, each: int = 1) -> EffectCount:
    """``per_order``: how many effects of one kind each order has (orders with none may be
    left out); every paid order must have exactly ``each``, no other order any."""
    return EffectCount(
        missing=sum(1 for order in paid if per_order.get(order, 0) < each),
        duplicated=sum(1 for order in paid if per_order.get(order, 0) > each),
        without_a_paid_order=sum(1 for order, n in per_order.items() if n and order not in paid),
    )


def effects_verdict(counts: Mapping[str, EffectCount]) -> dict[str, int]:
    """Lost (a paid order missing an effect) and duplicated (one too many, or one without a
    paid order) effects, over every kind."""
    return {
        "lost": sum(c.missing for c in counts.values()),
        "duplicated": sum(c.duplicated + c.without_a_paid_order for c in counts.values()),
    }


def money_verdict(
    paid_references: set[str], charges: Mapping[str, Mapping[str, int]]
) -> dict[str, int]:
    """The provider's ledger against the orders: a paid order without a charge it kept, and a
    charge kept (not fully cancelled) for an order that is not paid."""
    kept = {ref for ref, c in charges.items() if c["amount"] - c["cancelled"] > 0}
    return {
        "paid_without_charge": len(paid_references - kept),
        "charged_without_paid_order": len(kept - paid_references),
    }
