"""Korean mobile numbers (guests' and hotels'): normalised to digits, refused otherwise, masked."""

import pytest
from django.core.exceptions import ValidationError

from hotel.phone_numbers import check_mobile_phone, phone_mask, phone_normalize


@pytest.mark.parametrize(
    ("raw", "digits"),
    [
        ("010-1234-5678", "01012345678"),
        ("01012345678", "01012345678"),
        (" 010 1234 5678 ", "01012345678"),
        ("010.1234.5678", "01012345678"),
        ("+82 10-1234-5678", "01012345678"),
        ("+82-010-1234-5678", "01012345678"),
        ("011-123-4567", "0111234567"),
        ("016-1234-5678", "01612345678"),
        ("019-123-4567", "0191234567"),
        ("", ""),
    ],
)
def test_phone_normalize_keeps_the_digits_of_korean_mobile_numbers(raw, digits):
    assert phone_normalize(raw=raw) == digits


@pytest.mark.parametrize(
    "raw",
    [
        "010-123-4567",  # 010 numbers have 8 subscriber digits
        "010-1234-56789",
        "012-1234-5678",  # 012 is no mobile prefix
        "02-1234-5678",  # Seoul landline
        "1588-1234",
        "+1 650 253 0000",
        "010-1234-567a",
        "010/1234/5678",
    ],
)
def test_phone_normalize_refuses_other_numbers(raw):
    with pytest.raises(ValidationError) as caught:
        phone_normalize(raw=raw)

    assert caught.value.code == "invalid_phone"


@pytest.mark.parametrize(
    ("phone", "masked"),
    [("01012345678", "010-****-5678"), ("0111234567", "011-***-4567"), ("", "")],
)
def test_phone_mask_hides_the_middle_digits(phone, masked):
    assert phone_mask(phone=phone) == masked


def test_the_field_validator_takes_stored_digits_only():
    check_mobile_phone("01012345678")
    check_mobile_phone("")

    with pytest.raises(ValidationError) as caught:
        check_mobile_phone("010-1234-5678")  # stored values are normalised first

    assert caught.value.code == "invalid_phone"
