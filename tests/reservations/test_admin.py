from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from apps.reservations.models import Hotel, HotelierMembership, RoomNight, RoomType
from apps.reservations.services import INVENTORY_HORIZON_NIGHTS
from tests.reservations.factories import (
    HotelFactory,
    HotelierFactory,
    NightlyRateFactory,
    RoomTypeFactory,
    inventory,
)
from tests.user_factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def hotel_a():
    return HotelFactory(name="Hotel A")


@pytest.fixture
def hotel_b():
    return HotelFactory(name="Hotel B")


# Hotel A's and hotel B's room types with two nights open (today and tomorrow), not the
# 20 of conftest.py's room_type_a/b: the tests count and resize every night.
@pytest.fixture
def two_night_room_type_a(hotel_a):
    room_type = RoomTypeFactory(hotel=hotel_a, name="A Double")
    inventory(room_type, first_night=hotel_a.local_today(), nights=2)
    return room_type


@pytest.fixture
def two_night_room_type_b(hotel_b):
    room_type = RoomTypeFactory(hotel=hotel_b, name="B Double")
    inventory(room_type, first_night=hotel_b.local_today(), nights=2)
    return room_type


@pytest.fixture
def hotelier_client(hotel_a, two_night_room_type_a, two_night_room_type_b) -> Client:
    client = Client()
    client.force_login(HotelierFactory(hotels=[hotel_a]))
    return client


@pytest.fixture
def superuser_client(two_night_room_type_a, two_night_room_type_b) -> Client:
    client = Client()
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def listed(response) -> list[int]:
    assert response.status_code == 200
    return sorted(obj.pk for obj in response.context["cl"].result_list)


def test_a_hotelier_lists_only_their_hotels_objects(
    hotelier_client, hotel_a, two_night_room_type_a
):
    hotels = hotelier_client.get("/admin/reservations/hotel/")
    room_types = hotelier_client.get("/admin/reservations/roomtype/")
    room_nights = hotelier_client.get("/admin/reservations/roomnight/")

    assert listed(hotels) == [hotel_a.pk]
    assert listed(room_types) == [two_night_room_type_a.pk]
    assert listed(room_nights) == sorted(
        two_night_room_type_a.room_nights.values_list("pk", flat=True)
    )
    assert b"Hotel B" not in room_types.content
    assert b"Hotel B" not in room_nights.content  # nor in the hotel list filter


def test_a_superuser_lists_every_hotels_objects(superuser_client):
    assert len(listed(superuser_client.get("/admin/reservations/hotel/"))) == 2
    assert len(listed(superuser_client.get("/admin/reservations/roomtype/"))) == 2
    assert len(listed(superuser_client.get("/admin/reservations/roomnight/"))) == 4


def test_a_hotelier_cannot_open_another_hotels_pages(
    hotelier_client, hotel_b, two_night_room_type_b
):
    night_b = two_night_room_type_b.room_nights.first()
    pages = [
        f"/admin/reservations/hotel/{hotel_b.pk}/change/",
        f"/admin/reservations/roomtype/{two_night_room_type_b.pk}/change/",
        f"/admin/reservations/roomnight/{night_b.pk}/change/",
        f"/admin/reservations/roomtype/{two_night_room_type_b.pk}/history/",
    ]

    for page in pages:
        response = hotelier_client.get(page)
        # Django admin's answer for an object outside the queryset: "does not exist".
        assert (response.status_code, response["Location"]) == (302, "/admin/"), page


def test_a_hotelier_cannot_change_another_hotels_room_type(hotelier_client, two_night_room_type_b):
    response = hotelier_client.post(
        f"/admin/reservations/roomtype/{two_night_room_type_b.pk}/change/",
        {"hotel": two_night_room_type_b.hotel_id, "name": "Taken", "capacity": 9},
    )

    two_night_room_type_b.refresh_from_db()
    assert (response.status_code, response["Location"]) == (302, "/admin/")
    assert (two_night_room_type_b.name, two_night_room_type_b.capacity) == ("B Double", 2)


def test_a_hotelier_can_change_their_own_hotel(hotelier_client, hotel_a):
    response = hotelier_client.post(
        f"/admin/reservations/hotel/{hotel_a.pk}/change/",
        {
            "name": "Hotel A Renamed",
            "city": "Seoul",
            "address": "1 Jong-ro",
            "description": "",
            "time_zone": "Asia/Seoul",
            "message_language": "ko",
            "request_deadline_hours": 12,
        },
    )

    hotel_a.refresh_from_db()
    assert response.status_code == 302
    assert hotel_a.name == "Hotel A Renamed"
    assert hotel_a.request_deadline_hours == 12


def test_a_hotelier_cannot_add_hotels_or_room_nights(hotelier_client):
    assert hotelier_client.get("/admin/reservations/hotel/add/").status_code == 403
    assert hotelier_client.get("/admin/reservations/roomnight/add/").status_code == 403


