"""The catalogue (hotels, room types, nightly rates), the nightly inventory and the hotel side.

Amounts are integer KRW. A stay is the date range ``[check_in, check_out)``: one ``RoomNight``
per night slept. A paid order becomes a ``Reservation`` (requested, then confirmed, rejected or
cancelled; never deleted), with a ``ReservationStatusChange`` row per change and, once
cancelled, one ``Cancellation`` that keeps the fee charged under the ``CancellationPolicy``.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from apps.reservations.decision_deadlines import (
    REQUEST_DEADLINE_HOURS_DEFAULT,
    REQUEST_DEADLINE_HOURS_MAX,
    REQUEST_DEADLINE_HOURS_MIN,
)
from apps.reservations.errors import IllegalReservationTransition
from hotel.notification_channels import CHANNEL_CHOICES
from hotel.phone_numbers import check_mobile_phone


def validate_time_zone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(
            _("%(value)s is not an IANA time zone (e.g. Asia/Seoul)."),
            code="invalid_time_zone",
            params={"value": repr(value)},
        ) from exc


class HotelMessageLanguage(models.TextChoices):
    KOREAN = "ko", "한국어"
    ENGLISH = "en", "English"


class Hotel(models.Model):
    name = models.CharField(_("name"), max_length=200)
    city = models.CharField(_("city"), max_length=100, db_index=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default="Asia/Seoul",
        validators=[validate_time_zone],
        help_text=_("The hotel's local time zone: stay dates and 'today' are read in it."),
    )
    request_deadline_hours = models.PositiveSmallIntegerField(
        _("decision deadline (hours)"),
        default=REQUEST_DEADLINE_HOURS_DEFAULT,
        validators=[
            MinValueValidator(REQUEST_DEADLINE_HOURS_MIN),
            MaxValueValidator(REQUEST_DEADLINE_HOURS_MAX),
        ],
        help_text=_(
            "Hours the hotel has to confirm or reject a reservation request (1 to 168); one "
            "still open then is rejected automatically and refunded in full. Never later than "
            "the start of the check-in day. Applies to new requests."
        ),
    )

    # Who hears of the hotel's requests (apps/reservations/services/hotel_messages.py).
    contact_phone = models.CharField(
        _("contact mobile phone"),
        max_length=11,
        blank=True,
        validators=[check_mobile_phone],
        help_text=_("KakaoTalk messages go to this Korean mobile number, e.g. 010-1234-5678."),
    )
    contact_email = models.EmailField(
        _("contact e-mail"), blank=True, help_text=_("E-mail messages go to this address.")
    )
    message_language = models.CharField(
        _("language of messages"),
        max_length=2,
        choices=HotelMessageLanguage.choices,
        default=HotelMessageLanguage.KOREAN,
    )
    messages_opt_out = models.BooleanField(
        _("no message per request"),
        default=False,
        help_text=_("No message for each new request or guest cancellation."),
    )
    digest_opt_out = models.BooleanField(
        _("no daily digest"),
        default=False,
        help_text=_("No morning list of the requests still open."),
    )

    class Meta:
        verbose_name = _("hotel")
        verbose_name_plural = _("hotels")
        ordering = ("name", "id")

    def __str__(self) -> str:
        return f"{self.name} ({self.city})"

    def local_today(self) -> date:
        """Today's date at the hotel."""
        return timezone.localdate(timezone=ZoneInfo(self.time_zone))

    def local_date(self, moment: datetime) -> date:
        """The hotel's calendar date at ``moment`` (an aware datetime)."""
        return timezone.localdate(moment, timezone=ZoneInfo(self.time_zone))


