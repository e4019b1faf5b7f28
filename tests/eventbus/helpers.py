from django.db import transaction

from hotel.eventbus import EventMeta, publish
from tests.outbox_probe.events import Pinged


def publish_pings(key: str, count: int = 1, *, start: int = 0) -> list[EventMeta]:
    """Publish ``count`` Pinged events for aggregate ``key``, each in its own transaction."""
    published = []
    for n in range(start, start + count):
        with transaction.atomic():
            published.append(publish(Pinged(key=key, n=n), correlation_id=key))
    return published
