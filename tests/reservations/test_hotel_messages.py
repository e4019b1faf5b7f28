"""The hotel is told: a message for each new request and each guest cancellation, per channel,
exactly once, through the guests' channels; skipped (and logged) when it cannot or does not
want to hear; nothing for what the hotel did itself."""

import json
import logging
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from werkzeug import Request, Response

from apps.reservations import services
from apps.reservations.handlers import HOTEL_MESSAGES
from apps.reservations.models import Actor, HotelNotification, Reservation
from apps.reservations.services.hotel_messages import (
    HotelNotificationNotSent,
    ReservationNews,
    hotel_notifications_send_for_events,
)
from hotel.eventbus.models import Delivery
from hotel.eventbus.subscriptions import runs_in_transaction, takes_batches
from hotel.eventbus.testing import drain_outbox
from hotel.message_formats import format_local_time
from hotel.notification_channels import locmem
from tests.customer.factories import GuestProfileFactory
from tests.reservations.factories import (
    CancellationPolicyFactory,
    HotelierFactory,
    requested_reservation,
)

pytestmark = pytest.mark.django_db(transaction=True)

APPKEY, SECRET, SENDER = "app-key-123", "secret-456", "sender-key-789"
PATH = f"/alimtalk/v2.3/appkeys/{APPKEY}/messages"
NOTIFICATIONS = HotelNotification._meta.db_table
RESERVATIONS = Reservation._meta.db_table


def alimtalk_success(request_id: str) -> dict:
    return {
        "header": {"resultCode": 0, "resultMessage": "SUCCESS", "isSuccessful": True},
        "message": {"requestId": request_id, "sendResults": [{"resultCode": 0}]},
    }


@pytest.fixture(autouse=True)
def kakao_outbox(settings):
    """KakaoTalk messages go to the locmem outbox (e-mail off unless a test turns it on)."""
    settings.NOTIFICATION_BACKEND = "locmem"
    settings.NOTIFICATION_CHANNELS = ["kakao"]
    locmem.outbox.clear()
    yield locmem.outbox
    locmem.outbox.clear()


@pytest.fixture
def hotel(room_type):
    """The hotel of ``room_type``, reachable on KakaoTalk and by e-mail, in Korean."""
    hotel = room_type.hotel
    hotel.name = "서울 한강 호텔"
    hotel.contact_phone = "01098765432"
    hotel.contact_email = "front@hanriver.example"
    hotel.save()
    return hotel


@pytest.fixture
def minji(guest):
    """The booking guest, named 김민지 (no phone: the guest's own KakaoTalk stays quiet)."""
    GuestProfileFactory(user=guest, name="김민지", phone="")
    return guest


def book(guest_client, booking, **changes) -> Reservation:
    """A paid booking through the API, its events drained: the hotel's reservation request."""
    response = guest_client.post("/api/orders/", booking(**changes), format="json")
    assert response.status_code == 201, response.data
    drain_outbox()
    return Reservation.objects.get(order_id=response.data["id"])


def cancel(guest_client, reservation: Reservation) -> None:
    response = guest_client.post(
        f"/api/orders/{reservation.order_id}/cancel/", {"reason": "일정 변경"}, format="json"
    )
    assert response.status_code == 200, response.data
    drain_outbox()


def hotel_log() -> list[tuple]:
    return list(
        HotelNotification.objects.order_by("id").values_list(
            "kind", "channel", "status", "attempts", "skip_reason", "recipient_masked"
        )
    )


def hotel_mail() -> list:
    """E-mail to the hotel (the guest's own messages go to the guest's address)."""
    return [message for message in mail.outbox if message.to == ["front@hanriver.example"]]


def redeliver() -> None:
    """Every handled delivery to the hotel's messages, once more (a worker crash, a replay)."""
    Delivery.objects.filter(handler=HOTEL_MESSAGES).update(state="pending", attempts=0)


def make_due() -> None:
    """Skip the backoff wait: every pending delivery is due now."""
    Delivery.objects.filter(state="pending").update(available_at=timezone.now())


# --- A new request ----------------------------------------------------------------------------


@pytest.fixture
def alimtalk(settings, httpserver):
    settings.NOTIFICATION_BACKEND = "alimtalk"
    settings.ALIMTALK_BASE_URL = httpserver.url_for("/")
    settings.ALIMTALK_APPKEY = APPKEY
    settings.ALIMTALK_SECRET_KEY = SECRET
    settings.ALIMTALK_SENDER_KEY = SENDER
    settings.ALIMTALK_TIMEOUT_SECONDS = 2.0
    return httpserver


