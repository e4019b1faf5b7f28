import logging
from datetime import timedelta

import pytest
from django.db import connection, transaction

from apps.reservations import api, services
from apps.reservations.models import NightlyRate, RoomNight
from tests.reservations.factories import (
    RoomNightFactory,
    RoomTypeFactory,
    held_by_night,
    hold_rooms,
    inventory,
)

pytestmark = pytest.mark.django_db


def days(n: int) -> timedelta:
    return timedelta(days=n)


def test_a_hold_takes_the_rooms_on_every_night_of_the_stay_and_no_other(room_type, today):
    hold_rooms(room_type, check_in=today + days(1), check_out=today + days(4))
    hold_rooms(room_type, check_in=today + days(2), check_out=today + days(3), rooms=3)

    held = held_by_night(room_type)
    assert [held[today + days(n)] for n in range(6)] == [0, 1, 4, 1, 0, 0]
    assert sum(held.values()) == 6


def test_the_last_room_can_be_held_and_then_the_night_is_sold_out(room_type, today):
    stay = {"check_in": today, "check_out": today + days(1)}
    hold_rooms(room_type, **stay, rooms=9)
    hold_rooms(room_type, **stay)

    with pytest.raises(api.RoomUnavailable) as refused:
        hold_rooms(room_type, **stay)

    assert (refused.value.code, refused.value.http_status) == ("room_unavailable", 409)
    assert refused.value.details == {
        "room_type_id": room_type.pk,
        "rooms": 1,
        "sold_out_nights": [today.isoformat()],
    }
    assert held_by_night(room_type)[today] == 10


def test_a_sold_out_night_in_the_middle_leaves_every_night_untouched(room_type, today):
    RoomNight.objects.filter(room_type=room_type, night=today + days(2)).update(rooms_held=10)
    RoomNight.objects.filter(room_type=room_type, night=today + days(1)).update(rooms_held=4)
    before = held_by_night(room_type)

    with pytest.raises(api.RoomUnavailable) as refused:
        hold_rooms(room_type, check_in=today, check_out=today + days(4))

    assert refused.value.sold_out_nights == [today + days(2)]
    assert held_by_night(room_type) == before
    assert [before[today + days(n)] for n in range(4)] == [0, 4, 10, 0]


def test_too_few_rooms_on_some_nights_names_each_of_them(room_type, today):
    RoomNight.objects.filter(room_type=room_type, night=today + days(1)).update(rooms_held=9)
    RoomNight.objects.filter(room_type=room_type, night=today + days(3)).update(rooms_held=8)

    with pytest.raises(api.RoomUnavailable) as refused:
        hold_rooms(room_type, check_in=today, check_out=today + days(4), rooms=2)

    assert refused.value.details["sold_out_nights"] == [(today + days(1)).isoformat()]
    assert sum(held_by_night(room_type).values()) == 17


def test_a_night_without_inventory_refuses_the_hold_and_keeps_the_others_free(today):
    room_type = RoomTypeFactory()
    RoomNightFactory(room_type=room_type, night=today)
    RoomNightFactory(room_type=room_type, night=today + days(2))

    with pytest.raises(api.RoomUnavailable) as refused:
        hold_rooms(room_type, check_in=today, check_out=today + days(3))

    assert refused.value.sold_out_nights == [today + days(1)]
    assert held_by_night(room_type) == {today: 0, today + days(2): 0}


@pytest.mark.parametrize(
    ("check_in_offset", "check_out_offset", "rooms", "code", "field"),
    [
        (1, 1, 1, "invalid_stay", "check_out"),
        (-1, 1, 1, "invalid_stay", "check_in"),
        (0, 31, 1, "invalid_stay", "check_out"),
        (0, 1, 0, "invalid_rooms", "rooms"),
    ],
)
def test_an_invalid_hold_is_refused_and_holds_nothing(
    room_type, today, check_in_offset, check_out_offset, rooms, code, field
):
    with pytest.raises(api.InvalidStay) as refused:
        hold_rooms(
            room_type,
            check_in=today + days(check_in_offset),
            check_out=today + days(check_out_offset),
            rooms=rooms,
        )

    assert (refused.value.code, refused.value.details["field"]) == (code, field)
    assert sum(held_by_night(room_type).values()) == 0


def test_holding_an_unknown_room_type_is_a_404(room_type, today):
    with pytest.raises(api.RoomTypeNotFound), transaction.atomic():
        services.stay_hold(
            hotel_id=room_type.hotel_id,
            room_type_id=999_999,
            check_in=today,
            check_out=today + days(1),
            guests=1,
        )


