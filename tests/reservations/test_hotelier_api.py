"""The hoteliers' API: their own hotels' reservations and cancellations, nobody else's."""

from datetime import UTC, datetime, timedelta

import pytest
from rest_framework.test import APIClient

from apps.reservations import services
from apps.reservations.models import Reservation
from tests.reservations.factories import HotelierFactory, held_by_night, requested_reservation
from tests.reservations.helpers import reservation_event_types
from tests.user_factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_a(room_type_a):
    """Order 6001, Kim Minji, checking in a week ahead at hotel A."""
    return requested_reservation(room_type_a, order_id=6001, guest_name="Kim Minji")


@pytest.fixture
def in_b(room_type_b):
    return requested_reservation(room_type_b, order_id=6002, guest_name="Park Seojun")


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def client_a(hotelier_a) -> APIClient:
    return client_for(hotelier_a)


def ids(response) -> list[int]:
    assert response.status_code == 200, response.data
    return [row["id"] for row in response.data["results"]]


# --- Listing -----------------------------------------------------------------------------------


def test_a_hotelier_lists_only_their_hotels_reservations(client_a, in_a, in_b, room_type_a):
    response = client_a.get("/api/reservations/")

    assert response.data["count"] == 1
    assert response.data["results"] == [
        {
            "id": in_a.pk,
            "order_id": 6001,
            "order_reference": "ORD-6001",
            "guest_id": 501,
            "guest_name": "Kim Minji",
            "hotel_id": room_type_a.hotel_id,
            "hotel_name": "Hotel A",
            "room_type_id": room_type_a.pk,
            "room_type_name": "A Double",
            "check_in": in_a.check_in.isoformat(),
            "check_out": in_a.check_out.isoformat(),
            "nights": 2,
            "guests": 2,
            "total_krw": 200_000,
            "status": "requested",
            "rejection_reason": "",
            "requested_at": response.data["results"][0]["requested_at"],
            "decision_deadline": response.data["results"][0]["decision_deadline"],
            "decided_at": None,
            "cancellation": None,
        }
    ]
    # A week before check-in, the hotel's 24 hours are the whole window.
    deadline = datetime.fromisoformat(response.data["results"][0]["decision_deadline"])
    assert deadline == in_a.requested_at + timedelta(hours=24)


def test_a_superuser_lists_every_hotels_reservations(in_a, in_b):
    root = client_for(UserFactory(username="root", is_staff=True, is_superuser=True))

    assert sorted(ids(root.get("/api/reservations/"))) == [in_a.pk, in_b.pk]


def test_a_guest_lists_no_reservations_and_anonymous_users_are_refused(guest_client, in_a):
    assert ids(guest_client.get("/api/reservations/")) == []
    assert ids(guest_client.get("/api/cancellations/")) == []
    assert APIClient().get("/api/reservations/").status_code == 401
    assert APIClient().post(f"/api/reservations/{in_a.pk}/confirm/").status_code == 401


def test_a_hotelier_of_two_hotels_sees_both_and_filters_by_hotel(in_a, in_b, room_type_a):
    both = client_for(HotelierFactory(hotels=[in_a.hotel, in_b.hotel]))

    assert sorted(ids(both.get("/api/reservations/"))) == [in_a.pk, in_b.pk]
    assert ids(both.get("/api/reservations/", {"hotel": in_b.hotel_id})) == [in_b.pk]


def test_the_list_filters_by_status_and_check_in_range(client_a, hotelier_a, room_type_a, in_a):
    today = room_type_a.hotel.local_today()
    soon = requested_reservation(room_type_a, check_in=today + timedelta(days=2), order_id=6003)
    services.reservation_confirm(reservation_id=soon.pk, by=hotelier_a)

    assert ids(client_a.get("/api/reservations/", {"status": "confirmed"})) == [soon.pk]
    assert ids(client_a.get("/api/reservations/", {"status": "requested"})) == [in_a.pk]
    in_range = client_a.get(
        "/api/reservations/",
        {
            "check_in_after": (today + timedelta(days=5)).isoformat(),
            "check_in_before": (today + timedelta(days=8)).isoformat(),
        },
    )
    assert ids(in_range) == [in_a.pk]
    assert client_a.get("/api/reservations/", {"status": "lost"}).status_code == 400


def test_the_list_searches_by_guest_name_and_order_id(client_a, room_type_a, in_a, in_b):
    other = requested_reservation(room_type_a, order_id=60011, guest_name="Choi Yuna")

    assert ids(client_a.get("/api/reservations/", {"search": "minji"})) == [in_a.pk]
    assert ids(client_a.get("/api/reservations/", {"search": "6001"})) == [in_a.pk]
    assert ids(client_a.get("/api/reservations/", {"search": "ORD-6001"})) == [other.pk, in_a.pk]
    assert ids(client_a.get("/api/reservations/", {"search": "Park"})) == []  # hotel B's guest


# --- One reservation ---------------------------------------------------------------------------


def test_a_hotelier_reads_their_reservation_and_gets_404_for_another_hotels(client_a, in_a, in_b):
    own = client_a.get(f"/api/reservations/{in_a.pk}/")
    other = client_a.get(f"/api/reservations/{in_b.pk}/")

    assert (own.status_code, own.data["id"]) == (200, in_a.pk)
    assert other.status_code == 404
    assert other.data == {
        "code": "reservation_not_found",
        "message": f"There is no reservation {in_b.pk}.",
        "details": {"reservation_id": in_b.pk},
    }


