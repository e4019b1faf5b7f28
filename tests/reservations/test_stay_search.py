"""Search across hotels by stay: GET /api/stays/?check_in=&check_out=&guests= (public).

Each listed hotel has a room type that sleeps the guests and is free every night of the
stay, shown with the cheapest such room type's total for the stay, as the hotel's own
availability (/api/hotels/<pk>/availability/) prices it.
"""

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.reservations.models import RoomNight
from tests.reservations.factories import (
    HotelFactory,
    NightlyRateFactory,
    RoomTypeFactory,
    inventory,
)

pytestmark = pytest.mark.django_db

URL = "/api/stays/"


@pytest.fixture
def client() -> APIClient:
    return APIClient()


def seoul_today() -> date:
    return timezone.localdate(timezone=ZoneInfo("Asia/Seoul"))


def room(hotel, *, capacity: int = 2, rate: int = 100_000, rooms: int = 5, nights: int = 20):
    """A room type of ``hotel`` with ``nights`` nights open from the hotel's today."""
    room_type = RoomTypeFactory(
        hotel=hotel, capacity=capacity, nightly_rate_krw=rate, room_count=rooms
    )
    inventory(room_type, first_night=hotel.local_today(), nights=nights)
    return room_type


def stay(days_ahead: int = 3, nights: int = 2, guests: int = 2, **more) -> dict:
    check_in = seoul_today() + timedelta(days=days_ahead)
    return {
        "check_in": check_in.isoformat(),
        "check_out": (check_in + timedelta(days=nights)).isoformat(),
        "guests": guests,
        **more,
    }


def search(client: APIClient, **params) -> dict:
    response = client.get(URL, params)
    assert response.status_code == 200, response.json()
    return response.json()


def hotels(body: dict) -> list[int]:
    return [row["hotel_id"] for row in body["results"]]


def night(room_type, days_ahead: int) -> RoomNight:
    return RoomNight.objects.get(
        room_type=room_type, night=room_type.hotel.local_today() + timedelta(days=days_ahead)
    )


def test_lists_each_free_hotel_with_its_cheapest_room_type_and_links(client):
    hotel = HotelFactory(name="Hanok Stay", city="Seoul", address="1 Bukchon-ro")
    room(hotel, rate=150_000)
    cheap = room(hotel, rate=90_000, rooms=4)
    params = stay(days_ahead=3, nights=2)

    body = search(client, **params)

    assert (body["count"], body["previous"], body["next"]) == (1, None, None)
    query = f"check_in={params['check_in']}&check_out={params['check_out']}&guests=2"
    assert body["results"] == [
        {
            "hotel_id": hotel.pk,
            "hotel_name": "Hanok Stay",
            "city": "Seoul",
            "address": "1 Bukchon-ro",
            "time_zone": "Asia/Seoul",
            "room_type_id": cheap.pk,
            "room_type_name": cheap.name,
            "capacity": 2,
            "nights": 2,
            "total_krw": 180_000,
            "rooms_left": 4,
            "hotel_url": f"http://testserver/api/hotels/{hotel.pk}/",
            "availability_url": (f"http://testserver/api/hotels/{hotel.pk}/availability/?{query}"),
        }
    ]


def test_the_total_and_room_type_agree_with_the_hotels_availability(client):
    """The search and the hotel's availability price a stay the same way: for each result,
    its room type is the cheapest one the availability shows as available, at that total."""
    for n in range(3):
        hotel = HotelFactory(name=f"Agree {n}")
        first, second = room(hotel, rate=100_000 + n * 5_000), room(hotel, rate=110_000)
        NightlyRateFactory(
            room_type=first, night=hotel.local_today() + timedelta(days=4), rate_krw=130_000
        )
        if n == 2:
            night(second, 5).delete()  # no inventory row: not free that night
    body = search(client, **stay(days_ahead=3, nights=3))

    assert body["count"] == 3
    for row in body["results"]:
        availability = client.get(row["availability_url"]).json()
        free = [rt for rt in availability["room_types"] if rt["available"]]
        cheapest = min(free, key=lambda rt: (rt["total_krw"], rt["room_type_id"]))
        assert (row["room_type_id"], row["total_krw"], row["rooms_left"]) == (
            cheapest["room_type_id"],
            cheapest["total_krw"],
            cheapest["rooms_left"],
        )


