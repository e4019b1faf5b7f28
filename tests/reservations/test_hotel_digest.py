"""The hotel's daily digest of open requests: once per hotel and local day, from the digest hour
on the hotel's own clock, skipped with the reason when it cannot or need not go, sent once
however many runs (or workers) look at it; a failed one is tried again by a later run."""

import threading
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from apps.reservations import services
from apps.reservations.models import HotelNotification
from apps.reservations.services.hotel_messages import (
    DIGEST_MAX_ATTEMPTS,
    hotel_digest_idempotency_key,
    hotel_digests_send,
)
from hotel.message_formats import format_date
from hotel.notification_channels import locmem
from hotel.periodic_jobs import PeriodicScheduler, registered_jobs
from tests.reservations.factories import (
    HotelFactory,
    HotelierFactory,
    RoomTypeFactory,
    inventory,
    requested_reservation,
)

pytestmark = pytest.mark.django_db(transaction=True)

SEOUL = ZoneInfo("Asia/Seoul")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
APPKEY, SECRET, SENDER = "app-key-123", "secret-456", "sender-key-789"
PATH = f"/alimtalk/v2.3/appkeys/{APPKEY}/messages"


@pytest.fixture(autouse=True)
def kakao_outbox(settings):
    settings.NOTIFICATION_BACKEND = "locmem"
    settings.NOTIFICATION_CHANNELS = ["kakao"]
    settings.HOTEL_DIGEST_HOUR = 9
    settings.HOTEL_DIGEST_LISTED = 5
    locmem.outbox.clear()
    yield locmem.outbox
    locmem.outbox.clear()


@pytest.fixture
def day0() -> date:
    """Tomorrow in Seoul, by the real clock: the inventory the tests book is open from today."""
    return timezone.localdate(timezone=SEOUL) + timedelta(days=1)


def at(day: date, hour: int, minute: int = 0, *, zone: ZoneInfo = SEOUL) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=zone)


def clock(moment: datetime):
    """The clock stands at ``moment`` (everything that reads the time, the database's
    timestamps written by Django included)."""
    return time_machine.travel(moment, tick=False)


def run_at(moment: datetime) -> list[HotelNotification]:
    with clock(moment):
        return hotel_digests_send()


def digests() -> list[tuple]:
    return list(
        HotelNotification.objects.filter(kind="daily_digest")
        .order_by("id")
        .values_list("hotel__name", "digest_date", "channel", "status", "attempts", "skip_reason")
    )


@pytest.fixture
def seoul_room(room_type):
    """A room type of a Seoul hotel reachable on KakaoTalk, in Korean."""
    hotel = room_type.hotel
    hotel.name = "서울 한강 호텔"
    hotel.contact_phone = "01098765432"
    hotel.save()
    return room_type


def test_the_digest_goes_out_once_a_local_day_from_the_digest_hour(seoul_room, day0):
    with clock(at(day0, 7, 5)):
        first = requested_reservation(seoul_room, guest_name="김민지", nights=2)
    with clock(at(day0, 8, 40)):
        second = requested_reservation(seoul_room, guest_name="이수", nights=1)

    assert run_at(at(day0, 8, 59)) == []  # not yet nine on the hotel's clock
    (digest,) = run_at(at(day0, 9, 0))
    for later in (at(day0, 9, 1), at(day0, 14, 0), at(day0, 23, 59)):
        assert run_at(later) == []  # recorded: a second run sends nothing
    assert run_at(at(day0 + timedelta(days=1), 8, 59)) == []
    (next_day,) = run_at(at(day0 + timedelta(days=1), 9, 0))

    assert digests() == [
        ("서울 한강 호텔", day0, "kakao", "sent", 1, ""),
        ("서울 한강 호텔", day0 + timedelta(days=1), "kakao", "sent", 1, ""),
    ]
    assert [m.kind for m in locmem.outbox] == ["daily_digest", "daily_digest"]
    message = locmem.outbox[0]
    assert (message.template_code, message.recipient) == ("HOTELIER_DAILY_DIGEST", "01098765432")
    assert message.idempotency_key == str(
        hotel_digest_idempotency_key(hotel_id=seoul_room.hotel_id, day=day0, channel="kakao")
    )

    def stay(reservation, nights: str) -> str:
        check_in, check_out = format_date(reservation.check_in), format_date(reservation.check_out)
        return f"{check_in} ~ {check_out} ({nights})"

    room = seoul_room.name
    assert message.body == (
        "[서울 한강 호텔] 응답을 기다리는 예약 요청\n"
        f"{format_date(day0)} 기준, 확정 또는 거절을 기다리는 예약 요청: 2건\n"
        f"가장 오래된 요청: {first.order_reference}, {format_date(day0)} 07:05 접수\n"
        "\n"
        f"- {first.order_reference} 김*지, {room}, {stay(first, '2박')}\n"
        f"- {second.order_reference} 이*, {room}, {stay(second, '1박')}\n"
        "\n"
        "관리자 페이지에서 확정 또는 거절해 주세요."
    )
    assert (digest.title, digest.digest_date, next_day.digest_date) == (
        "[서울 한강 호텔] 응답을 기다리는 예약 요청",
        day0,
        day0 + timedelta(days=1),
    )


