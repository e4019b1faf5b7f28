"""KakaoTalk (and e-mail) messages: one per guest-visible change, logged, retried, skipped."""

import logging
import uuid

import pytest
from django.core import mail
from django.utils import timezone

from apps.customer.models import Notification
from apps.customer.notifications.services import ProjectionBehind, notifications_send_for_event
from hotel.eventbus.models import Delivery
from hotel.eventbus.testing import drain_outbox
from tests.customer import failing_channel
from tests.customer.booking_events import Booking, publish_events
from tests.customer.factories import GuestProfileFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def flaky(settings):
    settings.NOTIFICATION_BACKEND = "tests.customer.failing_channel.FlakyBackend"
    failing_channel.attempts.clear()
    failing_channel.failures_left["count"] = 0
    yield failing_channel.failures_left
    failing_channel.failures_left["count"] = 0


def make_due() -> None:
    """Skip the backoff wait: every pending delivery is due now."""
    Delivery.objects.filter(state="pending").update(available_at=timezone.now())


def test_events_queued_together_are_projected_then_sent_in_order_without_retries(kakao_outbox):
    guest = GuestProfileFactory().user
    booking = Booking(guest_id=guest.pk)
    publish_events(booking.placed(), booking.approved())
    publish_events(booking.requested())
    publish_events(booking.rejected())
    publish_events(booking.refunded(amount_krw=200_000))

    result = drain_outbox()

    assert (result.retried, result.dead) == ([], [])
    assert [m.kind for m in kakao_outbox] == ["booked", "rejected", "refunded"]


def test_english_guests_get_english_messages_with_krw(kakao_outbox):
    guest = GuestProfileFactory(name="Jane", language="en").user
    booking = Booking(guest_id=guest.pk, hotel_name="Han River Hotel", room_type_name="Deluxe")
    publish_events(booking.placed(), booking.approved())
    publish_events(booking.requested())
    publish_events(booking.order_cancelled())
    publish_events(booking.reservation_cancelled(fee_krw=50_000))

    drain_outbox()

    assert [(m.kind, m.language, m.template_code) for m in kakao_outbox] == [
        ("booked", "en", "HOTEL_BOOKED_EN"),
        ("cancelled", "en", "HOTEL_CANCELLED_EN"),
    ]
    assert kakao_outbox[1].body == (
        "[Han River Hotel] Booking cancelled\n"
        "Jane, your booking has been cancelled.\n"
        "\n"
        f"- Booking no.: {booking.reference}\n"
        "- Stay: Fri 10 Apr 2026 - Sun 12 Apr 2026 (2 nights)\n"
        "- Cancellation fee: KRW 50,000\n"
        "- Refund due: KRW 150,000"
    )
    assert kakao_outbox[0].parameters["total"] == "KRW 200,000"


def test_template_codes_come_from_settings(settings, kakao_outbox):
    settings.ALIMTALK_TEMPLATE_CODES = {"booked": "HB001"}
    guest = GuestProfileFactory().user
    publish_events(Booking(guest_id=guest.pk).placed())

    drain_outbox()

    assert [m.template_code for m in kakao_outbox] == ["HB001"]
    assert Notification.objects.get().template_code == "HB001"


def test_a_guest_who_opted_out_is_skipped_and_logged(kakao_outbox, caplog):
    guest = GuestProfileFactory(kakao_opt_out=True, phone="01098765432").user
    booking = Booking(guest_id=guest.pk)
    publish_events(booking.placed(), booking.approved())

    with caplog.at_level(logging.INFO, logger="apps.customer.notifications"):
        result = drain_outbox()

    assert kakao_outbox == []
    assert (result.retried, result.dead) == ([], [])
    notification = Notification.objects.get()
    assert (notification.status, notification.skip_reason, notification.recipient_masked) == (
        "skipped",
        "guest opted out of KakaoTalk messages",
        "010-****-5432",
    )
    assert (notification.attempts, notification.sent_at) == (0, None)
    assert f"kakao message booked for order {booking.order_id} skipped: guest opted out" in (
        caplog.text
    )


def test_a_guest_without_a_phone_number_is_skipped_and_logged(kakao_outbox, caplog):
    guest = GuestProfileFactory(phone="").user
    booking = Booking(guest_id=guest.pk)
    publish_events(booking.placed())

    with caplog.at_level(logging.INFO, logger="apps.customer.notifications"):
        drain_outbox()

    assert kakao_outbox == []
    notification = Notification.objects.get()
    assert (notification.status, notification.skip_reason, notification.recipient_masked) == (
        "skipped",
        "no mobile phone number on file",
        "",
    )
    assert "skipped: no mobile phone number on file" in caplog.text


