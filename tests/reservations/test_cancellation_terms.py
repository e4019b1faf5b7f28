"""A stay's cancellation terms: quoted in the hotel's time zone before booking, kept by the
reservation, and the fee charged by them whatever the policy becomes."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from apps.orders.events import OrderPlaced
from apps.reservations import api, services
from apps.reservations.cancellation_terms import (
    cancellation_quote_under_terms,
    cancellation_rule,
    cancellation_terms_build,
)
from apps.reservations.events import ReservationCancelled
from apps.reservations.models import Cancellation, CancellationPolicy, Reservation
from apps.reservations.selectors import hotel_availability, stay_quote
from hotel.eventbus import publish
from hotel.eventbus.testing import drain_outbox
from tests.reservations.factories import (
    CancellationPolicyFactory,
    HotelFactory,
    RoomTypeFactory,
    hold_rooms,
    inventory,
)
from tests.reservations.helpers import published

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
SEOUL = ZoneInfo("Asia/Seoul")
# New York moves its clocks forward at 02:00 on Sunday 2030-03-10: EST (-05:00) before,
# EDT (-04:00) from then on. A stay checking in the day after spans the change.
CHECK_IN = date(2030, 3, 11)
CHECK_OUT = date(2030, 3, 13)
TOTAL = 200_000
POLICY_SUMMARY = (
    "Free cancellation until 3 days before check-in; 30% fee after that; "
    "no refund from the check-in day."
)
FREE_SUMMARY = "Free cancellation: the hotel refunds in full."


@pytest.fixture
def new_york_room_type():
    """A room type of a hotel in New York under the hotel-wide policy: free until 3 days
    before check-in, then 30 %; 100,000 KRW a night, open around the DST change."""
    room_type = RoomTypeFactory(hotel=HotelFactory(time_zone="America/New_York"))
    CancellationPolicyFactory(hotel=room_type.hotel, free_until_days_before=3, fee_percent=30)
    inventory(room_type, first_night=date(2030, 3, 1), nights=20)
    return room_type


def new_york_terms(*, fee_percent: int = 30, days_before: int = 3, summary: str = POLICY_SUMMARY):
    free_until_date = CHECK_IN - timedelta(days=days_before)
    fee_krw = TOTAL * fee_percent // 100
    return api.CancellationTerms(
        free_until=datetime(*free_until_date.timetuple()[:3], 23, 59, 59, tzinfo=NEW_YORK),
        free_until_date=free_until_date,
        fee_percent=fee_percent,
        fee_krw=fee_krw,
        no_refund_from=datetime(2030, 3, 11, 0, 0, tzinfo=NEW_YORK),
        summary=summary,
    )


# --- Quoted before booking, in the hotel's time zone ------------------------------------------


def test_a_stay_quote_carries_the_terms_in_the_hotels_time_zone(new_york_room_type):
    quote = stay_quote(
        room_type_id=new_york_room_type.pk, check_in=CHECK_IN, check_out=CHECK_OUT, guests=2
    )

    terms = quote.cancellation_terms
    assert terms == new_york_terms()
    # Free until 23:59:59 on the 8th (EST), no refund from midnight on the 11th (EDT): each
    # time carries the offset the hotel's clock has then.
    assert terms.free_until.isoformat() == "2030-03-08T23:59:59-05:00"
    assert terms.no_refund_from.isoformat() == "2030-03-11T00:00:00-04:00"
    assert (terms.fee_krw, quote.total_krw) == (60_000, TOTAL)


def test_the_availability_answer_carries_each_room_types_terms(new_york_room_type):
    suite = RoomTypeFactory(hotel=new_york_room_type.hotel, nightly_rate_krw=300_000)
    inventory(suite, first_night=date(2030, 3, 1), nights=20)
    CancellationPolicyFactory(
        hotel=suite.hotel, room_type=suite, free_until_days_before=7, fee_percent=50
    )

    response = APIClient().get(
        f"/api/hotels/{suite.hotel_id}/availability/",
        {"check_in": CHECK_IN.isoformat(), "check_out": CHECK_OUT.isoformat(), "guests": 2},
    )

    assert response.status_code == 200
    terms = {
        row["room_type_id"]: row["cancellation_terms"] for row in response.json()["room_types"]
    }
    assert terms == {
        # The hotel-wide policy.
        new_york_room_type.pk: {
            "free_until": "2030-03-08T23:59:59-05:00",
            "free_until_date": "2030-03-08",
            "fee_percent": 30,
            "fee_krw": 60_000,
            "no_refund_from": "2030-03-11T00:00:00-04:00",
            "summary": POLICY_SUMMARY,
        },
        # The suite's own policy wins over the hotel's; the fee is of its own total.
        suite.pk: {
            "free_until": "2030-03-04T23:59:59-05:00",
            "free_until_date": "2030-03-04",
            "fee_percent": 50,
            "fee_krw": 300_000,
            "no_refund_from": "2030-03-11T00:00:00-04:00",
            "summary": (
                "Free cancellation until 7 days before check-in; 50% fee after that; "
                "no refund from the check-in day."
            ),
        },
    }


def test_without_a_policy_the_terms_are_free_until_the_check_in_day_and_after():
    room_type = RoomTypeFactory(hotel=HotelFactory(time_zone="Asia/Seoul"))

    [offer] = hotel_availability(
        hotel_id=room_type.hotel_id, check_in=CHECK_IN, check_out=CHECK_OUT, guests=1
    )

    terms = offer.quote.cancellation_terms
    assert terms == api.CancellationTerms(
        free_until=datetime(2030, 3, 10, 23, 59, 59, tzinfo=SEOUL),
        free_until_date=date(2030, 3, 10),
        fee_percent=0,
        fee_krw=0,
        no_refund_from=None,
        summary=FREE_SUMMARY,
    )
    # As the policy-less quote always said: the refund is full, on the check-in day too.
    on_check_in_day = cancellation_quote_under_terms(
        terms=terms, total_krw=TOTAL, at=datetime(2030, 3, 11, 9, 0, tzinfo=SEOUL)
    )
    assert on_check_in_day == api.CancellationQuote(
        fee_krw=0, refund_krw=TOTAL, free_until=None, policy_summary=FREE_SUMMARY, refundable=True
    )


def test_a_room_types_own_policy_wins_in_the_quote_of_one_room_type(new_york_room_type):
    CancellationPolicyFactory(
        hotel=new_york_room_type.hotel,
        room_type=new_york_room_type,
        free_until_days_before=1,
        fee_percent=0,
    )

    quote = stay_quote(
        room_type_id=new_york_room_type.pk, check_in=CHECK_IN, check_out=CHECK_OUT, guests=2
    )

    assert (quote.cancellation_terms.free_until_date, quote.cancellation_terms.fee_percent) == (
        date(2030, 3, 10),
        0,
    )


# --- The booking path holds the stay with its terms, in the same statements ------------------


@pytest.mark.parametrize(
    ("own_policy", "expected"),
    [
        pytest.param(None, (date(2030, 3, 8), 30, POLICY_SUMMARY), id="the hotel's policy"),
        pytest.param(
            (7, 50),
            (
                date(2030, 3, 4),
                50,
                "Free cancellation until 7 days before check-in; 50% fee after that; "
                "no refund from the check-in day.",
            ),
            id="the room type's own policy wins",
        ),
    ],
)
def test_holding_a_stay_returns_its_terms_from_the_same_two_statements(
    new_york_room_type, own_policy, expected, django_assert_num_queries
):
    if own_policy is not None:
        CancellationPolicyFactory(
            hotel=new_york_room_type.hotel,
            room_type=new_york_room_type,
            free_until_days_before=own_policy[0],
            fee_percent=own_policy[1],
        )

    # As in the booking's first transaction: the locking SELECT and the UPDATE, nothing more.
    with transaction.atomic(), django_assert_num_queries(2):
        held = api.stay_hold(
            hotel_id=new_york_room_type.hotel_id,
            room_type_id=new_york_room_type.pk,
            check_in=CHECK_IN,
            check_out=CHECK_OUT,
            guests=2,
        )

    terms = held.cancellation_terms
    assert (terms.free_until_date, terms.fee_percent, terms.summary) == expected
    assert terms.free_until.tzinfo == NEW_YORK
    assert terms.no_refund_from == datetime(2030, 3, 11, 0, 0, tzinfo=NEW_YORK)
    assert held.quote.cancellation_terms == terms


def test_holding_a_stay_of_a_hotel_without_a_policy_gives_the_free_terms():
    room_type = RoomTypeFactory(hotel=HotelFactory(time_zone="Asia/Seoul"))
    inventory(room_type, first_night=CHECK_IN, nights=2)

    held = hold_rooms(room_type, check_in=CHECK_IN, check_out=CHECK_OUT, guests=2)

    assert held.cancellation_terms == api.CancellationTerms(
        free_until=datetime(2030, 3, 10, 23, 59, 59, tzinfo=SEOUL),
        free_until_date=date(2030, 3, 10),
        fee_percent=0,
        fee_krw=0,
        no_refund_from=None,
        summary=FREE_SUMMARY,
    )


# --- The fee under the terms, on the hotel's clock ----------------------------------------------


# Free until 23:59:59 EST on the 8th (04:59:59 UTC on the 9th); no refund from 00:00 EDT on
# the 11th (04:00 UTC).
@pytest.mark.parametrize(
    ("at", "fee_krw"),
    [
        pytest.param(datetime(2030, 3, 9, 4, 59, 59, 900_000, tzinfo=UTC), 0, id="last second"),
        pytest.param(datetime(2030, 3, 9, 5, 0, 0, tzinfo=UTC), 60_000, id="03-09 00:00 EST"),
        pytest.param(datetime(2030, 3, 11, 3, 59, 59, tzinfo=UTC), 60_000, id="03-10 23:59 EDT"),
        pytest.param(datetime(2030, 3, 11, 4, 0, 0, tzinfo=UTC), TOTAL, id="03-11 00:00 EDT"),
    ],
)
def test_the_terms_charge_on_the_hotels_clock_across_a_dst_change(at, fee_krw):
    terms = cancellation_terms_build(
        rule=cancellation_rule(free_until_days_before=3, fee_percent=30),
        time_zone="America/New_York",
        check_in=CHECK_IN,
        total_krw=TOTAL,
    )

    quote = cancellation_quote_under_terms(terms=terms, total_krw=TOTAL, at=at)

    assert (quote.fee_krw, quote.refund_krw, quote.free_until) == (
        fee_krw,
        TOTAL - fee_krw,
        date(2030, 3, 8),
    )


def test_terms_charge_as_the_policy_does_on_every_day_boundary(new_york_room_type):
    """The terms, read as instants, and the policy, read on hotel-local dates, agree."""
    terms = new_york_terms()
    for hours in range(0, 24 * 12, 1):
        at = datetime(2030, 3, 2, tzinfo=UTC) + timedelta(hours=hours)
        by_policy = api.cancellation_quote(
            room_type_id=new_york_room_type.pk, check_in=CHECK_IN, total_krw=TOTAL, at=at
        )
        by_terms = api.cancellation_quote(
            room_type_id=new_york_room_type.pk,
            check_in=CHECK_IN,
            total_krw=TOTAL,
            at=at,
            terms=terms,
        )
        assert by_terms == by_policy, at


def test_the_quote_by_terms_refuses_a_naive_time_and_a_negative_total():
    terms = new_york_terms()

    with pytest.raises(ValueError, match="aware"):
        api.cancellation_quote(
            room_type_id=1, check_in=CHECK_IN, total_krw=TOTAL, at=datetime(2030, 3, 1), terms=terms
        )
    with pytest.raises(api.InvalidStay):
        api.cancellation_quote(
            room_type_id=1,
            check_in=CHECK_IN,
            total_krw=-1,
            at=datetime(2030, 3, 1, tzinfo=UTC),
            terms=terms,
        )


def test_booked_terms_come_back_from_stored_parts_in_the_hotels_time_zone():
    terms = new_york_terms()

    restored = api.booked_cancellation_terms(
        free_until=terms.free_until.astimezone(UTC),  # as the database gives it back
        fee_percent=terms.fee_percent,
        no_refund_from=terms.no_refund_from.astimezone(UTC),
        summary=terms.summary,
        time_zone="America/New_York",
        total_krw=TOTAL,
    )

    assert restored == terms
    assert restored.free_until.isoformat() == "2030-03-08T23:59:59-05:00"


# --- The reservation keeps the terms; a later policy change does not reach it ----------------


def request_with_terms(room_type, *, order_id: int, terms) -> Reservation:
    hold_rooms(room_type, check_in=CHECK_IN, check_out=CHECK_OUT, guests=2)
    reservation, _ = services.reservation_request_from_order(
        order_id=order_id,
        order_reference=f"ORD-{order_id}",
        guest_id=501,
        hotel_id=room_type.hotel_id,
        room_type_id=room_type.pk,
        check_in=CHECK_IN,
        check_out=CHECK_OUT,
        guests=2,
        total_krw=TOTAL,
        cancellation_terms=terms,
    )
    return reservation


def test_a_reservation_keeps_its_terms_and_is_charged_by_them_after_a_policy_change(
    new_york_room_type,
):
    booked = new_york_terms()
    reservation = request_with_terms(new_york_room_type, order_id=7300, terms=booked)
    # The hotel turns strict after the booking: everything kept from the first day on.
    CancellationPolicy.objects.update(free_until_days_before=30, fee_percent=100)

    cancellation = services.reservation_cancel_for_order(
        order_id=7300,
        reason="plans changed",
        cancelled_at=datetime(2030, 3, 9, 12, 0, tzinfo=UTC),  # 07:00 EST on the 9th
    )

    reservation.refresh_from_db()
    assert (reservation.terms_free_until, reservation.terms_fee_percent) == (booked.free_until, 30)
    assert reservation.terms_no_refund_from == booked.no_refund_from
    assert reservation.terms_summary == POLICY_SUMMARY
    assert (cancellation.fee_krw, cancellation.refund_krw, cancellation.policy_summary) == (
        60_000,
        140_000,
        POLICY_SUMMARY,
    )
    [event] = published(ReservationCancelled)
    assert (event.fee_krw, event.refund_krw) == (60_000, 140_000)


def test_a_reservation_booked_free_stays_free_when_the_hotel_adds_a_policy():
    room_type = RoomTypeFactory(hotel=HotelFactory(time_zone="Asia/Seoul"))
    inventory(room_type, first_night=CHECK_IN, nights=2)
    booked = hold_rooms(room_type, check_in=CHECK_IN, check_out=CHECK_OUT, guests=2)
    services.reservation_request_from_order(
        order_id=7301,
        guest_id=501,
        hotel_id=room_type.hotel_id,
        room_type_id=room_type.pk,
        check_in=CHECK_IN,
        check_out=CHECK_OUT,
        guests=2,
        total_krw=TOTAL,
        cancellation_terms=booked.cancellation_terms,
    )
    CancellationPolicyFactory(hotel=room_type.hotel, free_until_days_before=3, fee_percent=30)

    on_check_in_day = services.reservation_cancel_for_order(
        order_id=7301, reason="", cancelled_at=datetime(2030, 3, 11, 1, 0, tzinfo=UTC)
    )

    assert (on_check_in_day.fee_krw, on_check_in_day.refund_krw) == (0, TOTAL)
    assert on_check_in_day.policy_summary == FREE_SUMMARY


def test_a_reservation_without_terms_is_charged_by_the_policy_of_the_day(new_york_room_type):
    request_with_terms(new_york_room_type, order_id=7302, terms=None)
    CancellationPolicy.objects.update(fee_percent=10)

    cancellation = services.reservation_cancel_for_order(
        order_id=7302, reason="", cancelled_at=datetime(2030, 3, 9, 12, 0, tzinfo=UTC)
    )

    assert (cancellation.fee_krw, cancellation.refund_krw) == (20_000, 180_000)
    assert Cancellation.objects.get().policy_summary == (
        "Free cancellation until 3 days before check-in; 10% fee after that; "
        "no refund from the check-in day."
    )


# --- Through the outbox: OrderPlaced carries the terms; old events load without them ---------


def placed(room_type, *, order_id: int, terms=None) -> OrderPlaced:
    return OrderPlaced(
        order_id=order_id,
        order_reference=f"ORD-{order_id}",
        guest_id=501,
        hotel_id=room_type.hotel_id,
        hotel_name=room_type.hotel.name,
        room_type_id=room_type.pk,
        room_type_name=room_type.name,
        check_in=CHECK_IN,
        check_out=CHECK_OUT,
        nights=2,
        guests=2,
        total_krw=TOTAL,
        payment_method="card",
        placed_at=datetime(2030, 3, 1, tzinfo=UTC),
        **(
            {}
            if terms is None
            else {
                "terms_free_until": terms.free_until,
                "terms_fee_percent": terms.fee_percent,
                "terms_no_refund_from": terms.no_refund_from,
                "terms_summary": terms.summary,
            }
        ),
    )


@pytest.mark.django_db(transaction=True)
def test_the_order_placed_event_gives_the_reservation_its_terms(new_york_room_type):
    booked = new_york_terms()
    hold_rooms(new_york_room_type, check_in=CHECK_IN, check_out=CHECK_OUT, guests=2)
    with transaction.atomic():
        publish(placed(new_york_room_type, order_id=7310, terms=booked), correlation_id="7310")

    drain_outbox()

    reservation = Reservation.objects.get(order_id=7310)
    assert (reservation.terms_free_until, reservation.terms_no_refund_from) == (
        booked.free_until,
        booked.no_refund_from,
    )
    assert (reservation.terms_fee_percent, reservation.terms_summary) == (30, POLICY_SUMMARY)


def test_an_order_placed_event_stored_before_the_terms_loads_without_them(new_york_room_type):
    event = placed(new_york_room_type, order_id=7311, terms=new_york_terms())
    payload = event.to_payload()
    assert payload["terms_free_until"] == "2030-03-08T23:59:59-05:00"
    old_payload = {key: value for key, value in payload.items() if not key.startswith("terms_")}

    old = OrderPlaced.from_payload(old_payload, version=1)
    again = OrderPlaced.from_payload(payload, version=1)

    assert (old.terms_free_until, old.terms_fee_percent, old.terms_summary) == (None, None, "")
    assert again == event
