"""The public catalogue API: hotels, their room types, and availability with prices."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from rest_framework.test import APIClient

from tests.reservations.factories import (
    HotelFactory,
    NightlyRateFactory,
    RoomTypeFactory,
    inventory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def anonymous_client() -> APIClient:
    return APIClient()


def days(n: int) -> timedelta:
    return timedelta(days=n)


def test_anyone_can_list_hotels_paginated(anonymous_client):
    HotelFactory.create_batch(22, city="Busan")

    first = anonymous_client.get("/api/hotels/")
    second = anonymous_client.get("/api/hotels/", {"page": 2})

    assert first.status_code == 200
    assert (first.json()["count"], len(first.json()["results"])) == (22, 20)
    assert len(second.json()["results"]) == 2
    assert set(first.json()["results"][0]) == {"id", "name", "city", "address", "time_zone"}


def test_hotels_filter_by_city_name_and_search(anonymous_client):
    seoul = HotelFactory(name="Hanok Stay Jongno", city="Seoul")
    busan = HotelFactory(name="Haeundae Ocean Hotel", city="Busan", address="Haeundae-gu")
    HotelFactory(name="Jeju Seaside Resort", city="Jeju")

    def ids(**params):
        return [
            hotel["id"] for hotel in anonymous_client.get("/api/hotels/", params).json()["results"]
        ]

    assert ids(city="seoul") == [seoul.pk]
    assert ids(name="ocean") == [busan.pk]
    assert ids(search="haeundae") == [busan.pk]
    assert ids(city="Daegu") == []


def test_anyone_can_read_a_hotel_with_its_room_types(anonymous_client):
    room_type = RoomTypeFactory(name="Deluxe Twin", capacity=3, nightly_rate_krw=150_000)
    hotel = room_type.hotel

    response = anonymous_client.get(f"/api/hotels/{hotel.pk}/")

    assert response.status_code == 200
    assert response.json() == {
        "id": hotel.pk,
        "name": hotel.name,
        "city": "Seoul",
        "address": hotel.address,
        "description": "A test hotel.",
        "time_zone": "Asia/Seoul",
        "room_types": [
            {
                "id": room_type.pk,
                "name": "Deluxe Twin",
                "description": "Two beds.",
                "capacity": 3,
                "nightly_rate_krw": 150_000,
            }
        ],
    }


def test_an_unknown_hotel_is_a_404_in_the_error_shape(anonymous_client):
    response = anonymous_client.get("/api/hotels/999999/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_availability_lists_each_room_type_with_prices_and_rooms_left(anonymous_client):
    hotel = HotelFactory()
    today = hotel.local_today()
    double = RoomTypeFactory(hotel=hotel, capacity=2, nightly_rate_krw=100_000, room_count=5)
    family = RoomTypeFactory(hotel=hotel, capacity=4, nightly_rate_krw=200_000, room_count=2)
    inventory(double, first_night=today, nights=3)
    inventory(family, first_night=today, nights=3)
    NightlyRateFactory(room_type=double, night=today + days(1), rate_krw=130_000)
    family.room_nights.filter(night=today + days(1)).update(rooms_held=2)

    response = anonymous_client.get(
        f"/api/hotels/{hotel.pk}/availability/",
        {"check_in": today.isoformat(), "check_out": (today + days(2)).isoformat(), "guests": 2},
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["hotel_id"], body["guests"], body["check_in"]) == (hotel.pk, 2, today.isoformat())
    # No policy: free until the check-in day (and after it too), in the hotel's time zone.
    free_terms = {
        "free_until": datetime.combine(
            today - days(1), time(23, 59, 59), tzinfo=ZoneInfo(hotel.time_zone)
        ).isoformat(),
        "free_until_date": (today - days(1)).isoformat(),
        "fee_percent": 0,
        "fee_krw": 0,
        "no_refund_from": None,
        "summary": "Free cancellation: the hotel refunds in full.",
    }
    assert body["room_types"] == [
        {
            "room_type_id": double.pk,
            "name": double.name,
            "description": "Two beds.",
            "capacity": 2,
            "fits_guests": True,
            "available": True,
            "rooms_left": 5,
            "nights": 2,
            "total_krw": 230_000,
            "night_prices": [
                {"night": today.isoformat(), "rate_krw": 100_000, "rooms_left": 5},
                {"night": (today + days(1)).isoformat(), "rate_krw": 130_000, "rooms_left": 5},
            ],
            "cancellation_terms": free_terms,
        },
        {
            "room_type_id": family.pk,
            "name": family.name,
            "description": "Two beds.",
            "capacity": 4,
            "fits_guests": True,
            "available": False,
            "rooms_left": 0,
            "nights": 2,
            "total_krw": 400_000,
            "night_prices": [
                {"night": today.isoformat(), "rate_krw": 200_000, "rooms_left": 2},
                {"night": (today + days(1)).isoformat(), "rate_krw": 200_000, "rooms_left": 0},
            ],
            "cancellation_terms": free_terms,
        },
    ]


def test_availability_shows_room_types_too_small_for_the_guests_as_unavailable(
    anonymous_client, room_type
):
    today = room_type.hotel.local_today()

    response = anonymous_client.get(
        f"/api/hotels/{room_type.hotel_id}/availability/",
        {"check_in": today.isoformat(), "check_out": (today + days(1)).isoformat(), "guests": 3},
    )

    assert response.status_code == 200
    [only] = response.json()["room_types"]
    assert (only["fits_guests"], only["available"], only["rooms_left"]) == (False, False, 10)


def test_availability_defaults_to_one_guest(anonymous_client, room_type):
    today = room_type.hotel.local_today()

    response = anonymous_client.get(
        f"/api/hotels/{room_type.hotel_id}/availability/",
        {"check_in": today.isoformat(), "check_out": (today + days(1)).isoformat()},
    )

    assert (response.status_code, response.json()["guests"]) == (200, 1)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"check_out": "2099-01-02"}, "check_in"),
        ({"check_in": "2099-01-01"}, "check_out"),
        ({"check_in": "01/02/2099", "check_out": "2099-01-03"}, "check_in"),
        ({"check_in": "2099-01-01", "check_out": "tomorrow"}, "check_out"),
        ({"check_in": "2099-01-01", "check_out": "2099-01-02", "guests": "two"}, "guests"),
    ],
)
def test_malformed_availability_input_is_a_400_naming_the_field(
    anonymous_client, room_type, params, field
):
    response = anonymous_client.get(f"/api/hotels/{room_type.hotel_id}/availability/", params)

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["details"]) == [field]


@pytest.mark.parametrize(
    ("check_in_offset", "check_out_offset", "guests", "field"),
    [
        (2, 1, 1, "check_out"),
        (0, 0, 1, "check_out"),
        (-1, 1, 1, "check_in"),
        (0, 31, 1, "check_out"),
        (0, 1, 0, "guests"),
    ],
)
def test_an_invalid_stay_is_a_400_naming_the_field(
    anonymous_client, room_type, check_in_offset, check_out_offset, guests, field
):
    today = room_type.hotel.local_today()

    response = anonymous_client.get(
        f"/api/hotels/{room_type.hotel_id}/availability/",
        {
            "check_in": (today + days(check_in_offset)).isoformat(),
            "check_out": (today + days(check_out_offset)).isoformat(),
            "guests": guests,
        },
    )

    assert response.status_code == 400
    body = response.json()
    assert (body["code"], body["details"]["field"]) == ("invalid_stay", field)
    assert body["message"]


def test_availability_of_an_unknown_hotel_is_a_404(anonymous_client):
    response = anonymous_client.get(
        "/api/hotels/999999/availability/", {"check_in": "2099-01-01", "check_out": "2099-01-02"}
    )

    assert response.status_code == 404
    assert response.json()["code"] == "hotel_not_found"


def test_the_catalogue_is_read_only(anonymous_client, room_type):
    response = anonymous_client.post("/api/hotels/", {"name": "Mine"}, format="json")

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