def test_the_room_type_form_offers_only_the_hoteliers_hotels(hotelier_client, hotel_a):
    response = hotelier_client.get("/admin/reservations/roomtype/add/")

    choices = response.context["adminform"].form.fields["hotel"].queryset
    assert list(choices) == [hotel_a]


def room_type_form(hotel: Hotel, **fields) -> dict:
    return {
        "hotel": hotel.pk,
        "name": "Ondol Suite",
        "description": "",
        "capacity": 4,
        "nightly_rate_krw": 210_000,
        "room_count": 3,
        "nightly_rates-TOTAL_FORMS": 0,
        "nightly_rates-INITIAL_FORMS": 0,
        "nightly_rates-MIN_NUM_FORMS": 0,
        "nightly_rates-MAX_NUM_FORMS": 1000,
        **fields,
    }


def test_a_new_room_type_opens_a_year_of_inventory(hotelier_client, hotel_a):
    response = hotelier_client.post("/admin/reservations/roomtype/add/", room_type_form(hotel_a))

    assert response.status_code == 302
    room_type = RoomType.objects.get(name="Ondol Suite")
    nights = room_type.room_nights.order_by("night")
    assert nights.count() == INVENTORY_HORIZON_NIGHTS == 365
    assert nights.first().night == hotel_a.local_today()
    assert set(nights.values_list("rooms_total", "rooms_held")) == {(3, 0)}


def test_a_room_type_cannot_be_added_to_another_hotel(hotelier_client, hotel_b):
    response = hotelier_client.post("/admin/reservations/roomtype/add/", room_type_form(hotel_b))

    assert response.status_code == 200
    assert "hotel" in response.context["adminform"].form.errors
    assert not RoomType.objects.filter(name="Ondol Suite").exists()


def test_changing_the_room_count_resizes_future_nights(hotelier_client, two_night_room_type_a):
    today = two_night_room_type_a.hotel.local_today()
    two_night_room_type_a.room_nights.filter(night=today).update(rooms_held=7)
    rate = NightlyRateFactory(room_type=two_night_room_type_a, night=today, rate_krw=111_000)
    form = room_type_form(
        two_night_room_type_a.hotel,
        name=two_night_room_type_a.name,
        capacity=2,
        nightly_rate_krw=100_000,
        room_count=5,
        **{
            "nightly_rates-TOTAL_FORMS": 1,
            "nightly_rates-INITIAL_FORMS": 1,
            "nightly_rates-0-id": rate.pk,
            "nightly_rates-0-room_type": two_night_room_type_a.pk,
            "nightly_rates-0-night": today.isoformat(),
            "nightly_rates-0-rate_krw": 125_000,
        },
    )

    response = hotelier_client.post(
        f"/admin/reservations/roomtype/{two_night_room_type_a.pk}/change/", form
    )

    assert response.status_code == 302
    totals = dict(two_night_room_type_a.room_nights.values_list("night", "rooms_total"))
    assert totals == {today: 7, today + timedelta(days=1): 5}
    rate.refresh_from_db()
    assert rate.rate_krw == 125_000


def test_a_night_edited_in_admin_keeps_its_held_rooms(hotelier_client, two_night_room_type_a):
    night = two_night_room_type_a.room_nights.order_by("night").first()
    RoomNight.objects.filter(pk=night.pk).update(rooms_held=2)

    below = hotelier_client.post(
        f"/admin/reservations/roomnight/{night.pk}/change/", {"rooms_total": 1}
    )
    closed = hotelier_client.post(
        f"/admin/reservations/roomnight/{night.pk}/change/", {"rooms_total": 4}
    )

    night.refresh_from_db()
    assert below.status_code == 200
    assert "rooms_total" in below.context["adminform"].form.errors
    assert closed.status_code == 302
    assert (night.rooms_total, night.rooms_held) == (4, 2)


def test_memberships_are_managed_by_superusers_only(hotelier_client, superuser_client, hotel_a):
    hotelier_page = hotelier_client.get("/admin/reservations/hoteliermembership/")
    superuser_page = superuser_client.get("/admin/reservations/hoteliermembership/")

    assert hotelier_page.status_code == 403
    assert listed(superuser_page) == list(HotelierMembership.objects.values_list("pk", flat=True))


def test_a_staff_user_without_memberships_sees_no_hotel(two_night_room_type_a):
    staff = HotelierFactory()
    client = Client()
    client.force_login(staff)

    assert listed(client.get("/admin/reservations/hotel/")) == []
    assert listed(client.get("/admin/reservations/roomtype/")) == []


def test_a_hotelier_without_model_permissions_is_refused(two_night_room_type_a):
    staff = HotelierFactory(hotels=[two_night_room_type_a.hotel])
    staff.user_permissions.remove(*Permission.objects.filter(codename="view_roomtype"))
    staff.user_permissions.remove(*Permission.objects.filter(codename="change_roomtype"))
    client = Client()
    client.force_login(staff)

    assert client.get("/admin/reservations/roomtype/").status_code == 403
