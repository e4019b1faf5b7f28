from dataclasses import dataclass

from hotel.eventbus import Event, EventMeta, subscribe


@dataclass(frozen=True, kw_only=True)
class Ticked(Event, event_type="bench.Ticked", aggregate="tick", aggregate_id_field="key"):
    key: str
    n: int


@subscribe(Ticked, name="bench.noop")
def noop(event: Ticked, meta: EventMeta) -> None:
    pass
