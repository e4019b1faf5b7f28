"""Publishing: append an event and its deliveries to the outbox in the caller's transaction."""

from django.conf import settings
from django.db import connections, router
from django.utils import timezone

from hotel.eventbus.event_types import Event, EventMeta
from hotel.eventbus.models import Delivery, StoredEvent
from hotel.eventbus.subscriptions import handler_names_for


class PublishOutsideTransaction(RuntimeError):
    """``publish`` was called in autocommit mode, where the event could outlive a rollback."""


def publish(event: Event, *, correlation_id: str = "") -> EventMeta:
    """Store ``event`` and one pending delivery per subscribed handler.

    Must run inside ``transaction.atomic()``: the event commits with the state change that
    caused it, or not at all. Publish after taking the aggregate's row lock (or updating its
    row) so that events of one aggregate are numbered in commit order.
    """
    alias = router.db_for_write(StoredEvent)
    connection = connections[alias]
    if not connection.in_atomic_block:
        raise PublishOutsideTransaction(
            f"publish({event.event_type}) must run inside transaction.atomic()"
        )
    now = timezone.now()
    stored = StoredEvent.objects.using(alias).create(
        event_type=event.event_type,
        schema_version=event.schema_version,
        aggregate_type=event.aggregate_type,
        aggregate_id=event.aggregate_id,
        correlation_id=correlation_id,
        occurred_at=now,
        payload=event.to_payload(),
    )
    aggregate_key = f"{event.aggregate_type}:{event.aggregate_id}"
    deliveries = [
        Delivery(
            event=stored,
            handler=name,
            aggregate_key=aggregate_key,
            available_at=now,
            created_at=now,
        )
        for name in handler_names_for(event.event_type)
    ]
    if deliveries:
        Delivery.objects.using(alias).bulk_create(deliveries)
        _notify_workers(alias)
    return EventMeta(
        event_id=stored.event_id,
        event_type=stored.event_type,
        schema_version=stored.schema_version,
        aggregate_type=stored.aggregate_type,
        aggregate_id=stored.aggregate_id,
        correlation_id=stored.correlation_id,
        occurred_at=stored.occurred_at,
        sequence=stored.pk,
    )


def _notify_workers(alias: str) -> None:
    """Wake listening workers when this transaction commits (PostgreSQL NOTIFY is transactional)."""
    options = settings.OUTBOX
    connection = connections[alias]
    if not options["NOTIFY"] or connection.vendor != "postgresql":
        return
    # PostgreSQL folds identical notifications of one transaction into one.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_notify(%s, '')", [options["NOTIFY_CHANNEL"]])
