from dataclasses import dataclass

from hotel.eventbus import Event


@dataclass(frozen=True, kw_only=True)
class Pinged(
    Event, event_type="probe.Pinged", version=2, aggregate="probe", aggregate_id_field="key"
):
    key: str
    n: int
    note: str = ""

    # Version 1 had no note.
    upcasters = {1: lambda payload: {**payload, "note": "(v1)"}}


HANDLERS = ("probe.record_a", "probe.record_b", "probe.record_c")


@dataclass(frozen=True, kw_only=True)
class Counted(Event, event_type="probe.Counted", aggregate="count", aggregate_id_field="key"):
    """For the batch handlers: ``probe.count_inside`` and ``probe.count_outside``."""

    key: str
    n: int


BATCH_HANDLERS = ("probe.count_inside", "probe.count_outside")


@dataclass(frozen=True, kw_only=True)
class Relayed(Event, event_type="probe.Relayed", aggregate="relay", aggregate_id_field="key"):
    """For ``probe.relay``, a batch handler that publishes a ``Counted`` for each, as a
    context's handler publishes its own events in the worker's transaction."""

    key: str
    n: int
