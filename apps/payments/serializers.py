"""Output shapes of the payments API. The provider's payment key stays server-side."""

from rest_framework import serializers

from apps.payments.models import Payment, Refund


class RefundOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Refund
        fields = ["id", "amount_krw", "refunded_total_krw", "reason", "created_at"]
        read_only_fields = fields


class PaymentOutputSerializer(serializers.ModelSerializer):
    refunds = RefundOutputSerializer(many=True, read_only=True)

    class Meta:
        model = Payment
        fields = [
            "id",
            "order_id",
            "status",
            "method",
            "masked_card_number",
            "amount_krw",
            "refunded_krw",
            "decline_reason",
            "approved_at",
            "created_at",
            "refunds",
        ]
        read_only_fields = fields
