"""The catalogue (hotels, room types, nightly rates) and the nightly inventory.

Amounts are integer KRW. A stay is the date range ``[check_in, check_out)``: one ``RoomNight``
per night slept. Reservations and cancellations (the hotel side) will join this module later.
"""

from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone


def validate_time_zone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(f"{value!r} is not an IANA time zone (e.g. Asia/Seoul).") from exc


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

    class Meta:
        ordering = ("name", "id")

    def __str__(self) -> str:
        return f"{self.name} ({self.city})"

    def local_today(self) -> date:
        """Today's date at the hotel."""
        return timezone.localdate(timezone=ZoneInfo(self.time_zone))


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

    def __str__(self) -> str:
        return f"{self.night:%Y-%m-%d}: {self.rate_krw:,} KRW"


class RoomNight(models.Model):
    """The inventory of one room type for one night: rooms sold or held out of the total.

    ``rooms_held`` changes only through ``services.rooms_hold`` / ``rooms_release`` (guarded
    UPDATEs); the check constraints are the last line against overbooking.
    """

    room_type = models.ForeignKey(RoomType, on_delete=models.CASCADE, related_name="room_nights")
    night = models.DateField()
    rooms_total = models.PositiveSmallIntegerField()
    rooms_held = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ("room_type_id", "night")
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
