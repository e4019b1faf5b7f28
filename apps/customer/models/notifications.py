"""Notifications: the log of messages sent to guests, one per change and channel."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.customer.models.accounts import Language


class NotificationKind(models.TextChoices):
    BOOKED = "booked", _("Booked and paid")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")
    REFUNDED = "refunded", _("Refunded")


class NotificationChannel(models.TextChoices):
    KAKAO = "kakao", _("KakaoTalk")
    EMAIL = "email", _("E-mail")


class Notification(models.Model):
    """One message to one guest on one channel for one guest-visible change (the send log).

    Unique per (event, channel): a redelivered event or a retried handler finds its row and
    never sends twice; a row marked ``sent`` or ``skipped`` is final. ``idempotency_key`` goes
    to the provider with every attempt, so a send whose outcome was lost is not repeated there.
    The recipient is kept masked only; the number is read from the guest's profile to send.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        # The last attempt failed; the outbox retries (or the delivery died).
        FAILED = "failed", _("Failed")
        # No phone or e-mail address, or the guest opted out: see the reason.
        SKIPPED = "skipped", _("Skipped")

    guest = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,  # notification_by_guest leads with it
        verbose_name=_("guest"),
    )
    order_id = models.PositiveBigIntegerField(_("order id"))
    event_id = models.UUIDField(_("event id"))
    idempotency_key = models.UUIDField(_("idempotency key"), unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=NotificationKind.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=NotificationChannel.choices)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    recipient_masked = models.CharField(_("recipient (masked)"), max_length=100, blank=True)
    template_code = models.CharField(_("template code"), max_length=100, blank=True)
    template_parameters = models.JSONField(_("template parameters"), default=dict, blank=True)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    skip_reason = models.CharField(_("reason skipped"), max_length=200, blank=True)
    provider_message_id = models.CharField(_("provider's message id"), max_length=200, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("guest notification")
        verbose_name_plural = _("guest notifications")
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