def test_a_new_request_reaches_the_hotel_by_alimtalk_once(
    alimtalk, hotel, minji, guest_client, booking
):
    captured = []

    def provider(request: Request) -> Response:
        captured.append((request.headers.get("X-Idempotency-Key"), json.loads(request.get_data())))
        answer = alimtalk_success(f"req-{len(captured)}")
        return Response(json.dumps(answer), content_type="application/json")

    alimtalk.expect_request(
        PATH, method="POST", headers={"X-Secret-Key": SECRET}
    ).respond_with_handler(provider)

    reservation = book(guest_client, booking, days_ahead=7, nights=2)
    # The delivery is handled again (a worker took it over, an operator replayed it).
    redeliver()
    result = drain_outbox()

    assert (result.retried, result.dead) == ([], [])
    assert len(captured) == 1  # one message, however often the event was delivered
    notification = HotelNotification.objects.get()
    assert (notification.kind, notification.channel, notification.status) == (
        "new_request",
        "kakao",
        "sent",
    )
    assert (notification.attempts, notification.provider_message_id) == (1, "req-1")
    assert (notification.recipient_masked, notification.reservation_id) == (
        "010-****-5432",
        reservation.pk,
    )
    key, body = captured[0]
    assert key == str(notification.idempotency_key)
    assert (body["senderKey"], body["templateCode"]) == (SENDER, "HOTELIER_NEW_REQUEST")
    assert body["recipientList"][0]["recipientNo"] == "01098765432"
    check_in = reservation.check_in
    parameters = body["recipientList"][0]["templateParameter"]
    assert parameters == {
        "hotel_name": "서울 한강 호텔",
        "order_reference": reservation.order_reference,
        "guest_name": "김*지",
        "room_type_name": reservation.room_type.name,
        "check_in": parameters["check_in"],
        "check_out": parameters["check_out"],
        "nights": "2박",
        "guests": "2명",
        "total": "200,000원",
        "decision_deadline": format_local_time(
            reservation.decision_deadline, time_zone="Asia/Seoul", language="ko"
        ),
    }
    assert parameters["check_in"].startswith(f"{check_in:%Y.%m.%d}(")
    assert parameters["check_out"].startswith(f"{check_in + timedelta(days=2):%Y.%m.%d}(")
    assert notification.body.startswith(
        "[서울 한강 호텔] 새 예약 요청\n"
        "새 예약 요청이 도착했습니다. 관리자 페이지에서 확정 또는 거절해 주세요.\n\n"
        f"- 예약 번호: {reservation.order_reference}\n- 예약자: 김*지\n"
    )
    assert "김민지" not in notification.body


def test_a_failed_send_is_retried_by_the_outbox_and_reaches_the_hotel_once(
    alimtalk, hotel, minji, guest_client, booking
):
    alimtalk.expect_ordered_request(PATH, method="POST").respond_with_json(
        {"header": {"resultCode": -9999, "resultMessage": "System error", "isSuccessful": False}}
    )
    alimtalk.expect_ordered_request(PATH, method="POST").respond_with_json(
        alimtalk_success("req-ok")
    )

    book(guest_client, booking)

    notification = HotelNotification.objects.get()
    assert (notification.status, notification.attempts) == ("failed", 1)
    assert "resultCode -9999: System error" in notification.last_error
    delivery = Delivery.objects.get(handler=HOTEL_MESSAGES)
    assert (delivery.state, delivery.attempts) == ("pending", 1)
    assert "HotelNotificationNotSent" in delivery.last_error

    make_due()
    drain_outbox()
    redeliver()
    drain_outbox()

    notification.refresh_from_db()
    assert (notification.status, notification.attempts, notification.last_error) == (
        "sent",
        2,
        "",
    )
    assert notification.provider_message_id == "req-ok"
    alimtalk.check_assertions()
    assert len(alimtalk.log) == 2  # the failed attempt and the one that went out; no third
    keys = {request.headers["X-Idempotency-Key"] for request, _ in alimtalk.log}
    assert keys == {str(notification.idempotency_key)}