def test_a_release_gives_back_exactly_what_was_held(room_type, today):
    stay = {"check_in": today, "check_out": today + days(3)}
    hold_rooms(room_type, **stay, rooms=3)
    hold_rooms(room_type, check_in=today + days(1), check_out=today + days(2))

    api.rooms_release(room_type_id=room_type.pk, **stay, rooms=2)

    held = held_by_night(room_type)
    assert [held[today + days(n)] for n in range(4)] == [1, 2, 1, 0]


@pytest.mark.postgres
def test_holds_and_releases_write_their_rows_beside_the_old_ones_touching_no_index():
    # Every booking and every release updates rooms_held. It is in no index and the nights'
    # pages keep room for new row versions, so PostgreSQL makes each a HOT update. A year of
    # inventory, as the demo data and the admin open, fills whole pages.
    room_type = RoomTypeFactory()
    today = room_type.hotel.local_today()
    inventory(room_type, first_night=today, nights=services.INVENTORY_HORIZON_NIGHTS)

    def updates() -> tuple[int, int]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables"
                " WHERE relname = 'reservations_roomnight'"
            )
            return cursor.fetchone()

    stay = {"check_in": today + days(1), "check_out": today + days(4)}
    before = updates()
    for _ in range(3):
        hold_rooms(room_type, **stay)
        api.rooms_release(room_type_id=room_type.pk, **stay)
    updated, hot = (after - earlier for after, earlier in zip(updates(), before, strict=True))

    assert updated == 3 * 2 * 3  # three nights, held and released, three times
    assert hot == updated
    assert set(held_by_night(room_type).values()) == {0}


def test_a_release_never_goes_below_zero_and_warns(room_type, today, caplog):
    hold_rooms(room_type, check_in=today, check_out=today + days(1), rooms=2)

    with caplog.at_level(logging.WARNING, logger="apps.reservations.services"):
        api.rooms_release(
            room_type_id=room_type.pk, check_in=today, check_out=today + days(2), rooms=3
        )

    held = held_by_night(room_type)
    assert (held[today], held[today + days(1)]) == (0, 0)
    assert min(held.values()) == 0
    assert len(caplog.records) == 1
    assert today.isoformat() in caplog.records[0].getMessage()


def test_past_nights_can_be_released(room_type, today):
    yesterday = today - days(1)
    RoomNightFactory(room_type=room_type, night=yesterday, rooms_held=2)

    api.rooms_release(room_type_id=room_type.pk, check_in=yesterday, check_out=today)

    assert held_by_night(room_type)[yesterday] == 1


def test_an_empty_release_is_refused(room_type, today):
    with pytest.raises(api.InvalidStay) as refused:
        api.rooms_release(room_type_id=room_type.pk, check_in=today, check_out=today)

    assert refused.value.details["field"] == "check_out"


def test_inventory_open_creates_the_missing_nights_only(today):
    room_type = RoomTypeFactory(room_count=5)

    first = services.inventory_open(room_type_id=room_type.pk, first_night=today, nights=3)
    hold_rooms(room_type, check_in=today, check_out=today + days(3))
    second = services.inventory_open(room_type_id=room_type.pk, first_night=today, nights=5)

    assert (first, second) == (3, 2)
    nights = list(
        RoomNight.objects.filter(room_type=room_type)
        .order_by("night")
        .values_list("night", "rooms_total", "rooms_held")
    )
    assert nights == [(today + days(n), 5, 1 if n < 3 else 0) for n in range(5)]


def test_inventory_resize_applies_the_room_count_but_never_below_the_held(room_type, today):
    hold_rooms(room_type, check_in=today, check_out=today + days(1), rooms=6)
    room_type.room_count = 4
    room_type.save()

    updated = services.inventory_resize(room_type_id=room_type.pk, first_night=today)

    totals = dict(RoomNight.objects.filter(room_type=room_type).values_list("night", "rooms_total"))
    assert updated == 40  # every night the room_type fixture opened
    assert totals[today] == 6
    assert set(totals.values()) == {4, 6}
    assert sum(1 for total in totals.values() if total == 4) == 39


def test_a_nights_total_is_never_set_below_its_held_rooms(room_type, today):
    hold_rooms(room_type, check_in=today, check_out=today + days(1), rooms=3)
    night = RoomNight.objects.get(room_type=room_type, night=today)

    lowered = services.room_night_rooms_total_set(room_night_id=night.pk, rooms_total=1)
    raised = services.room_night_rooms_total_set(room_night_id=night.pk, rooms_total=12)

    night.refresh_from_db()
    assert (lowered, raised) == (3, 12)
    assert (night.rooms_total, night.rooms_held) == (12, 3)


