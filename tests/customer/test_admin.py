"""Operators see mypage entries and the message log in admin, read-only, numbers masked."""

import pytest
from django.contrib.auth import get_user_model

from apps.customer.models import MypageEntry, Notification
from hotel.eventbus.testing import drain_outbox
from tests.customer.booking_events import Booking, publish_events
from tests.customer.factories import GuestProfileFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def operator_client(client):
    operator = get_user_model().objects.create_superuser("operator", "op@example.com", "pw")
    client.force_login(operator)
    return client


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
