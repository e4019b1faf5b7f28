from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.orders.selectors import order_cancellation_terms
from apps.payments import api as payments
from hotel.api_inputs import DB_ID_MAX, AsciiDateField, AsciiIntegerField
from hotel.api_outputs import LocalDateTimeField
from hotel.flat_serializers import FlatSerializer


class BookingInputSerializer(FlatSerializer):
    hotel_id = AsciiIntegerField(min_value=1, max_value=DB_ID_MAX)
    room_type_id = AsciiIntegerField(min_value=1, max_value=DB_ID_MAX)
    check_in = AsciiDateField()
    check_out = AsciiDateField()
    guests = AsciiIntegerField(min_value=1, max_value=50)
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


class CancellationInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class CancellationSerializer(serializers.Serializer):
    """An order's cancellation (rendered from the order's fields)."""

    cancelled_at = serializers.DateTimeField()
    reason = serializers.CharField(source="cancel_reason")
    fee_krw = serializers.IntegerField(source="cancellation_fee_krw", allow_null=True)
    refund_krw = serializers.IntegerField(allow_null=True)
    recorded_by_hotel = serializers.SerializerMethodField()

    def get_recorded_by_hotel(self, order) -> bool:
        return order.cancellation_id is not None


class CancellationQuoteSerializer(serializers.Serializer):
    """Renders ``OrderCancellationQuote``."""

    order_id = serializers.IntegerField()
    total_krw = serializers.IntegerField()
    fee_krw = serializers.IntegerField()
    refund_krw = serializers.IntegerField()
    free_until = serializers.DateField(
        allow_null=True,
        help_text="The last day (hotel's local date) to cancel for free; null if always free.",
    )
    policy_summary = serializers.CharField()
    refundable = serializers.BooleanField()
    quoted_at = serializers.DateTimeField()


class CancellationTermsSerializer(FlatSerializer):
    """The cancellation terms an order was booked under (times in the hotel's time zone)."""

    free_until = LocalDateTimeField(
        help_text="Free cancellation until then: the end of the last free day, hotel's time."
    )
    free_until_date = serializers.DateField(help_text="That last free day (hotel's date).")
    fee_percent = serializers.IntegerField(help_text="Share of the total kept after it.")
    fee_krw = serializers.IntegerField(help_text="That share of this order's total.")
    no_refund_from = LocalDateTimeField(
        allow_null=True,
        help_text="No refund from then (the check-in day's start); null: never.",
    )
    summary = serializers.CharField()


class OrderSerializer(FlatSerializer):
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
    confirmed_at = serializers.DateTimeField(allow_null=True)
    rejected_at = serializers.DateTimeField(allow_null=True)
    rejection_reason = serializers.CharField()
    cancellation = serializers.SerializerMethodField(
        help_text="Set once the order is cancelled: the fee kept and the refund. They are the "
        "quote accepted when cancelling until the hotel records the cancellation "
        "(recorded_by_hotel), then the hotel's figures."
    )
    cancellation_terms = serializers.SerializerMethodField(
        help_text="The cancellation terms booked under: cancelling charges by them, whatever "
        "the hotel's policy becomes. Null on orders placed before orders kept them."
    )

    @extend_schema_field(CancellationSerializer(allow_null=True))
    def get_cancellation(self, order):
        if order.cancelled_at is None:
            return None
        return CancellationSerializer(order).data

    @extend_schema_field(CancellationTermsSerializer(allow_null=True))
    def get_cancellation_terms(self, order):
        terms = order_cancellation_terms(order=order)
        return None if terms is None else CancellationTermsSerializer(terms).data
