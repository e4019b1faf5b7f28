from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from apps.customer.models import GuestProfile
from apps.customer.phones import phone_mask, phone_normalize
from apps.customer.services import guest_profile_update

EDITABLE_FIELDS = ("name", "phone", "language", "kakao_opt_out", "email_opt_out")


class GuestProfileForm(forms.ModelForm):
    # Wider than the stored 11 digits so "010-1234-5678" can be typed; cleaned to digits.
    phone = forms.CharField(max_length=20, required=False, help_text="e.g. 010-1234-5678")

    class Meta:
        model = GuestProfile
        fields = EDITABLE_FIELDS

    def clean_phone(self) -> str:
        try:
            return phone_normalize(raw=self.cleaned_data.get("phone") or "")
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages, code="invalid_phone") from exc


@admin.register(GuestProfile)
class GuestProfileAdmin(admin.ModelAdmin):
    form = GuestProfileForm
    list_display = ("name", "user", "masked_phone", "language", "kakao_opt_out", "email_opt_out")
    list_filter = ("language", "kakao_opt_out", "email_opt_out")
    search_fields = ("name", "user__username", "user__email")
    fields = ("user", *EDITABLE_FIELDS, "created_at", "updated_at")
    readonly_fields = ("user", "created_at", "updated_at")
    list_select_related = ("user",)

    @admin.display(description="mobile phone")
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
