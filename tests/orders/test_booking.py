"""Book and pay in one request: the outcomes a guest can get, and what each leaves behind."""

from datetime import date, timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.orders.dtos import OrderData
from apps.orders.models import BookingRequest, Order
from apps.payments.models import Payment, SandboxCharge
from hotel.eventbus import backpressure
from hotel.eventbus.models import StoredEvent
from tests.reservations.factories import RoomTypeFactory, held_by_night, inventory
from tests.user_factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def nights_of(body) -> list[date]:
    first, last = date.fromisoformat(body["check_in"]), date.fromisoformat(body["check_out"])
    return [first + timedelta(days=n) for n in range((last - first).days)]


def held(room_type, body) -> list[int]:
    by_night = held_by_night(room_type)
    return [by_night[night] for night in nights_of(body)]


def event_types() -> list[str]:
    return list(StoredEvent.objects.order_by("id").values_list("event_type", flat=True))


def test_a_paid_booking_holds_every_night_records_the_payment_and_publishes_two_events(
    guest, guest_client, booking, room_type
):
    body = booking(total_krw=1)  # a client-sent amount is ignored

    response = guest_client.post("/api/orders/", body, format="json")

    assert response.status_code == 201, response.data
    order = Order.objects.get()
    assert response.data["id"] == order.pk
    assert (response.data["status"], response.data["total_krw"], response.data["nights"]) == (
        "paid",
        200_000,
        2,
    )
    assert (order.guest_id, order.status, order.total_krw) == (guest.pk, "paid", 200_000)
    payment = Payment.objects.get()
    assert (payment.order_id, payment.amount_krw, payment.status) == (order.pk, 200_000, "approved")
    assert SandboxCharge.objects.count() == 1
    assert held(room_type, body) == [1, 1]
    assert event_types() == ["orders.OrderPlaced", "payments.PaymentApproved"]
    placed = StoredEvent.objects.get(event_type="orders.OrderPlaced")
    assert placed.payload["total_krw"] == 200_000
    assert placed.correlation_id == str(order.pk)


@pytest.mark.parametrize(
    ("payment_key", "reason"),
    [("test_decline_funds", "insufficient_funds"), ("test_decline_fraud", "suspected_fraud")],
)
def test_a_declined_payment_is_a_402_with_the_reason_and_leaves_no_booking(
    guest_client, booking, room_type, payment_key, reason
):
    body = booking(payment_key=payment_key)

    response = guest_client.post("/api/orders/", body, format="json")

    assert response.status_code == 402
    assert response.data["code"] == "payment_declined"
    assert response.data["details"]["reason"] == reason
    assert Order.objects.filter(status="paid").count() == 0
    assert Order.objects.get().status == "payment_failed"
    assert event_types() == []
    assert held(room_type, body) == [0, 0]
    assert Payment.objects.filter(status="approved").count() == 0


def test_a_provider_error_is_a_503_with_retry_after_and_leaves_no_booking(
    guest_client, booking, room_type
):
    body = booking(payment_key="test_error")

    response = guest_client.post("/api/orders/", body, format="json")

    assert response.status_code == 503
    assert int(response["Retry-After"]) >= 1
    assert response.data["code"].startswith("payment_")
    assert Order.objects.get().status == "payment_failed"
    assert Order.objects.get().payment_outcome_uncertain is True
    assert event_types() == []
    assert held(room_type, body) == [0, 0]


