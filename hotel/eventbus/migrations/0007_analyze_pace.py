"""ANALYZE of the outbox: stored events after 10,000 changed rows, not after 50 plus a tenth
(found by id, they need no fresh statistics while young); deliveries as often as before
(migration 0002: the claim's plan must see a backlog grow) but from a tenth of the sample, a
statistics target of 10 (hotel/column_statistics.py says why)."""

from django.db import migrations

from hotel.column_statistics import analyzed_after, statistics_target

DELIVERY_COLUMNS = [
    "id",
    "event_id",
    "handler",
    "aggregate_key",
    "state",
    "attempts",
    "available_at",
    "lease_token",
    "leased_until",
    "last_error",
    "created_at",
    "completed_at",
]


class Migration(migrations.Migration):
    dependencies = [("eventbus", "0006_payload_statistics")]

    operations = [
        analyzed_after("eventbus_event", 10_000),
        statistics_target("eventbus_delivery", DELIVERY_COLUMNS, 10),
    ]
