from datetime import date, timedelta

import pytest

from tests.reservations.factories import HotelFactory, HotelierFactory, RoomTypeFactory, inventory


@pytest.fixture
def today(room_type) -> date:
    """The local date of the hotel of ``room_type`` (tests/conftest.py's: 40 nights open from
    that date)."""
    return room_type.hotel.local_today()


@pytest.fixture
def tomorrow(today) -> date:
    return today + timedelta(days=1)


# Two hotels, and a hotelier of the first: the hoteliers' API and admin tests check that each
# side sees its own hotel's reservations only.
@pytest.fixture
def room_type_a():
    room_type = RoomTypeFactory(hotel=HotelFactory(name="Hotel A"), name="A Double")
    inventory(room_type, first_night=room_type.hotel.local_today(), nights=20)
    return room_type


@pytest.fixture
def room_type_b():
    room_type = RoomTypeFactory(hotel=HotelFactory(name="Hotel B"), name="B Double")
    inventory(room_type, first_night=room_type.hotel.local_today(), nights=20)
    return room_type


@pytest.fixture
def hotelier_a(room_type_a):
    return HotelierFactory(hotels=[room_type_a.hotel])
