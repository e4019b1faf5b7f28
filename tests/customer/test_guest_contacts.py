"""Guest contacts: the plain data the selectors hand out (``guest_contacts`` is published)."""

import dataclasses

import pytest

from apps.customer.dtos import GuestContact
from apps.customer.models import GuestProfile
from apps.customer.selectors import guest_contact, guest_contacts
from tests.customer.factories import GuestProfileFactory
from tests.user_factories import UserFactory


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
