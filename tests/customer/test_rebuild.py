"""``manage.py rebuild_mypage`` replays the stored events into the same rows, sending nothing."""

import io

import pytest
from django.core.management import call_command

from apps.customer.models import MypageEntry, MypageTimelineEntry
from hotel.eventbus.models import Delivery, StoredEvent
from hotel.eventbus.testing import drain_outbox
from tests.customer.booking_events import Booking, publish_events
from tests.customer.factories import GuestProfileFactory
from tests.customer.snapshots import mypage_rows, notification_rows

pytestmark = pytest.mark.django_db(transaction=True)


def build_live() -> None:
    minji = GuestProfileFactory().user
    seojun = GuestProfileFactory(language="en").user
    cancelled = Booking(guest_id=minji.pk)
    rejected = Booking(guest_id=seojun.pk, hotel_name="부산 호텔")
    pending = Booking(guest_id=minji.pk, total_krw=90_000)
    publish_events(cancelled.placed(), cancelled.approved())
    publish_events(rejected.placed(), rejected.approved())
    publish_events(cancelled.requested())
    publish_events(rejected.requested())
    publish_events(pending.approved())  # misordered: its OrderPlaced comes later
    publish_events(cancelled.confirmed())
    publish_events(rejected.rejected("만실"))
    publish_events(pending.placed())
    publish_events(cancelled.order_cancelled())
    publish_events(rejected.refunded(amount_krw=200_000))
    publish_events(cancelled.reservation_cancelled(fee_krw=30_000))
    publish_events(cancelled.refunded(amount_krw=100_000))
    publish_events(cancelled.refunded(amount_krw=70_000, refunded_total_krw=170_000))
    result = drain_outbox()
    assert (result.retried, result.dead) == ([], [])


def test_rebuild_equals_live_and_sends_nothing(kakao_outbox):
    build_live()
    live = mypage_rows()
    notifications = notification_rows()
    sent = list(kakao_outbox)
    deliveries = list(Delivery.objects.order_by("id").values("id", "state", "attempts"))
    assert (len(live[0]), len(live[1])) == (3, 15)
    assert len(sent) == 9  # booked x3, confirmed, rejected, refunded, cancelled, refunded x2
    MypageEntry.objects.filter(status="refunded").update(hotel_name="stale projection")

    out = io.StringIO()
    call_command("rebuild_mypage", stdout=out)

    assert "mypage rebuilt: 15 events replayed into 3 entries" in out.getvalue()
    assert mypage_rows() == live
    assert notification_rows() == notifications
    assert kakao_outbox == sent
    assert list(Delivery.objects.order_by("id").values("id", "state", "attempts")) == deliveries
    assert drain_outbox().handled == 0


def test_rebuild_of_an_empty_history_empties_the_projection():
    build_live()
    Delivery.objects.all().delete()
    StoredEvent.objects.all().delete()

    call_command("rebuild_mypage", stdout=io.StringIO())

    assert (MypageEntry.objects.count(), MypageTimelineEntry.objects.count()) == (0, 0)
