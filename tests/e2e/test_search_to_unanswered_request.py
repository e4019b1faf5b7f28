"""A guest's journey from search to a request the hotel never answers, through the API with a
real worker process: search stays across hotels, read the cancellation terms, book under them,
the hotel is told, the hotel stays silent past its deadline, the request is rejected by the
system, the guest is refunded in full and told why, and a later policy change does not touch
what the guest booked under."""

from datetime import timedelta

import pytest
import time_machine

from apps.customer import api as customer
from apps.customer.models import Notification
from apps.reservations import services
from apps.reservations.models import HotelNotification, Reservation
from hotel.eventbus.models import Delivery
from hotel.eventbus.testing import drain_outbox
from tests.e2e.helpers import book, eventually, refunds_of, reservation_status
from tests.reservations.factories import CancellationPolicyFactory, RoomTypeFactory, inventory

pytestmark = pytest.mark.django_db(transaction=True)

UNANSWERED = "호텔이 기한 내에 응답하지 않아 자동으로 거절되었습니다"


def everything_handled() -> bool:
    return not Delivery.objects.exclude(state="done").exists()


@pytest.fixture
def busan_hotels():
    """Two hotels in Busan: the cheaper one, with a contact and a policy, is the one booked."""
    cheap = RoomTypeFactory(
        hotel__name="Haeundae Guesthouse",
        hotel__city="Busan",
        hotel__contact_phone="01022223333",
        nightly_rate_krw=80_000,
        capacity=2,
    )
    dear = RoomTypeFactory(
        hotel__name="Gwangalli Resort", hotel__city="Busan", nightly_rate_krw=250_000, capacity=4
    )
    for room_type in (cheap, dear):
        inventory(room_type, first_night=room_type.hotel.local_today(), nights=30)
    CancellationPolicyFactory(hotel=cheap.hotel, free_until_days_before=3, fee_percent=20)
    return cheap, dear


def test_search_book_under_the_terms_the_hotel_is_told_and_its_silence_ends_in_a_refund(
    guest, guest_client, busan_hotels, workers
):
    cheap, _dear = busan_hotels
    customer.guest_ensure_profile(user_id=guest.pk, name="이서연", phone="010-9876-5432")
    workers.start()
    check_in = cheap.hotel.local_today() + timedelta(days=10)
    stay = {"check_in": check_in.isoformat(), "check_out": str(check_in + timedelta(days=2))}

    # The guest searches Busan for two and finds both hotels, the cheaper first.
    found = guest_client.get("/api/stays/", {**stay, "guests": 2, "city": "Busan"})
    assert found.status_code == 200
    assert [r["hotel_name"] for r in found.data["results"]] == [
        "Haeundae Guesthouse",
        "Gwangalli Resort",
    ]
    first = found.data["results"][0]
    assert (first["room_type_id"], first["total_krw"]) == (cheap.pk, 160_000)

    # The hotel's availability for that stay shows the terms before paying.
    offered = guest_client.get(first["availability_url"])
    assert offered.status_code == 200
    (room,) = [r for r in offered.data["room_types"] if r["room_type_id"] == cheap.pk]
    terms = room["cancellation_terms"]
    assert terms["free_until_date"] == str(check_in - timedelta(days=3))
    assert (terms["fee_percent"], terms["fee_krw"]) == (20, 32_000)

    # Booked and paid under those terms; the hotel then tightens its policy.
    order = book(
        guest_client,
        {
            "hotel_id": cheap.hotel_id,
            "room_type_id": cheap.pk,
            **stay,
            "guests": 2,
            "payment_method": "card",
            "payment_key": "test_ok",
        },
    )
    assert order["cancellation_terms"] == {**terms, "fee_krw": 32_000}
    cheap.hotel.cancellation_policies.update(free_until_days_before=20, fee_percent=80)

    # The hotel is told of the new request, once.
    eventually(lambda: reservation_status(order["id"]) == "requested")
    eventually(everything_handled)
    told = HotelNotification.objects.filter(hotel=cheap.hotel)
    assert list(told.values_list("kind", "status")) == [("new_request", "sent")]
    message = told.get()
    assert "이*연" in message.body  # the guest's name, masked
    assert str(check_in.day) in message.body

    # The hotel stays silent past its deadline: the worker's job (run here, on a moved clock)
    # rejects the request; the outbox's handlers refund and tell the guest.
    reservation = Reservation.objects.get(order_id=order["id"])
    deadline = reservation.decision_deadline
    assert deadline is not None
    with time_machine.travel(deadline - timedelta(minutes=1)):
        assert services.reservations_reject_stale() == []
    with time_machine.travel(deadline + timedelta(minutes=1)):
        assert services.reservations_reject_stale() == [reservation.pk]
        assert services.reservations_reject_stale() == []
        # The events of the moved clock are due at its time: delivered here, in process (the
        # worker process reads the real clock and would wait a day).
        drain_outbox()
        assert everything_handled()

    assert guest_client.get(f"/api/orders/{order['id']}/").data["status"] == "rejected"
    assert refunds_of(order["id"]) == [160_000]
    page = guest_client.get(f"/api/mypage/{order['id']}/").data
    assert page["status"] == "refunded"
    assert page["rejection_reason"] == UNANSWERED
    sent = Notification.objects.filter(guest=guest).order_by("id")
    assert list(sent.values_list("kind", flat=True)) == ["booked", "rejected", "refunded"]
    assert UNANSWERED in sent.get(kind="rejected").body
    # The hotel hears nothing of its own (automatic) rejection.
    assert told.count() == 1
    # Under the booked terms, not the tightened policy (which a new quote shows).
    assert guest_client.get(f"/api/orders/{order['id']}/").data["cancellation_terms"] == {
        **terms,
        "fee_krw": 32_000,
    }
    requoted = guest_client.get(first["availability_url"]).data["room_types"]
    assert [
        r["cancellation_terms"]["fee_percent"] for r in requoted if r["room_type_id"] == cheap.pk
    ] == [80]