def test_room_types_too_small_for_the_guests_do_not_count(client):
    small_only = HotelFactory(name="Small")
    room(small_only, capacity=2, rate=50_000)
    family = HotelFactory(name="Family")
    room(family, capacity=2, rate=50_000)
    big = room(family, capacity=4, rate=200_000)

    body = search(client, **stay(guests=3))

    assert hotels(body) == [family.pk]
    assert (body["results"][0]["room_type_id"], body["results"][0]["capacity"]) == (big.pk, 4)
    assert hotels(search(client, **stay(guests=4))) == [family.pk]
    assert search(client, **stay(guests=5))["results"] == []


def test_one_sold_out_night_excludes_the_room_type(client):
    hotel = HotelFactory(name="Busy")
    cheap = room(hotel, rate=80_000)
    dear = room(hotel, rate=120_000)
    sold_out = night(cheap, 4)
    sold_out.rooms_held = sold_out.rooms_total
    sold_out.save()

    [row] = search(client, **stay(days_ahead=3, nights=3))["results"]

    assert (row["room_type_id"], row["total_krw"]) == (dear.pk, 360_000)
    # The nights around it are free: a stay that avoids it gets the cheap room type.
    [row] = search(client, **stay(days_ahead=5, nights=2))["results"]
    assert row["room_type_id"] == cheap.pk
    # Every room type sold out that night: the hotel is not listed.
    RoomNight.objects.filter(pk=night(dear, 4).pk).update(rooms_held=5)
    assert search(client, **stay(days_ahead=3, nights=3))["results"] == []


def test_a_night_without_inventory_is_not_free(client):
    hotel = HotelFactory(name="Short season")
    room(hotel, nights=5)  # open for the hotel's next 5 nights only

    assert hotels(search(client, **stay(days_ahead=2, nights=3))) == [hotel.pk]
    assert search(client, **stay(days_ahead=3, nights=3))["results"] == []
    assert search(client, **stay(days_ahead=30, nights=1))["results"] == []


def test_rooms_left_is_the_fewest_free_on_any_night(client):
    hotel = HotelFactory()
    room_type = room(hotel, rooms=5)
    RoomNight.objects.filter(pk=night(room_type, 4).pk).update(rooms_held=3)

    [row] = search(client, **stay(days_ahead=3, nights=3))["results"]

    assert row["rooms_left"] == 2


def test_nightly_rate_overrides_count_and_can_change_the_cheapest(client):
    hotel = HotelFactory(name="Weekend prices")
    base_cheap = room(hotel, rate=100_000)
    other = room(hotel, rate=110_000)
    for days_ahead in (3, 4):
        NightlyRateFactory(
            room_type=base_cheap,
            night=hotel.local_today() + timedelta(days=days_ahead),
            rate_krw=140_000,
        )
    NightlyRateFactory(
        room_type=other, night=hotel.local_today() + timedelta(days=5), rate_krw=10_000
    )

    def cheapest(days_ahead: int) -> tuple[int, int]:
        [row] = search(client, **stay(days_ahead=days_ahead, nights=2))["results"]
        return row["room_type_id"], row["total_krw"]

    assert cheapest(3) == (other.pk, 220_000)  # 280,000 with the overrides
    assert cheapest(4) == (other.pk, 120_000)  # 110,000 + 10,000; the other 240,000
    assert cheapest(6) == (base_cheap.pk, 200_000)  # no override: the base rates


def test_price_range_bounds_the_total_for_the_whole_stay(client):
    cheap = HotelFactory(name="Cheap")
    room(cheap, rate=50_000)  # 100,000 for two nights
    middle = HotelFactory(name="Middle")
    room(middle, rate=80_000)  # 160,000
    room(middle, rate=150_000)  # 300,000
    dear = HotelFactory(name="Dear")
    room(dear, rate=200_000)  # 400,000

    def totals(**bounds) -> list[tuple[int, int]]:
        body = search(client, **stay(nights=2), **bounds)
        return [(row["hotel_id"], row["total_krw"]) for row in body["results"]]

    assert totals(max_total=160_000) == [(cheap.pk, 100_000), (middle.pk, 160_000)]
    assert totals(min_total=160_001) == [(middle.pk, 300_000), (dear.pk, 400_000)]
    assert totals(min_total=100_000, max_total=100_000) == [(cheap.pk, 100_000)]
    assert totals(min_total=500_000) == []


def test_ordering_by_price_or_name(client):
    b = HotelFactory(name="Bravo")
    room(b, rate=100_000)
    a = HotelFactory(name="Alpha")
    room(a, rate=300_000)
    c = HotelFactory(name="Charlie")
    room(c, rate=200_000)
    tie = HotelFactory(name="Able")  # same price as Bravo: ties go by name
    room(tie, rate=100_000)

    def order(ordering: str | None) -> list[int]:
        extra = {} if ordering is None else {"ordering": ordering}
        return hotels(search(client, **stay(), **extra))

    assert order(None) == [tie.pk, b.pk, c.pk, a.pk]
    assert order("price") == [tie.pk, b.pk, c.pk, a.pk]
    assert order("-price") == [a.pk, c.pk, tie.pk, b.pk]
    assert order("name") == [tie.pk, a.pk, b.pk, c.pk]
    assert order("-name") == [c.pk, b.pk, a.pk, tie.pk]