class RoomType(models.Model):
    hotel = models.ForeignKey(
        Hotel, on_delete=models.CASCADE, related_name="room_types", verbose_name=_("hotel")
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    capacity = models.PositiveSmallIntegerField(
        _("capacity"), help_text=_("Most guests one room sleeps.")
    )
    nightly_rate_krw = models.PositiveIntegerField(
        _("base nightly rate (KRW)"),
        help_text=_("Price of one night in KRW, unless a nightly rate overrides it."),
    )
    room_count = models.PositiveSmallIntegerField(
        _("rooms"), help_text=_("Rooms of this type; new nights of inventory open with this many.")
    )

    class Meta:
        verbose_name = _("room type")
        verbose_name_plural = _("room types")
        ordering = ("hotel_id", "nightly_rate_krw", "id")
        constraints = [
            models.UniqueConstraint(fields=("hotel", "name"), name="room_type_unique_name"),
            models.CheckConstraint(
                condition=models.Q(capacity__gte=1), name="room_type_capacity_at_least_one"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.hotel.name})"


class NightlyRate(models.Model):
    """The price of one night of a room type, overriding its base nightly rate."""

    room_type = models.ForeignKey(
        RoomType,
        on_delete=models.CASCADE,
        related_name="nightly_rates",
        verbose_name=_("room type"),
    )
    night = models.DateField(_("night"))
    rate_krw = models.PositiveIntegerField(_("rate (KRW)"))

    class Meta:
        verbose_name = _("nightly rate")
        verbose_name_plural = _("nightly rates")
        ordering = ("room_type_id", "night")
        constraints = [
            models.UniqueConstraint(fields=("room_type", "night"), name="nightly_rate_unique_night")
        ]
        indexes = [
            # The stay search reads a stay's overrides of every room type at once, from this
            # index alone (selectors/stay_search.py; migration 0004 says why).
            models.Index(
                fields=("night", "room_type"), include=("rate_krw",), name="nightly_rate_by_night"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.night:%Y-%m-%d}: {self.rate_krw:,} KRW"


class RoomNight(models.Model):
    """The inventory of one room type for one night: rooms sold or held out of the total.

    ``rooms_held`` changes only through ``services.stay_hold`` / ``rooms_release`` (guarded
    UPDATEs); the check constraints are the last line against overbooking.
    """

    # No index of its own: the unique (room_type, night) index leads with it.
    room_type = models.ForeignKey(
        RoomType,
        on_delete=models.CASCADE,
        related_name="room_nights",
        db_index=False,
        verbose_name=_("room type"),
    )
    night = models.DateField(_("night"))
    rooms_total = models.PositiveSmallIntegerField(_("rooms in total"))
    rooms_held = models.PositiveSmallIntegerField(_("rooms held"), default=0)

    class Meta:
        verbose_name = _("room night")
        verbose_name_plural = _("room nights")
        ordering = ("room_type_id", "night")
        indexes = [
            # The stay search reads a stay's nights of every room type at once (selectors/
            # stay_search.py; migration 0004 says why). Never add rooms_held to an index.
            models.Index(fields=("night", "room_type"), name="room_night_by_night"),
        ]
        constraints = [
            models.UniqueConstraint(fields=("room_type", "night"), name="room_night_unique_night"),
            models.CheckConstraint(
                condition=models.Q(rooms_held__gte=0), name="room_night_held_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(rooms_held__lte=models.F("rooms_total")),
                name="room_night_held_within_total",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.room_type_id} {self.night:%Y-%m-%d}: {self.rooms_held}/{self.rooms_total}"

    @property
    def rooms_left(self) -> int:
        return self.rooms_total - self.rooms_held

    def clean(self) -> None:
        if self.rooms_total is not None and self.rooms_total < self.rooms_held:
            held = ngettext(
                "%(count)d room is already held on this night.",
                "%(count)d rooms are already held on this night.",
                self.rooms_held,
            ) % {"count": self.rooms_held}
            raise ValidationError({"rooms_total": held})


class HotelierMembership(models.Model):
    """A staff user who manages a hotel (in admin, and later its reservation requests)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="hotelier_memberships",
        verbose_name=_("user"),
    )
    hotel = models.ForeignKey(
        Hotel, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("hotel")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("hotelier membership")
        verbose_name_plural = _("hotelier memberships")
        ordering = ("hotel_id", "user_id")
        constraints = [
            models.UniqueConstraint(fields=("user", "hotel"), name="hotelier_membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.hotel}"


def cancellation_policy_summary(*, free_until_days_before: int, fee_percent: int) -> str:
    """A cancellation policy in one line, as guests and hoteliers read it."""
    return (
        f"Free cancellation until {free_until_days_before} days before check-in; "
        f"{fee_percent}% fee after that; no refund from the check-in day."
    )


class CancellationPolicy(models.Model):
    """What a guest pays to cancel: per hotel, or for one room type (which then wins).

    Free cancellation until ``free_until_days_before`` days before check-in (up to the end of
    that day, hotel's local date); from the next day a fee of ``fee_percent`` of the total;
    from the check-in day on, no refund. A hotel without a policy refunds in full.
    """

    hotel = models.ForeignKey(
        Hotel,
        on_delete=models.CASCADE,
        related_name="cancellation_policies",
        verbose_name=_("hotel"),
    )
    room_type = models.ForeignKey(
        RoomType,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="cancellation_policies",
        verbose_name=_("room type"),
        help_text=_("Leave empty for the hotel's policy; set it to override one room type's."),
    )
    free_until_days_before = models.PositiveSmallIntegerField(
        _("free cancellation until (days before check-in)"),
        validators=[MinValueValidator(1)],
        help_text=_("Free cancellation until this many days before check-in (hotel's local date)."),
    )
    fee_percent = models.PositiveSmallIntegerField(
        _("cancellation fee (%)"),
        validators=[MaxValueValidator(100)],
        help_text=_("Share of the total kept when cancelling later, before the check-in day."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("cancellation policy")
        verbose_name_plural = _("cancellation policies")
        ordering = ("hotel_id", "room_type_id", "id")
        constraints = [
            models.UniqueConstraint(
                fields=("hotel",),
                condition=models.Q(room_type__isnull=True),
                name="cancellation_policy_one_per_hotel",
                violation_error_message=_("This hotel already has a hotel-wide policy."),
            ),
            models.UniqueConstraint(
                fields=("room_type",),
                name="cancellation_policy_one_per_room_type",
                violation_error_message=_("This room type already has its own policy."),
            ),
            models.CheckConstraint(
                condition=models.Q(free_until_days_before__gte=1),
                name="cancellation_policy_free_days_at_least_one",
            ),
            models.CheckConstraint(
                condition=models.Q(fee_percent__lte=100),
                name="cancellation_policy_fee_at_most_100",
            ),
        ]

    def __str__(self) -> str:
        scope = self.room_type.name if self.room_type_id else _("all room types")
        return f"{self.hotel.name}, {scope}: {self.summary()}"

    def summary(self) -> str:
        return cancellation_policy_summary(
            free_until_days_before=self.free_until_days_before, fee_percent=self.fee_percent
        )

    def clean(self) -> None:
        if self.room_type_id and self.hotel_id and self.room_type.hotel_id != self.hotel_id:
            raise ValidationError({"room_type": _("The room type belongs to another hotel.")})


class ReservationStatus(models.TextChoices):
    REQUESTED = "requested", _("requested (confirming reservation)")
    CONFIRMED = "confirmed", _("confirmed")
    REJECTED = "rejected", _("rejected")
    CANCELLED = "cancelled", _("cancelled")


#: The one table of legal status changes: requested -> confirmed | rejected | cancelled, and a
#: confirmed stay can still be cancelled. Rejected and cancelled are final.
RESERVATION_TRANSITIONS: dict[str, frozenset[str]] = {
    ReservationStatus.REQUESTED: frozenset(
        {ReservationStatus.CONFIRMED, ReservationStatus.REJECTED, ReservationStatus.CANCELLED}
    ),
    ReservationStatus.CONFIRMED: frozenset({ReservationStatus.CANCELLED}),
    ReservationStatus.REJECTED: frozenset(),
    ReservationStatus.CANCELLED: frozenset(),
}


class Actor(models.TextChoices):
    GUEST = "guest", _("Guest")
    HOTEL = "hotel", _("Hotel")
    SYSTEM = "system", _("System")


class Reservation(models.Model):
    """A paid order as the hotel sees it. Never deleted; status changes only by ``transition_to``.

    ``order_id`` is the orders context's id (no foreign key across contexts); ``guest_name`` is
    a snapshot for the hotelier's search, taken when the request arrived.
    """

    order_id = models.BigIntegerField(_("order id"), unique=True)
    order_reference = models.CharField(_("order reference"), max_length=64, blank=True)
    guest_id = models.BigIntegerField(_("guest id"), db_index=True)
    guest_name = models.CharField(_("guest name"), max_length=100, blank=True)
    # No index of its own: reservation_hotel_status (hotel, status, check_in) serves every
    # lookup by hotel.
    hotel = models.ForeignKey(
        Hotel,
        on_delete=models.PROTECT,
        related_name="reservations",
        db_index=False,
        verbose_name=_("hotel"),
    )
    room_type = models.ForeignKey(
        RoomType,
        on_delete=models.PROTECT,
        related_name="reservations",
        verbose_name=_("room type"),
    )
    check_in = models.DateField(_("check-in"))
    check_out = models.DateField(_("check-out"))
    guests = models.PositiveSmallIntegerField(_("guests"))
    total_krw = models.PositiveIntegerField(_("total (KRW)"))
    # The cancellation terms the stay was booked under (the order's, sent with OrderPlaced): a
    # cancellation charges by them, never by the policy as it stands later. Empty for orders
    # placed before bookings kept their terms: those are charged by the current policy.
    terms_free_until = models.DateTimeField(
        _("free cancellation until"),
        null=True,
        blank=True,
        help_text=_("Booked terms: free cancellation until then."),
    )
    terms_fee_percent = models.PositiveSmallIntegerField(
        _("cancellation fee (%)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
        help_text=_("Booked terms: the share of the total kept when cancelling later."),
    )
    terms_no_refund_from = models.DateTimeField(
        _("no refund from"),
        null=True,
        blank=True,
        help_text=_(
            "Booked terms: no refund from then (empty: refunded in full whatever the date)."
        ),
    )
    terms_summary = models.CharField(_("cancellation terms"), max_length=300, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ReservationStatus.choices,
        default=ReservationStatus.REQUESTED,
    )
    rejection_reason = models.TextField(_("rejection reason"), blank=True)
    requested_at = models.DateTimeField(_("requested at"))
    decision_deadline = models.DateTimeField(
        _("decision deadline"),
        null=True,
        blank=True,
        help_text=_("A request still open then is rejected automatically (set when requested)."),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )

    class Meta:
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        ordering = ("-requested_at", "-id")
        indexes = [
            models.Index(fields=["hotel", "status", "check_in"], name="reservation_hotel_status"),
            # The stale-request job's scan: open requests only, soonest deadline first.
            models.Index(
                fields=["decision_deadline"],
                condition=models.Q(status="requested"),
                name="reservation_open_deadline",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(check_out__gt=models.F("check_in")),
                name="reservation_stay_not_empty",
            ),
        ]

    def __str__(self) -> str:
        return _("Reservation %(id)s (order %(order_id)s, %(status)s)") % {
            "id": self.pk,
            "order_id": self.order_id,
            "status": self.get_status_display(),
        }

    def transition_to(self, target: str) -> str:
        """Move to ``target`` if the status table allows it; returns the previous status.

        The only place a reservation's status changes. Raises ``IllegalReservationTransition``
        (409) otherwise. The caller holds the row lock and saves.
        """
        if target not in RESERVATION_TRANSITIONS[self.status]:
            raise IllegalReservationTransition(
                reservation_id=self.pk, status=self.status, target=target
            )
        previous, self.status = self.status, target
        return previous


class ReservationStatusChange(models.Model):
    """The reservation's history: one row when it is requested and one per change after."""

    reservation = models.ForeignKey(
        Reservation,
        on_delete=models.CASCADE,
        related_name="status_changes",
        verbose_name=_("reservation"),
    )
    from_status = models.CharField(
        _("previous status"), max_length=10, choices=ReservationStatus.choices, blank=True
    )
    to_status = models.CharField(_("new status"), max_length=10, choices=ReservationStatus.choices)
    actor = models.CharField(_("changed by"), max_length=10, choices=Actor.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("staff user"),
    )
    note = models.TextField(_("note"), blank=True)
    changed_at = models.DateTimeField(_("changed at"))

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ("reservation_id", "id")

    def __str__(self) -> str:
        return f"{self.from_status or '-'} -> {self.to_status} at {self.changed_at:%Y-%m-%d %H:%M}"


class Cancellation(models.Model):
    """A reservation's cancellation (one at most, never deleted) and the fee it cost.

    The fee comes from the cancellation policy once, when the reservation is cancelled, and
    is never recomputed: payments refunds ``refund_krw``.
    """

    reservation = models.OneToOneField(
        Reservation,
        on_delete=models.PROTECT,
        related_name="cancellation",
        verbose_name=_("reservation"),
    )
    cancelled_by = models.CharField(_("cancelled by"), max_length=10, choices=Actor.choices)
    reason = models.TextField(_("reason"), blank=True)
    fee_krw = models.PositiveIntegerField(_("fee (KRW)"))
    refund_krw = models.PositiveIntegerField(_("refund (KRW)"))
    policy_summary = models.CharField(_("cancellation terms applied"), max_length=300)
    cancelled_at = models.DateTimeField(
        _("cancelled at"), help_text=_("When the cancellation was asked for.")
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("cancellation")
        verbose_name_plural = _("cancellations")
        ordering = ("-cancelled_at", "-id")

    def __str__(self) -> str:
        return _("Cancellation of reservation %(id)s: fee %(fee)s KRW") % {
            "id": self.reservation_id,
            "fee": f"{self.fee_krw:,}",
        }


class HotelNotificationKind(models.TextChoices):
    NEW_REQUEST = "new_request", _("New reservation request")
    GUEST_CANCELLED = "guest_cancelled", _("Cancelled by the guest")
    DAILY_DIGEST = "daily_digest", _("Daily digest of open requests")


class HotelNotification(models.Model):
    """One message to a hotel on one channel: for a new request or a guest's cancellation (one
    per event) or the day's digest of open requests (one per hotel and local date).

    ``idempotency_key`` is unique and the same on every attempt: a redelivered event or a
    second run of the digest finds its row and never sends twice; a row marked ``sent`` or
    ``skipped`` is final, and the key goes to the provider with every attempt. The recipient is
    kept masked only; the number or address is read from the hotel to send.

    Written by the outbox worker's handler in one multi-row INSERT per batch, so the foreign
    keys are not checked by the database (a check is a locking read of the hotel's row per new
    row); both parents are rows this context never deletes while messages point at them.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        # The last attempt failed; retried (the outbox, a later digest run).
        FAILED = "failed", _("Failed")
        # No contact, opted out, or no request open: see the reason.
        SKIPPED = "skipped", _("Skipped")

    hotel = models.ForeignKey(
        Hotel,
        on_delete=models.CASCADE,
        db_constraint=False,
        db_index=False,  # hotel_notification_by_hotel leads with it
        related_name="notifications",
        verbose_name=_("hotel"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=HotelNotificationKind.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=CHANNEL_CHOICES)
    language = models.CharField(_("language"), max_length=2, choices=HotelMessageLanguage.choices)
    #: The reservation the message is about (none for a digest) and the event that meant it.
    reservation = models.ForeignKey(
        Reservation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_constraint=False,
        db_index=False,
        related_name="+",
        verbose_name=_("reservation"),
    )
    event_id = models.UUIDField(_("event id"), null=True, blank=True)
    #: The hotel's local date a digest is for.
    digest_date = models.DateField(_("digest date"), null=True, blank=True)
    idempotency_key = models.UUIDField(_("idempotency key"), unique=True)
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
        verbose_name = _("hotel notification")
        verbose_name_plural = _("hotel notifications")
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(fields=["hotel", "-created_at"], name="hotel_notification_by_hotel"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["queued", "sent", "failed", "skipped"]),
                name="reservations_hotelnotification_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient_masked or '-'} by {self.channel} ({self.status})"
