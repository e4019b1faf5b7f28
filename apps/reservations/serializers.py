"""Input and output serializers of the catalogue and hotelier APIs (shape only, no rules)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.reservations.models import Cancellation, Hotel, Reservation, RoomType
from hotel.api_inputs import AsciiDateField, AsciiIntegerField


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


class AvailabilityInputSerializer(serializers.Serializer):
    check_in = AsciiDateField()
    check_out = AsciiDateField()
    # At most what one booking takes; fewer than one is the stay check's invalid_stay.
    guests = AsciiIntegerField(required=False, default=1, max_value=50)


class NightPriceOutputSerializer(serializers.Serializer):
    night = serializers.DateField()
    rate_krw = serializers.IntegerField()
    rooms_left = serializers.IntegerField()


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


class AvailabilityOutputSerializer(serializers.Serializer):
    hotel_id = serializers.IntegerField()
    check_in = serializers.DateField()
    check_out = serializers.DateField()
    guests = serializers.IntegerField()
    room_types = RoomTypeAvailabilityOutputSerializer(many=True)


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
