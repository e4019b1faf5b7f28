"""Handlers subscribe to event types under stable names; dispatch goes through blinker.

Each event type has one blinker signal. A handler is connected to it with its own name as the
sender, so the worker can send an event to exactly the handler a delivery is for.

The name is what the outbox stores for each (event, handler) delivery. It must stay stable:
rename a handler and its pending deliveries would be orphaned, so the worker refuses to start
while stored deliveries name a handler that no code subscribes (``manage.py outbox
rename-handler`` moves them). One name may subscribe to several event types; a handler's
deliveries for one aggregate are then handled in publication order across all those types.

A handler takes one event at a time, or (``batch=True``) every delivery of its name that a
worker claimed in one round, as a list of ``(event, meta)`` pairs in publication order. A batch
holds at most one event per aggregate (a claim takes only the head of each aggregate's queue),
so a batch handler can read and write its rows for the whole list in a few statements.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import blinker

from hotel.eventbus.event_types import Event, EventMeta

_signals = blinker.Namespace()
_by_event_type: dict[str, list[str]] = defaultdict(list)
_subscriptions: dict[tuple[str, str], Subscription] = {}
_in_transaction: dict[str, bool] = {}
E = TypeVar("E", bound=Event)
Handler = Callable[[E, EventMeta], None]
#: What a batch handler receives: the claimed events of its name, in publication order.
Batch = Sequence[tuple[Event, EventMeta]]

_batch_functions: dict[str, Callable[[Batch], None]] = {}
# Batch handlers are connected here, with their name as the sender.
_batch_signal = _signals.signal("hotel.eventbus.batch")


class HandlerNotSubscribed(LookupError):
    """A delivery names a handler that is not subscribed to its event type."""


@dataclass(frozen=True)
class Subscription:
    event_type: str
    handler_name: str
    func: Callable[[Any, EventMeta], None]


def subscribe(
    event_class: type[E], *, name: str, in_transaction: bool = True, batch: bool = False
) -> Callable[[Any], Any]:
    """Register ``func(event, meta)`` to handle every ``event_class`` published from now on.

    By default the handler runs in the worker, inside the transaction that marks its delivery
    done: its database writes commit together with that mark or not at all. It must be
    idempotent (a delivery may run again after a crash) and must not swallow errors it wants
    retried.

    ``in_transaction=False`` is for handlers that call the outside world (a payment provider,
    a messaging API): no network call may hold a transaction open. The worker runs such a
    handler outside any transaction and marks the delivery done afterwards, so a crash in
    between runs it again: it must make its outside call idempotent (an idempotency key
    derived from ``meta.event_id``) and open its own transactions for its writes.

    ``batch=True`` registers ``func(batch)`` instead, called with a list of ``(event, meta)``
    pairs: all the deliveries of this name in a worker's round (see the module docs). If it
    raises, the worker runs the list again one pair at a time, to find the failing event
    and retry only that one; so the same rules hold for each pair as for a single event.

    All subscriptions of one name share one transaction mode, one batch mode and, for a
    batch handler, one function.
    """

    def decorator(func: Any) -> Any:
        key = (event_class.event_type, name)
        existing = _subscriptions.get(key)
        if existing is not None:
            if existing.func is func:
                return func
            raise ValueError(f"handler name {name!r} is already subscribed to {key[0]}")
        mode = _in_transaction.setdefault(name, in_transaction)
        if mode != in_transaction:
            raise ValueError(f"handler name {name!r} is subscribed with both transaction modes")
        names_batches = name in _batch_functions
        if names_batches != batch and name in subscribed_handler_names():
            raise ValueError(f"handler name {name!r} is subscribed both singly and in batches")
        if batch and _batch_functions.get(name, func) is not func:
            raise ValueError(f"batch handler {name!r} must be one function for every type")
        _subscriptions[key] = Subscription(event_class.event_type, name, func)
        _by_event_type[event_class.event_type].append(name)
        if batch:
            if name not in _batch_functions:
                _batch_functions[name] = func

                def batch_receiver(sender: str, *, items: Batch) -> None:
                    func(items)

                _batch_signal.connect(batch_receiver, sender=name, weak=False)
            return func

        def receiver(sender: str, *, event: Event, meta: EventMeta) -> None:
            func(event, meta)  # type: ignore[arg-type]

        signal_for(event_class.event_type).connect(receiver, sender=name, weak=False)
        return func

    return decorator


def unsubscribe(event_class: type[Event], *, name: str) -> None:
    """Remove a subscription (tests use it to leave the registry as they found it)."""
    key = (event_class.event_type, name)
    if _subscriptions.pop(key, None) is None:
        return
    _by_event_type[event_class.event_type].remove(name)
    if name not in subscribed_handler_names():
        _in_transaction.pop(name, None)
        if _batch_functions.pop(name, None) is not None:
            for receiver in list(_batch_signal.receivers_for(name)):
                _batch_signal.disconnect(receiver, sender=name)
    signal = signal_for(event_class.event_type)
    for receiver in list(signal.receivers_for(name)):
        signal.disconnect(receiver, sender=name)


def signal_for(event_type: str) -> blinker.NamedSignal:
    return _signals.signal(event_type)


def handler_names_for(event_type: str) -> list[str]:
    return list(_by_event_type.get(event_type, ()))


def runs_in_transaction(handler_name: str) -> bool:
    return _in_transaction.get(handler_name, True)


def takes_batches(handler_name: str) -> bool:
    return handler_name in _batch_functions


def subscribed_handler_names() -> set[str]:
    return {name for (_, name) in _subscriptions}


def dispatch(handler_name: str, event: Event, meta: EventMeta) -> None:
    """Run one handler for one event, through the event type's blinker signal."""
    if (meta.event_type, handler_name) not in _subscriptions:
        raise HandlerNotSubscribed(f"{handler_name!r} does not handle {meta.event_type}")
    if handler_name in _batch_functions:
        _batch_signal.send(handler_name, items=[(event, meta)])
    else:
        signal_for(meta.event_type).send(handler_name, event=event, meta=meta)


def dispatch_batch(handler_name: str, items: Batch) -> None:
    """Run one batch handler for ``items``, through the batch signal."""
    if handler_name not in _batch_functions:
        raise HandlerNotSubscribed(f"{handler_name!r} does not take batches")
    for _, meta in items:
        if (meta.event_type, handler_name) not in _subscriptions:
            raise HandlerNotSubscribed(f"{handler_name!r} does not handle {meta.event_type}")
    _batch_signal.send(handler_name, items=items)
