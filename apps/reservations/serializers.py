"""Input and output serializers of the catalogue and hotelier APIs (shape only, no rules)."""

from urllib.parse import urlencode

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.reservations.dtos import StayOffer
from apps.reservations.models import Cancellation, Hotel, Reservation, RoomType
from apps.reservations.selectors import StayOrdering
from apps.reservations.stays import MAX_STAY_NIGHTS
from hotel.api_inputs import AsciiDateField, AsciiIntegerField
from hotel.api_outputs import LocalDateTimeField
from hotel.flat_serializers import FlatSerializer


class RoomTypeOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = RoomType
        fields = ("id", "name", "description", "capacity", "nightly_rate_krw")


class HotelListOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Hotel
        fields = ("id", "name", "city", "address", "time_zone")


class HotelDetailOutputSerializer(serializers.ModelSerializer):
    room_types = RoomTypeOutputSerializer(many=True, read_only=True)

    class Meta:
        model = Hotel
        fields = ("id", "name", "city", "address", "description", "time_zone", "room_types")


#: The highest stay total a search may name (``min_total``/``max_total``): a billion KRW a night
#: for the longest stay, far past any real price, and within a ``bigint``.
MAX_STAY_TOTAL_KRW = 10**9 * MAX_STAY_NIGHTS


class AvailabilityInputSerializer(serializers.Serializer):
    check_in = AsciiDateField()
    check_out = AsciiDateField()
    # At most what one booking takes; fewer than one is the stay check's invalid_stay.
    guests = AsciiIntegerField(required=False, default=1, max_value=50)


class NightPriceOutputSerializer(serializers.Serializer):
    night = serializers.DateField()
    rate_krw = serializers.IntegerField()
    rooms_left = serializers.IntegerField()


class CancellationTermsOutputSerializer(serializers.Serializer):
    """A stay's cancellation terms if booked now (times in the hotel's time zone)."""

    free_until = LocalDateTimeField(
        help_text="Free cancellation until then: the end of the last free day, hotel's time."
    )
    free_until_date = serializers.DateField(help_text="That last free day (hotel's date).")
    fee_percent = serializers.IntegerField(help_text="Share of the total kept after it.")
    fee_krw = serializers.IntegerField(help_text="That share of this stay's total.")
    no_refund_from = LocalDateTimeField(
        allow_null=True,
        help_text="No refund from then (the check-in day's start); null: never.",
    )
    summary = serializers.CharField()


class RoomTypeAvailabilityOutputSerializer(serializers.Serializer):
    room_type_id = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField()
    capacity = serializers.IntegerField()
    fits_guests = serializers.BooleanField()
    available = serializers.BooleanField(source="quote.available")
    rooms_left = serializers.IntegerField(source="quote.rooms_left")
    nights = serializers.IntegerField(source="quote.nights")
    total_krw = serializers.IntegerField(source="quote.total_krw")
    night_prices = NightPriceOutputSerializer(source="quote.night_prices", many=True)
    cancellation_terms = CancellationTermsOutputSerializer(source="quote.cancellation_terms")


class AvailabilityOutputSerializer(serializers.Serializer):
    hotel_id = serializers.IntegerField()
    check_in = serializers.DateField()
    check_out = serializers.DateField()
    guests = serializers.IntegerField()
    room_types = RoomTypeAvailabilityOutputSerializer(many=True)


class StaySearchInputSerializer(FlatSerializer):
    """The stay search's query: the stay and guests (required), then filters and order."""

    check_in = AsciiDateField()
    check_out = AsciiDateField()
    # At most what one booking takes; fewer than one is the stay check's invalid_stay.
    guests = AsciiIntegerField(max_value=50)
    city = serializers.CharField(
        required=False, allow_blank=True, max_length=100, help_text="Exact, in any case."
    )
    min_total = AsciiIntegerField(
        required=False,
        min_value=0,
        max_value=MAX_STAY_TOTAL_KRW,
        help_text="Lowest total for the whole stay, in KRW.",
    )
    max_total = AsciiIntegerField(
        required=False,
        min_value=0,
        max_value=MAX_STAY_TOTAL_KRW,
        help_text="Highest total for the whole stay, in KRW.",
    )
    ordering = serializers.ChoiceField(
        choices=[choice.value for choice in StayOrdering],
        default=StayOrdering.PRICE.value,
        help_text="price (cheapest first, the default), -price, name or -name.",
    )

    def validate(self, attrs: dict) -> dict:
        low, high = attrs.get("min_total"), attrs.get("max_total")
        if low is not None and high is not None and high < low:
            raise serializers.ValidationError(
                {"max_total": [f"At least min_total ({low})."]}, code="invalid"
            )
        return attrs


#: A hotel id no hotel has, written into the links and replaced by each result's id.
_ANY_PK = "9" * 19