def test_city_filter_is_exact_in_any_case_and_optional(client):
    seoul = HotelFactory(name="In Seoul", city="Seoul")
    room(seoul)
    busan = HotelFactory(name="In Busan", city="Busan")
    room(busan)
    jeju = HotelFactory(name="In Jeju", city="제주")
    room(jeju)

    assert hotels(search(client, **stay(city="busan"))) == [busan.pk]
    assert hotels(search(client, **stay(city=" SEOUL "))) == [seoul.pk]
    assert hotels(search(client, **stay(city="제주"))) == [jeju.pk]
    assert search(client, **stay(city="Seou"))["results"] == []
    assert sorted(hotels(search(client, **stay(city="")))) == sorted([seoul.pk, busan.pk, jeju.pk])
    assert search(client, **stay())["count"] == 3


def test_pages_of_twenty_with_the_count(client):
    for n in range(22):
        hotel = HotelFactory(name=f"Hotel {n:02d}")
        room(hotel, rate=100_000 + n * 1_000, nights=6)

    first = search(client, **stay())
    second = search(client, **stay(page=2))
    last = search(client, **stay(page="last"))

    assert (first["count"], len(first["results"]), len(second["results"])) == (22, 20, 2)
    assert first["next"].endswith("page=2")
    assert second["next"] is None
    assert hotels(second) == hotels(last)
    assert hotels(first)[0] != hotels(second)[0]
    past_the_end = client.get(URL, stay(page=3))
    assert (past_the_end.status_code, past_the_end.json()["code"]) == (404, "not_found")
    huge = client.get(URL, stay(page="9" * 40))
    assert huge.status_code == 404
    for page in ("0", "٢", "1_0", "two"):
        response = client.get(URL, stay(page=page))
        assert response.status_code in (400, 404), page
        assert set(response.json()) == {"code", "message", "details"}


def test_an_empty_search_is_one_empty_page(client):
    body = search(client, **stay())

    assert body == {"count": 0, "next": None, "previous": None, "results": []}


#: A stay far ahead, well formed.
FAR = {"check_in": "2099-01-01", "check_out": "2099-01-02", "guests": 2}


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({}, ["check_in", "check_out", "guests"]),
        ({"check_in": "2099-01-01", "check_out": "2099-01-02"}, ["guests"]),
        ({"check_out": "2099-01-02", "guests": 2}, ["check_in"]),
        ({"check_in": "01/02/2099", "check_out": "2099-01-03", "guests": 2}, ["check_in"]),
        ({"check_in": "2099-01-01", "check_out": "tomorrow", "guests": 2}, ["check_out"]),
        ({**FAR, "guests": "two"}, ["guests"]),
        ({**FAR, "guests": 51}, ["guests"]),
        # Non-ASCII digits: Python reads "٢" as 2, the API does not.
        ({"check_in": "٢٠٩٩-01-01", "check_out": "2099-01-02", "guests": 2}, ["check_in"]),
        ({**FAR, "guests": "٢"}, ["guests"]),
        ({**FAR, "guests": "1_0"}, ["guests"]),
        ({**FAR, "min_total": "\uff11"}, ["min_total"]),
        ({**FAR, "max_total": -1}, ["max_total"]),
        (
            {
                **FAR,
                "max_total": "9" * 30,
            },
            ["max_total"],
        ),
        (
            {
                **FAR,
                "min_total": 5,
                "max_total": 4,
            },
            ["max_total"],
        ),
        (
            {
                **FAR,
                "ordering": "price;",
            },
            ["ordering"],
        ),
        ({**FAR, "city": "x" * 101}, ["city"]),
        ({**FAR, "city": "a\x00b"}, ["city"]),
        (
            {"check_in": "3000-01-01", "check_out": "3000-01-02", "guests": 2},
            ["check_in", "check_out"],
        ),
    ],
)
def test_malformed_input_is_a_400_naming_each_field(client, params, fields):
    response = client.get(URL, params)

    assert response.status_code == 400
    body = response.json()
    assert (body["code"], body["message"]) == (
        "invalid",
        "The request is not valid; see details for each field.",
    )
    assert sorted(body["details"]) == sorted(fields)