def test_the_digest_hour_is_read_on_each_hotels_own_clock(settings, seoul_room, day0):
    settings.HOTEL_DIGEST_HOUR = 8
    la_hotel = HotelFactory(
        name="Venice Beach Inn",
        time_zone="America/Los_Angeles",
        contact_phone="01011112222",
        message_language="en",
    )
    la_room = RoomTypeFactory(hotel=la_hotel, name="Ocean King")
    inventory(la_room, first_night=la_hotel.local_today(), nights=40)
    requested_reservation(la_room, guest_name="Jane Doe")
    requested_reservation(seoul_room, guest_name="김민지")
    # 08:00 in Los Angeles is past midnight in Seoul, the next day there: not yet its hour.
    la_morning = at(day0, 8, 0, zone=LOS_ANGELES)
    assert la_morning.astimezone(SEOUL).hour < 8

    assert run_at(at(day0, 7, 59, zone=LOS_ANGELES)) == []
    (la_digest,) = run_at(la_morning)
    seoul_day = la_morning.astimezone(SEOUL).date()
    assert run_at(at(seoul_day, 7, 59)) == []
    (seoul_digest,) = run_at(at(seoul_day, 8, 0))

    assert (la_digest.hotel_id, la_digest.digest_date, la_digest.language) == (
        la_hotel.pk,
        day0,
        "en",
    )
    assert (seoul_digest.hotel_id, seoul_digest.digest_date) == (seoul_room.hotel_id, seoul_day)
    english = locmem.outbox[0]
    assert english.template_code == "HOTELIER_DAILY_DIGEST_EN"
    assert english.body.splitlines()[:2] == [
        "[Venice Beach Inn] Requests waiting for your answer",
        f"Requests waiting to be confirmed or rejected on {format_date(day0, language='en')}: "
        "1 request",
    ]
    assert "J**e D*e, Ocean King" in english.body
    assert "예약 요청: 1건" in locmem.outbox[1].body
    assert "김*지" in locmem.outbox[1].body


def test_the_digest_lists_the_oldest_few_and_counts_the_rest(settings, seoul_room, day0):
    settings.HOTEL_DIGEST_LISTED = 2
    hotelier = HotelierFactory(hotels=[seoul_room.hotel])
    with clock(at(day0, 6, 0)):
        confirmed = requested_reservation(seoul_room, guest_name="먼저 온 손님")
        services.reservation_confirm(reservation_id=confirmed.pk, by=hotelier)
    requests = []
    for minute, name in ((10, "김민지"), (20, "박서준"), (30, "최유리")):
        with clock(at(day0, 7, minute)):
            requests.append(requested_reservation(seoul_room, guest_name=name))

    (digest,) = run_at(at(day0, 9, 30))

    lines = digest.body.splitlines()
    assert lines[1].endswith("예약 요청: 3건")  # the confirmed one is not open
    assert (
        lines[2]
        == f"가장 오래된 요청: {requests[0].order_reference}, {format_date(day0)} 07:10 접수"
    )
    assert [line.split(",")[0] for line in lines[4:7]] == [
        f"- {requests[0].order_reference} 김*지",
        f"- {requests[1].order_reference} 박*준",
        "외 1건",
    ]
    assert digest.template_parameters["open_count"] == "3건"


