"""No overbooking under real concurrency: many threads, each with its own PostgreSQL session."""

import random
import threading
from collections import Counter
from datetime import date, timedelta

import pytest
from django.db import connections

from apps.reservations import api
from apps.reservations.models import RoomNight, RoomType
from tests.reservations.factories import RoomTypeFactory, held_by_night, hold_rooms, inventory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

#: Sessions open at once. The server allows 100 connections, shared with other test runs, so
#: the 200 threads start together at a barrier and then take turns in groups of this size:
#: still dozens of transactions racing for the same rows at every moment.
MAX_SESSIONS = 40


def _hold_all_at_once(
    room_type: RoomType, stays: list[tuple[date, date]]
) -> tuple[list[int], list[int], list[BaseException]]:
    """Hold a room for every stay (``stay_hold``, as a booking does) in its own thread; return
    held, refused, other errors."""
    barrier = threading.Barrier(len(stays))
    sessions = threading.BoundedSemaphore(MAX_SESSIONS)
    held: list[int] = []
    refused: list[int] = []
    errors: list[BaseException] = []

    def book(index: int, check_in: date, check_out: date) -> None:
        barrier.wait()
        with sessions:
            try:
                hold_rooms(room_type, check_in=check_in, check_out=check_out)
            except api.RoomUnavailable:
                refused.append(index)
            except BaseException as exc:
                errors.append(exc)
            else:
                held.append(index)
            finally:
                connections.close_all()

    threads = [
        threading.Thread(target=book, args=(index, check_in, check_out))
        for index, (check_in, check_out) in enumerate(stays)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return held, refused, errors


def test_200_guests_racing_for_10_rooms_get_exactly_10_holds():
    room_type = RoomTypeFactory(room_count=10)
    first_night = room_type.hotel.local_today() + timedelta(days=7)
    inventory(room_type, first_night=first_night, nights=3)
    stay = (first_night, first_night + timedelta(days=3))

    held, refused, errors = _hold_all_at_once(room_type, [stay] * 200)

    assert errors == []
    assert (len(held), len(refused)) == (10, 190)
    assert held_by_night(room_type) == {first_night + timedelta(days=n): 10 for n in range(3)}


def test_overlapping_stays_sharing_one_night_never_overbook_any_night():
    room_type = RoomTypeFactory(room_count=3)
    first_night = room_type.hotel.local_today() + timedelta(days=7)
    inventory(room_type, first_night=first_night, nights=6)
    shared_night = first_night + timedelta(days=2)
    rng = random.Random(20240611)
    # Every stay covers the shared night (check-in on nights 0-2, check-out after nights 2-5),
    # so exactly 3 of them can be held, whatever the order.
    stays = [
        (
            first_night + timedelta(days=rng.randint(0, 2)),
            first_night + timedelta(days=rng.randint(3, 6)),
        )
        for _ in range(120)
    ]

    held, refused, errors = _hold_all_at_once(room_type, stays)

    assert errors == []
    assert (len(held), len(refused)) == (3, 117)
    expected = Counter(
        check_in + timedelta(days=n)
        for check_in, check_out in (stays[index] for index in held)
        for n in range((check_out - check_in).days)
    )
    nights = held_by_night(room_type)
    assert nights == {
        first_night + timedelta(days=n): expected[first_night + timedelta(days=n)] for n in range(6)
    }
    assert nights[shared_night] == 3


def test_random_overlapping_stays_hold_night_by_night_exactly_what_succeeded():
    room_type = RoomTypeFactory(room_count=4)
    first_night = room_type.hotel.local_today() + timedelta(days=7)
    inventory(room_type, first_night=first_night, nights=10)
    rng = random.Random(7)
    stays = []
    for _ in range(150):
        check_in = first_night + timedelta(days=rng.randint(0, 7))
        stays.append((check_in, check_in + timedelta(days=rng.randint(1, 3))))

    held, refused, errors = _hold_all_at_once(room_type, stays)

    assert errors == []
    assert len(held) + len(refused) == 150
    expected = Counter(
        check_in + timedelta(days=n)
        for check_in, check_out in (stays[index] for index in held)
        for n in range((check_out - check_in).days)
    )
    nights = dict(RoomNight.objects.filter(room_type=room_type).values_list("night", "rooms_held"))
    assert nights == {night: expected[night] for night in nights}
    assert max(nights.values()) <= 4
    # A refused stay was refused for a reason that still stands: one of its nights is full.
    for index in refused:
        check_in, check_out = stays[index]
        stay_nights = [check_in + timedelta(days=n) for n in range((check_out - check_in).days)]
        assert any(nights[night] == 4 for night in stay_nights), stays[index]