def test_nightly_rates_set_replaces_or_keeps_existing_overrides(room_type, today):
    services.nightly_rates_set(room_type_id=room_type.pk, rates={today: 120_000})
    services.nightly_rates_set(
        room_type_id=room_type.pk, rates={today: 1, today + days(1): 130_000}, replace=False
    )
    kept = dict(NightlyRate.objects.filter(room_type=room_type).values_list("night", "rate_krw"))
    services.nightly_rates_set(room_type_id=room_type.pk, rates={today: 110_000})
    replaced = dict(
        NightlyRate.objects.filter(room_type=room_type).values_list("night", "rate_krw")
    )

    assert kept == {today: 120_000, today + days(1): 130_000}
    assert replaced == {today: 110_000, today + days(1): 130_000}


def test_stay_hold_prices_locks_and_takes_the_rooms_in_one_go(room_type, today):
    tomorrow = today + timedelta(days=1)
    room_type.nightly_rates.create(night=tomorrow, rate_krw=150_000)

    held = api.stay_hold(
        hotel_id=room_type.hotel_id,
        room_type_id=room_type.pk,
        check_in=today,
        check_out=today + timedelta(days=2),
        guests=2,
    )

    assert (held.room_type.room_type_id, held.room_type.hotel_id) == (
        room_type.pk,
        room_type.hotel_id,
    )
    assert held.quote.total_krw == 100_000 + 150_000
    assert [p.rate_krw for p in held.quote.night_prices] == [100_000, 150_000]
    assert held.quote.rooms_left == 10
    assert list(room_type.room_nights.order_by("night").values_list("rooms_held", flat=True))[
        :3
    ] == [1, 1, 0]


def test_stay_hold_refuses_a_room_type_of_another_hotel_and_holds_nothing(room_type, today):
    # As in the booking's first transaction: the refusal rolls back the caller's transaction.
    with pytest.raises(api.ReservationsError) as refused, transaction.atomic():
        api.stay_hold(
            hotel_id=room_type.hotel_id + 1000,
            room_type_id=room_type.pk,
            check_in=today,
            check_out=today + timedelta(days=1),
            guests=1,
        )

    assert (refused.value.code, refused.value.http_status) == ("room_type_not_in_hotel", 400)
    assert set(room_type.room_nights.values_list("rooms_held", flat=True)) == {0}


def refused_hold(room_type, *, check_in, check_out, guests):
    """The error ``stay_hold`` raises, run as the booking's first transaction runs it (the
    refusal rolls back the caller's transaction)."""
    with pytest.raises(api.ReservationsError) as refused:
        hold_rooms(room_type, check_in=check_in, check_out=check_out, guests=guests)
    return refused.value


def test_stay_hold_names_only_the_full_nights_and_holds_nothing(room_type, today):
    # The middle night has one room left, the last none: only the last is sold out, and the
    # first two nights are not left held.
    room_type.room_nights.filter(night=today + timedelta(days=1)).update(rooms_held=9)
    room_type.room_nights.filter(night=today + timedelta(days=2)).update(rooms_held=10)

    refused = refused_hold(room_type, check_in=today, check_out=today + timedelta(days=3), guests=2)

    assert (type(refused), refused.http_status) == (api.RoomUnavailable, 409)
    assert refused.details["sold_out_nights"] == [(today + timedelta(days=2)).isoformat()]
    held = list(room_type.room_nights.order_by("night").values_list("rooms_held", flat=True))
    assert held[:4] == [0, 9, 10, 0]


def test_stay_hold_refuses_more_guests_than_the_room_sleeps_and_holds_nothing(room_type, today):
    refused = refused_hold(
        room_type,
        check_in=today,
        check_out=today + timedelta(days=2),
        guests=room_type.capacity + 1,
    )

    assert (refused.http_status, refused.details["field"]) == (400, "guests")
    assert set(room_type.room_nights.values_list("rooms_held", flat=True)) == {0}


def test_stay_hold_refuses_a_stay_without_inventory_as_sold_out(room_type, today):
    last = room_type.room_nights.order_by("night").last().night

    refused = refused_hold(room_type, check_in=last, check_out=last + timedelta(days=2), guests=1)

    assert type(refused) is api.RoomUnavailable
    assert refused.details["sold_out_nights"] == [(last + timedelta(days=1)).isoformat()]
    assert room_type.room_nights.get(night=last).rooms_held == 0
