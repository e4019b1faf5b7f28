"""Input and output shapes of the customer API. No rules here: those live in services."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.customer.models import (
    Language,
    MypageEntry,
    MypageStatus,
    MypageTimelineEntry,
    Notification,
)
from apps.customer.notifications import messages
from hotel.flat_serializers import FlatSerializer


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


class MypageTimelineOutputSerializer(_LocalisedMixin, FlatSerializer):
    """One step of a booking's timeline, labelled in the guest's language."""

    sequence = serializers.IntegerField()
    kind = serializers.CharField()
    status = serializers.ChoiceField(choices=MypageStatus.choices)
    title = serializers.SerializerMethodField()
    description = serializers.SerializerMethodField()
    details = serializers.SerializerMethodField()
    occurred_at = serializers.DateTimeField()

    def get_title(self, row: MypageTimelineEntry) -> str:
        return messages.timeline_title(row.kind, language=self.language)

    def get_description(self, row: MypageTimelineEntry) -> str:
        return messages.timeline_description(row.kind, row.details, language=self.language)

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_details(self, row: MypageTimelineEntry) -> dict:
        return row.details


class MypageEntryOutputSerializer(_LocalisedMixin, FlatSerializer):
    """One booking on the guest's mypage. Plain declared fields (no model introspection per
    request), rendered by ``FlatSerializer``: the mypage is the guests' most read page."""

    order_id = serializers.IntegerField()
    order_reference = serializers.CharField()
    status = serializers.ChoiceField(choices=MypageStatus.choices)
    status_label = serializers.SerializerMethodField()
    hotel_id = serializers.IntegerField(allow_null=True)
    hotel_name = serializers.CharField()
    room_type_id = serializers.IntegerField(allow_null=True)
    room_type_name = serializers.CharField()
    check_in = serializers.DateField(allow_null=True)
    check_out = serializers.DateField(allow_null=True)
    nights = serializers.IntegerField(allow_null=True)
    guests = serializers.IntegerField(allow_null=True)
    total_krw = serializers.IntegerField(allow_null=True)
    payment_method = serializers.CharField()
    masked_card_number = serializers.CharField()
    payment_status = serializers.CharField()
    paid_krw = serializers.IntegerField(allow_null=True)
    reservation_status = serializers.CharField()
    rejection_reason = serializers.SerializerMethodField()
    cancellation_reason = serializers.CharField()
    cancellation_fee_krw = serializers.IntegerField(allow_null=True)
    refund_due_krw = serializers.IntegerField(allow_null=True)
    refunded_krw = serializers.IntegerField()
    booked_at = serializers.DateTimeField()
    cancelled_at = serializers.DateTimeField(allow_null=True)
    updated_at = serializers.DateTimeField()

    def get_status_label(self, entry: MypageEntry) -> str:
        return messages.status_label(entry.status, language=self.language)

    def get_rejection_reason(self, entry: MypageEntry) -> str:
        return messages.reason_text(entry.rejection_reason, language=self.language)


class MypageEntryDetailOutputSerializer(MypageEntryOutputSerializer):
    timeline = serializers.SerializerMethodField()

    @extend_schema_field(MypageTimelineOutputSerializer(many=True))
    def get_timeline(self, entry: MypageEntry) -> list[dict]:
        rows = entry.timeline_in_order  # read with the entry by the selector
        return MypageTimelineOutputSerializer(rows, many=True, context=self.context).data


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
