"""Cancellation fees by policy, on the day boundaries of the hotel's own calendar."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from apps.reservations import api, services
from apps.reservations.events import ReservationCancelled
from apps.reservations.models import Cancellation, CancellationPolicy
from tests.reservations.factories import (
    CancellationPolicyFactory,
    HotelFactory,
    RoomTypeFactory,
    inventory,
    requested_reservation,
)
from tests.reservations.helpers import published

pytestmark = pytest.mark.django_db

CHECK_IN = date(2030, 3, 10)
TOTAL = 200_000
POLICY_SUMMARY = (
    "Free cancellation until 3 days before check-in; 30% fee after that; "
    "no refund from the check-in day."
)


@pytest.fixture
def seoul_room_type():
    """A room type of a hotel in Asia/Seoul (UTC+9) under the hotel-wide policy: free until 3
    days before check-in, then 30 %."""
    room_type = RoomTypeFactory(hotel=HotelFactory(time_zone="Asia/Seoul"))
    CancellationPolicyFactory(hotel=room_type.hotel, free_until_days_before=3, fee_percent=30)
    return room_type


def quote(room_type, at: datetime, *, total_krw: int = TOTAL, check_in: date = CHECK_IN):
    return api.cancellation_quote(
        room_type_id=room_type.pk, check_in=check_in, total_krw=total_krw, at=at
    )


# Seoul's midnight is 15:00 UTC the day before. Free until 2030-03-07 (3 days before the 10th).
@pytest.mark.parametrize(
    ("at", "fee_krw"),
    [
        pytest.param(datetime(2030, 3, 1, 0, 0, tzinfo=UTC), 0, id="a week ahead"),
        pytest.param(datetime(2030, 3, 7, 14, 59, 59, tzinfo=UTC), 0, id="03-07 23:59:59 KST"),
        pytest.param(datetime(2030, 3, 7, 15, 0, 0, tzinfo=UTC), 60_000, id="03-08 00:00 KST"),
        pytest.param(datetime(2030, 3, 9, 14, 59, 59, tzinfo=UTC), 60_000, id="03-09 23:59 KST"),
        pytest.param(datetime(2030, 3, 9, 15, 0, 0, tzinfo=UTC), TOTAL, id="03-10 00:00 KST"),
        pytest.param(datetime(2030, 3, 11, 3, 0, 0, tzinfo=UTC), TOTAL, id="after check-in"),
    ],
)
def test_the_fee_follows_the_hotels_local_date(seoul_room_type, at, fee_krw):
    assert quote(seoul_room_type, at) == api.CancellationQuote(
        fee_krw=fee_krw,
        refund_krw=TOTAL - fee_krw,
        free_until=date(2030, 3, 7),
        policy_summary=POLICY_SUMMARY,
        refundable=fee_krw < TOTAL,
    )


def test_the_same_instant_is_another_day_for_a_hotel_in_another_time_zone():
    # 2030-03-07 15:00 UTC is already the 8th in Seoul but still the 7th in Los Angeles.
    at = datetime(2030, 3, 7, 15, 0, tzinfo=UTC)
    seoul = RoomTypeFactory(hotel=HotelFactory(time_zone="Asia/Seoul"))
    los_angeles = RoomTypeFactory(hotel=HotelFactory(time_zone="America/Los_Angeles"))
    for room_type in (seoul, los_angeles):
        CancellationPolicyFactory(hotel=room_type.hotel, free_until_days_before=3, fee_percent=30)

    assert (quote(seoul, at).fee_krw, quote(los_angeles, at).fee_krw) == (60_000, 0)


def test_without_a_policy_the_refund_is_full_whatever_the_date():
    room_type = RoomTypeFactory()

    on_check_in_day = quote(room_type, datetime(2030, 3, 10, 3, 0, tzinfo=UTC))

    assert on_check_in_day == api.CancellationQuote(
        fee_krw=0,
        refund_krw=TOTAL,
        free_until=None,
        policy_summary="Free cancellation: the hotel refunds in full.",
        refundable=True,
    )


def test_a_room_types_own_policy_wins_over_the_hotels(seoul_room_type):
    CancellationPolicyFactory(
        hotel=seoul_room_type.hotel,
        room_type=seoul_room_type,
        free_until_days_before=7,
        fee_percent=50,
    )
    sibling = RoomTypeFactory(hotel=seoul_room_type.hotel)
    at = datetime(2030, 3, 4, 3, 0, tzinfo=UTC)  # 6 days before check-in, in Seoul

    own = quote(seoul_room_type, at)
    hotel_wide = quote(sibling, at)

    assert (own.fee_krw, own.free_until) == (100_000, date(2030, 3, 3))
    assert (hotel_wide.fee_krw, hotel_wide.free_until) == (0, date(2030, 3, 7))


def test_the_fee_is_rounded_down_in_the_guests_favour(seoul_room_type):
    late = quote(seoul_room_type, datetime(2030, 3, 8, 3, 0, tzinfo=UTC), total_krw=100_001)

    assert (late.fee_krw, late.refund_krw) == (30_000, 70_001)


def test_a_full_fee_policy_is_not_refundable_after_the_free_days(seoul_room_type):
    CancellationPolicy.objects.update(fee_percent=100)

    late = quote(seoul_room_type, datetime(2030, 3, 8, 3, 0, tzinfo=UTC))

    assert (late.fee_krw, late.refund_krw, late.refundable) == (TOTAL, 0, False)


def test_the_quote_defaults_to_now(seoul_room_type):
    today = seoul_room_type.hotel.local_today()

    soon = api.cancellation_quote(
        room_type_id=seoul_room_type.pk, check_in=today + timedelta(days=1), total_krw=TOTAL
    )
    later = api.cancellation_quote(
        room_type_id=seoul_room_type.pk, check_in=today + timedelta(days=30), total_krw=TOTAL
    )

    assert (soon.fee_krw, later.fee_krw) == (60_000, 0)


def test_the_quote_refuses_a_naive_time_and_an_unknown_room_type(seoul_room_type):
    with pytest.raises(ValueError, match="aware"):
        quote(seoul_room_type, datetime(2030, 3, 1, 12, 0))
    with pytest.raises(api.RoomTypeNotFound):
        api.cancellation_quote(room_type_id=0, check_in=CHECK_IN, total_krw=TOTAL)


# --- The fee is computed once, when the guest cancels ------------------------------------------


def test_a_cancellation_keeps_the_fee_of_the_moment_the_guest_cancelled(seoul_room_type):
    inventory(seoul_room_type, first_night=CHECK_IN, nights=2)
    reservation = requested_reservation(seoul_room_type, check_in=CHECK_IN, order_id=7100)
    cancelled_at = datetime(2030, 3, 7, 15, 0, tzinfo=UTC)  # 00:00 on the 8th in Seoul

    cancellation = services.reservation_cancel_for_order(
        order_id=7100, reason="Flight cancelled", cancelled_at=cancelled_at
    )
    CancellationPolicy.objects.update(fee_percent=0)  # a later change rewrites no history

    stored = Cancellation.objects.get()
    assert (stored.fee_krw, stored.refund_krw, stored.policy_summary) == (
        60_000,
        140_000,
        POLICY_SUMMARY,
    )
    assert stored == cancellation
    [event] = published(ReservationCancelled)
    assert (event.reservation_id, event.fee_krw, event.refund_krw) == (
        reservation.pk,
        60_000,
        140_000,
    )


def test_a_cancellation_one_second_earlier_is_free(seoul_room_type):
    inventory(seoul_room_type, first_night=CHECK_IN, nights=2)
    requested_reservation(seoul_room_type, check_in=CHECK_IN, order_id=7101)

    cancellation = services.reservation_cancel_for_order(
        order_id=7101, reason="", cancelled_at=datetime(2030, 3, 7, 14, 59, 59, tzinfo=UTC)
    )

    assert (cancellation.fee_krw, cancellation.refund_krw) == (0, TOTAL)


# --- The policy rows ---------------------------------------------------------------------------


def test_a_hotel_has_at_most_one_hotel_wide_policy(seoul_room_type):
    with pytest.raises(IntegrityError), transaction.atomic():
        CancellationPolicyFactory(hotel=seoul_room_type.hotel)


def test_a_room_type_has_at_most_one_policy(seoul_room_type):
    CancellationPolicyFactory(hotel=seoul_room_type.hotel, room_type=seoul_room_type)

    with pytest.raises(IntegrityError), transaction.atomic():
        CancellationPolicyFactory(hotel=seoul_room_type.hotel, room_type=seoul_room_type)


def test_the_free_days_are_at_least_one(seoul_room_type):
    with pytest.raises(IntegrityError), transaction.atomic():
        CancellationPolicyFactory(
            hotel=seoul_room_type.hotel, room_type=seoul_room_type, free_until_days_before=0
        )


def test_a_room_type_policy_must_belong_to_the_room_types_hotel(seoul_room_type):
    policy = CancellationPolicy(
        hotel=HotelFactory(), room_type=seoul_room_type, free_until_days_before=1, fee_percent=10
    )

    with pytest.raises(ValidationError) as invalid:
        policy.full_clean()

    with translation.override("en"):
        messages = invalid.value.message_dict
    assert messages == {"room_type": ["The room type belongs to another hotel."]}
