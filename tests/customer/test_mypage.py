"""The mypage read model: one entry per order built from events, with a timeline."""

import datetime
import uuid

import pytest
from django.db import transaction

from apps.customer.models import MypageEntry, Notification
from apps.customer.projection import mypage_apply
from hotel.eventbus import EventMeta
from hotel.eventbus.models import Delivery
from hotel.eventbus.testing import drain_outbox
from tests.customer.booking_events import Booking, at, publish_events
from tests.customer.snapshots import mypage_rows, notification_rows

pytestmark = pytest.mark.django_db(transaction=True)

BOOKED_KO = (
    "[서울 한강 호텔] 예약 접수 완료\n"
    "김민지님, 결제가 완료되어 호텔에 예약을 요청했습니다.\n"
    "호텔이 예약을 확정하면 다시 알려 드릴게요.\n"
    "\n"
    "- 예약 번호: {reference}\n"
    "- 객실: 디럭스 더블\n"
    "- 일정: 2026.04.10(금) ~ 2026.04.12(일) (2박)\n"
    "- 인원: 2명\n"
    "- 결제 금액: 200,000원"
)
CONFIRMED_KO = (
    "[서울 한강 호텔] 예약 확정\n"
    "김민지님, 호텔이 예약을 확정했습니다.\n"
    "\n"
    "- 예약 번호: {reference}\n"
    "- 객실: 디럭스 더블\n"
    "- 일정: 2026.04.10(금) ~ 2026.04.12(일) (2박)\n"
    "- 인원: 2명"
)
CANCELLED_KO = (
    "[서울 한강 호텔] 예약 취소 완료\n"
    "김민지님, 예약이 취소되었습니다.\n"
    "\n"
    "- 예약 번호: {reference}\n"
    "- 일정: 2026.04.10(금) ~ 2026.04.12(일) (2박)\n"
    "- 취소 수수료: 20,000원\n"
    "- 환불 예정 금액: 180,000원"
)
REFUNDED_KO = (
    "[서울 한강 호텔] 환불 완료\n"
    "김민지님, 180,000원이 환불되었습니다.\n"
    "\n"
    "- 예약 번호: {reference}\n"
    "- 결제 수단: 카드 4330-****-****-1234\n"
    "- 총 환불 금액: 180,000원\n"
    "\n"
    "카드사에 따라 환불 반영까지 영업일 기준 3~5일이 걸릴 수 있습니다."
)


def entry_of(booking: Booking) -> MypageEntry:
    return MypageEntry.objects.get(order_id=booking.order_id)


def timeline_of(booking: Booking) -> list[tuple[str, str]]:
    return [(row.kind, row.status) for row in entry_of(booking).timeline.order_by("sequence")]


def step(*events) -> None:
    publish_events(*events)
    result = drain_outbox()
    assert (result.retried, result.dead) == ([], [])


def test_a_full_journey_shows_each_status_with_a_timeline_and_sends_each_message_once(
    guest_minji, kakao_outbox
):
    booking = Booking(guest_id=guest_minji.pk)

    # Given a booked and paid order (one transaction publishes both events)
    step(booking.placed(), booking.approved())
    entry = entry_of(booking)
    assert (entry.status, entry.payment_status) == ("paid", "approved")
    assert entry.reservation_status == ""
    assert (entry.guest_id, entry.order_reference, entry.hotel_name, entry.room_type_name) == (
        guest_minji.pk,
        booking.reference,
        "서울 한강 호텔",
        "디럭스 더블",
    )
    assert (entry.check_in, entry.check_out, entry.nights, entry.guests, entry.total_krw) == (
        datetime.date(2026, 4, 10),
        datetime.date(2026, 4, 12),
        2,
        2,
        200_000,
    )
    assert (entry.payment_method, entry.masked_card_number, entry.paid_krw) == (
        "card",
        "4330-****-****-1234",
        200_000,
    )
    assert [m.body for m in kakao_outbox] == [BOOKED_KO.format(reference=booking.reference)]

    # When the hotel side takes it, confirms it, and the guest cancels with a fee
    step(booking.requested())
    assert entry_of(booking).status == "confirming"
    step(booking.confirmed())
    assert (entry_of(booking).status, entry_of(booking).reservation_status) == (
        "confirmed",
        "confirmed",
    )
    step(booking.order_cancelled())
    assert entry_of(booking).status == "cancelled"
    step(booking.reservation_cancelled(fee_krw=20_000))
    entry = entry_of(booking)
    assert (entry.status, entry.reservation_status) == ("cancelled", "cancelled")
    assert (entry.cancellation_fee_krw, entry.refund_due_krw, entry.cancellation_reason) == (
        20_000,
        180_000,
        "일정 변경",
    )
    step(booking.refunded(amount_krw=180_000))

    # Then
    entry = entry_of(booking)
    assert (entry.status, entry.payment_status) == ("refunded", "refunded")
    assert entry.refunded_krw == 180_000
    assert entry.cancelled_at == at(5, 9)
    assert timeline_of(booking) == [
        ("booked", "paid"),
        ("paid", "paid"),
        ("requested", "confirming"),
        ("confirmed", "confirmed"),
        ("cancellation_requested", "cancelled"),
        ("cancelled", "cancelled"),
        ("refunded", "refunded"),
    ]
    occurred = [row.occurred_at for row in entry.timeline.order_by("sequence")]
    assert occurred[:6] == [at(1, 10), at(1, 10), at(1, 10, 1), at(1, 15), at(5, 9), at(5, 9, 1)]
    assert entry.last_sequence == max(row.sequence for row in entry.timeline.all())
    assert [(m.kind, m.recipient, m.template_code) for m in kakao_outbox] == [
        ("booked", "01012345678", "HOTEL_BOOKED"),
        ("confirmed", "01012345678", "HOTEL_CONFIRMED"),
        ("cancelled", "01012345678", "HOTEL_CANCELLED"),
        ("refunded", "01012345678", "HOTEL_REFUNDED"),
    ]
    reference = booking.reference
    assert [m.body for m in kakao_outbox] == [
        BOOKED_KO.format(reference=reference),
        CONFIRMED_KO.format(reference=reference),
        CANCELLED_KO.format(reference=reference),
        REFUNDED_KO.format(reference=reference),
    ]
    log = list(Notification.objects.order_by("id"))
    assert [(n.kind, n.channel, n.status, n.attempts, n.recipient_masked) for n in log] == [
        (kind, "kakao", "sent", 1, "010-****-5678")
        for kind in ("booked", "confirmed", "cancelled", "refunded")
    ]
    assert all(n.sent_at is not None and n.provider_message_id for n in log)