def test_a_sold_out_night_is_a_409_and_holds_nothing(guest_client, booking, room_type):
    body = booking()
    sold_out_night = nights_of(body)[1]
    room_type.room_nights.filter(night=sold_out_night).update(rooms_held=10)

    response = guest_client.post("/api/orders/", body, format="json")

    assert response.status_code == 409
    assert response.data["code"] == "room_unavailable"
    assert held(room_type, body) == [0, 10]
    assert Order.objects.count() == 0
    assert SandboxCharge.objects.count() == 0
    assert event_types() == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"check_in": "not-a-date"}, "check_in"),
        ({"guests": 0}, "guests"),
        ({"payment_method": "cash"}, "payment_method"),
        ({"payment_key": ""}, "payment_key"),
        ({"check_out": "2000-01-01"}, "check_out"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(guest_client, booking, changes, field):
    response = guest_client.post("/api/orders/", booking(**changes), format="json")

    assert response.status_code == 400
    assert response.data["code"] == "invalid"
    assert field in response.data["details"]
    assert Order.objects.count() == 0


def test_a_stay_in_the_past_or_too_many_guests_is_a_400(guest_client, booking, room_type):
    yesterday = room_type.hotel.local_today() - timedelta(days=1)
    past = guest_client.post(
        "/api/orders/",
        booking(
            check_in=yesterday.isoformat(), check_out=(yesterday + timedelta(days=2)).isoformat()
        ),
        format="json",
    )
    crowd = guest_client.post("/api/orders/", booking(guests=3), format="json")

    assert (past.status_code, past.data["code"]) == (400, "invalid_stay")
    assert (crowd.status_code, crowd.data["code"]) == (400, "too_many_guests")
    assert Order.objects.count() == 0


def test_a_room_type_of_another_hotel_is_refused(guest_client, booking):
    other = RoomTypeFactory()

    response = guest_client.post("/api/orders/", booking(room_type_id=other.pk), format="json")

    assert response.status_code == 400
    assert response.data["code"] == "room_type_not_in_hotel"


def test_the_same_idempotency_key_returns_the_first_outcome_without_charging_again(
    guest_client, booking, room_type
):
    body = booking()
    first = guest_client.post("/api/orders/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = guest_client.post("/api/orders/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.data == first.data
    assert Order.objects.count() == 1
    assert SandboxCharge.objects.count() == 1
    assert held(room_type, body) == [1, 1]


def test_a_booking_that_went_through_stores_no_outcome_its_replay_reads_the_order(
    guest_client, booking
):
    body = booking()
    first = guest_client.post("/api/orders/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-4")
    stored = BookingRequest.objects.get()
    # The order moves on (the hotel confirms); a replay answers with the same order as it is.
    Order.objects.filter(pk=first.data["id"]).update(status="confirmed")
    again = guest_client.post("/api/orders/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-4")

    assert (stored.order_id, stored.outcome, stored.completed_at) == (first.data["id"], None, None)
    assert (again.status_code, again.data["id"], again.data["status"]) == (
        201,
        first.data["id"],
        "confirmed",
    )
    assert {k: v for k, v in again.data.items() if k != "status"} == {
        k: v for k, v in first.data.items() if k != "status"
    }
    assert SandboxCharge.objects.count() == 1


def test_an_order_outcome_stored_by_an_earlier_version_still_replays(guest, guest_client, booking):
    body = booking()
    first = guest_client.post("/api/orders/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-5")
    order = OrderData.from_order(Order.objects.get())
    BookingRequest.objects.update(outcome={"order": order.to_json()}, completed_at=timezone.now())
    Order.objects.update(status="confirmed")

    again = guest_client.post("/api/orders/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-5")

    assert (again.status_code, again.data) == (201, first.data)


def test_a_replayed_decline_is_the_same_402(guest_client, booking):
    body = booking(payment_key="test_decline_funds")
    first = guest_client.post("/api/orders/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    again = guest_client.post("/api/orders/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-2")

    assert (first.status_code, again.status_code) == (402, 402)
    assert again.data == first.data
    assert Order.objects.count() == 1


def test_the_same_key_with_another_body_is_a_422(guest_client, booking):
    guest_client.post("/api/orders/", booking(), format="json", HTTP_IDEMPOTENCY_KEY="k-3")

    response = guest_client.post(
        "/api/orders/", booking(guests=1), format="json", HTTP_IDEMPOTENCY_KEY="k-3"
    )

    assert response.status_code == 422
    assert response.data["code"] == "idempotency_key_reused"
    assert Order.objects.count() == 1


def test_keys_are_per_guest(guest_client, booking):
    other = APIClient()
    other.force_authenticate(UserFactory())

    mine = guest_client.post("/api/orders/", booking(), format="json", HTTP_IDEMPOTENCY_KEY="same")
    theirs = other.post("/api/orders/", booking(), format="json", HTTP_IDEMPOTENCY_KEY="same")

    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.data["id"] != theirs.data["id"]


def test_guests_see_only_their_own_orders(guest_client, booking):
    mine = guest_client.post("/api/orders/", booking(), format="json").data
    other = APIClient()
    other.force_authenticate(UserFactory())
    theirs = other.post("/api/orders/", booking(), format="json").data

    listing = guest_client.get("/api/orders/")
    own = guest_client.get(f"/api/orders/{mine['id']}/")
    foreign = guest_client.get(f"/api/orders/{theirs['id']}/")

    assert [o["id"] for o in listing.data["results"]] == [mine["id"]]
    assert own.status_code == 200
    assert own.data == mine
    assert foreign.status_code == 404
    assert foreign.data["code"] == "order_not_found"


def test_orders_filter_by_status(guest_client, booking):
    paid = guest_client.post("/api/orders/", booking(), format="json").data
    guest_client.post("/api/orders/", booking(payment_key="test_decline_funds"), format="json")

    response = guest_client.get("/api/orders/?status=paid")

    assert [o["id"] for o in response.data["results"]] == [paid["id"]]


def test_anonymous_users_cannot_book(booking):
    response = APIClient().post("/api/orders/", booking(), format="json")

    assert response.status_code == 401
    assert Order.objects.count() == 0


def test_a_multi_night_stay_prices_each_night_from_the_hotels_rates(
    guest_client, booking, room_type
):
    body = booking()
    special_night = nights_of(body)[0]
    room_type.nightly_rates.create(night=special_night, rate_krw=180_000)

    response = guest_client.post("/api/orders/", body, format="json")

    assert response.data["total_krw"] == 280_000


def test_inventory_of_other_room_types_is_untouched(guest_client, booking, room_type):
    neighbour = RoomTypeFactory(hotel=room_type.hotel)
    inventory(neighbour, first_night=room_type.hotel.local_today(), nights=30)

    guest_client.post("/api/orders/", booking(), format="json")

    assert set(held_by_night(neighbour).values()) == {0}


@pytest.mark.postgres
def test_a_booking_costs_a_known_number_of_queries(
    guest_client, booking, django_assert_num_queries
):
    # The read of the outbox workers' lag reports (backpressure; a process reads them at most
    # twice a second, and this one has not read them yet); the first transaction: BEGIN,
    # quote the stay, hold its nights, the order, the idempotency key, COMMIT; the sandbox's
    # ledger row; the second: BEGIN, the order paid, its event, the payment, its event,
    # COMMIT. Pinned exactly, so the hot path neither creeps nor drops a step unnoticed.
    backpressure.bookings.reset()
    with django_assert_num_queries(14):
        response = guest_client.post(
            "/api/orders/", booking(), format="json", HTTP_IDEMPOTENCY_KEY="count-me"
        )

    assert response.status_code == 201


def test_a_bookings_logs_carry_its_order_id_as_correlation_id(guest_client, booking, caplog):
    from hotel.correlation import CorrelationIdFilter

    caplog.handler.addFilter(CorrelationIdFilter())
    with caplog.at_level("INFO", logger="apps.payments"):
        response = guest_client.post("/api/orders/", booking(), format="json")

    approved = [r for r in caplog.records if "payment approved" in r.getMessage()]
    assert len(approved) == 1
    assert approved[0].correlation_id == str(response.data["id"])
