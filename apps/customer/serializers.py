"""Input and output shapes of the customer API. No rules here: those live in services."""

from rest_framework import serializers

from apps.customer.models import (
    Language,
    MypageEntry,
    MypageTimelineEntry,
    Notification,
)
from apps.customer.notifications import messages


class SignUpInputSerializer(serializers.Serializer):
    username = serializers.RegexField(
        r"^[\w.@+-]+\Z",
        max_length=150,
        error_messages={"invalid": "Use letters, digits and @/./+/-/_ only."},
    )
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, write_only=True, trim_whitespace=False)
    name = serializers.CharField(max_length=50)
    phone = serializers.CharField(max_length=20, help_text="Korean mobile, e.g. 010-1234-5678")
    language = serializers.ChoiceField(choices=Language.choices, default=Language.KOREAN)


class TokenInputSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, write_only=True, trim_whitespace=False)


class TokenOutputSerializer(serializers.Serializer):
    token = serializers.CharField()


class ProfileUpdateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50, required=False)
    email = serializers.EmailField(max_length=254, required=False)
    phone = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        help_text='Korean mobile, e.g. 010-1234-5678; "" removes the number.',
    )
    language = serializers.ChoiceField(choices=Language.choices, required=False)
    kakao_opt_out = serializers.BooleanField(required=False)
    email_opt_out = serializers.BooleanField(required=False)


class ProfileOutputSerializer(serializers.Serializer):
    user_id = serializers.IntegerField()
    username = serializers.CharField(source="user.username")
    email = serializers.EmailField(source="user.email")
    name = serializers.CharField()
    phone = serializers.CharField(help_text="Digits only, e.g. 01012345678; empty: none.")
    language = serializers.ChoiceField(choices=Language.choices)
    kakao_opt_out = serializers.BooleanField()
    email_opt_out = serializers.BooleanField()


class SignUpOutputSerializer(serializers.Serializer):
    token = serializers.CharField()
    profile = ProfileOutputSerializer()


# --- Mypage and notifications (output only) -------------------------------------------------


class _LocalisedMixin:
    """Labels in the language the view chose (``context["language"]``: "ko" or "en")."""

    @property
    def language(self) -> str:
        return messages.language_or_default(self.context.get("language"))


class MypageTimelineOutputSerializer(_LocalisedMixin, serializers.ModelSerializer):
    title = serializers.SerializerMethodField()
    description = serializers.SerializerMethodField()

    class Meta:
        model = MypageTimelineEntry
        fields = ["sequence", "kind", "status", "title", "description", "details", "occurred_at"]
        read_only_fields = fields

    def get_title(self, row: MypageTimelineEntry) -> str:
        return messages.timeline_title(row.kind, language=self.language)

    def get_description(self, row: MypageTimelineEntry) -> str:
        return messages.timeline_description(row.kind, row.details, language=self.language)


class MypageEntryOutputSerializer(_LocalisedMixin, serializers.ModelSerializer):
    status_label = serializers.SerializerMethodField()
    rejection_reason = serializers.SerializerMethodField()

    class Meta:
        model = MypageEntry
        fields = [
            "order_id",
            "order_reference",
            "status",
            "status_label",
            "hotel_id",
            "hotel_name",
            "room_type_id",
            "room_type_name",
            "check_in",
            "check_out",
            "nights",
            "guests",
            "total_krw",
            "payment_method",
            "masked_card_number",
            "payment_status",
            "paid_krw",
            "reservation_status",
            "rejection_reason",
            "cancellation_reason",
            "cancellation_fee_krw",
            "refund_due_krw",
            "refunded_krw",
            "booked_at",
            "cancelled_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_status_label(self, entry: MypageEntry) -> str:
        return messages.status_label(entry.status, language=self.language)

    def get_rejection_reason(self, entry: MypageEntry) -> str:
        return messages.reason_text(entry.rejection_reason, language=self.language)


class MypageEntryDetailOutputSerializer(MypageEntryOutputSerializer):
    timeline = MypageTimelineOutputSerializer(many=True, read_only=True)

    class Meta(MypageEntryOutputSerializer.Meta):
        fields = [*MypageEntryOutputSerializer.Meta.fields, "timeline"]
        read_only_fields = fields


class NotificationOutputSerializer(serializers.ModelSerializer):
    recipient = serializers.CharField(source="recipient_masked", read_only=True)

    class Meta:
        model = Notification
        fields = [
            "id",
            "order_id",
            "kind",
            "channel",
            "language",
            "recipient",
            "template_code",
            "title",
            "body",
            "status",
            "skip_reason",
            "provider_message_id",
            "attempts",
            "created_at",
            "sent_at",
        ]
        read_only_fields = fields