def test_both_channels_in_the_hotels_language(settings, hotel, minji, guest_client, booking):
    settings.NOTIFICATION_CHANNELS = ["kakao", "email"]
    settings.NOTIFICATION_EMAIL_FROM = "hotel <no-reply@hotel.example>"
    hotel.name = "Han River Hotel"
    hotel.message_language = "en"
    hotel.save()

    reservation = book(guest_client, booking, nights=1)

    (kakao,) = locmem.outbox  # the guest has no phone on file
    (email,) = hotel_mail()
    assert (kakao.kind, kakao.language, kakao.template_code, kakao.recipient) == (
        "new_request",
        "en",
        "HOTELIER_NEW_REQUEST_EN",
        "01098765432",
    )
    deadline = format_local_time(
        reservation.decision_deadline, time_zone="Asia/Seoul", language="en"
    )
    check_in, check_out = kakao.parameters["check_in"], kakao.parameters["check_out"]
    assert kakao.body == (
        "[Han River Hotel] New reservation request\n"
        "A new reservation request has arrived. Please confirm or reject it in the admin.\n"
        "\n"
        f"- Booking no.: {reservation.order_reference}\n"
        "- Guest: 김*지\n"
        f"- Room: {reservation.room_type.name}\n"
        f"- Stay: {check_in} - {check_out} (1 night)\n"
        "- Guests: 2 guests\n"
        "- Paid: KRW 100,000\n"
        f"- Answer by: {deadline}"
    )
    assert (email.subject, email.body) == ("[Han River Hotel] New reservation request", kakao.body)
    assert hotel_log() == [
        ("new_request", "kakao", "sent", 1, "", "010-****-5432"),
        ("new_request", "email", "sent", 1, "", "fr***@hanriver.example"),
    ]


def test_template_codes_come_from_settings(settings, hotel, minji, guest_client, booking):
    settings.ALIMTALK_TEMPLATE_CODES = {"new_request": "HN001", "booked": "HB001"}

    book(guest_client, booking)

    assert [m.template_code for m in locmem.outbox] == ["HN001"]
    assert HotelNotification.objects.get().template_code == "HN001"


# --- Who is not told --------------------------------------------------------------------------


def test_a_hotel_that_opted_out_gets_nothing_and_the_skip_is_recorded(
    settings, hotel, minji, guest_client, booking, caplog
):
    settings.NOTIFICATION_CHANNELS = ["kakao", "email"]
    hotel.messages_opt_out = True
    hotel.save()

    with caplog.at_level(logging.INFO, logger="apps.reservations.hotel_messages"):
        reservation = book(guest_client, booking)
        cancel(guest_client, reservation)

    assert (locmem.outbox, hotel_mail()) == ([], [])
    opted_out = "hotel opted out of messages per request"
    assert hotel_log() == [
        ("new_request", "kakao", "skipped", 0, opted_out, "010-****-5432"),
        ("new_request", "email", "skipped", 0, opted_out, "fr***@hanriver.example"),
        ("guest_cancelled", "kakao", "skipped", 0, opted_out, "010-****-5432"),
        ("guest_cancelled", "email", "skipped", 0, opted_out, "fr***@hanriver.example"),
    ]
    assert f"kakao message new_request to hotel {hotel.pk} skipped: hotel opted out" in caplog.text
    assert set(Delivery.objects.values_list("state", flat=True)) == {"done"}


def test_a_hotel_without_a_contact_is_skipped_with_the_reason(
    settings, room_type, minji, guest_client, booking
):
    settings.NOTIFICATION_CHANNELS = ["kakao", "email"]

    book(guest_client, booking)

    assert locmem.outbox == []
    assert {tuple(message.to) for message in mail.outbox} == {(minji.email,)}  # the guest's
    assert hotel_log() == [
        ("new_request", "kakao", "skipped", 0, "no mobile phone number on file", ""),
        ("new_request", "email", "skipped", 0, "no e-mail address on file", ""),
    ]


def test_what_the_hotel_did_itself_sends_the_hotel_nothing(hotel, minji, guest_client, booking):
    hotelier = HotelierFactory(hotels=[hotel])
    rejected = book(guest_client, booking, days_ahead=5)
    cancelled = book(guest_client, booking, days_ahead=9)
    locmem.outbox.clear()

    services.reservation_reject(reservation_id=rejected.pk, by=hotelier, reason="객실 점검")
    services.reservation_cancel_for_order(
        order_id=cancelled.order_id,
        reason="단수 공사",
        cancelled_at=timezone.now(),
        cancelled_by=Actor.HOTEL,
    )
    result = drain_outbox()

    assert (result.retried, result.dead) == ([], [])
    assert locmem.outbox == []
    assert [kind for kind, *_ in hotel_log()] == ["new_request", "new_request"]
    # A rejection has no delivery to the hotel's messages at all; the hotel's cancellation has
    # one, handled without a message.
    told = Delivery.objects.filter(handler=HOTEL_MESSAGES).values_list("event__event_type", "state")
    assert sorted(told) == [
        ("reservations.ReservationCancelled", "done"),
        ("reservations.ReservationRequested", "done"),
        ("reservations.ReservationRequested", "done"),
    ]