@pytest.mark.parametrize(
    ("check_in_offset", "check_out_offset", "guests", "field"),
    [
        (2, 1, 1, "check_out"),  # check-out before check-in
        (0, 0, 1, "check_out"),  # no night
        (-1, 1, 1, "check_in"),  # in the past
        (-3, -1, 1, "check_in"),  # wholly past
        (-3, -4, 1, "check_out"),  # past and empty: the empty stay is named first, as ever
        (0, 31, 1, "check_out"),  # longer than a stay may be
        (0, 1, 0, "guests"),
    ],
)
def test_an_invalid_stay_is_the_availabilitys_400(
    client, room_type, check_in_offset, check_out_offset, guests, field
):
    """The same checks (apps.reservations.stays) and answers as a hotel's availability."""
    today = room_type.hotel.local_today()
    params = {
        "check_in": (today + timedelta(days=check_in_offset)).isoformat(),
        "check_out": (today + timedelta(days=check_out_offset)).isoformat(),
        "guests": guests,
    }

    response = client.get(URL, params)
    availability = client.get(f"/api/hotels/{room_type.hotel_id}/availability/", params)

    assert response.status_code == 400
    body = response.json()
    assert (body["code"], body["details"]["field"]) == ("invalid_stay", field)
    assert body == availability.json()


def test_a_too_long_stay_names_the_limit(client, room_type):
    today = room_type.hotel.local_today()

    response = client.get(
        URL,
        {
            "check_in": today.isoformat(),
            "check_out": (today + timedelta(days=31)).isoformat(),
            "guests": 1,
        },
    )

    assert response.status_code == 400
    assert response.json()["details"] == {"field": "check_out", "max_nights": 30, "nights": 31}
    assert response.json()["message"] == "A stay is at most 30 nights."


def test_a_30_night_stay_is_searched(client):
    hotel = HotelFactory()
    room(hotel, nights=40, rate=10_000)

    [row] = search(client, **stay(days_ahead=5, nights=30, guests=1))["results"]

    assert (row["nights"], row["total_krw"]) == (30, 300_000)


def test_past_is_read_in_each_hotels_time_zone(client):
    """Check-in on the date that is today at UTC-12 is already yesterday at UTC+14: the
    hotel there is left out, the other listed; a date past for both is the 400."""
    west = HotelFactory(name="West", time_zone="Etc/GMT+12")
    east = HotelFactory(name="East", time_zone="Pacific/Kiritimati")
    for hotel in (west, east):
        room_type = RoomTypeFactory(hotel=hotel, room_count=3)
        inventory(room_type, first_night=west.local_today() - timedelta(days=2), nights=10)
    west_today = west.local_today()
    assert east.local_today() > west_today

    def params(check_in: date) -> dict:
        return {
            "check_in": check_in.isoformat(),
            "check_out": (check_in + timedelta(days=1)).isoformat(),
            "guests": 1,
        }

    assert hotels(search(client, **params(west_today))) == [west.pk]
    assert sorted(hotels(search(client, **params(east.local_today())))) == sorted(
        [west.pk, east.pk]
    )
    response = client.get(URL, params(west_today - timedelta(days=1)))
    assert response.status_code == 400
    assert response.json()["details"] == {
        "field": "check_in",
        "hotel_today": west_today.isoformat(),
    }
    # Searching the east only, the west's today is past there too: the 400 names the east's.
    east.city = "Kiritimati"
    east.save()
    response = client.get(URL, {**params(west_today), "city": "kiritimati"})
    assert response.status_code == 400
    assert response.json()["details"] == {
        "field": "check_in",
        "hotel_today": east.local_today().isoformat(),
    }


def test_anyone_may_search_and_nobody_may_write(client, guest_client):
    hotel = HotelFactory()
    room(hotel)

    assert hotels(search(client, **stay())) == [hotel.pk]
    assert hotels(search(guest_client, **stay())) == [hotel.pk]
    response = client.post(URL, stay(), format="json")
    assert (response.status_code, response.json()["code"]) == (405, "method_not_allowed")


def test_the_api_root_lists_the_search(client):
    resources = client.get("/api/").json()["resources"]

    [entry] = [row for row in resources if row["name"] == "stay-search"]
    assert entry["url"] == "http://testserver/api/stays/"
    assert entry["description"]


def test_one_query_reads_a_page_and_the_count(client, django_assert_num_queries):
    for n in range(3):
        room(HotelFactory(name=f"Q{n}"))

    with django_assert_num_queries(1):
        body = search(client, **stay())

    assert body["count"] == 3
