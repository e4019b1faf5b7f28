"""Korean mobile phone numbers, stored as digits only (``01012345678``).

Guests and hotels alike are reached by KakaoTalk on a Korean mobile number, so both contexts
check numbers the same way. People type numbers in many shapes (``010-1234-5678``,
``010 1234 5678``, ``+82 10-1234-5678``); what is stored is one canonical form, the one
AlimTalk providers expect as ``recipientNo``.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# 010 numbers have an 8-digit subscriber part; the legacy 011/016/017/018/019 have 7 or 8.
_MOBILE = re.compile(r"^(?:010\d{8}|01[16789]\d{7,8})$")
_SEPARATORS = re.compile(r"[\s\-.()]")

INVALID_PHONE_MESSAGE = _("Enter a Korean mobile number such as 010-1234-5678.")


def phone_normalize(*, raw: str) -> str:
    """The digits of a Korean mobile number, or ``ValidationError(code="invalid_phone")``.

    An empty input stays empty (no phone on file).
    """
    value = _SEPARATORS.sub("", raw.strip())
    if not value:
        return ""
    if value.startswith("+82"):
        value = "0" + value[3:].removeprefix("0")
    if not _MOBILE.fullmatch(value):
        raise ValidationError(INVALID_PHONE_MESSAGE, code="invalid_phone")
    return value


def check_mobile_phone(value: str) -> None:
    """Model-field validator: the stored value is already in canonical digits (or empty)."""
    if value and not _MOBILE.fullmatch(value):
        raise ValidationError(INVALID_PHONE_MESSAGE, code="invalid_phone")


def phone_mask(*, phone: str) -> str:
    """``01012345678`` -> ``010-****-5678``, for lists and logs."""
    if not phone:
        return ""
    return f"{phone[:3]}-{'*' * (len(phone) - 7)}-{phone[-4:]}"
