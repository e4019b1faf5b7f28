"""Notifications: the log of messages sent to guests, one per change and channel."""

from django.conf import settings
from django.db import models

from apps.customer.models.accounts import Language


class NotificationKind(models.TextChoices):
    BOOKED = "booked", "Booked and paid"
    CONFIRMED = "confirmed", "Confirmed"
    REJECTED = "rejected", "Rejected"
    CANCELLED = "cancelled", "Cancelled"
    REFUNDED = "refunded", "Refunded"


class NotificationChannel(models.TextChoices):
    KAKAO = "kakao", "KakaoTalk"
    EMAIL = "email", "E-mail"


class Notification(models.Model):
    """One message to one guest on one channel for one guest-visible change (the send log).

    Unique per (event, channel): a redelivered event or a retried handler finds its row and
    never sends twice; a row marked ``sent`` or ``skipped`` is final. ``idempotency_key`` goes
    to the provider with every attempt, so a send whose outcome was lost is not repeated there.
    The recipient is kept masked only; the number is read from the guest's profile to send.
    """

    class Status(models.TextChoices):
        QUEUED = "queued"
        SENT = "sent"
        FAILED = "failed"  # the last attempt failed; the outbox retries (or the delivery died)
        SKIPPED = "skipped"  # no phone or e-mail address, or the guest opted out: see reason

    guest = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    order_id = models.PositiveBigIntegerField()
    event_id = models.UUIDField()
    idempotency_key = models.UUIDField(unique=True)
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    channel = models.CharField(max_length=10, choices=NotificationChannel.choices)
    language = models.CharField(max_length=2, choices=Language.choices)
    recipient_masked = models.CharField(max_length=100, blank=True)
    template_code = models.CharField(max_length=100, blank=True)
    template_parameters = models.JSONField(default=dict, blank=True)
    title = models.CharField(max_length=200)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    skip_reason = models.CharField(max_length=200, blank=True)
    provider_message_id = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["guest", "-created_at"], name="notification_by_guest"),
            models.Index(fields=["order_id"], name="notification_by_order"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["event_id", "channel"], name="one_notification_per_event_channel"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["queued", "sent", "failed", "skipped"]),
                name="customer_notification_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient_masked or '-'} by {self.channel} ({self.status})"
