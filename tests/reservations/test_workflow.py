"""The reservation workflow: request, confirm, reject, cancel, and every refused transition."""

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.reservations import services
from apps.reservations.dtos import CancellationData, PaidOrder, ReservationData
from apps.reservations.errors import (
    IllegalReservationTransition,
    ReservationNotFound,
    ReservationsError,
)
from apps.reservations.events import (
    ReservationCancelled,
    ReservationConfirmed,
    ReservationRejected,
    ReservationRequested,
)
from apps.reservations.models import (
    RESERVATION_TRANSITIONS,
    Cancellation,
    Reservation,
    ReservationStatus,
    ReservationStatusChange,
)
from apps.reservations.selectors.order_reservation import reservation_for_order
from tests.reservations.factories import (
    HotelFactory,
    HotelierFactory,
    held_by_night,
    requested_reservation,
)
from tests.reservations.helpers import history, published, reservation_event_types
from tests.user_factories import UserFactory

pytestmark = pytest.mark.django_db

STATUSES = [status.value for status in ReservationStatus]


@pytest.fixture
def hotelier(room_type):
    return HotelierFactory(hotels=[room_type.hotel])


@pytest.fixture
def reservation(room_type):
    """Requested: order 9001, 2 nights from a week ahead, 200,000 KRW, its room held."""
    return requested_reservation(room_type, order_id=9001)


@pytest.fixture
def stay_nights(reservation):
    return [reservation.check_in, reservation.check_in + timedelta(days=1)]


def held_on(room_type, nights) -> list[int]:
    held = held_by_night(room_type)
    return [held[night] for night in nights]


def cancel(order_id: int, **changes):
    arguments = {
        "order_id": order_id,
        "reason": "Plans changed",
        "cancelled_at": timezone.now(),
        **changes,
    }
    return services.reservation_cancel_for_order(**arguments)


# --- The status table ----------------------------------------------------------------------


LEGAL = {
    ("requested", "confirmed"),
    ("requested", "rejected"),
    ("requested", "cancelled"),
    ("confirmed", "cancelled"),
}


@pytest.mark.parametrize("source", STATUSES)
@pytest.mark.parametrize("target", STATUSES)
def test_the_status_table_allows_exactly_the_documented_transitions(source, target):
    reservation = Reservation(pk=1, status=source)

    if (source, target) in LEGAL:
        assert reservation.transition_to(target) == source
        assert reservation.status == target
    else:
        with pytest.raises(IllegalReservationTransition) as refused:
            reservation.transition_to(target)
        assert refused.value.http_status == 409
        assert refused.value.code == "illegal_reservation_transition"
        assert refused.value.details == {"reservation_id": 1, "status": source, "target": target}
        assert reservation.status == source


def test_the_table_has_every_status_and_final_states_lead_nowhere():
    assert set(RESERVATION_TRANSITIONS) == set(STATUSES)
    assert RESERVATION_TRANSITIONS["rejected"] == frozenset()
    assert RESERVATION_TRANSITIONS["cancelled"] == frozenset()


# --- Requested -----------------------------------------------------------------------------


def test_a_paid_order_becomes_a_requested_reservation_with_its_event(room_type, stay_nights):
    reservation = requested_reservation(room_type, order_id=9002, guest_name="Lee Jiwoo")

    assert reservation.status == "requested"
    assert (reservation.order_id, reservation.order_reference, reservation.guest_name) == (
        9002,
        "ORD-9002",
        "Lee Jiwoo",
    )
    assert (reservation.hotel_id, reservation.total_krw, reservation.decided_at) == (
        room_type.hotel_id,
        200_000,
        None,
    )
    assert history(reservation) == [("", "requested", "system", "Order ORD-9002 paid.")]
    requested = [event for event in published(ReservationRequested) if event.order_id == 9002]
    assert requested == [
        ReservationRequested(
            reservation_id=reservation.pk,
            order_id=9002,
            guest_id=501,
            hotel_id=room_type.hotel_id,
            hotel_name=room_type.hotel.name,
            room_type_id=room_type.pk,
            room_type_name=room_type.name,
            check_in=reservation.check_in,
            check_out=reservation.check_out,
            guests=2,
            requested_at=reservation.requested_at,
        )
    ]
    # Both fixture bookings (orders 9001 and 9002) hold their room; nothing is released.
    assert held_on(room_type, stay_nights) == [2, 2]