def test_a_hotelier_confirms_their_reservation(client_a, hotelier_a, in_a):
    response = client_a.post(f"/api/reservations/{in_a.pk}/confirm/")

    assert response.status_code == 200
    assert (response.data["id"], response.data["status"]) == (in_a.pk, "confirmed")
    assert response.data["decided_at"] is not None
    assert Reservation.objects.get(pk=in_a.pk).decided_by == hotelier_a


def test_confirming_twice_is_a_409(client_a, in_a):
    client_a.post(f"/api/reservations/{in_a.pk}/confirm/")

    again = client_a.post(f"/api/reservations/{in_a.pk}/confirm/")

    assert again.status_code == 409
    assert again.data["code"] == "illegal_reservation_transition"
    assert again.data["details"] == {
        "reservation_id": in_a.pk,
        "status": "confirmed",
        "target": "confirmed",
    }
    assert reservation_event_types().count("reservations.ReservationConfirmed") == 1


def test_confirming_a_cancelled_reservation_is_a_409(client_a, in_a):
    services.reservation_cancel_for_order(
        order_id=6001, reason="", cancelled_at=datetime(2030, 1, 1, tzinfo=UTC)
    )

    response = client_a.post(f"/api/reservations/{in_a.pk}/confirm/")

    assert response.status_code == 409
    assert response.data["details"]["status"] == "cancelled"
    assert Reservation.objects.get(pk=in_a.pk).status == "cancelled"


def test_another_hotels_hotelier_cannot_confirm_or_reject(client_a, in_b, room_type_b):
    confirm = client_a.post(f"/api/reservations/{in_b.pk}/confirm/")
    reject = client_a.post(f"/api/reservations/{in_b.pk}/reject/", {}, format="json")

    assert (confirm.status_code, reject.status_code) == (404, 404)
    assert Reservation.objects.get(pk=in_b.pk).status == "requested"
    assert reservation_event_types() == ["reservations.ReservationRequested"]
    assert set(held_by_night(room_type_b).values()) == {0, 1}


def test_a_guest_cannot_confirm_even_their_own_booking(in_a):
    guest = UserFactory()
    Reservation.objects.filter(pk=in_a.pk).update(guest_id=guest.pk)
    client = client_for(guest)

    assert client.get(f"/api/reservations/{in_a.pk}/").status_code == 404
    assert client.post(f"/api/reservations/{in_a.pk}/confirm/").status_code == 404
    assert Reservation.objects.get(pk=in_a.pk).status == "requested"


# --- Reject ------------------------------------------------------------------------------------


def test_a_hotelier_rejects_with_a_reason_and_the_rooms_are_freed(client_a, in_a, room_type_a):
    response = client_a.post(
        f"/api/reservations/{in_a.pk}/reject/", {"reason": "Closed for works"}, format="json"
    )

    assert response.status_code == 200
    assert (response.data["status"], response.data["rejection_reason"]) == (
        "rejected",
        "Closed for works",
    )
    assert set(held_by_night(room_type_a).values()) == {0}


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}])
def test_a_rejection_without_a_reason_is_a_400_naming_the_field(client_a, in_a, body):
    response = client_a.post(f"/api/reservations/{in_a.pk}/reject/", body, format="json")

    assert response.status_code == 400
    assert response.data["code"] == "invalid"
    assert list(response.data["details"]) == ["reason"]
    assert Reservation.objects.get(pk=in_a.pk).status == "requested"


# --- Cancellations -----------------------------------------------------------------------------


def test_a_hotelier_lists_only_their_hotels_cancellations(client_a, in_a, in_b, room_type_a):
    cancelled_at = datetime(2030, 1, 1, 3, 0, tzinfo=UTC)
    for order_id in (6001, 6002):
        services.reservation_cancel_for_order(
            order_id=order_id, reason="Plans changed", cancelled_at=cancelled_at
        )
    cancellation = in_a.__class__.objects.get(pk=in_a.pk).cancellation

    response = client_a.get("/api/cancellations/")

    assert response.status_code == 200
    assert response.data["results"] == [
        {
            "id": cancellation.pk,
            "reservation_id": in_a.pk,
            "order_id": 6001,
            "hotel_id": room_type_a.hotel_id,
            "hotel_name": "Hotel A",
            "room_type_id": room_type_a.pk,
            "room_type_name": "A Double",
            "guest_name": "Kim Minji",
            "check_in": in_a.check_in.isoformat(),
            "check_out": in_a.check_out.isoformat(),
            "total_krw": 200_000,
            "cancelled_by": "guest",
            "reason": "Plans changed",
            "fee_krw": 0,
            "refund_krw": 200_000,
            "policy_summary": "Free cancellation: the hotel refunds in full.",
            "cancelled_at": "2030-01-01T12:00:00+09:00",
        }
    ]
    detail = client_a.get(f"/api/reservations/{in_a.pk}/")
    assert detail.data["cancellation"]["fee_krw"] == 0
    assert detail.data["status"] == "cancelled"
