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
        raise ValidationError(f"{value!r} is not an IANA time zone (e.g. Asia/Seoul).") from exc


class HotelMessageLanguage(models.TextChoices):
    KOREAN = "ko", "한국어"
    ENGLISH = "en", "English"


class Hotel(models.Model):
    name = models.CharField(max_length=200)
    city = models.CharField(max_length=100, db_index=True)
    address = models.CharField(max_length=300, blank=True)
    description = models.TextField(blank=True)
    time_zone = models.CharField(
        max_length=64,
        default="Asia/Seoul",
        validators=[validate_time_zone],
        help_text="The hotel's local time zone: stay dates and 'today' are read in it.",
    )
    request_deadline_hours = models.PositiveSmallIntegerField(
        "decision deadline (hours)",
        default=REQUEST_DEADLINE_HOURS_DEFAULT,
        validators=[
            MinValueValidator(REQUEST_DEADLINE_HOURS_MIN),
            MaxValueValidator(REQUEST_DEADLINE_HOURS_MAX),
        ],
        help_text=(
            "Hours the hotel has to confirm or reject a reservation request (1 to 168); one "
            "still open then is rejected automatically and refunded in full. Never later than "
            "the start of the check-in day. Applies to new requests."
        ),
    )

    # Who hears of the hotel's requests (apps/reservations/services/hotel_messages.py).
    contact_phone = models.CharField(
        "contact mobile phone",
        max_length=11,
        blank=True,
        validators=[check_mobile_phone],
        help_text="KakaoTalk messages go to this Korean mobile number, e.g. 010-1234-5678.",
    )
    contact_email = models.EmailField(
        "contact e-mail", blank=True, help_text="E-mail messages go to this address."
    )
    message_language = models.CharField(
        "language of messages",
        max_length=2,
        choices=HotelMessageLanguage.choices,
        default=HotelMessageLanguage.KOREAN,
    )
    messages_opt_out = models.BooleanField(
        "no message per request",
        default=False,
        help_text="No message for each new request or guest cancellation.",
    )
    digest_opt_out = models.BooleanField(
        "no daily digest", default=False, help_text="No morning list of the requests still open."
    )

    class Meta:
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
    hotel = models.ForeignKey(Hotel, on_delete=models.CASCADE, related_name="room_types")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    capacity = models.PositiveSmallIntegerField(help_text="Most guests one room sleeps.")
    nightly_rate_krw = models.PositiveIntegerField(
        help_text="Price of one night in KRW, unless a nightly rate overrides it."
    )
    room_count = models.PositiveSmallIntegerField(
        help_text="Rooms of this type; new nights of inventory open with this many."
    )

    class Meta:
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

    room_type = models.ForeignKey(RoomType, on_delete=models.CASCADE, related_name="nightly_rates")
    night = models.DateField()
    rate_krw = models.PositiveIntegerField()

    class Meta:
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
        RoomType, on_delete=models.CASCADE, related_name="room_nights", db_index=False
    )
    night = models.DateField()
    rooms_total = models.PositiveSmallIntegerField()
    rooms_held = models.PositiveSmallIntegerField(default=0)

    class Meta:
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
            raise ValidationError(
                {"rooms_total": f"{self.rooms_held} rooms are already held on this night."}
            )