def test_requesting_the_same_order_again_changes_nothing_and_publishes_nothing(
    reservation, room_type
):
    again, created = services.reservation_request_from_order(
        order_id=9001,
        guest_id=999,
        guest_name="Someone else",
        hotel_id=room_type.hotel_id,
        room_type_id=room_type.pk,
        check_in=reservation.check_in,
        check_out=reservation.check_out,
        guests=1,
        total_krw=1,
    )

    assert (again.pk, created) == (reservation.pk, False)
    assert Reservation.objects.count() == 1
    assert Reservation.objects.get().guest_name == "Kim Minji"
    assert reservation_event_types() == ["reservations.ReservationRequested"]
    assert ReservationStatusChange.objects.count() == 1


def test_a_request_for_a_room_type_of_another_hotel_is_refused(room_type):
    other_hotel = HotelFactory()

    with pytest.raises(ReservationsError) as refused:
        services.reservation_request_from_order(
            order_id=9003,
            guest_id=1,
            hotel_id=other_hotel.pk,
            room_type_id=room_type.pk,
            check_in=room_type.hotel.local_today(),
            check_out=room_type.hotel.local_today() + timedelta(days=1),
            guests=1,
            total_krw=100_000,
        )

    assert refused.value.code == "room_type_not_found"
    assert Reservation.objects.count() == 0
    assert reservation_event_types() == []


def paid_orders(room_type, first_order_id: int, count: int) -> list[PaidOrder]:
    check_in = room_type.hotel.local_today() + timedelta(days=7)
    return [
        PaidOrder(
            order_id=first_order_id + n,
            order_reference=f"ORD-{first_order_id + n}",
            guest_id=700 + n,
            guest_name=f"Guest {n}",
            hotel_id=room_type.hotel_id,
            room_type_id=room_type.pk,
            check_in=check_in,
            check_out=check_in + timedelta(days=2),
            guests=2,
            total_krw=200_000,
        )
        for n in range(count)
    ]


def test_many_paid_orders_are_requested_in_a_constant_number_of_statements(reservation, room_type):
    few, many = paid_orders(room_type, 9100, 3), paid_orders(room_type, 9200, 30)
    with CaptureQueriesContext(connection) as for_few:
        services.reservations_request_from_orders(orders=few)
    with CaptureQueriesContext(connection) as for_many:
        outcome = services.reservations_request_from_orders(orders=many)

    assert len(for_few.captured_queries) == len(for_many.captured_queries)
    assert [(r.order_id, created) for r, created in outcome] == [
        (order.order_id, True) for order in many
    ]
    assert Reservation.objects.count() == 34
    assert ReservationStatusChange.objects.count() == 34
    requested = published(ReservationRequested)
    assert [event.order_id for event in requested] == [9001, *range(9100, 9103), *range(9200, 9230)]
    assert {r.guest_name for r in Reservation.objects.filter(order_id__gte=9200)} == {
        f"Guest {n}" for n in range(30)
    }


def test_a_batch_with_orders_requested_before_creates_only_the_new_ones(reservation, room_type):
    (new,) = paid_orders(room_type, 9300, 1)
    again = dataclasses.replace(new, order_id=9001, guest_name="Someone else")

    outcome = services.reservations_request_from_orders(orders=[again, new])

    assert [(r.order_id, created) for r, created in outcome] == [(9001, False), (9300, True)]
    assert outcome[0][0].pk == reservation.pk
    assert Reservation.objects.get(order_id=9001).guest_name == "Kim Minji"
    assert [event.order_id for event in published(ReservationRequested)] == [9001, 9300]


def test_one_order_of_another_hotels_room_type_refuses_the_whole_batch(room_type):
    good, bad = paid_orders(room_type, 9400, 2)
    bad = dataclasses.replace(bad, hotel_id=HotelFactory().pk)

    with pytest.raises(ReservationsError) as refused:
        services.reservations_request_from_orders(orders=[good, bad])

    assert refused.value.code == "room_type_not_found"
    assert Reservation.objects.count() == 0
    assert reservation_event_types() == []


# --- Confirm -------------------------------------------------------------------------------


def test_a_hotelier_confirms_a_requested_reservation(reservation, hotelier, room_type, stay_nights):
    before = timezone.now()

    confirmed = services.reservation_confirm(reservation_id=reservation.pk, by=hotelier)

    reservation.refresh_from_db()
    assert (reservation.status, reservation.decided_by) == ("confirmed", hotelier)
    assert before <= reservation.decided_at <= timezone.now()
    assert confirmed.pk == reservation.pk
    assert history(reservation)[1:] == [("requested", "confirmed", "hotel", "")]
    assert reservation.status_changes.order_by("id").last().by == hotelier
    assert published(ReservationConfirmed) == [
        ReservationConfirmed(
            reservation_id=reservation.pk,
            order_id=9001,
            guest_id=501,
            hotel_id=room_type.hotel_id,
            confirmed_at=reservation.decided_at,
        )
    ]
    assert held_on(room_type, stay_nights) == [1, 1]  # a confirmed stay keeps its room