def test_redelivering_every_event_changes_nothing_and_sends_nothing(guest_minji, kakao_outbox):
    booking = Booking(guest_id=guest_minji.pk)
    step(booking.placed(), booking.approved())
    step(booking.requested())
    step(booking.confirmed())
    step(booking.order_cancelled())
    step(booking.reservation_cancelled())
    step(booking.refunded(amount_krw=180_000))
    before = mypage_rows(), notification_rows()
    sent = list(kakao_outbox)

    # When every delivery runs once more
    replayed = Delivery.objects.update(state="pending", attempts=0)
    result = drain_outbox()

    # Then
    # Seven events to customer.mypage; the four that may mean a message (booked, confirmed,
    # cancelled, refunded) to customer.notify too.
    assert replayed == 7 + 4
    assert len(result.done) == replayed
    assert (mypage_rows(), notification_rows()) == before
    assert kakao_outbox == sent


def test_applying_one_event_twice_is_a_no_op(guest_minji):
    booking = Booking(guest_id=guest_minji.pk)
    (meta,) = publish_events(booking.placed())
    drain_outbox()
    before = mypage_rows()

    with transaction.atomic():
        applied = mypage_apply(event=booking.placed(), meta=meta)

    assert applied is False
    assert mypage_rows() == before


def test_a_late_confirmation_never_undoes_a_cancellation_and_sends_no_message(
    guest_minji, kakao_outbox
):
    booking = Booking(guest_id=guest_minji.pk)
    step(booking.placed(), booking.approved())
    step(booking.requested())
    step(booking.order_cancelled())

    # The hotelier's confirmation crossed the guest's cancellation.
    step(booking.confirmed())
    step(booking.reservation_cancelled(fee_krw=0))

    entry = entry_of(booking)
    assert (entry.status, entry.reservation_status) == ("cancelled", "cancelled")
    assert [kind for kind, _ in timeline_of(booking)] == [
        "booked",
        "paid",
        "requested",
        "cancellation_requested",
        "confirmed",
        "cancelled",
    ]
    assert [m.kind for m in kakao_outbox] == ["booked", "cancelled"]


def test_an_older_event_applied_late_keeps_the_newer_status_and_sequence(guest_minji):
    booking = Booking(guest_id=guest_minji.pk)
    step(booking.placed(), booking.approved())
    step(booking.requested())
    step(booking.confirmed())
    entry = entry_of(booking)
    old = EventMeta(
        event_id=uuid.uuid4(),
        event_type="reservations.ReservationRequested",
        schema_version=1,
        aggregate_type="order",
        aggregate_id=str(booking.order_id),
        correlation_id="",
        occurred_at=at(1, 10, 1),
        sequence=1,
    )

    with transaction.atomic():
        assert mypage_apply(event=booking.requested(), meta=old) is True

    after = entry_of(booking)
    assert (after.status, after.reservation_status) == ("confirmed", "confirmed")
    assert (after.last_sequence, after.updated_at) == (entry.last_sequence, entry.updated_at)
    assert after.timeline.count() == 5


def test_an_event_before_the_order_placed_starts_a_partial_entry(guest_minji, kakao_outbox):
    booking = Booking(guest_id=guest_minji.pk)

    step(booking.approved())
    partial = entry_of(booking)
    assert (partial.guest_id, partial.status, partial.payment_status, partial.hotel_name) == (
        None,
        "paid",
        "approved",
        "",
    )
    assert partial.booked_at == at(1, 10)

    step(booking.placed())
    entry = entry_of(booking)
    assert (entry.guest_id, entry.hotel_name, entry.total_krw, entry.status) == (
        guest_minji.pk,
        "서울 한강 호텔",
        200_000,
        "paid",
    )
    assert (entry.masked_card_number, entry.paid_krw) == ("4330-****-****-1234", 200_000)
    assert [m.kind for m in kakao_outbox] == ["booked"]


def test_a_rejected_booking_then_refunded_in_full(guest_minji, kakao_outbox):
    booking = Booking(guest_id=guest_minji.pk)
    step(booking.placed(), booking.approved())
    step(booking.requested())
    step(booking.rejected("객실 점검"))
    rejected = entry_of(booking)
    assert (rejected.status, rejected.rejection_reason) == ("rejected", "객실 점검")

    step(booking.refunded(amount_krw=200_000, reason="호텔 거절"))

    entry = entry_of(booking)
    assert (entry.status, entry.reservation_status, entry.refunded_krw) == (
        "refunded",
        "rejected",
        200_000,
    )
    assert [m.kind for m in kakao_outbox] == ["booked", "rejected", "refunded"]
    assert "- 사유: 객실 점검\n\n결제하신 200,000원은 전액 환불됩니다." in kakao_outbox[1].body
