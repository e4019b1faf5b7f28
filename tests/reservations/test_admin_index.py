"""The hoteliers' admin site: branded, and its index shows the hotelier's open requests."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from apps.reservations import services
from tests.reservations.factories import requested_reservation
from tests.user_factories import UserFactory

pytestmark = pytest.mark.django_db

INDEX = "/admin/"


@pytest.fixture
def client_a(hotelier_a) -> Client:
    client = Client()
    client.force_login(hotelier_a)
    return client


def test_the_admin_carries_the_products_name_in_korean_and_in_english(client_a):
    korean = client_a.get(INDEX)
    english = client_a.get(INDEX, headers={"accept-language": "en"})

    assert korean.status_code == english.status_code == 200
    assert "호텔 예약 관리" in korean.content.decode()
    assert "hotel: reservations admin" in english.content.decode()
    assert korean["Content-Language"] == "ko"
    assert english["Content-Language"] == "en"


def test_the_index_lists_the_hoteliers_open_requests_deadline_soonest_first(
    client_a, room_type_a, room_type_b, hotelier_a
):
    today = room_type_a.hotel.local_today()
    later = requested_reservation(
        room_type_a, guest_name="Later Deadline", check_in=today + timedelta(days=9)
    )
    sooner = requested_reservation(
        room_type_a, guest_name="Sooner Deadline", check_in=today + timedelta(days=5)
    )
    decided = requested_reservation(room_type_a, guest_name="Already Confirmed")
    services.reservation_confirm(reservation_id=decided.pk, by=hotelier_a)
    requested_reservation(room_type_b, guest_name="Other Hotel Guest")
    # Deadlines set apart, whatever the hotel's deadline rule gives today.
    now = timezone.now()
    type(later).objects.filter(pk=later.pk).update(decision_deadline=now + timedelta(hours=20))
    type(sooner).objects.filter(pk=sooner.pk).update(decision_deadline=now + timedelta(hours=2))

    page = client_a.get(INDEX, headers={"accept-language": "en"})

    panel = page.context["open_requests"]
    assert panel.count == 2
    assert [r.guest_name for r in panel.soonest] == ["Sooner Deadline", "Later Deadline"]
    assert panel.oldest_requested_at == min(later.requested_at, sooner.requested_at)
    html = page.content.decode()
    assert "2 requests await your decision" in html
    assert "Other Hotel Guest" not in html
    assert "Already Confirmed" not in html
    assert f"/admin/reservations/reservation/{sooner.pk}/change/" in html
    assert "/admin/reservations/reservation/?status__exact=requested" in html


def test_the_panel_says_so_when_nothing_is_open(client_a):
    html = client_a.get(INDEX, headers={"accept-language": "en"}).content.decode()

    assert "No request awaits your decision." in html


def test_staff_who_may_not_view_reservations_get_no_panel():
    client = Client()
    client.force_login(UserFactory(is_staff=True))

    page = client.get(INDEX)

    assert page.status_code == 200
    assert 'id="open-requests"' not in page.content.decode()