def test_a_superuser_may_confirm_any_hotels_reservation(reservation):
    root = UserFactory(username="root", is_staff=True, is_superuser=True)

    services.reservation_confirm(reservation_id=reservation.pk, by=root)

    assert Reservation.objects.get().status == "confirmed"


@pytest.mark.parametrize("who", ["other_hotelier", "guest", "staff_without_hotel"])
def test_nobody_outside_the_hotel_can_confirm_or_reject(reservation, room_type, stay_nights, who):
    user = {
        "other_hotelier": lambda: HotelierFactory(hotels=[HotelFactory()]),
        "guest": lambda: UserFactory(),
        "staff_without_hotel": lambda: HotelierFactory(),
    }[who]()

    with pytest.raises(ReservationNotFound) as confirm_refused:
        services.reservation_confirm(reservation_id=reservation.pk, by=user)
    with pytest.raises(ReservationNotFound) as reject_refused:
        services.reservation_reject(reservation_id=reservation.pk, by=user, reason="Full")

    assert confirm_refused.value.http_status == reject_refused.value.http_status == 404
    assert confirm_refused.value.code == "reservation_not_found"
    assert Reservation.objects.get().status == "requested"
    assert reservation_event_types() == ["reservations.ReservationRequested"]
    assert held_on(room_type, stay_nights) == [1, 1]


# --- Reject --------------------------------------------------------------------------------


def test_a_rejection_releases_the_rooms_and_tells_the_reason(
    reservation, hotelier, room_type, stay_nights
):
    services.reservation_reject(
        reservation_id=reservation.pk, by=hotelier, reason="  Closed for repairs  "
    )

    reservation.refresh_from_db()
    assert (reservation.status, reservation.rejection_reason) == ("rejected", "Closed for repairs")
    assert reservation.decided_by == hotelier
    assert history(reservation)[1:] == [("requested", "rejected", "hotel", "Closed for repairs")]
    assert published(ReservationRejected) == [
        ReservationRejected(
            reservation_id=reservation.pk,
            order_id=9001,
            guest_id=501,
            hotel_id=room_type.hotel_id,
            reason="Closed for repairs",
            rejected_at=reservation.decided_at,
        )
    ]
    assert held_on(room_type, stay_nights) == [0, 0]
    assert Cancellation.objects.count() == 0


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_rejection_needs_a_reason(reservation, hotelier, room_type, stay_nights, reason):
    with pytest.raises(ReservationsError) as refused:
        services.reservation_reject(reservation_id=reservation.pk, by=hotelier, reason=reason)

    assert (refused.value.code, refused.value.http_status) == ("rejection_reason_required", 400)
    assert refused.value.details == {"field": "reason"}
    assert Reservation.objects.get().status == "requested"
    assert reservation_event_types() == ["reservations.ReservationRequested"]
    assert held_on(room_type, stay_nights) == [1, 1]


# --- Cancel --------------------------------------------------------------------------------


@pytest.mark.parametrize("confirmed_first", [False, True], ids=["requested", "confirmed"])
def test_cancelling_records_the_cancellation_and_releases_every_night(
    reservation, hotelier, room_type, stay_nights, confirmed_first
):
    if confirmed_first:
        services.reservation_confirm(reservation_id=reservation.pk, by=hotelier)
    cancelled_at = datetime(2030, 1, 1, 3, 0, tzinfo=UTC)

    cancellation = cancel(9001, cancelled_at=cancelled_at)

    reservation.refresh_from_db()
    assert reservation.status == "cancelled"
    assert Cancellation.objects.get() == cancellation
    assert (
        cancellation.reservation_id,
        cancellation.cancelled_by,
        cancellation.reason,
        cancellation.fee_krw,
        cancellation.refund_krw,
        cancellation.cancelled_at,
    ) == (reservation.pk, "guest", "Plans changed", 0, 200_000, cancelled_at)
    assert cancellation.policy_summary == "Free cancellation: the hotel refunds in full."
    assert history(reservation)[-1] == (
        "confirmed" if confirmed_first else "requested",
        "cancelled",
        "guest",
        "Plans changed",
    )
    assert published(ReservationCancelled) == [
        ReservationCancelled(
            reservation_id=reservation.pk,
            order_id=9001,
            guest_id=501,
            hotel_id=room_type.hotel_id,
            cancellation_id=cancellation.pk,
            fee_krw=0,
            refund_krw=200_000,
            reason="Plans changed",
            cancelled_at=cancelled_at,
        )
    ]
    assert held_on(room_type, stay_nights) == [0, 0]


