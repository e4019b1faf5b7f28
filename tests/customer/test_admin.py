"""The admin: guest profiles edited through the service, mypage entries and the message log
read-only; phone numbers masked everywhere."""

import pytest
from django.contrib.auth import get_user_model

from apps.customer.models import MypageEntry, Notification
from hotel.eventbus.testing import drain_outbox
from hotel.phone_numbers import INVALID_PHONE_MESSAGE
from tests.customer.booking_events import Booking, publish_events
from tests.customer.factories import GuestProfileFactory


@pytest.fixture
def operator_client(client):
    operator = get_user_model().objects.create_superuser("operator", "op@example.com", "pw")
    client.force_login(operator)
    return client


@pytest.mark.django_db(transaction=True)
def test_the_admin_lists_entries_and_the_message_log_read_only(operator_client):
    guest = GuestProfileFactory(phone="01055556666").user
    booking = Booking(guest_id=guest.pk)
    publish_events(booking.placed(), booking.approved())
    drain_outbox()
    entry = MypageEntry.objects.get()
    notification = Notification.objects.get()

    pages = {
        "entries": operator_client.get("/admin/customer/mypageentry/"),
        "entry": operator_client.get(f"/admin/customer/mypageentry/{entry.pk}/change/"),
        "log": operator_client.get("/admin/customer/notification/"),
        "message": operator_client.get(f"/admin/customer/notification/{notification.pk}/change/"),
    }

    assert {name: page.status_code for name, page in pages.items()} == dict.fromkeys(pages, 200)
    assert booking.reference in pages["entries"].content.decode()
    assert "010-****-6666" in pages["log"].content.decode()
    for page in pages.values():
        assert "01055556666" not in page.content.decode()
    assert operator_client.get("/admin/customer/notification/add/").status_code == 403
    assert (
        operator_client.post(
            f"/admin/customer/notification/{notification.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    assert Notification.objects.count() == 1


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
