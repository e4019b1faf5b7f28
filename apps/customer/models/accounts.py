"""Guest accounts: the profile that sits next to Django's auth user."""

from django.conf import settings
from django.db import models

from apps.customer.phones import check_mobile_phone


class Language(models.TextChoices):
    KOREAN = "ko", "한국어"
    ENGLISH = "en", "English"


class GuestProfile(models.Model):
    """A guest's name, mobile phone and notification preferences.

    ``phone`` holds digits only (``01012345678``) or is empty when no number is on file; a guest
    without a number gets no KakaoTalk message. Writes go through ``apps.customer.services``.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="guest_profile"
    )
    name = models.CharField("display name", max_length=50)
    phone = models.CharField(
        "mobile phone", max_length=11, blank=True, validators=[check_mobile_phone]
    )
    language = models.CharField(
        "preferred language", max_length=2, choices=Language.choices, default=Language.KOREAN
    )
    kakao_opt_out = models.BooleanField("no KakaoTalk messages", default=False)
    email_opt_out = models.BooleanField("no e-mail messages", default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "guest profile"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(language__in=Language.values),
                name="customer_guestprofile_language_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name
