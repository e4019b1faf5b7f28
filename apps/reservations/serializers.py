"""Input and output serializers of the public catalogue API (shape only, no business rules)."""

from rest_framework import serializers

from apps.reservations.models import Hotel, RoomType


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
    check_in = serializers.DateField()
    check_out = serializers.DateField()
    guests = serializers.IntegerField(required=False, default=1)


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
