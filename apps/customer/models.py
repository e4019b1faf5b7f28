"""Guest accounts: the profile that sits next to Django's auth user."""

from django.conf import settings
from django.db import models

from apps.customer.phones import validate_mobile_phone


class Language(models.TextChoices):
    KOREAN = "ko", "한국어"
    ENGLISH = "en", "English"


class GuestProfile(models.Model):
    """A guest's name, mobile phone and notification preferences.

    ``phone`` holds digits only (``01012345678``) or is empty when no number is on file; a guest
    without a number gets no KakaoTalk message. Writes go through ``apps.customer.services``.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="guest_profile"
    )
    name = models.CharField("display name", max_length=50)
    phone = models.CharField(
        "mobile phone", max_length=11, blank=True, validators=[validate_mobile_phone]
    )
    language = models.CharField(
        "preferred language", max_length=2, choices=Language.choices, default=Language.KOREAN
    )
    kakao_opt_out = models.BooleanField("no KakaoTalk messages", default=False)
    email_opt_out = models.BooleanField("no e-mail messages", default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "guest profile"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(language__in=Language.values),
                name="customer_guestprofile_language_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name


# --- Mypage: a read model built only from events ---------------------------------------------


class MypageStatus(models.TextChoices):
    """The overall status of a booking as a guest understands it (most advanced wins)."""

    PAID = "paid", "Booked and paid"
    CONFIRMING = "confirming", "Confirming reservation"
    CONFIRMED = "confirmed", "Confirmed"
    REJECTED = "rejected", "Rejected by the hotel"
    CANCELLED = "cancelled", "Cancelled"
    REFUNDED = "refunded", "Refunded"


class MypageEntry(models.Model):
    """One booking (order) on the guest's mypage, projected from the events of its order.

    Every field is derived from events (``apps.customer.projection``), never from another
    context's tables, so ``manage.py rebuild_mypage`` can recreate the table from the stored
    events. ``guest_id`` is the orders context's guest (an auth user id), not a foreign key: the
    projection must accept any stored event, and an entry may start before its OrderPlaced is
    seen (then it is partial and ``guest_id`` may still be unknown).
    """

    order_id = models.PositiveBigIntegerField(unique=True)
    guest_id = models.PositiveBigIntegerField(null=True, blank=True)
    order_reference = models.CharField(max_length=64, blank=True)
    hotel_id = models.PositiveBigIntegerField(null=True, blank=True)
    hotel_name = models.CharField(max_length=200, blank=True)
    room_type_id = models.PositiveBigIntegerField(null=True, blank=True)
    room_type_name = models.CharField(max_length=200, blank=True)
    check_in = models.DateField(null=True, blank=True)
    check_out = models.DateField(null=True, blank=True)
    nights = models.PositiveSmallIntegerField(null=True, blank=True)
    guests = models.PositiveSmallIntegerField(null=True, blank=True)
    total_krw = models.PositiveBigIntegerField(null=True, blank=True)

    payment_id = models.PositiveBigIntegerField(null=True, blank=True)
    payment_method = models.CharField(max_length=20, blank=True)
    masked_card_number = models.CharField(max_length=32, blank=True)
    #: "" (not seen yet) | approved | refunded (in part or in full: see refunded_krw)
    payment_status = models.CharField(max_length=20, blank=True)
    paid_krw = models.PositiveBigIntegerField(null=True, blank=True)

    reservation_id = models.PositiveBigIntegerField(null=True, blank=True)
    #: "" (not requested yet) | requested | confirmed | rejected | cancelled
    reservation_status = models.CharField(max_length=20, blank=True)
    rejection_reason = models.CharField(max_length=500, blank=True)

    status = models.CharField(max_length=20, choices=MypageStatus.choices)
    cancellation_reason = models.CharField(max_length=500, blank=True)
    cancellation_fee_krw = models.PositiveBigIntegerField(null=True, blank=True)
    refund_due_krw = models.PositiveBigIntegerField(null=True, blank=True)
    refunded_krw = models.PositiveBigIntegerField(default=0)

    #: When the booking was made (OrderPlaced), or the first event's time until that is seen.
    booked_at = models.DateTimeField()
    cancelled_at = models.DateTimeField(null=True, blank=True)
    #: The newest event applied: its outbox position and time.
    last_sequence = models.PositiveBigIntegerField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = "mypage entry"
        verbose_name_plural = "mypage entries"
        indexes = [
            models.Index(fields=["guest_id", "-booked_at", "-order_id"], name="mypage_by_guest"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=MypageStatus.values),
                name="customer_mypageentry_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_reference or self.order_id} ({self.status})"


class MypageTimelineEntry(models.Model):
    """One event of a booking as the guest's timeline shows it. ``event_id`` is unique: an
    event applied once is never applied again (the projection's idempotency)."""

    # No foreign key constraint in the database: a timeline row is written under its entry's row
    # lock, by the projection alone (a read model, rebuilt from the events); the constraint's
    # check was a locking read of the entry per row, the projection's largest cost in
    # PostgreSQL. CASCADE still holds in the ORM.
    entry = models.ForeignKey(
        MypageEntry, on_delete=models.CASCADE, related_name="timeline", db_constraint=False
    )
    event_id = models.UUIDField(unique=True)
    event_type = models.CharField(max_length=100)
    #: What happened, e.g. "booked", "paid", "requested", "confirmed", "refunded".
    kind = models.CharField(max_length=30)
    #: The overall status this change stands for (the entry's status may be further along).
    status = models.CharField(max_length=20, choices=MypageStatus.choices)
    #: Facts of this change shown with it: amounts, reasons, the masked card.
    details = models.JSONField(default=dict, blank=True)
    #: The message this change sends the guest ("" for none): decided once, when applied.
    notify_kind = models.CharField(max_length=20, blank=True)
    occurred_at = models.DateTimeField()
    sequence = models.PositiveBigIntegerField()

    class Meta:
        verbose_name = "mypage timeline entry"
        verbose_name_plural = "mypage timeline entries"
        ordering = ["sequence"]
        indexes = [models.Index(fields=["entry", "sequence"], name="mypage_timeline_in_order")]

    def __str__(self) -> str:
        return f"{self.kind} of order {self.entry_id} at #{self.sequence}"


# --- Notifications -------------------------------------------------------------------------


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