def test_who_is_not_told_is_recorded_once_a_day_with_the_reason(settings, day0):
    settings.NOTIFICATION_CHANNELS = ["kakao", "email"]
    opted_out = RoomTypeFactory(
        hotel=HotelFactory(name="A opted out", contact_phone="01011112222", digest_opt_out=True)
    )
    no_contact = RoomTypeFactory(hotel=HotelFactory(name="B no contact"))
    quiet = HotelFactory(name="C quiet", contact_phone="01033334444", contact_email="c@x.kr")
    for room in (opted_out, no_contact):
        inventory(room, first_night=room.hotel.local_today(), nights=20)
        requested_reservation(room)

    run_at(at(day0, 9, 0))
    again = run_at(at(day0, 10, 0))

    assert again == []
    opted = "hotel opted out of the daily digest"
    assert digests() == [
        ("A opted out", day0, "kakao", "skipped", 0, opted),
        ("A opted out", day0, "email", "skipped", 0, opted),
        ("B no contact", day0, "kakao", "skipped", 0, "no mobile phone number on file"),
        ("B no contact", day0, "email", "skipped", 0, "no e-mail address on file"),
        ("C quiet", day0, "kakao", "skipped", 0, "no request open"),
        ("C quiet", day0, "email", "skipped", 0, "no request open"),
    ]
    assert locmem.outbox == []
    assert quiet.notifications.get(channel="kakao").recipient_masked == "010-****-4444"


@pytest.fixture
def alimtalk(settings, httpserver):
    settings.NOTIFICATION_BACKEND = "alimtalk"
    settings.ALIMTALK_BASE_URL = httpserver.url_for("/")
    settings.ALIMTALK_APPKEY = APPKEY
    settings.ALIMTALK_SECRET_KEY = SECRET
    settings.ALIMTALK_SENDER_KEY = SENDER
    settings.ALIMTALK_TIMEOUT_SECONDS = 2.0
    return httpserver


SUCCESS = {
    "header": {"resultCode": 0, "resultMessage": "SUCCESS", "isSuccessful": True},
    "message": {"requestId": "digest-req-1", "sendResults": [{"resultCode": 0}]},
}
REFUSED = {"header": {"resultCode": -9999, "resultMessage": "System error", "isSuccessful": False}}


def test_a_failed_digest_is_tried_again_by_a_later_run_and_sent_once(alimtalk, seoul_room, day0):
    alimtalk.expect_ordered_request(PATH, method="POST").respond_with_json(REFUSED)
    alimtalk.expect_ordered_request(PATH, method="POST").respond_with_json(SUCCESS)
    requested_reservation(seoul_room)

    (failed,) = run_at(at(day0, 9, 0))
    assert (failed.status, failed.attempts) == ("failed", 1)
    assert "resultCode -9999: System error" in failed.last_error
    assert run_at(at(day0, 9, 3)) == []  # too soon: the next try waits its turn
    (sent,) = run_at(at(day0, 9, 6))
    assert run_at(at(day0, 9, 30)) == []

    assert (sent.pk, sent.status, sent.attempts, sent.last_error) == (failed.pk, "sent", 2, "")
    assert HotelNotification.objects.get().provider_message_id == "digest-req-1"
    alimtalk.check_assertions()
    keys = {request.headers["X-Idempotency-Key"] for request, _ in alimtalk.log}
    assert keys == {str(sent.idempotency_key)}


def test_a_digest_that_keeps_failing_is_given_up_after_its_attempts(alimtalk, seoul_room, day0):
    alimtalk.expect_request(PATH, method="POST").respond_with_json(REFUSED)
    requested_reservation(seoul_room)

    for minute in range(0, 60, 6):
        run_at(at(day0, 9, minute))

    notification = HotelNotification.objects.get()
    assert (notification.status, notification.attempts) == ("failed", DIGEST_MAX_ATTEMPTS)
    assert len(alimtalk.log) == DIGEST_MAX_ATTEMPTS
    # The next day has a digest of its own.
    alimtalk.clear()
    alimtalk.expect_request(PATH, method="POST").respond_with_json(SUCCESS)
    (tomorrow,) = run_at(at(day0 + timedelta(days=1), 9, 0))
    assert (tomorrow.status, len(alimtalk.log)) == ("sent", 1)


@pytest.mark.postgres
def test_two_workers_running_the_digest_at_once_send_it_once(seoul_room, day0):
    requested_reservation(seoul_room)
    start = threading.Barrier(2)
    errors = []

    def worker() -> None:
        try:
            start.wait(timeout=10)
            hotel_digests_send()
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    with clock(at(day0, 9, 0)):
        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

    assert errors == []
    assert len(locmem.outbox) == 1
    assert digests() == [("서울 한강 호텔", day0, "kakao", "sent", 1, "")]


def test_the_worker_runs_the_digest_as_a_periodic_job(seoul_room, day0):
    (job,) = [job for job in registered_jobs() if job.name == "reservations.hotel_digest"]
    requested_reservation(seoul_room)

    with clock(at(day0, 9, 0)):
        ran = PeriodicScheduler([job]).run_due()

    assert ran == ["reservations.hotel_digest"]
    assert [m.kind for m in locmem.outbox] == ["daily_digest"]
