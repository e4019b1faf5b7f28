"""What the guest sees of a whole journey, through the API with a real worker process: book,
the hotel confirms, the guest cancels. Mypage shows every step with its timeline in order, the
guest got exactly the expected KakaoTalk messages in order, delivering every event once more
changes nothing, and rebuilding the projection from the stored events gives the same rows."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.customer import api as customer
from apps.customer.models import Notification
from hotel.eventbus.models import Delivery, StoredEvent
from tests.customer.snapshots import mypage_rows
from tests.e2e.helpers import book, eventually, reservation_of, reservation_status

pytestmark = pytest.mark.django_db(transaction=True)


def mypage_status(client, order_id: int) -> str | None:
    response = client.get(f"/api/mypage/{order_id}/")
    return response.data["status"] if response.status_code == 200 else None


def everything_handled() -> bool:
    return not Delivery.objects.exclude(state="done").exists()


def messages(guest) -> list[tuple[str, str, str]]:
    return list(
        Notification.objects.filter(guest=guest)
        .order_by("id")
        .values_list("kind", "channel", "status")
    )


def test_book_confirm_cancel_as_the_guest_follows_it_on_mypage_and_kakaotalk(
    guest, guest_client, hotelier_client, booking, workers
):
    customer.guest_ensure_profile(user_id=guest.pk, name="김민지", phone="010-1234-5678")
    workers.start()

    order = book(guest_client, booking())
    eventually(lambda: reservation_status(order["id"]) == "requested")
    eventually(lambda: mypage_status(guest_client, order["id"]) == "confirming")
    confirmed = hotelier_client.post(
        f"/api/reservations/{reservation_of(order['id']).reservation_id}/confirm/"
    )
    assert confirmed.status_code == 200
    eventually(lambda: mypage_status(guest_client, order["id"]) == "confirmed")
    cancelled = guest_client.post(
        f"/api/orders/{order['id']}/cancel/", {"reason": "plans changed"}, format="json"
    )
    assert cancelled.status_code == 200
    eventually(lambda: mypage_status(guest_client, order["id"]) == "refunded")
    eventually(everything_handled)

    page = guest_client.get(f"/api/mypage/{order['id']}/").data
    assert (page["total_krw"], page["refunded_krw"], page["cancellation_fee_krw"]) == (
        200_000,
        200_000,
        0,
    )
    timeline = page["timeline"]
    assert [step["status"] for step in timeline] == [
        "paid",
        "paid",
        "confirming",
        "confirmed",
        "cancelled",
        "cancelled",
        "refunded",
    ]
    assert [step["sequence"] for step in timeline] == sorted(step["sequence"] for step in timeline)
    assert messages(guest) == [
        ("booked", "kakao", "sent"),
        ("confirmed", "kakao", "sent"),
        ("cancelled", "kakao", "sent"),
        ("refunded", "kakao", "sent"),
    ]

    # Every event delivered once more, to every handler: nothing changes, nothing is sent.
    live = mypage_rows()
    sent = messages(guest)
    events = StoredEvent.objects.count()
    redelivered = Delivery.objects.update(
        state="pending", attempts=0, available_at=timezone.now(), completed_at=None
    )
    assert redelivered > 0
    eventually(everything_handled)

    assert mypage_rows() == live
    assert messages(guest) == sent
    assert StoredEvent.objects.count() == events
    assert guest_client.get(f"/api/orders/{order['id']}/").data["status"] == "cancelled"

    # Rebuilt from the stored events, the projection is the live one.
    call_command("rebuild_mypage", verbosity=0)
    assert mypage_rows() == live
