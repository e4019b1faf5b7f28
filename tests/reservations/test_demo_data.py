import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import Client

from apps.reservations.models import Hotel, HotelierMembership, NightlyRate, RoomNight, RoomType

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (Hotel, RoomType, RoomNight, NightlyRate, HotelierMembership)
    )


def test_demo_data_loads_hotels_a_year_of_inventory_and_logins(capsys):
    call_command("load_demo_data")
    out = capsys.readouterr().out

    hotels, room_types, room_nights, rates, memberships = counts()
    assert (hotels, room_types, memberships) == (4, 10, 1)
    assert room_nights == room_types * 365
    assert 0 < rates < room_nights
    assert set(Hotel.objects.values_list("city", flat=True)) >= {"Seoul", "Busan", "Jeju"}
    for login in ("guest / guest-pass-1234", "hotelier / hotelier-pass-1234", "admin"):
        assert login in out
    guest = authenticate(username="guest", password="guest-pass-1234")
    hotelier = authenticate(username="hotelier", password="hotelier-pass-1234")
    admin = authenticate(username="admin", password="admin-pass-1234")
    assert (guest.is_staff, hotelier.is_staff, admin.is_superuser) == (False, True, True)
    assert hotelier.is_superuser is False


def test_demo_data_is_idempotent_and_keeps_changes():
    call_command("load_demo_data")
    before = counts()
    rate = NightlyRate.objects.order_by("pk").first()
    NightlyRate.objects.filter(pk=rate.pk).update(rate_krw=1_000)
    RoomNight.objects.filter(pk=RoomNight.objects.order_by("pk").first().pk).update(rooms_held=1)

    call_command("load_demo_data")

    assert counts() == before
    assert NightlyRate.objects.get(pk=rate.pk).rate_krw == 1_000
    assert RoomNight.objects.order_by("pk").first().rooms_held == 1


def test_the_demo_hotelier_manages_the_first_hotel_only_in_admin():
    call_command("load_demo_data")
    client = Client()
    assert client.login(username="hotelier", password="hotelier-pass-1234")

    response = client.get("/admin/reservations/hotel/")
    other = Hotel.objects.exclude(memberships__user__username="hotelier").first()

    assert response.status_code == 200
    assert [hotel.name for hotel in response.context["cl"].result_list] == ["Hanok Stay Jongno"]
    assert client.get(f"/admin/reservations/hotel/{other.pk}/change/").status_code == 302
    assert client.get("/admin/reservations/roomnight/").status_code == 200
