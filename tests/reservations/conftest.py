from datetime import date, timedelta

import pytest

from tests.reservations.factories import RoomTypeFactory, inventory


@pytest.fixture
def room_type():
    """A Seoul room type (2 guests, 100,000 KRW, 10 rooms) with 14 nights open from today."""
    room_type = RoomTypeFactory()
    inventory(room_type, first_night=room_type.hotel.local_today(), nights=14)
    return room_type


@pytest.fixture
def today(room_type) -> date:
    return room_type.hotel.local_today()


@pytest.fixture
def tomorrow(today) -> date:
    return today + timedelta(days=1)