class StayOfferOutputSerializer(FlatSerializer):
    """A hotel free for the stay, with its cheapest room type that fits and links to both the
    hotel and its availability for the same stay."""

    hotel_id = serializers.IntegerField()
    hotel_name = serializers.CharField()
    city = serializers.CharField()
    address = serializers.CharField()
    time_zone = serializers.CharField()
    room_type_id = serializers.IntegerField()
    room_type_name = serializers.CharField()
    capacity = serializers.IntegerField()
    nights = serializers.IntegerField()
    total_krw = serializers.IntegerField(help_text="The whole stay, nightly rates included.")
    rooms_left = serializers.IntegerField(help_text="Fewest rooms of this type free on a night.")
    hotel_url = serializers.SerializerMethodField()
    availability_url = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_hotel_url(self, offer: StayOffer) -> str:
        return self._urls(offer)[0].replace(_ANY_PK, str(offer.hotel_id), 1)

    @extend_schema_field(OpenApiTypes.URI)
    def get_availability_url(self, offer: StayOffer) -> str:
        return self._urls(offer)[1].replace(_ANY_PK, str(offer.hotel_id), 1)

    def _urls(self, offer: StayOffer) -> tuple[str, str]:
        """The two links with ``_ANY_PK`` for the hotel's id, made once per answer: every
        result of a search has the same stay, and two ``reverse`` per row were a sixth of
        the search request's time in the web process (cProfile, 20 results a page)."""
        urls = self.context.get("stay_offer_urls")
        if urls is None:
            request = self.context["request"]
            stay = urlencode(
                {
                    "check_in": offer.check_in.isoformat(),
                    "check_out": offer.check_out.isoformat(),
                    "guests": offer.guests,
                }
            )
            hotel = reverse("hotel-detail", kwargs={"pk": _ANY_PK})
            availability = reverse("hotel-availability", kwargs={"pk": _ANY_PK})
            urls = (
                request.build_absolute_uri(hotel),
                request.build_absolute_uri(f"{availability}?{stay}"),
            )
            self.context["stay_offer_urls"] = urls
        return urls


# --- Hotelier API: reservations and cancellations ------------------------------------------


class CancellationOutputSerializer(serializers.ModelSerializer):
    reservation_id = serializers.IntegerField(source="reservation.pk")
    order_id = serializers.IntegerField(source="reservation.order_id")
    hotel_id = serializers.IntegerField(source="reservation.hotel_id")
    hotel_name = serializers.CharField(source="reservation.hotel.name")
    room_type_id = serializers.IntegerField(source="reservation.room_type_id")
    room_type_name = serializers.CharField(source="reservation.room_type.name")
    guest_name = serializers.CharField(source="reservation.guest_name")
    check_in = serializers.DateField(source="reservation.check_in")
    check_out = serializers.DateField(source="reservation.check_out")
    total_krw = serializers.IntegerField(source="reservation.total_krw")

    class Meta:
        model = Cancellation
        fields = (
            "id",
            "reservation_id",
            "order_id",
            "hotel_id",
            "hotel_name",
            "room_type_id",
            "room_type_name",
            "guest_name",
            "check_in",
            "check_out",
            "total_krw",
            "cancelled_by",
            "reason",
            "fee_krw",
            "refund_krw",
            "policy_summary",
            "cancelled_at",
        )


class ReservationCancellationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Cancellation
        fields = (
            "id",
            "cancelled_by",
            "reason",
            "fee_krw",
            "refund_krw",
            "policy_summary",
            "cancelled_at",
        )


class ReservationOutputSerializer(serializers.ModelSerializer):
    hotel_name = serializers.CharField(source="hotel.name")
    room_type_name = serializers.CharField(source="room_type.name")
    nights = serializers.SerializerMethodField()
    cancellation = serializers.SerializerMethodField()

    class Meta:
        model = Reservation
        fields = (
            "id",
            "order_id",
            "order_reference",
            "guest_id",
            "guest_name",
            "hotel_id",
            "hotel_name",
            "room_type_id",
            "room_type_name",
            "check_in",
            "check_out",
            "nights",
            "guests",
            "total_krw",
            "status",
            "rejection_reason",
            "requested_at",
            "decision_deadline",
            "decided_at",
            "cancellation",
        )

    def get_nights(self, reservation: Reservation) -> int:
        return (reservation.check_out - reservation.check_in).days

    @extend_schema_field(ReservationCancellationSerializer(allow_null=True))
    def get_cancellation(self, reservation: Reservation) -> dict | None:
        cancellation = getattr(reservation, "cancellation", None)
        return (
            None if cancellation is None else ReservationCancellationSerializer(cancellation).data
        )


class ReservationRejectInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000)