def test_cancelling_again_changes_nothing_and_releases_the_rooms_once(
    reservation, room_type, stay_nights
):
    requested_reservation(room_type, check_in=reservation.check_in)  # another guest, same nights
    first = cancel(9001)

    second = cancel(9001, reason="Again", cancelled_at=timezone.now() + timedelta(days=1))

    assert second == first
    assert Cancellation.objects.count() == 1
    assert len(published(ReservationCancelled)) == 1
    assert held_on(room_type, stay_nights) == [1, 1]  # the other guest's room is still held
    assert Reservation.objects.get(pk=reservation.pk).status_changes.count() == 2


def test_cancelling_a_rejected_reservation_leaves_it_rejected(
    reservation, hotelier, room_type, stay_nights
):
    requested_reservation(room_type, check_in=reservation.check_in)
    services.reservation_reject(reservation_id=reservation.pk, by=hotelier, reason="Full")

    assert cancel(9001) is None

    assert Reservation.objects.get(pk=reservation.pk).status == "rejected"
    assert Cancellation.objects.count() == 0
    assert published(ReservationCancelled) == []
    assert held_on(room_type, stay_nights) == [1, 1]


def test_cancelling_an_order_without_a_reservation_is_an_error(room_type):
    with pytest.raises(ReservationNotFound) as missing:
        cancel(424242)

    assert missing.value.details == {"order_id": 424242}
    assert Cancellation.objects.count() == 0


def test_the_cancellation_time_must_be_aware(reservation):
    with pytest.raises(ValueError, match="aware"):
        cancel(9001, cancelled_at=datetime(2030, 1, 1, 12, 0))

    assert Reservation.objects.get().status == "requested"


# --- Refused transitions leave everything as it was -----------------------------------------


def _make(status: str, reservation, hotelier) -> None:
    if status == "confirmed":
        services.reservation_confirm(reservation_id=reservation.pk, by=hotelier)
    elif status == "rejected":
        services.reservation_reject(reservation_id=reservation.pk, by=hotelier, reason="Full")
    elif status == "cancelled":
        cancel(reservation.order_id)


@pytest.mark.parametrize("status", ["confirmed", "rejected", "cancelled"])
@pytest.mark.parametrize("action", ["confirm", "reject"])
def test_a_decided_reservation_cannot_be_confirmed_or_rejected(
    reservation, hotelier, room_type, stay_nights, status, action
):
    _make(status, reservation, hotelier)
    events_before = reservation_event_types()
    held_before = held_on(room_type, stay_nights)
    history_before = history(reservation)

    act = {
        "confirm": lambda: services.reservation_confirm(reservation_id=reservation.pk, by=hotelier),
        "reject": lambda: services.reservation_reject(
            reservation_id=reservation.pk, by=hotelier, reason="No"
        ),
    }[action]

    with pytest.raises(IllegalReservationTransition) as refused:
        act()

    target = "confirmed" if action == "confirm" else "rejected"
    assert refused.value.http_status == 409
    assert refused.value.details == {
        "reservation_id": reservation.pk,
        "status": status,
        "target": target,
    }
    assert Reservation.objects.get(pk=reservation.pk).status == status
    assert reservation_event_types() == events_before
    assert held_on(room_type, stay_nights) == held_before
    assert history(reservation) == history_before


# --- Published reads ------------------------------------------------------------------------


def test_reservation_for_order_tells_the_status_and_the_cancellation(reservation, room_type):
    assert reservation_for_order(order_id=1) is None
    requested = reservation_for_order(order_id=9001)
    assert (requested.reservation_id, requested.status, requested.cancellation) == (
        reservation.pk,
        "requested",
        None,
    )
    cancelled_at = datetime(2030, 1, 1, 3, 0, tzinfo=UTC)
    cancellation = cancel(9001, cancelled_at=cancelled_at)

    data = reservation_for_order(order_id=9001)

    assert data == ReservationData(
        reservation_id=reservation.pk,
        order_id=9001,
        guest_id=501,
        hotel_id=room_type.hotel_id,
        room_type_id=room_type.pk,
        check_in=reservation.check_in,
        check_out=reservation.check_out,
        guests=2,
        total_krw=200_000,
        status="cancelled",
        rejection_reason="",
        requested_at=reservation.requested_at,
        decided_at=None,
        cancellation=CancellationData(
            cancellation_id=cancellation.pk,
            cancelled_by="guest",
            reason="Plans changed",
            fee_krw=0,
            refund_krw=200_000,
            policy_summary="Free cancellation: the hotel refunds in full.",
            cancelled_at=cancelled_at,
        ),
    )
