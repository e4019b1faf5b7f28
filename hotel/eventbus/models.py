"""The outbox: stored events and one delivery row per (event, subscribed handler)."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hotel.eventbus.event_types import Event, EventMeta, event_class


class StoredEvent(models.Model):
    """An event as published: its envelope and JSON payload. Kept as the event history."""

    event_id = models.UUIDField(_("event id"), unique=True, default=uuid.uuid4, editable=False)
    event_type = models.CharField(_("event type"), max_length=100)
    schema_version = models.PositiveSmallIntegerField(_("schema version"))
    aggregate_type = models.CharField(_("aggregate type"), max_length=50)
    aggregate_id = models.CharField(_("aggregate id"), max_length=64)
    correlation_id = models.CharField(_("correlation id"), max_length=64, blank=True)
    occurred_at = models.DateTimeField(_("occurred at"))
    payload = models.JSONField(_("payload"))

    class Meta:
        db_table = "eventbus_event"
        verbose_name = _("stored event")
        verbose_name_plural = _("stored events")
        indexes = [
            models.Index(
                fields=["aggregate_type", "aggregate_id", "id"], name="event_by_aggregate"
            ),
            models.Index(fields=["event_type", "id"], name="event_by_type"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} #{self.pk} ({self.aggregate_type} {self.aggregate_id})"

    @property
    def meta(self) -> EventMeta:
        """The envelope handlers receive with the event."""
        return EventMeta(
            event_id=self.event_id,
            event_type=self.event_type,
            schema_version=self.schema_version,
            aggregate_type=self.aggregate_type,
            aggregate_id=self.aggregate_id,
            correlation_id=self.correlation_id,
            occurred_at=self.occurred_at,
            sequence=self.pk,
        )

    def event(self) -> Event:
        """The payload as its event type, upcast from an older schema version if need be."""
        return event_class(self.event_type).from_payload(self.payload, version=self.schema_version)


class Delivery(models.Model):
    """One event to be handled by one handler; its state is the handler's progress.

    ``pending`` deliveries are claimed by workers under a lease, handled, and become ``done``
    in the same transaction as the handler's effect. A failure puts the delivery back to
    ``pending`` with a later ``available_at`` (backoff) or, past the last attempt, ``dead``.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        DONE = "done", _("Done")
        DEAD = "dead", _("Dead")

    # No foreign key constraint in the database: the event and its deliveries are written by one
    # statement, and events are never deleted (PROTECT still guards the ORM). The constraint's
    # check, a locking read of the event per delivery inserted, was PostgreSQL's largest cost
    # of the event flow (pg_stat_statements under load).
    event = models.ForeignKey(
        StoredEvent,
        on_delete=models.PROTECT,
        related_name="deliveries",
        db_index=False,
        db_constraint=False,
        verbose_name=_("event"),
    )
    handler = models.CharField(_("handler"), max_length=150)
    # "<aggregate type>:<aggregate id>": a handler's deliveries with one key run in id order.
    aggregate_key = models.CharField(_("aggregate key"), max_length=120)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    available_at = models.DateTimeField(_("due at"))
    lease_token = models.UUIDField(_("lease token"), null=True, blank=True)
    leased_until = models.DateTimeField(_("leased until"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"))
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        db_table = "eventbus_delivery"
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        indexes = [
            # The claim scans pending rows in id order: a small index that holds no done rows.
            models.Index(fields=["id"], name="delivery_pending", condition=Q(state="pending")),
            # "Is an earlier delivery of this aggregate to this handler still open?"
            models.Index(
                fields=["handler", "aggregate_key", "id"],
                name="delivery_open_by_aggregate",
                condition=~Q(state="done"),
            ),
            # Purge and lag figures read done rows by completion time.
            models.Index(fields=["completed_at"], name="delivery_done", condition=Q(state="done")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["event", "handler"], name="one_delivery_per_handler"),
        ]

    def __str__(self) -> str:
        return f"delivery #{self.pk} of event #{self.event_id} to {self.handler} ({self.state})"


class WorkerLag(models.Model):
    """How long the deliveries a running outbox worker takes have waited, as it last said.

    Each worker reports at most once a second while it works; bookings wait a little while the
    reports say the workers are behind (``hotel.eventbus.backpressure``). A report older than a
    few seconds counts for nothing: a worker that stopped or went idle slows no one.
    """

    worker = models.CharField(_("worker"), max_length=100, unique=True)
    lag_seconds = models.FloatField(_("lag (seconds)"))
    reported_at = models.DateTimeField(_("reported at"))

    class Meta:
        db_table = "eventbus_worker_lag"
        verbose_name = _("worker lag")
        verbose_name_plural = _("worker lags")

    def __str__(self) -> str:
        return f"{self.worker}: {self.lag_seconds:.1f} s behind at {self.reported_at:%H:%M:%S}"
