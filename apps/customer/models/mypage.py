"""The mypage: a read model of the guest's bookings, built only from events."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class MypageStatus(models.TextChoices):
    """The overall status of a booking as a guest understands it (most advanced wins)."""

    PAID = "paid", _("Booked and paid")
    CONFIRMING = "confirming", _("Confirming reservation")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected by the hotel")
    CANCELLED = "cancelled", _("Cancelled")
    REFUNDED = "refunded", _("Refunded")


class MypageEntry(models.Model):
    """One booking (order) on the guest's mypage, projected from the events of its order.

    Every field is derived from events (``apps.customer.projection``), never from another
    context's tables, so ``manage.py rebuild_mypage`` can recreate the table from the stored
    events. ``guest_id`` is the orders context's guest (an auth user id), not a foreign key: the
    projection must accept any stored event, and an entry may start before its OrderPlaced is
    seen (then it is partial and ``guest_id`` may still be unknown).
    """

    order_id = models.PositiveBigIntegerField(_("order id"), unique=True)
    guest_id = models.PositiveBigIntegerField(_("guest id"), null=True, blank=True)
    order_reference = models.CharField(_("order reference"), max_length=64, blank=True)
    hotel_id = models.PositiveBigIntegerField(_("hotel id"), null=True, blank=True)
    hotel_name = models.CharField(_("hotel name"), max_length=200, blank=True)
    room_type_id = models.PositiveBigIntegerField(_("room type id"), null=True, blank=True)
    room_type_name = models.CharField(_("room type name"), max_length=200, blank=True)
    check_in = models.DateField(_("check-in"), null=True, blank=True)
    check_out = models.DateField(_("check-out"), null=True, blank=True)
    nights = models.PositiveSmallIntegerField(_("nights"), null=True, blank=True)
    guests = models.PositiveSmallIntegerField(_("guests"), null=True, blank=True)
    total_krw = models.PositiveBigIntegerField(_("total (KRW)"), null=True, blank=True)

    payment_id = models.PositiveBigIntegerField(_("payment id"), null=True, blank=True)
    payment_method = models.CharField(_("payment method"), max_length=20, blank=True)
    masked_card_number = models.CharField(_("card number (masked)"), max_length=32, blank=True)
    #: "" (not seen yet) | approved | refunded (in part or in full: see refunded_krw)
    payment_status = models.CharField(_("payment status"), max_length=20, blank=True)
    paid_krw = models.PositiveBigIntegerField(_("paid (KRW)"), null=True, blank=True)

    reservation_id = models.PositiveBigIntegerField(_("reservation id"), null=True, blank=True)
    #: "" (not requested yet) | requested | confirmed | rejected | cancelled
    reservation_status = models.CharField(_("reservation status"), max_length=20, blank=True)
    rejection_reason = models.CharField(_("rejection reason"), max_length=500, blank=True)

    status = models.CharField(_("status"), max_length=20, choices=MypageStatus.choices)
    cancellation_reason = models.CharField(_("cancellation reason"), max_length=500, blank=True)
    cancellation_fee_krw = models.PositiveBigIntegerField(
        _("cancellation fee (KRW)"), null=True, blank=True
    )
    refund_due_krw = models.PositiveBigIntegerField(_("refund due (KRW)"), null=True, blank=True)
    refunded_krw = models.PositiveBigIntegerField(_("refunded (KRW)"), default=0)

    #: When the booking was made (OrderPlaced), or the first event's time until that is seen.
    booked_at = models.DateTimeField(_("booked at"))
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    #: The newest event applied: its outbox position and time.
    last_sequence = models.PositiveBigIntegerField(_("last event applied (sequence)"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("mypage entry")
        verbose_name_plural = _("mypage entries")
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
    # PostgreSQL. CASCADE still holds in the ORM. No index of its own either:
    # mypage_timeline_in_order (entry, sequence) serves every lookup by entry.
    entry = models.ForeignKey(
        MypageEntry,
        on_delete=models.CASCADE,
        related_name="timeline",
        db_constraint=False,
        db_index=False,
        verbose_name=_("mypage entry"),
    )
    event_id = models.UUIDField(_("event id"), unique=True)
    event_type = models.CharField(_("event type"), max_length=100)
    #: What happened, e.g. "booked", "paid", "requested", "confirmed", "refunded".
    kind = models.CharField(_("kind"), max_length=30)
    #: The overall status this change stands for (the entry's status may be further along).
    status = models.CharField(_("status"), max_length=20, choices=MypageStatus.choices)
    #: Facts of this change shown with it: amounts, reasons, the masked card.
    details = models.JSONField(_("details"), default=dict, blank=True)
    #: The message this change sends the guest ("" for none): decided once, when applied.
    notify_kind = models.CharField(_("message to the guest"), max_length=20, blank=True)
    occurred_at = models.DateTimeField(_("occurred at"))
    sequence = models.PositiveBigIntegerField(_("sequence"))

    class Meta:
        verbose_name = _("mypage timeline entry")
        verbose_name_plural = _("mypage timeline entries")
        ordering = ["sequence"]
        indexes = [models.Index(fields=["entry", "sequence"], name="mypage_timeline_in_order")]

    def __str__(self) -> str:
        return f"{self.kind} of order {self.entry_id} at #{self.sequence}"
