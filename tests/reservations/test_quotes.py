from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from apps.reservations import api
from apps.reservations.dtos import NightPrice
from apps.reservations.selectors.stay_quotes import stay_quote
from apps.reservations.stays import MAX_STAY_NIGHTS
from tests.reservations.factories import (
    HotelFactory,
    NightlyRateFactory,
    RoomNightFactory,
    RoomTypeFactory,
)

pytestmark = pytest.mark.django_db


def days(n: int) -> timedelta:
    return timedelta(days=n)


def test_a_quote_prices_each_night_with_its_override_or_the_base_rate(room_type, today):
    NightlyRateFactory(room_type=room_type, night=today + days(1), rate_krw=130_000)
    NightlyRateFactory(room_type=room_type, night=today + days(2), rate_krw=90_000)
    NightlyRateFactory(room_type=room_type, night=today + days(3), rate_krw=999_000)  # check-out

    quote = stay_quote(
        room_type_id=room_type.pk, check_in=today, check_out=today + days(3), guests=2
    )

    assert quote == api.StayQuote(
        hotel_id=room_type.hotel_id,
        room_type_id=room_type.pk,
        check_in=today,
        check_out=today + days(3),
        guests=2,
        nights=3,
        night_prices=(
            NightPrice(night=today, rate_krw=100_000, rooms_left=10),
            NightPrice(night=today + days(1), rate_krw=130_000, rooms_left=10),
            NightPrice(night=today + days(2), rate_krw=90_000, rooms_left=10),
        ),
        total_krw=320_000,
        rooms_left=10,
        available=True,
        # No policy: free until the check-in day, and after it too.
        cancellation_terms=api.CancellationTerms(
            free_until=datetime.combine(
                today - days(1), time(23, 59, 59), tzinfo=ZoneInfo(room_type.hotel.time_zone)
            ),
            free_until_date=today - days(1),
            fee_percent=0,
            fee_krw=0,
            no_refund_from=None,
            summary="Free cancellation: the hotel refunds in full.",
        ),
    )


def test_an_override_of_another_room_type_does_not_apply(room_type, today):
    NightlyRateFactory(night=today, rate_krw=1)

    quote = stay_quote(
        room_type_id=room_type.pk, check_in=today, check_out=today + days(1), guests=1
    )

    assert quote.total_krw == 100_000


def test_rooms_left_is_the_fewest_free_on_any_night(room_type, today):
    room_type.room_nights.filter(night=today + days(1)).update(rooms_held=7)
    room_type.room_nights.filter(night=today + days(2)).update(rooms_held=9)

    quote = stay_quote(
        room_type_id=room_type.pk, check_in=today, check_out=today + days(3), guests=1
    )

    assert [price.rooms_left for price in quote.night_prices] == [10, 3, 1]
    assert (quote.rooms_left, quote.available) == (1, True)


def test_a_sold_out_night_makes_the_stay_unavailable_but_still_priced(room_type, today):
    room_type.room_nights.filter(night=today + days(1)).update(rooms_held=10)

    quote = stay_quote(
        room_type_id=room_type.pk, check_in=today, check_out=today + days(2), guests=1
    )

    assert (quote.rooms_left, quote.available, quote.total_krw) == (0, False, 200_000)


def test_a_night_without_inventory_counts_as_sold_out(today):
    room_type = RoomTypeFactory()
    RoomNightFactory(room_type=room_type, night=today)

    quote = stay_quote(
        room_type_id=room_type.pk, check_in=today, check_out=today + days(2), guests=1
    )

    assert [price.rooms_left for price in quote.night_prices] == [10, 0]
    assert (quote.rooms_left, quote.available) == (0, False)


def test_thirty_nights_is_the_longest_stay(room_type, today):
    quote = stay_quote(
        room_type_id=room_type.pk, check_in=today, check_out=today + days(30), guests=1
    )

    assert (quote.nights, MAX_STAY_NIGHTS) == (30, 30)


@pytest.mark.parametrize(
    ("check_in_offset", "check_out_offset", "guests", "code", "field"),
    [
        (1, 1, 1, "invalid_stay", "check_out"),  # no night
        (2, 1, 1, "invalid_stay", "check_out"),  # check-out before check-in
        (-1, 1, 1, "invalid_stay", "check_in"),  # in the past
        (0, 31, 1, "invalid_stay", "check_out"),  # too long
        (0, 1, 0, "invalid_stay", "guests"),
        (0, 1, -2, "invalid_stay", "guests"),
        (0, 1, 3, "too_many_guests", "guests"),  # capacity 2
    ],
)
def test_an_invalid_stay_is_refused_naming_the_field(
    room_type, today, check_in_offset, check_out_offset, guests, code, field
):
    with pytest.raises(api.ReservationsError) as refused:
        stay_quote(
            room_type_id=room_type.pk,
            check_in=today + days(check_in_offset),
            check_out=today + days(check_out_offset),
            guests=guests,
        )

    assert (refused.value.code, refused.value.http_status) == (code, 400)
    assert refused.value.details["field"] == field


def test_too_long_a_stay_says_the_maximum(room_type, today):
    with pytest.raises(api.InvalidStay) as refused:
        stay_quote(room_type_id=room_type.pk, check_in=today, check_out=today + days(31), guests=1)

    assert refused.value.details == {"field": "check_out", "max_nights": 30, "nights": 31}


def test_an_unknown_room_type_is_a_404():
    with pytest.raises(api.RoomTypeNotFound) as refused:
        stay_quote(
            room_type_id=999_999, check_in=date(2030, 1, 1), check_out=date(2030, 1, 2), guests=1
        )

    assert (refused.value.code, refused.value.http_status) == ("room_type_not_found", 404)
    assert refused.value.details == {"field": "room_type_id", "room_type_id": 999_999}


def test_today_is_the_hotels_local_date():
    # Kiritimati (UTC+14) is always one or two calendar days ahead of Pago Pago (UTC-11).
    pago_pago_today = timezone.localdate(timezone=ZoneInfo("Pacific/Pago_Pago"))
    behind = RoomTypeFactory(hotel=HotelFactory(time_zone="Pacific/Pago_Pago"))
    ahead = RoomTypeFactory(hotel=HotelFactory(time_zone="Pacific/Kiritimati"))
    stay = {"check_in": pago_pago_today, "check_out": pago_pago_today + days(1), "guests": 1}

    quote = stay_quote(room_type_id=behind.pk, **stay)
    with pytest.raises(api.InvalidStay) as refused:
        stay_quote(room_type_id=ahead.pk, **stay)

    assert quote.check_in == pago_pago_today
    assert refused.value.details["field"] == "check_in"
    assert refused.value.details["hotel_today"] > pago_pago_today.isoformat()


def test_room_type_summary_is_plain_data(room_type):
    summary = api.room_type_summary(room_type_id=room_type.pk)

    assert summary == api.RoomTypeSummary(
        hotel_id=room_type.hotel_id,
        hotel_name=room_type.hotel.name,
        hotel_time_zone="Asia/Seoul",
        room_type_id=room_type.pk,
        room_type_name=room_type.name,
        capacity=2,
        nightly_rate_krw=100_000,
    )


def test_room_type_summary_of_an_unknown_room_type_is_refused():
    with pytest.raises(api.RoomTypeNotFound):
        api.room_type_summary(room_type_id=999_999)
