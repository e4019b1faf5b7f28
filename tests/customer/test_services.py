"""Services, the published api and the admin of the customer context."""

import dataclasses

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from apps.customer.api import GuestContact, guest_contact, guest_contacts, guest_ensure_profile
from apps.customer.errors import CustomerError
from apps.customer.models import GuestProfile
from apps.customer.phones import INVALID_PHONE_MESSAGE, phone_mask, phone_normalize
from apps.customer.services import guest_profile_update, guest_sign_up
from tests.customer.factories import PASSWORD, GuestProfileFactory, UserFactory

User = get_user_model()


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


@pytest.mark.django_db
def test_guest_sign_up_creates_an_active_guest_with_a_profile():
    user = guest_sign_up(
        username=" minji ",
        email="Minji@EXAMPLE.com",
        password=PASSWORD,
        name=" 김민지 ",
        phone="010-1234-5678",
    )

    assert (user.username, user.email, user.is_staff) == ("minji", "Minji@example.com", False)
    profile = GuestProfile.objects.get(user=user)
    assert (profile.name, profile.phone, profile.language) == ("김민지", "01012345678", "ko")


@pytest.mark.django_db
def test_guest_sign_up_with_a_blank_name_is_invalid_and_creates_nothing():
    with pytest.raises(CustomerError) as caught:
        guest_sign_up(
            username="minji", email="m@example.com", password=PASSWORD, name="  ", phone=""
        )

    assert (caught.value.code, caught.value.http_status) == ("invalid", 400)
    assert list(caught.value.details) == ["name"]
    assert User.objects.count() == 0


@pytest.mark.django_db
def test_guest_profile_update_creates_the_profile_of_an_account_without_one():
    user = UserFactory(username="staffer")

    profile = guest_profile_update(user=user, phone="010-2222-3333")

    assert GuestProfile.objects.get() == profile
    assert (profile.name, profile.phone, profile.language) == ("staffer", "01022223333", "ko")


@pytest.mark.django_db
def test_guest_profile_update_with_nothing_given_changes_nothing():
    profile = GuestProfileFactory(name="김민지", phone="01012345678", language="en")

    guest_profile_update(user=profile.user)

    profile.refresh_from_db()
    assert (profile.name, profile.phone, profile.language) == ("김민지", "01012345678", "en")


@pytest.mark.django_db
def test_guest_profile_update_refuses_an_unknown_language():
    profile = GuestProfileFactory(language="ko")

    with pytest.raises(CustomerError) as caught:
        guest_profile_update(user=profile.user, language="fr")

    assert (caught.value.code, list(caught.value.details)) == ("invalid", ["language"])
    profile.refresh_from_db()
    assert profile.language == "ko"


# --- the published api ----------------------------------------------------------------------


