"""The event bus: a transactional outbox drained into blinker signals.

Contexts declare event types (``Event`` subclasses in their ``events.py``), publish them inside
the transaction that changes their state (``publish``) and react to other contexts' events with
``subscribe``-d handlers. See docs/ARCHITECTURE.md.

This module is imported while Django sets up apps, so it must not import models at import time.
"""

from collections.abc import Sequence

from hotel.eventbus.event_types import Event, EventMeta
from hotel.eventbus.subscriptions import Batch, subscribe


def publish(event: Event, *, correlation_id: str = "") -> EventMeta:
    """Append ``event`` to the outbox in the current transaction (see ``publishing.publish``)."""
    from hotel.eventbus.publishing import publish as _publish

    return _publish(event, correlation_id=correlation_id)


def publish_all(events: Sequence[tuple[Event, str]]) -> list[EventMeta]:
    """Append each ``(event, correlation id)`` in turn (see ``publishing.publish_all``)."""
    from hotel.eventbus.publishing import publish_all as _publish_all

    return _publish_all(events)


__all__ = ["Batch", "Event", "EventMeta", "publish", "publish_all", "subscribe"]
