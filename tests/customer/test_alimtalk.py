"""The AlimTalk adapter against a local HTTP server standing in for NHN Cloud's API."""

import json
import time

import pytest
from django.utils import timezone
from werkzeug import Request, Response

from apps.customer.models import Notification
from hotel.eventbus.models import Delivery
from hotel.eventbus.testing import drain_outbox
from hotel.notification_channels import ChannelError, OutgoingMessage
from hotel.notification_channels.alimtalk import AlimtalkBackend
from tests.customer.booking_events import Booking, publish_events
from tests.customer.factories import GuestProfileFactory

APPKEY = "app-key-123"
SECRET = "secret-456"
SENDER = "sender-key-789"
PATH = f"/alimtalk/v2.3/appkeys/{APPKEY}/messages"
KEY = "6f1c8e0a-1111-4222-8333-944455556666"

SUCCESS = {
    "header": {"resultCode": 0, "resultMessage": "SUCCESS", "isSuccessful": True},
    "message": {
        "requestId": "20260301100000abcDEF01",
        "senderGroupingKey": KEY,
        "sendResults": [
            {
                "recipientSeq": 1,
                "recipientNo": "01012345678",
                "resultCode": 0,
                "resultMessage": "SUCCESS",
                "recipientGroupingKey": KEY,
            }
        ],
    },
}


def message(**overrides) -> OutgoingMessage:
    fields = {
        "idempotency_key": KEY,
        "kind": "confirmed",
        "channel": "kakao",
        "language": "ko",
        "recipient": "01012345678",
        "recipient_masked": "010-****-5678",
        "template_code": "HOTEL_CONFIRMED",
        "parameters": {"hotel_name": "서울 한강 호텔", "guest_name": "김민지"},
        "title": "예약 확정",
        "body": "[서울 한강 호텔] 예약 확정\n김민지님, 호텔이 예약을 확정했습니다.",
    }
    return OutgoingMessage(**{**fields, **overrides})


def backend(httpserver, **options) -> AlimtalkBackend:
    return AlimtalkBackend(
        base_url=httpserver.url_for("/"),
        appkey=APPKEY,
        secret_key=SECRET,
        sender_key=SENDER,
        timeout_seconds=options.pop("timeout_seconds", 2.0),
        resend_enabled=options.pop("resend_enabled", False),
        resend_send_no=options.pop("resend_send_no", ""),
    )


def expected_body(**recipient_extra) -> dict:
    return {
        "senderKey": SENDER,
        "templateCode": "HOTEL_CONFIRMED",
        "senderGroupingKey": KEY,
        "recipientList": [
            {
                "recipientNo": "01012345678",
                "templateParameter": {"hotel_name": "서울 한강 호텔", "guest_name": "김민지"},
                "recipientGroupingKey": KEY,
                **recipient_extra,
            }
        ],
    }


def test_a_send_posts_the_template_and_returns_the_request_id(httpserver):
    httpserver.expect_oneshot_request(
        PATH,
        method="POST",
        headers={"X-Secret-Key": SECRET, "X-Idempotency-Key": KEY},
        json=expected_body(),
    ).respond_with_json(SUCCESS)

    result = backend(httpserver).send(message())

    assert result.provider_message_id == "20260301100000abcDEF01"
    httpserver.check_assertions()
    (request, _response) = httpserver.log[0]
    assert request.headers["Content-Type"].startswith("application/json")


def test_the_sms_fallback_goes_as_lms_with_the_same_text(httpserver):
    body = message().body + "\n\n- 예약 번호: HT-2026-5001\n- 일정: 2026.04.10(금) ~ 2026.04.12(일)"
    assert len(body.encode("euc-kr")) > 90
    httpserver.expect_oneshot_request(
        PATH,
        method="POST",
        json=expected_body(
            resendParameter={
                "isResend": True,
                "resendType": "LMS",
                "resendContent": body,
                "resendTitle": "예약 확정",
                "resendSendNo": "0212345678",
            }
        ),
    ).respond_with_json(SUCCESS)

    backend(httpserver, resend_enabled=True, resend_send_no="0212345678").send(message(body=body))

    httpserver.check_assertions()


def test_a_short_fallback_goes_as_sms(httpserver):
    captured = []

    def handler(request: Request) -> Response:
        captured.append(json.loads(request.get_data()))
        return Response(json.dumps(SUCCESS), content_type="application/json")

    httpserver.expect_oneshot_request(PATH, method="POST").respond_with_handler(handler)

    backend(httpserver, resend_enabled=True).send(message(body="예약 확정"))

    resend = captured[0]["recipientList"][0]["resendParameter"]
    assert resend == {"isResend": True, "resendType": "SMS", "resendContent": "예약 확정"}


