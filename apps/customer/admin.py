from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from apps.customer.models import GuestProfile, MypageEntry, MypageTimelineEntry, Notification
from apps.customer.services import guest_profile_update
from hotel.admin_mixins import ReadOnlyAdminMixin, StrictChangeListMixin
from hotel.phone_numbers import phone_mask, phone_normalize

EDITABLE_FIELDS = ("name", "phone", "language", "kakao_opt_out", "email_opt_out")


class GuestProfileForm(forms.ModelForm):
    # Wider than the stored 11 digits so "010-1234-5678" can be typed; cleaned to digits.
    phone = forms.CharField(
        label=_("mobile phone"),
        max_length=20,
        required=False,
        help_text=_("e.g. 010-1234-5678"),
    )

    class Meta:
        model = GuestProfile
        fields = EDITABLE_FIELDS

    def clean_phone(self) -> str:
        try:
            return phone_normalize(raw=self.cleaned_data.get("phone") or "")
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages, code="invalid_phone") from exc


@admin.register(GuestProfile)
class GuestProfileAdmin(StrictChangeListMixin, admin.ModelAdmin):
    form = GuestProfileForm
    list_display = ("name", "user", "masked_phone", "language", "kakao_opt_out", "email_opt_out")
    list_filter = ("language", "kakao_opt_out", "email_opt_out")
    search_fields = ("name", "user__username", "user__email")
    fields = ("user", *EDITABLE_FIELDS, "created_at", "updated_at")
    readonly_fields = ("user", "created_at", "updated_at")
    list_select_related = ("user",)

    @admin.display(description=_("mobile phone"))
    def masked_phone(self, obj: GuestProfile) -> str:
        return phone_mask(phone=obj.phone)

    def has_add_permission(self, request) -> bool:
        # Profiles come with sign-up (or guest_ensure_profile); admin edits existing ones.
        return False

    def save_model(self, request, obj: GuestProfile, form, change: bool) -> None:
        # Through the service, so admin edits follow the same rules as the API.
        guest_profile_update(
            user=obj.user,
            **{field: form.cleaned_data[field] for field in EDITABLE_FIELDS},
        )


# --- Operators: the mypage read model and the message log, read-only ------------------------


class MypageTimelineInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = MypageTimelineEntry
    extra = 0
    ordering = ["sequence"]
    fields = ["sequence", "kind", "status", "details", "notify_kind", "occurred_at", "event_id"]
    readonly_fields = fields


@admin.register(MypageEntry)
class MypageEntryAdmin(StrictChangeListMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "order_id",
        "order_reference",
        "guest_id",
        "status",
        "hotel_name",
        "room_type_name",
        "check_in",
        "check_out",
        "total_krw",
        "payment_status",
        "reservation_status",
        "updated_at",
    ]
    list_filter = ["status", "payment_status", "reservation_status"]
    search_fields = ["=order_id", "order_reference", "=guest_id", "hotel_name"]
    date_hierarchy = "booked_at"
    inlines = [MypageTimelineInline]
    readonly_fields = [f.name for f in MypageEntry._meta.fields]


@admin.register(Notification)
class NotificationAdmin(StrictChangeListMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """The message log. The recipient is stored masked only; bodies are what the guest read."""

    list_display = [
        "created_at",
        "order_id",
        "guest",
        "kind",
        "channel",
        "recipient_masked",
        "template_code",
        "status",
        "attempts",
        "provider_message_id",
        "sent_at",
    ]
    list_filter = ["status", "kind", "channel", "language"]
    search_fields = ["=order_id", "guest__username", "provider_message_id", "=event_id"]
    list_select_related = ["guest"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in Notification._meta.fields]
