"""The account services: sign-up, profile changes and the demo data's ``guest_ensure_profile``."""

import pytest
from django.contrib.auth import get_user_model

from apps.customer.dtos import GuestContact
from apps.customer.errors import CustomerError
from apps.customer.models import GuestProfile
from apps.customer.services import guest_ensure_profile, guest_profile_update, guest_sign_up
from tests.customer.factories import GuestProfileFactory
from tests.user_factories import PASSWORD, UserFactory

User = get_user_model()


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


@pytest.mark.django_db
def test_guest_ensure_profile_creates_then_updates_the_same_profile():
    user = UserFactory(username="demo")

    first = guest_ensure_profile(user_id=user.pk, name="데모 손님", phone="010-1111-2222")
    second = guest_ensure_profile(user_id=user.pk, name="데모 손님", phone="010-3333-4444")

    assert isinstance(first, GuestContact)  # plain data: it is published in api.py
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