@pytest.mark.django_db
def test_guest_contact_returns_plain_data(django_assert_num_queries):
    profile = GuestProfileFactory(
        name="김민지",
        phone="01012345678",
        language="en",
        email_opt_out=True,
        user__username="minji",
    )

    with django_assert_num_queries(1):
        contact = guest_contact(user_id=profile.user_id)

    assert contact == GuestContact(
        user_id=profile.user_id,
        name="김민지",
        phone="01012345678",
        language="en",
        kakao_opt_out=False,
        email_opt_out=True,
        email="minji@example.com",
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        contact.phone = "01000000000"


@pytest.mark.django_db
def test_guest_contact_of_an_account_without_a_profile_has_defaults_and_no_phone():
    user = UserFactory(username="staffer", email="staff@example.com")

    assert guest_contact(user_id=user.pk) == GuestContact(
        user_id=user.pk,
        name="staffer",
        phone="",
        language="ko",
        kakao_opt_out=False,
        email_opt_out=False,
        email="staff@example.com",
    )
    assert GuestProfile.objects.count() == 0


@pytest.mark.django_db
def test_guest_contact_of_an_unknown_user_is_none():
    assert guest_contact(user_id=987654) is None


@pytest.mark.django_db
def test_guest_contacts_of_several_users_in_one_query(django_assert_num_queries):
    minji = GuestProfileFactory(
        name="김민지",
        phone="01012345678",
        language="en",
        kakao_opt_out=True,
        user__username="minji",
    )
    seojun = GuestProfileFactory(name="박서준", phone="", email_opt_out=True, user__username="sj")
    staffer = UserFactory(username="staffer", email="staff@example.com")
    unknown = staffer.pk + 1000

    with django_assert_num_queries(1):
        contacts = guest_contacts(user_ids=[minji.user_id, staffer.pk, unknown, seojun.user_id])

    assert contacts == {
        minji.user_id: GuestContact(
            user_id=minji.user_id,
            name="김민지",
            phone="01012345678",
            language="en",
            kakao_opt_out=True,
            email_opt_out=False,
            email="minji@example.com",
        ),
        seojun.user_id: GuestContact(
            user_id=seojun.user_id,
            name="박서준",
            phone="",
            language="ko",
            kakao_opt_out=False,
            email_opt_out=True,
            email="sj@example.com",
        ),
        # No profile stored: the same defaults as guest_contact, and none is created.
        staffer.pk: GuestContact(
            user_id=staffer.pk,
            name="staffer",
            phone="",
            language="ko",
            kakao_opt_out=False,
            email_opt_out=False,
            email="staff@example.com",
        ),
    }
    assert contacts[staffer.pk] == guest_contact(user_id=staffer.pk)
    assert GuestProfile.objects.count() == 2


@pytest.mark.django_db
def test_guest_contacts_of_no_users_asks_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert guest_contacts(user_ids=[]) == {}


@pytest.mark.django_db
def test_guest_ensure_profile_creates_then_updates_the_same_profile():
    user = UserFactory(username="demo")

    first = guest_ensure_profile(user_id=user.pk, name="데모 손님", phone="010-1111-2222")
    second = guest_ensure_profile(user_id=user.pk, name="데모 손님", phone="010-3333-4444")

    assert (first.name, first.phone) == ("데모 손님", "01011112222")
    assert (second.name, second.phone) == ("데모 손님", "01033334444")
    assert GuestProfile.objects.filter(user=user).count() == 1


@pytest.mark.django_db
def test_guest_ensure_profile_refuses_a_bad_phone():
    user = UserFactory()

    with pytest.raises(CustomerError) as caught:
        guest_ensure_profile(user_id=user.pk, name="손님", phone="02-123-4567")

    assert caught.value.code == "invalid_phone"
    assert GuestProfile.objects.count() == 0


# --- admin ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_list_shows_the_phone_masked(admin_client):
    GuestProfileFactory(name="김민지", phone="01012345678")

    response = admin_client.get("/admin/customer/guestprofile/")

    assert response.status_code == 200
    content = response.content.decode()
    assert "010-****-5678" in content
    assert "01012345678" not in content


@pytest.mark.django_db
def test_admin_edit_normalises_the_phone_through_the_service(admin_client):
    profile = GuestProfileFactory(name="김민지", phone="01012345678")

    response = admin_client.post(
        f"/admin/customer/guestprofile/{profile.pk}/change/",
        {"name": "민지", "phone": "010-9876-5432", "language": "en", "kakao_opt_out": "on"},
    )

    assert response.status_code == 302
    profile.refresh_from_db()
    assert (profile.name, profile.phone, profile.language) == ("민지", "01098765432", "en")
    assert (profile.kakao_opt_out, profile.email_opt_out) == (True, False)


@pytest.mark.django_db
def test_admin_edit_with_a_bad_phone_shows_the_error_and_keeps_the_row(admin_client):
    profile = GuestProfileFactory(phone="01012345678")

    response = admin_client.post(
        f"/admin/customer/guestprofile/{profile.pk}/change/",
        {"name": "민지", "phone": "02-123-4567", "language": "ko"},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"phone": [str(INVALID_PHONE_MESSAGE)]}
    profile.refresh_from_db()
    assert profile.phone == "01012345678"