def test_a_failed_send_is_retried_and_sent_once(flaky, kakao_outbox):
    flaky["count"] = 1
    guest = GuestProfileFactory().user
    publish_events(Booking(guest_id=guest.pk).placed())

    first = drain_outbox()
    notification = Notification.objects.get()
    assert len(first.retried) == 1
    assert (notification.status, notification.attempts) == ("failed", 1)
    assert "서버 점검 중" in notification.last_error
    delivery = Delivery.objects.get(handler="customer.notify")
    assert (delivery.state, delivery.attempts) == ("pending", 1)
    assert "서버 점검 중" in delivery.last_error
    assert delivery.available_at > timezone.now()

    make_due()
    second = drain_outbox()

    notification.refresh_from_db()
    assert len(second.done) == 1
    assert (notification.status, notification.attempts, notification.last_error) == ("sent", 2, "")
    assert notification.provider_message_id == "flaky-2"
    assert [m.kind for m in kakao_outbox] == ["booked"]
    # Both attempts carried the same idempotency key.
    assert len({m.idempotency_key for m in failing_channel.attempts}) == 1


def test_a_send_that_keeps_failing_ends_dead_lettered_with_the_error(settings, flaky, kakao_outbox):
    settings.OUTBOX = {**settings.OUTBOX, "MAX_ATTEMPTS": 3}
    flaky["count"] = 100
    guest = GuestProfileFactory().user
    booking = Booking(guest_id=guest.pk)
    publish_events(booking.placed(), booking.approved())

    results = [drain_outbox()]
    for _ in range(2):
        make_due()
        results.append(drain_outbox())

    assert [(len(r.retried), len(r.dead)) for r in results] == [(1, 0), (1, 0), (0, 1)]
    delivery = Delivery.objects.get(handler="customer.notify", state="dead")
    assert delivery.attempts == 3
    assert "NotificationNotSent" in delivery.last_error
    assert "서버 점검 중" in delivery.last_error
    notification = Notification.objects.get()
    assert (notification.status, notification.attempts, notification.sent_at) == ("failed", 3, None)
    assert "resultCode -1000" in notification.last_error
    assert kakao_outbox == []
    # The projection is not held back by the failing provider...
    assert Delivery.objects.filter(handler="customer.mypage", state="done").count() == 2
    # ...but later messages of the same booking wait behind the dead one, keeping their order.
    publish_events(booking.requested())
    publish_events(booking.confirmed())
    flaky["count"] = 0
    drain_outbox()
    assert kakao_outbox == []
    # (A ReservationRequested never means a message: only the confirmation has a delivery.)
    waiting = Delivery.objects.filter(handler="customer.notify", state="pending")
    assert [d.event.event_type for d in waiting] == ["reservations.ReservationConfirmed"]


def test_email_is_a_second_channel_with_its_own_opt_out(settings, kakao_outbox):
    settings.NOTIFICATION_CHANNELS = ["kakao", "email"]
    settings.NOTIFICATION_EMAIL_FROM = "hotel <no-reply@hotel.example>"
    reader = GuestProfileFactory(user__email="minji@example.com", name="김민지").user
    opted_out = GuestProfileFactory(email_opt_out=True).user
    publish_events(Booking(guest_id=reader.pk).placed())
    publish_events(Booking(guest_id=opted_out.pk).placed())

    drain_outbox()

    assert len(kakao_outbox) == 2
    assert [(m.to, m.subject, m.from_email) for m in mail.outbox] == [
        (["minji@example.com"], "예약 접수 완료", "hotel <no-reply@hotel.example>")
    ]
    assert mail.outbox[0].body.startswith("[서울 한강 호텔] 예약 접수 완료\n김민지님,")
    emails = Notification.objects.filter(channel="email").order_by("id")
    assert [(n.status, n.recipient_masked, n.skip_reason) for n in emails] == [
        ("sent", "mi***@example.com", ""),
        (
            "skipped",
            f"{opted_out.username[:2]}***@example.com",
            "guest opted out of e-mail messages",
        ),
    ]
    assert emails[0].provider_message_id == f"<{emails[0].idempotency_key}@hotel.example>"


def test_the_notifier_waits_for_the_projection():
    with pytest.raises(ProjectionBehind):
        notifications_send_for_event(event_id=uuid.uuid4())


def test_the_console_backend_logs_the_message_as_the_guest_reads_it(settings, caplog):
    settings.NOTIFICATION_BACKEND = "console"
    guest = GuestProfileFactory(name="김민지", phone="01012345678").user
    publish_events(Booking(guest_id=guest.pk).placed())

    with caplog.at_level(logging.INFO, logger="hotel.notification_channels"):
        drain_outbox()

    assert (
        "KakaoTalk message to 010-****-5678 (template HOTEL_BOOKED):\n"
        "[서울 한강 호텔] 예약 접수 완료\n김민지님, 결제가 완료되어 호텔에 예약을 요청했습니다."
    ) in caplog.text
    assert "01012345678" not in caplog.text
    assert Notification.objects.get().status == "sent"