# --- The guest's cancellation -----------------------------------------------------------------


def test_the_guests_cancellation_tells_the_hotel_the_fee_kept_and_the_refund(
    hotel, minji, guest_client, booking
):
    CancellationPolicyFactory(hotel=hotel, free_until_days_before=10, fee_percent=30)
    reservation = book(guest_client, booking, days_ahead=7, nights=2)

    cancel(guest_client, reservation)
    redeliver()
    drain_outbox()

    assert [m.kind for m in locmem.outbox] == ["new_request", "guest_cancelled"]
    message = locmem.outbox[1]
    assert message.template_code == "HOTELIER_GUEST_CANCELLED"
    stay = f"{message.parameters['check_in']} ~ {message.parameters['check_out']} (2박)"
    assert message.body == (
        "[서울 한강 호텔] 예약 취소 안내\n"
        "예약자가 예약을 취소했습니다. 객실은 다시 예약할 수 있는 상태로 돌아갔습니다.\n"
        "\n"
        f"- 예약 번호: {reservation.order_reference}\n"
        "- 예약자: 김*지\n"
        f"- 객실: {reservation.room_type.name}\n"
        f"- 일정: {stay}\n"
        "- 취소 수수료: 60,000원\n"
        "- 예약자 환불 금액: 140,000원"
    )
    assert hotel_log() == [
        ("new_request", "kakao", "sent", 1, "", "010-****-5432"),
        ("guest_cancelled", "kakao", "sent", 1, "", "010-****-5432"),
    ]


# --- Cost: a batch in a constant number of statements -----------------------------------------


def shape(sql: str) -> tuple[str, str]:
    """A statement's first word and the table it reads or writes first."""
    return sql.split()[0], re.findall(r'(?:FROM|INTO|UPDATE) "(\w+)"', sql)[0]


@pytest.mark.parametrize("size", [1, 12])
def test_a_batch_costs_three_statements_whatever_its_size(settings, hotel, room_type, size):
    settings.NOTIFICATION_CHANNELS = ["kakao", "email"]
    today = room_type.hotel.local_today()
    reservations = [
        requested_reservation(room_type, check_in=today + timedelta(days=3 + 2 * n))
        for n in range(size)
    ]
    news = [
        ReservationNews(event_id=event_id, reservation_id=reservation.pk, kind="new_request")
        for reservation, event_id in zip(reservations, requested_event_ids(), strict=True)
    ]

    with CaptureQueriesContext(connection) as queries:
        notifications = hotel_notifications_send_for_events(news=news)

    assert [shape(query["sql"]) for query in queries.captured_queries] == [
        ("SELECT", RESERVATIONS),  # the reservations with their hotel, room type, cancellation
        ("INSERT", NOTIFICATIONS),  # every first attempt, ON CONFLICT DO NOTHING
        ("UPDATE", NOTIFICATIONS),  # every sent one
    ]
    assert [(n.status, n.attempts) for n in notifications] == [("sent", 1)] * 2 * size
    assert len(locmem.outbox) == size
    assert len(mail.outbox) == size

    # Delivered again: one read finds every message final; nothing leaves.
    with CaptureQueriesContext(connection) as queries:
        again = hotel_notifications_send_for_events(news=news)

    assert [shape(query["sql"]) for query in queries.captured_queries] == [
        ("SELECT", RESERVATIONS),
        ("INSERT", NOTIFICATIONS),  # inserts nothing
        ("SELECT", NOTIFICATIONS),
    ]
    assert [n.pk for n in again] == [n.pk for n in notifications]
    assert (len(locmem.outbox), len(mail.outbox)) == (size, size)


def requested_event_ids():
    """The stored ReservationRequested events' ids, in publication order."""
    return list(
        Delivery.objects.filter(handler=HOTEL_MESSAGES)
        .order_by("id")
        .values_list("event__event_id", flat=True)
    )