class HotelierMembership(models.Model):
    """A staff user who manages a hotel (in admin, and later its reservation requests)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="hotelier_memberships"
    )
    hotel = models.ForeignKey(Hotel, on_delete=models.CASCADE, related_name="memberships")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
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

    hotel = models.ForeignKey(Hotel, on_delete=models.CASCADE, related_name="cancellation_policies")
    room_type = models.ForeignKey(
        RoomType,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="cancellation_policies",
        help_text="Leave empty for the hotel's policy; set it to override one room type's.",
    )
    free_until_days_before = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1)],
        help_text="Free cancellation until this many days before check-in (hotel's local date).",
    )
    fee_percent = models.PositiveSmallIntegerField(
        validators=[MaxValueValidator(100)],
        help_text="Share of the total kept when cancelling later, before the check-in day.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "cancellation policies"
        ordering = ("hotel_id", "room_type_id", "id")
        constraints = [
            models.UniqueConstraint(
                fields=("hotel",),
                condition=models.Q(room_type__isnull=True),
                name="cancellation_policy_one_per_hotel",
                violation_error_message="This hotel already has a hotel-wide policy.",
            ),
            models.UniqueConstraint(
                fields=("room_type",),
                name="cancellation_policy_one_per_room_type",
                violation_error_message="This room type already has its own policy.",
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
        scope = self.room_type.name if self.room_type_id else "all room types"
        return f"{self.hotel.name}, {scope}: {self.summary()}"

    def summary(self) -> str:
        return cancellation_policy_summary(
            free_until_days_before=self.free_until_days_before, fee_percent=self.fee_percent
        )

    def clean(self) -> None:
        if self.room_type_id and self.hotel_id and self.room_type.hotel_id != self.hotel_id:
            raise ValidationError({"room_type": "The room type belongs to another hotel."})


class ReservationStatus(models.TextChoices):
    REQUESTED = "requested", "requested (confirming reservation)"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


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
    GUEST = "guest"
    HOTEL = "hotel"
    SYSTEM = "system"


class Reservation(models.Model):
    """A paid order as the hotel sees it. Never deleted; status changes only by ``transition_to``.

    ``order_id`` is the orders context's id (no foreign key across contexts); ``guest_name`` is
    a snapshot for the hotelier's search, taken when the request arrived.
    """

    order_id = models.BigIntegerField(unique=True)
    order_reference = models.CharField(max_length=64, blank=True)
    guest_id = models.BigIntegerField(db_index=True)
    guest_name = models.CharField(max_length=100, blank=True)
    hotel = models.ForeignKey(Hotel, on_delete=models.PROTECT, related_name="reservations")
    room_type = models.ForeignKey(RoomType, on_delete=models.PROTECT, related_name="reservations")
    check_in = models.DateField()
    check_out = models.DateField()
    guests = models.PositiveSmallIntegerField()
    total_krw = models.PositiveIntegerField()
    # The cancellation terms the stay was booked under (the order's, sent with OrderPlaced): a
    # cancellation charges by them, never by the policy as it stands later. Empty for orders
    # placed before bookings kept their terms: those are charged by the current policy.
    terms_free_until = models.DateTimeField(
        null=True, blank=True, help_text="Booked terms: free cancellation until then."
    )
    terms_fee_percent = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
        help_text="Booked terms: the share of the total kept when cancelling later.",
    )
    terms_no_refund_from = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Booked terms: no refund from then (empty: refunded in full whatever the date).",
    )
    terms_summary = models.CharField(max_length=300, blank=True)
    status = models.CharField(
        max_length=10, choices=ReservationStatus.choices, default=ReservationStatus.REQUESTED
    )
    rejection_reason = models.TextField(blank=True)
    requested_at = models.DateTimeField()
    decision_deadline = models.DateTimeField(
        null=True,
        blank=True,
        help_text="A request still open then is rejected automatically (set when requested).",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
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
        return f"Reservation {self.pk} (order {self.order_id}, {self.status})"

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
        Reservation, on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(max_length=10, choices=ReservationStatus.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=ReservationStatus.choices)
    actor = models.CharField(max_length=10, choices=Actor.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField(blank=True)
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ("reservation_id", "id")

    def __str__(self) -> str:
        return f"{self.from_status or '-'} -> {self.to_status} at {self.changed_at:%Y-%m-%d %H:%M}"


class Cancellation(models.Model):
    """A reservation's cancellation (one at most, never deleted) and the fee it cost.

    The fee comes from the cancellation policy once, when the reservation is cancelled, and
    is never recomputed: payments refunds ``refund_krw``.
    """

    reservation = models.OneToOneField(
        Reservation, on_delete=models.PROTECT, related_name="cancellation"
    )
    cancelled_by = models.CharField(max_length=10, choices=Actor.choices)
    reason = models.TextField(blank=True)
    fee_krw = models.PositiveIntegerField()
    refund_krw = models.PositiveIntegerField()
    policy_summary = models.CharField(max_length=300)
    cancelled_at = models.DateTimeField(help_text="When the cancellation was asked for.")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-cancelled_at", "-id")

    def __str__(self) -> str:
        return f"Cancellation of reservation {self.reservation_id}: fee {self.fee_krw:,} KRW"


class HotelNotificationKind(models.TextChoices):
    NEW_REQUEST = "new_request", "New reservation request"
    GUEST_CANCELLED = "guest_cancelled", "Cancelled by the guest"
    DAILY_DIGEST = "daily_digest", "Daily digest of open requests"


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
        QUEUED = "queued"
        SENT = "sent"
        FAILED = "failed"  # the last attempt failed; retried (the outbox, a later digest run)
        SKIPPED = "skipped"  # no contact, opted out, or no request open: see the reason

    hotel = models.ForeignKey(
        Hotel,
        on_delete=models.CASCADE,
        db_constraint=False,
        db_index=False,  # hotel_notification_by_hotel leads with it
        related_name="notifications",
    )
    kind = models.CharField(max_length=20, choices=HotelNotificationKind.choices)
    channel = models.CharField(max_length=10, choices=CHANNEL_CHOICES)
    language = models.CharField(max_length=2, choices=HotelMessageLanguage.choices)
    #: The reservation the message is about (none for a digest) and the event that meant it.
    reservation = models.ForeignKey(
        Reservation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    event_id = models.UUIDField(null=True, blank=True)
    #: The hotel's local date a digest is for.
    digest_date = models.DateField(null=True, blank=True)
    idempotency_key = models.UUIDField(unique=True)
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
