import os
import time
from pathlib import Path

from django.db.models import Q

from hotel.eventbus import EventMeta, publish_all, subscribe
from tests.outbox_probe.events import HANDLERS, Counted, Pinged, Relayed
from tests.outbox_probe.models import Effect, Fault


def _record(handler: str, event: Pinged, meta: EventMeta) -> None:
    Effect.objects.create(
        handler=handler, aggregate=event.key, sequence=meta.sequence, n=event.n, pid=os.getpid()
    )
    fault = Fault.objects.filter(Q(aggregate="") | Q(aggregate=event.key), handler=handler).first()
    if fault is None:
        return
    if fault.mode == "raise":
        raise RuntimeError(f"injected fault in {handler}")
    directory = Path(fault.directory)
    (directory / f"started-{meta.sequence}").touch()
    deadline = time.monotonic() + 60
    while not (directory / "release").exists():
        if time.monotonic() > deadline:
            raise TimeoutError("probe was never released")
        time.sleep(0.01)


def _make_handler(name: str):
    def handler(event: Pinged, meta: EventMeta) -> None:
        _record(name, event, meta)

    return subscribe(Pinged, name=name)(handler)


for _name in HANDLERS:
    _make_handler(_name)


#: (handler, [key of each event]) for every call of a batch handler, in this process.
BATCH_CALLS: list[tuple[str, list[str]]] = []


def _count(handler: str, batch: list[tuple[Counted, EventMeta]]) -> None:
    """Record each event (once: a rerun finds its row), then fail if a fault names one."""
    BATCH_CALLS.append((handler, [event.key for event, _ in batch]))
    for event, meta in batch:
        Effect.objects.get_or_create(
            handler=handler,
            aggregate=event.key,
            sequence=meta.sequence,
            defaults={"n": event.n, "pid": os.getpid()},
        )
    keys = [event.key for event, _ in batch]
    if Fault.objects.filter(handler=handler, aggregate__in=keys, mode="raise").exists():
        raise RuntimeError(f"injected fault in {handler}")


@subscribe(Counted, name="probe.count_inside", batch=True)
def count_inside(batch: list[tuple[Counted, EventMeta]]) -> None:
    _count("probe.count_inside", batch)


@subscribe(Counted, name="probe.count_outside", in_transaction=False, batch=True)
def count_outside(batch: list[tuple[Counted, EventMeta]]) -> None:
    _count("probe.count_outside", batch)


@subscribe(Relayed, name="probe.relay", batch=True)
def relay(batch: list[tuple[Relayed, EventMeta]]) -> None:
    """Record each event, publish a ``Counted`` of the same key for it, then fail if a fault
    names one (its effects and its events roll back)."""
    BATCH_CALLS.append(("probe.relay", [event.key for event, _ in batch]))
    for event, meta in batch:
        Effect.objects.create(
            handler="probe.relay", aggregate=event.key, sequence=meta.sequence, n=event.n,
            pid=os.getpid(),
        )  # fmt: skip
    publish_all([(Counted(key=event.key, n=event.n), meta.correlation_id) for event, meta in batch])
    keys = [event.key for event, _ in batch]
    if Fault.objects.filter(handler="probe.relay", aggregate__in=keys, mode="raise").exists():
        raise RuntimeError("injected fault in probe.relay")


@subscribe(Relayed, name="probe.note_relay", in_transaction=False, batch=True)
def note_relay(batch: list[tuple[Relayed, EventMeta]]) -> None:
    _count("probe.note_relay", batch)
