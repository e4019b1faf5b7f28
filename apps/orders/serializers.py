from rest_framework import serializers

from apps.payments import api as payments


class BookingInputSerializer(serializers.Serializer):
    hotel_id = serializers.IntegerField(min_value=1)
    room_type_id = serializers.IntegerField(min_value=1)
    check_in = serializers.DateField()
    check_out = serializers.DateField()
    guests = serializers.IntegerField(min_value=1, max_value=50)
    payment_method = serializers.ChoiceField(choices=payments.PAYMENT_METHODS)
    payment_key = serializers.CharField(
        max_length=200,
        help_text="The token the payment provider's widget returned (never a card number). "
        "Sandbox: test_ok, test_decline_funds, test_decline_fraud, test_error, test_timeout.",
    )

    def validate(self, attrs):
        if attrs["check_out"] <= attrs["check_in"]:
            raise serializers.ValidationError({"check_out": "Must be after check_in."})
        return attrs


class OrderSerializer(serializers.Serializer):
    """Renders ``OrderData`` (and ``Order`` rows: same attribute names)."""

    id = serializers.IntegerField()
    reference = serializers.CharField()
    hotel_id = serializers.IntegerField()
    hotel_name = serializers.CharField()
    room_type_id = serializers.IntegerField()
    room_type_name = serializers.CharField()
    check_in = serializers.DateField()
    check_out = serializers.DateField()
    nights = serializers.IntegerField()
    guests = serializers.IntegerField()
    total_krw = serializers.IntegerField()
    payment_method = serializers.CharField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()
    paid_at = serializers.DateTimeField(allow_null=True)