def test_the_worker_hands_a_rounds_requests_to_the_handler_in_one_call(
    hotel, room_type, monkeypatch
):
    from apps.reservations import handlers

    calls = []
    send = handlers.hotel_notifications_send_for_events

    def counting(*, news):
        calls.append(len(news))
        return send(news=news)

    monkeypatch.setattr(handlers, "hotel_notifications_send_for_events", counting)
    for _ in range(5):
        requested_reservation(room_type)

    result = drain_outbox()

    assert (result.retried, result.dead) == ([], [])
    assert (takes_batches(HOTEL_MESSAGES), runs_in_transaction(HOTEL_MESSAGES)) == (True, False)
    assert calls == [5]
    assert len(locmem.outbox) == 5


def test_a_failing_channel_raises_after_every_message_was_tried(settings, hotel, room_type):
    settings.NOTIFICATION_BACKEND = "tests.customer.failing_channel.FlakyBackend"
    from tests.customer import failing_channel

    failing_channel.attempts.clear()
    failing_channel.failures_left["count"] = 1
    reservations = [requested_reservation(room_type) for _ in range(3)]
    news = [
        ReservationNews(event_id=event_id, reservation_id=reservation.pk, kind="new_request")
        for reservation, event_id in zip(reservations, requested_event_ids(), strict=True)
    ]

    with pytest.raises(HotelNotificationNotSent, match="kakao: provider said"):
        hotel_notifications_send_for_events(news=news)

    assert [status for _, _, status, *_ in hotel_log()] == ["failed", "sent", "sent"]
    assert len(failing_channel.attempts) == 3
    failing_channel.failures_left["count"] = 0


# --- The admin: the contact is the hotelier's to edit, the message log theirs to read ----------


def hotel_form(client, hotel, **changes) -> dict:
    """The hotel's change form as the admin shows it, with ``changes`` typed in."""
    page = client.get(f"/admin/reservations/hotel/{hotel.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {name: "" if value is None else value for name, value in data.items()}
    return {name: value for name, value in {**data, **changes}.items() if value is not False}


def test_a_hotelier_sets_the_hotels_contact_in_the_admin(client, hotel):
    client.force_login(HotelierFactory(hotels=[hotel]))

    refused = client.post(
        f"/admin/reservations/hotel/{hotel.pk}/change/",
        hotel_form(client, hotel, contact_phone="02-1234-5678"),
    )
    saved = client.post(
        f"/admin/reservations/hotel/{hotel.pk}/change/",
        hotel_form(
            client,
            hotel,
            contact_phone="010-2222-3333",
            contact_email="desk@hanriver.example",
            message_language="en",
            digest_opt_out="on",
        ),
    )

    assert refused.status_code == 200
    # The hotelier's browser asked for no language: the admin answers in Korean.
    assert "한국 휴대전화 번호를 입력해 주세요" in str(refused.context["adminform"].form.errors)
    assert saved.status_code == 302
    hotel.refresh_from_db()
    assert (
        hotel.contact_phone,
        hotel.contact_email,
        hotel.message_language,
        hotel.messages_opt_out,
        hotel.digest_opt_out,
    ) == ("01022223333", "desk@hanriver.example", "en", False, True)


def test_a_hotelier_reads_their_own_hotels_messages_only(
    client, hotel, minji, guest_client, booking, room_type_b
):
    other = room_type_b.hotel
    other.contact_phone = "01055556666"
    other.save()
    ours = book(guest_client, booking)
    theirs = book(guest_client, booking, room=room_type_b)
    mine = HotelNotification.objects.get(reservation=ours)
    not_mine = HotelNotification.objects.get(reservation=theirs)
    client.force_login(HotelierFactory(hotels=[hotel]))

    listed = client.get("/admin/reservations/hotelnotification/")
    own = client.get(f"/admin/reservations/hotelnotification/{mine.pk}/change/")
    foreign = client.get(f"/admin/reservations/hotelnotification/{not_mine.pk}/change/")
    search = "/admin/reservations/hotelnotification/"
    found = client.get(search, {"q": ours.order_reference})
    hidden = client.get(search, {"q": theirs.order_reference})

    assert [n.pk for n in listed.context["cl"].result_list] == [mine.pk]
    assert own.status_code == 200
    assert "010-****-5432" in own.content.decode()
    assert 'name="body"' not in own.content.decode()  # read-only: no form field to edit
    assert (foreign.status_code, foreign["Location"]) == (302, "/admin/")
    assert [n.pk for n in found.context["cl"].result_list] == [mine.pk]
    assert list(hidden.context["cl"].result_list) == []
    assert (
        client.post(f"/admin/reservations/hotelnotification/{mine.pk}/delete/").status_code == 403
    )