def test_a_provider_error_raises_with_its_message(httpserver):
    httpserver.expect_oneshot_request(PATH, method="POST").respond_with_json(
        {
            "header": {
                "resultCode": -1021,
                "resultMessage": "Invalid template code",
                "isSuccessful": False,
            },
            "message": None,
        }
    )

    with pytest.raises(ChannelError, match=r"resultCode -1021: Invalid template code"):
        backend(httpserver).send(message())


def test_a_refused_recipient_is_an_error(httpserver):
    refused = json.loads(json.dumps(SUCCESS))
    refused["message"]["sendResults"][0].update(resultCode=-3019, resultMessage="Not a user")
    httpserver.expect_oneshot_request(PATH, method="POST").respond_with_json(refused)

    with pytest.raises(ChannelError, match=r"recipient refused, resultCode -3019: Not a user"):
        backend(httpserver).send(message())


def test_a_server_error_raises(httpserver):
    httpserver.expect_oneshot_request(PATH, method="POST").respond_with_data(
        "upstream down", status=502
    )

    with pytest.raises(ChannelError, match="HTTP 502"):
        backend(httpserver).send(message())


def test_a_slow_provider_times_out(httpserver):
    def slow(request: Request) -> Response:
        time.sleep(0.6)
        return Response(json.dumps(SUCCESS), content_type="application/json")

    httpserver.expect_oneshot_request(PATH, method="POST").respond_with_handler(slow)

    started = time.monotonic()
    with pytest.raises(ChannelError, match="timed out"):
        backend(httpserver, timeout_seconds=0.2).send(message())
    assert time.monotonic() - started < 0.55
    # The server answers late; let that answer go out now, not into the next test's log.
    deadline = time.monotonic() + 5
    while not httpserver.log and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(httpserver.log) == 1


# --- through the notify handler ---------------------------------------------------------------


@pytest.fixture
def alimtalk_settings(settings, httpserver):
    settings.NOTIFICATION_BACKEND = "alimtalk"
    settings.ALIMTALK_BASE_URL = httpserver.url_for("/")
    settings.ALIMTALK_APPKEY = APPKEY
    settings.ALIMTALK_SECRET_KEY = SECRET
    settings.ALIMTALK_SENDER_KEY = SENDER
    settings.ALIMTALK_TIMEOUT_SECONDS = 2.0
    return settings


@pytest.mark.django_db(transaction=True)
def test_the_notify_handler_sends_through_alimtalk_once(alimtalk_settings, httpserver):
    guest = GuestProfileFactory(name="김민지", phone="01012345678").user
    booking = Booking(guest_id=guest.pk)
    captured = []

    def handler(request: Request) -> Response:
        captured.append((request.headers.get("X-Idempotency-Key"), json.loads(request.get_data())))
        return Response(json.dumps(SUCCESS), content_type="application/json")

    httpserver.expect_request(
        PATH, method="POST", headers={"X-Secret-Key": SECRET}
    ).respond_with_handler(handler)
    publish_events(booking.placed(), booking.approved())

    drain_outbox()
    Delivery.objects.update(state="pending", attempts=0)
    drain_outbox()

    notification = Notification.objects.get()
    assert (notification.status, notification.provider_message_id, notification.attempts) == (
        "sent",
        "20260301100000abcDEF01",
        1,
    )
    assert len(captured) == 1
    key, body = captured[0]
    assert key == str(notification.idempotency_key)
    assert (body["senderKey"], body["templateCode"]) == (SENDER, "HOTEL_BOOKED")
    assert body["recipientList"][0]["recipientNo"] == "01012345678"
    assert body["recipientList"][0]["templateParameter"] == {
        "hotel_name": "서울 한강 호텔",
        "guest_name": "김민지",
        "order_reference": booking.reference,
        "room_type_name": "디럭스 더블",
        "check_in": "2026.04.10(금)",
        "check_out": "2026.04.12(일)",
        "nights": "2박",
        "guests": "2명",
        "total": "200,000원",
    }


@pytest.mark.django_db(transaction=True)
def test_a_provider_error_is_logged_and_retried(alimtalk_settings, httpserver):
    guest = GuestProfileFactory().user
    httpserver.expect_ordered_request(PATH, method="POST").respond_with_json(
        {"header": {"resultCode": -9999, "resultMessage": "System error", "isSuccessful": False}}
    )
    httpserver.expect_ordered_request(PATH, method="POST").respond_with_json(SUCCESS)
    publish_events(Booking(guest_id=guest.pk).placed())

    first = drain_outbox()
    notification = Notification.objects.get()
    assert len(first.retried) == 1
    assert (notification.status, notification.attempts) == ("failed", 1)
    assert "resultCode -9999: System error" in notification.last_error
    assert "System error" in Delivery.objects.get(handler="customer.notify").last_error

    Delivery.objects.filter(state="pending").update(available_at=timezone.now())
    drain_outbox()

    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == ("sent", 2)
    assert notification.provider_message_id == "20260301100000abcDEF01"
    keys = {request.headers["X-Idempotency-Key"] for request, _ in httpserver.log}
    assert keys == {str(notification.idempotency_key)}
