"""``/api/mypage/``, ``/api/mypage/{order_id}/`` and ``/api/notifications/``: own rows only."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.customer import selectors
from apps.customer.models import MypageEntry
from hotel.eventbus.testing import drain_outbox
from tests.customer.booking_events import Booking, at, publish_events
from tests.customer.factories import GuestProfileFactory

pytestmark = pytest.mark.django_db(transaction=True)

MYPAGE = "/api/mypage/"
NOTIFICATIONS = "/api/notifications/"


@pytest.fixture
def other_guest():
    return GuestProfileFactory(name="이서준").user


def book(guest, **facts) -> Booking:
    booking = Booking(guest_id=guest.pk, **facts)
    publish_events(booking.placed(), booking.approved())
    return booking


def test_the_list_shows_own_entries_newest_first_and_filters_by_status(
    api_client, guest_minji, other_guest
):
    first = book(guest_minji)
    second = book(guest_minji, hotel_name="부산 해운대 호텔")
    book(other_guest)
    publish_events(second.requested())
    publish_events(second.confirmed())
    drain_outbox()
    api_client.force_authenticate(guest_minji)

    response = api_client.get(MYPAGE)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    # Both were placed at the same time: the later order comes first.
    assert [row["order_id"] for row in body["results"]] == [second.order_id, first.order_id]
    assert body["results"][0]["status"] == "confirmed"
    assert body["results"][0]["status_label"] == "예약 확정"
    assert "timeline" not in body["results"][0]

    confirmed = api_client.get(MYPAGE, {"status": "confirmed"}).json()
    assert [row["order_id"] for row in confirmed["results"]] == [second.order_id]
    paid = api_client.get(MYPAGE, {"status": "paid"}).json()
    assert [row["order_id"] for row in paid["results"]] == [first.order_id]
    bad = api_client.get(MYPAGE, {"status": "teleported"})
    assert bad.status_code == 400
    assert bad.json()["code"] == "invalid"


def test_the_detail_has_the_entry_and_its_timeline_in_order(api_client, guest_minji):
    booking = book(guest_minji)
    publish_events(booking.requested())
    publish_events(booking.rejected("객실 점검"))
    drain_outbox()
    api_client.force_authenticate(guest_minji)

    response = api_client.get(f"{MYPAGE}{booking.order_id}/")

    assert response.status_code == 200
    body = response.json()
    assert {k: body[k] for k in ("order_id", "order_reference", "status", "status_label")} == {
        "order_id": booking.order_id,
        "order_reference": booking.reference,
        "status": "rejected",
        "status_label": "예약 불가",
    }
    assert (body["hotel_name"], body["check_in"], body["check_out"], body["nights"]) == (
        "서울 한강 호텔",
        "2026-04-10",
        "2026-04-12",
        2,
    )
    assert (body["total_krw"], body["payment_method"], body["masked_card_number"]) == (
        200_000,
        "card",
        "4330-****-****-1234",
    )
    assert (body["payment_status"], body["reservation_status"], body["rejection_reason"]) == (
        "approved",
        "rejected",
        "객실 점검",
    )
    assert [
        (row["kind"], row["status"], row["title"], row["description"]) for row in body["timeline"]
    ] == [
        ("booked", "paid", "예약 접수", "200,000원"),
        ("paid", "paid", "결제 완료", "카드 4330-****-****-1234, 200,000원"),
        ("requested", "confirming", "호텔 확인 중", ""),
        ("rejected", "rejected", "예약 거절", "사유: 객실 점검"),
    ]
    sequences = [row["sequence"] for row in body["timeline"]]
    assert sequences == sorted(sequences)
    assert body["timeline"][0]["occurred_at"] == "2026-03-01T10:00:00+09:00"
    assert at(1, 10).isoformat() == "2026-03-01T10:00:00+09:00"


def test_labels_follow_the_requested_language(api_client, guest_minji):
    booking = book(guest_minji)
    drain_outbox()
    api_client.force_authenticate(guest_minji)

    body = api_client.get(f"{MYPAGE}{booking.order_id}/", HTTP_ACCEPT_LANGUAGE="en").json()

    assert body["status_label"] == "Paid"
    assert [(row["title"], row["description"]) for row in body["timeline"]] == [
        ("Booking placed", "KRW 200,000"),
        ("Payment approved", "Card 4330-****-****-1234, KRW 200,000"),
    ]


def test_another_guests_booking_is_a_404(api_client, guest_minji, other_guest):
    theirs = book(other_guest)
    drain_outbox()
    api_client.force_authenticate(guest_minji)

    response = api_client.get(f"{MYPAGE}{theirs.order_id}/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert api_client.get(f"{MYPAGE}999999/").status_code == 404
    assert api_client.get(MYPAGE).json()["count"] == 0


def test_anonymous_users_see_nothing(api_client, guest_minji):
    book(guest_minji)
    drain_outbox()

    for url in (MYPAGE, f"{MYPAGE}1/", NOTIFICATIONS):
        assert api_client.get(url).status_code == 401


def test_reading_a_booking_on_mypage_costs_one_query_with_its_timeline(
    api_client, guest_minji, django_assert_num_queries
):
    booking = book(guest_minji)
    publish_events(booking.requested())
    publish_events(booking.confirmed())
    drain_outbox()

    with django_assert_num_queries(1):
        entry = selectors.mypage_get(guest_id=guest_minji.pk, order_id=booking.order_id)
        assert [row.kind for row in entry.timeline_in_order] == [
            "booked",
            "paid",
            "requested",
            "confirmed",
        ]
    assert entry.order_id == booking.order_id

    api_client.force_authenticate(guest_minji)
    with CaptureQueriesContext(connection) as queries:
        response = api_client.get(f"{MYPAGE}{booking.order_id}/")
    assert response.status_code == 200
    assert [row["kind"] for row in response.json()["timeline"]] == [
        "booked",
        "paid",
        "requested",
        "confirmed",
    ]
    assert len(queries) == 1
    (query,) = (query["sql"] for query in queries.captured_queries)
    assert "customer_mypagetimelineentry" in query
    assert "customer_mypageentry" in query


def test_another_guests_booking_is_not_read_by_the_selector(guest_minji, other_guest):
    booking = book(guest_minji)
    drain_outbox()

    assert selectors.mypage_get(guest_id=other_guest.pk, order_id=booking.order_id) is None
    assert selectors.mypage_get(guest_id=guest_minji.pk, order_id=booking.order_id + 1) is None


def test_a_short_mypage_list_is_one_query_and_its_filters_still_apply(api_client, guest_minji):
    book(guest_minji)
    book(guest_minji, hotel_name="부산 해운대 호텔")
    drain_outbox()
    api_client.force_authenticate(guest_minji)

    # No filter named: no filter set is built; a page short of full tells the count itself.
    for query in ({}, {"unrelated": "1"}):
        with CaptureQueriesContext(connection) as queries:
            body = api_client.get(MYPAGE, query).json()
        assert body["count"] == 2
        assert len(queries) == 1
        assert "COUNT(" not in queries.captured_queries[0]["sql"]

    assert api_client.get(MYPAGE, {"check_in_after": "someday"}).status_code == 400
    assert api_client.get(MYPAGE, {"check_in_after": "2999-01-01"}).json()["count"] == 0


def test_the_unfiltered_list_reads_what_the_filtered_one_reads(api_client, guest_minji):
    # The unfiltered page is read by hand-written SQL, a filtered one by the ORM: same entries,
    # same fields, in both languages.
    confirmed, rejected, paid = book(guest_minji), book(guest_minji), book(guest_minji)
    publish_events(confirmed.requested())
    publish_events(confirmed.confirmed())
    publish_events(rejected.requested())
    publish_events(rejected.rejected("만실"))
    drain_outbox()
    api_client.force_authenticate(guest_minji)

    for language in ("ko", "en"):
        usual = api_client.get(MYPAGE, HTTP_ACCEPT_LANGUAGE=language).json()
        filtered = api_client.get(
            MYPAGE, {"check_in_after": "2000-01-01"}, HTTP_ACCEPT_LANGUAGE=language
        ).json()
        assert usual == filtered
        assert [row["order_id"] for row in usual["results"]] == [
            paid.order_id,
            rejected.order_id,
            confirmed.order_id,
        ]
        assert [row["status"] for row in usual["results"]] == ["paid", "rejected", "confirmed"]


def test_a_full_page_of_the_mypage_counts_the_list_and_links_the_next(api_client, guest_minji):
    bookings = [book(guest_minji) for _ in range(21)]  # a page holds 20
    drain_outbox()
    api_client.force_authenticate(guest_minji)

    first = api_client.get(MYPAGE).json()
    second = api_client.get(MYPAGE, {"page": 2}).json()

    assert (first["count"], len(first["results"])) == (21, 20)
    assert first["next"].endswith("?page=2")
    newest_first = [booking.order_id for booking in reversed(bookings)]
    assert [row["order_id"] for row in first["results"]] == newest_first[:20]
    assert (second["count"], second["next"]) == (21, None)
    assert [row["order_id"] for row in second["results"]] == newest_first[20:]
    assert api_client.get(MYPAGE, {"page": 3}).status_code == 404


def test_an_entry_without_timeline_steps_is_read_with_an_empty_timeline(api_client, guest_minji):
    entry = MypageEntry.objects.create(
        order_id=8801,
        guest_id=guest_minji.pk,
        status="paid",
        booked_at=at(2, 9),
        last_sequence=1,
        updated_at=at(2, 9),
    )
    api_client.force_authenticate(guest_minji)

    body = api_client.get(f"{MYPAGE}{entry.order_id}/").json()

    assert (body["order_id"], body["status"], body["timeline"]) == (8801, "paid", [])
    assert body["booked_at"] == "2026-03-02T09:00:00+09:00"


def test_the_notification_log_lists_own_messages_masked(api_client, guest_minji, other_guest):
    booking = book(guest_minji)
    book(other_guest)
    publish_events(booking.requested())
    publish_events(booking.confirmed())
    drain_outbox()
    api_client.force_authenticate(guest_minji)

    response = api_client.get(NOTIFICATIONS)

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [(row["kind"], row["channel"], row["status"]) for row in rows] == [
        ("confirmed", "kakao", "sent"),
        ("booked", "kakao", "sent"),
    ]
    assert {row["order_id"] for row in rows} == {booking.order_id}
    assert rows[1]["recipient"] == "010-****-5678"
    assert rows[1]["template_code"] == "HOTEL_BOOKED"
    assert rows[1]["attempts"] == 1
    assert rows[1]["provider_message_id"]
    assert rows[1]["sent_at"] is not None
    assert rows[1]["body"].startswith("[서울 한강 호텔] 예약 접수 완료\n김민지님,")
    assert "01012345678" not in response.content.decode()
    filtered = api_client.get(NOTIFICATIONS, {"kind": "booked"}).json()["results"]
    assert [row["kind"] for row in filtered] == ["booked"]
