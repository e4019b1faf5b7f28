"""Guest accounts: the profile that sits next to Django's auth user."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

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
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="guest_profile",
        verbose_name=_("user"),
    )
    name = models.CharField(_("display name"), max_length=50)
    phone = models.CharField(
        _("mobile phone"), max_length=11, blank=True, validators=[check_mobile_phone]
    )
    language = models.CharField(
        _("preferred language"), max_length=2, choices=Language.choices, default=Language.KOREAN
    )
    kakao_opt_out = models.BooleanField(_("no KakaoTalk messages"), default=False)
    email_opt_out = models.BooleanField(_("no e-mail messages"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("guest profile")
        verbose_name_plural = _("guest profiles")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(language__in=Language.values),
                name="customer_guestprofile_language_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name
