"""The notifier in batches: one message per message event and channel in a fixed number of
statements, never twice, and only what is behind waits; end to end through the worker."""

import logging
import re
import uuid
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from apps.customer import handlers
from apps.customer.models import MypageEntry, MypageTimelineEntry, Notification
from apps.customer.notifications import services
from apps.customer.notifications.services import ProjectionBehind, notifications_send_for_events
from apps.customer.projection import MESSAGE_EVENT_TYPES, mypage_apply_batch, mypage_rebuild
from hotel.correlation import CorrelationIdFilter
from hotel.eventbus import EventMeta
from hotel.eventbus.models import Delivery
from hotel.eventbus.subscriptions import runs_in_transaction, takes_batches
from hotel.eventbus.testing import drain_outbox
from tests.customer import failing_channel
from tests.customer.booking_events import Booking, publish_events, stored_items
from tests.customer.factories import GuestProfileFactory
from tests.customer.snapshots import mypage_rows, notification_rows
from tests.user_factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

NOTIFICATION = Notification._meta.db_table
TIMELINE = MypageTimelineEntry._meta.db_table
USERS = get_user_model()._meta.db_table
HANDLERS = ("customer.mypage", "customer.notify")


def projected(*events) -> list[EventMeta]:
    """Publish ``events`` (one transaction) and fold them into mypage at once."""
    metas = publish_events(*events)
    with transaction.atomic():
        mypage_apply_batch(items=stored_items(metas))
    return metas


def ids(metas: list[EventMeta]) -> list[uuid.UUID]:
    return [meta.event_id for meta in metas]


def correlations(metas: list[EventMeta]) -> dict[uuid.UUID, str]:
    return {meta.event_id: meta.correlation_id for meta in metas}


def shape(sql: str) -> tuple[str, str]:
    """A statement's first word and the table it reads or writes first."""
    return sql.split()[0], re.findall(r'(?:FROM|INTO|UPDATE) "(\w+)"', sql)[0]


def deliveries_by_type(handler: str) -> dict[str, int]:
    types = Delivery.objects.filter(handler=handler).values_list("event__event_type", flat=True)
    return dict(Counter(event_type.split(".")[1] for event_type in types))


def log_of(notifications: list[Notification]) -> list[tuple]:
    return [
        (n.order_id, n.kind, n.channel, n.status, n.attempts, n.skip_reason) for n in notifications
    ]


@pytest.fixture
def guests():
    """Who the messages go to: a guest with phone and e-mail, one without a phone, one who
    opted out of both channels, and an account with no profile at all."""
    return {
        "minji": GuestProfileFactory(
            name="김민지", phone="01012345678", user__email="mj@x.kr"
        ).user,
        "no_phone": GuestProfileFactory(phone="", user__email="np@x.kr").user,
        "opted_out": GuestProfileFactory(kakao_opt_out=True, email_opt_out=True).user,
        "no_profile": UserFactory(username="staffer", email="staff@x.kr"),
    }


@pytest.fixture
def two_channels(settings):
    settings.NOTIFICATION_CHANNELS = ["kakao", "email"]


def test_a_batch_sends_each_message_once_per_channel_in_four_statements(
    guests, two_channels, kakao_outbox
):
    minji, minji_again, no_phone, opted_out, no_profile = (
        Booking(guest_id=guests[name].pk)
        for name in ("minji", "minji", "no_phone", "opted_out", "no_profile")
    )
    placed = projected(*(x.placed() for x in (minji, minji_again, no_phone, opted_out, no_profile)))

    with CaptureQueriesContext(connection) as queries:
        notifications = notifications_send_for_events(event_ids=ids(placed))

    assert [shape(query["sql"]) for query in queries.captured_queries] == [
        ("SELECT", TIMELINE),  # the timeline rows with their entries
        ("SELECT", USERS),  # the guests with their profiles
        ("INSERT", NOTIFICATION),  # every first attempt, ON CONFLICT DO NOTHING
        ("UPDATE", NOTIFICATION),  # every sent one
    ]
    skipped_kakao = "no mobile phone number on file"
    opted_out_kakao = "guest opted out of KakaoTalk messages"
    assert log_of(notifications) == [
        (minji.order_id, "booked", "kakao", "sent", 1, ""),
        (minji.order_id, "booked", "email", "sent", 1, ""),
        (minji_again.order_id, "booked", "kakao", "sent", 1, ""),
        (minji_again.order_id, "booked", "email", "sent", 1, ""),
        (no_phone.order_id, "booked", "kakao", "skipped", 0, skipped_kakao),
        (no_phone.order_id, "booked", "email", "sent", 1, ""),
        (opted_out.order_id, "booked", "kakao", "skipped", 0, opted_out_kakao),
        (opted_out.order_id, "booked", "email", "skipped", 0, "guest opted out of e-mail messages"),
        (no_profile.order_id, "booked", "kakao", "skipped", 0, skipped_kakao),
        (no_profile.order_id, "booked", "email", "sent", 1, ""),
    ]  # fmt: skip
    assert log_of(list(Notification.objects.order_by("id"))) == log_of(notifications)
    assert all(n.provider_message_id and n.sent_at for n in notifications if n.status == "sent")
    assert [(m.kind, m.recipient) for m in kakao_outbox] == [("booked", "01012345678")] * 2
    assert [m.to for m in mail.outbox] == [["mj@x.kr"], ["mj@x.kr"], ["np@x.kr"], ["staff@x.kr"]]


def test_each_sent_message_keeps_its_own_provider_id_and_one_recorded_elsewhere_stays(
    guests, kakao_outbox
):
    bookings = [Booking(guest_id=guests["minji"].pk) for _ in range(3)]
    notifications = notifications_send_for_events(
        event_ids=ids(projected(*(x.placed() for x in bookings)))
    )
    stored = dict(Notification.objects.values_list("pk", "provider_message_id"))
    assert stored == {n.pk: n.provider_message_id for n in notifications}
    assert len(set(stored.values())) == 3

    # A worker that took a delivery over recorded the first one sent meanwhile: a late
    # recording of it changes nothing.
    first = notifications[0]
    Notification.objects.filter(pk=first.pk).update(provider_message_id="recorded-elsewhere")
    services._notifications_record_sent([(first, "late")])
    assert Notification.objects.get(pk=first.pk).provider_message_id == "recorded-elsewhere"


def test_a_change_that_means_no_message_sends_nothing(guests, kakao_outbox):
    booking = Booking(guest_id=guests["minji"].pk)
    projected(booking.placed(), booking.approved(), booking.requested(), booking.order_cancelled())
    late = projected(booking.confirmed())  # crossed the cancellation: history, not news

    assert notifications_send_for_events(event_ids=ids(late)) == []
    assert (Notification.objects.count(), kakao_outbox) == (0, [])


def test_a_redelivered_batch_sends_nothing_again_and_only_reads(guests, two_channels, kakao_outbox):
    bookings = [Booking(guest_id=guests[name].pk) for name in ("minji", "no_phone", "opted_out")]
    placed = projected(*(x.placed() for x in bookings))
    first = notifications_send_for_events(event_ids=ids(placed))
    log, sent, emails = notification_rows(), list(kakao_outbox), len(mail.outbox)

    with CaptureQueriesContext(connection) as queries:
        again = notifications_send_for_events(event_ids=ids(placed))

    assert [n.pk for n in again] == [n.pk for n in first]
    assert notification_rows() == log
    assert (kakao_outbox, len(mail.outbox)) == (sent, emails)
    # Every notification is final (sent or skipped): found in one read, none locked.
    assert [shape(query["sql"]) for query in queries.captured_queries] == [
        ("SELECT", TIMELINE),
        ("SELECT", USERS),
        ("INSERT", NOTIFICATION),  # inserts nothing
        ("SELECT", NOTIFICATION),
    ]


def test_an_event_the_projection_cannot_apply_raises_for_it_alone_after_the_others_are_sent(
    guests, kakao_outbox, monkeypatch
):
    minji, no_phone, behind = (
        Booking(guest_id=guests[n].pk) for n in ("minji", "no_phone", "minji")
    )
    placed = projected(minji.placed(), no_phone.placed())
    not_projected = publish_events(behind.placed())  # the mypage delivery has not run yet

    def failing_catch_up(*, event_ids):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "mypage_catch_up", failing_catch_up)
    batch = [placed[0], not_projected[0], placed[1]]
    with pytest.raises(ProjectionBehind) as caught:
        notifications_send_for_events(event_ids=ids(batch))

    assert caught.value.event_ids == (not_projected[0].event_id,)
    assert str(caught.value) == (
        f"mypage has not applied event {not_projected[0].event_id} yet "
        "(catching up failed: RuntimeError('database went away'))"
    )
    assert log_of(list(Notification.objects.order_by("id"))) == [
        (minji.order_id, "booked", "kakao", "sent", 1, ""),
        (no_phone.order_id, "booked", "kakao", "skipped", 0, "no mobile phone number on file"),
    ]
    assert [m.kind for m in kakao_outbox] == ["booked"]
    assert not MypageEntry.objects.filter(order_id=behind.order_id).exists()
    # An id the outbox never stored cannot be caught up either.
    unknown = uuid.uuid4()
    with pytest.raises(ProjectionBehind) as caught:
        notifications_send_for_events(event_ids=[placed[0].event_id, unknown])
    assert caught.value.event_ids == (unknown,)
    assert [m.kind for m in kakao_outbox] == ["booked"]


def test_an_event_the_projection_has_not_applied_yet_is_caught_up_then_sent(guests, kakao_outbox):
    booking = Booking(guest_id=guests["minji"].pk)
    publish_events(booking.placed(), booking.approved())
    publish_events(booking.requested())
    (confirmed,) = publish_events(booking.confirmed())

    # The notifier reaches the confirmation while the projection has applied nothing yet.
    (notification,) = notifications_send_for_events(event_ids=[confirmed.event_id])

    assert (notification.kind, notification.status) == ("confirmed", "sent")
    entry = MypageEntry.objects.get(order_id=booking.order_id)
    assert (entry.status, entry.reservation_status, entry.payment_status) == (
        "confirmed",
        "confirmed",
        "approved",
    )
    assert [row.kind for row in entry.timeline.order_by("sequence")] == [
        "booked",
        "paid",
        "requested",
        "confirmed",
    ]
    caught_up = mypage_rows()
    # The projection's own deliveries find every event applied; the booked message still
    # leaves from its own delivery.
    result = drain_outbox()
    assert (result.retried, result.dead) == ([], [])
    assert mypage_rows() == caught_up
    assert [m.kind for m in kakao_outbox] == ["confirmed", "booked"]
    # And the stored events replayed give the same rows.
    mypage_rebuild()
    assert mypage_rows() == caught_up


def test_each_message_logs_under_its_events_correlation_id(settings, guests, caplog):
    settings.NOTIFICATION_BACKEND = "console"
    minji, no_phone = (Booking(guest_id=guests[name].pk) for name in ("minji", "no_phone"))
    stranger = Booking(guest_id=guests["no_profile"].pk + 1000)  # no such user
    placed = projected(minji.placed(), no_phone.placed(), stranger.placed())
    caplog.handler.addFilter(CorrelationIdFilter())

    with caplog.at_level(logging.INFO, logger="apps.customer.notifications"):
        notifications_send_for_events(event_ids=ids(placed), correlation_ids=correlations(placed))

    assert [(r.correlation_id, r.getMessage().split(":")[0]) for r in caplog.records] == [
        (str(stranger.order_id), f"no booked message for order {stranger.order_id}"),
        (str(minji.order_id), "KakaoTalk message to 010-****-5678 (template HOTEL_BOOKED)"),
        (str(no_phone.order_id), f"kakao message booked for order {no_phone.order_id} skipped"),
    ]
    assert not Notification.objects.filter(order_id=stranger.order_id).exists()


def test_a_failed_send_in_a_batch_is_found_and_tried_again_alone(settings, guests, kakao_outbox):
    settings.NOTIFICATION_BACKEND = "tests.customer.failing_channel.FlakyBackend"
    failing_channel.attempts.clear()
    failing_channel.failures_left["count"] = 1  # the batch's first send fails
    bookings = [Booking(guest_id=guests["minji"].pk) for _ in range(3)]
    for booking in bookings:
        publish_events(booking.placed())

    result = drain_outbox()

    # The batch raised; the worker ran its events one at a time: the two that went out are
    # final and send nothing, the failed one is tried again (and goes out).
    assert (result.retried, result.dead) == ([], [])
    assert set(Delivery.objects.values_list("state", flat=True)) == {"done"}
    log = list(Notification.objects.order_by("id"))
    assert [(n.order_id, n.status, n.attempts) for n in log] == [
        (bookings[0].order_id, "sent", 2),
        (bookings[1].order_id, "sent", 1),
        (bookings[2].order_id, "sent", 1),
    ]
    assert [m.idempotency_key for m in failing_channel.attempts] == [
        str(log[0].idempotency_key),
        str(log[1].idempotency_key),
        str(log[2].idempotency_key),
        str(log[0].idempotency_key),
    ]
    assert sorted(m.idempotency_key for m in kakao_outbox) == sorted(
        str(n.idempotency_key) for n in log
    )


def test_bookings_drained_through_the_worker(guests, kakao_outbox, monkeypatch):
    batches, caught_up = [], []
    apply, catch_up = handlers.mypage_apply_batch, services.mypage_catch_up

    def counting(*, items):
        batches.append(len(items))
        return apply(items=items)

    def recording(*, event_ids):
        caught_up.append(list(event_ids))
        return catch_up(event_ids=event_ids)

    monkeypatch.setattr(handlers, "mypage_apply_batch", counting)
    monkeypatch.setattr(services, "mypage_catch_up", recording)
    minji = guests["minji"].pk
    refunded, rejected, waiting, misordered = (Booking(guest_id=minji) for _ in range(4))
    # Queued faster than drained: the notifier's deliveries run ahead of the projection's.
    publish_events(refunded.placed(), refunded.approved())
    publish_events(rejected.placed(), rejected.approved())
    publish_events(misordered.approved())
    publish_events(waiting.placed(), waiting.approved())
    for events in (
        [refunded.requested()], [rejected.requested()], [waiting.requested()],
        [refunded.confirmed()], [rejected.rejected()], [misordered.placed()],
        [refunded.order_cancelled()], [rejected.refunded(amount_krw=200_000)],
        [refunded.reservation_cancelled(fee_krw=20_000)], [refunded.refunded(amount_krw=180_000)],
    ):  # fmt: skip
        publish_events(*events)

    result = drain_outbox()

    assert (result.retried, result.dead) == ([], [])
    modes = {name: (takes_batches(name), runs_in_transaction(name)) for name in HANDLERS}
    assert modes == {"customer.mypage": (True, True), "customer.notify": (True, False)}
    # One round took every order's queue from its head, in publication order: the projection
    # folded all 17 of its events in one call, then the notifier (outside the transaction,
    # after it) found each of its events applied and had nothing to catch up. (The notifier
    # running ahead of the projection is the case of the catch-up tests above.)
    assert batches == [17]
    assert caught_up == []
    assert set(Delivery.objects.values_list("state", flat=True)) == {"done"}
    assert deliveries_by_type("customer.mypage") == {
        "OrderPlaced": 4,
        "PaymentApproved": 4,
        "ReservationRequested": 3,
        "ReservationConfirmed": 1,
        "ReservationRejected": 1,
        "OrderCancelled": 1,
        "ReservationCancelled": 1,
        "PaymentRefunded": 2,
    }
    # None for PaymentApproved, ReservationRequested or OrderCancelled.
    assert deliveries_by_type("customer.notify") == {
        "OrderPlaced": 4,
        "ReservationConfirmed": 1,
        "ReservationRejected": 1,
        "ReservationCancelled": 1,
        "PaymentRefunded": 2,
    }
    assert {cls.event_type for cls in MESSAGE_EVENT_TYPES} == set(
        Delivery.objects.filter(handler="customer.notify").values_list(
            "event__event_type", flat=True
        )
    )
    statuses = dict(MypageEntry.objects.values_list("order_id", "status"))
    assert statuses == {
        refunded.order_id: "refunded",
        rejected.order_id: "refunded",
        waiting.order_id: "confirming",
        misordered.order_id: "paid",
    }
    sent = Notification.objects.values_list("order_id", "kind", "status", "attempts")
    assert sorted(sent) == sorted(
        [
            (refunded.order_id, "booked", "sent", 1),
            (refunded.order_id, "confirmed", "sent", 1),
            (refunded.order_id, "cancelled", "sent", 1),
            (refunded.order_id, "refunded", "sent", 1),
            (rejected.order_id, "booked", "sent", 1),
            (rejected.order_id, "rejected", "sent", 1),
            (rejected.order_id, "refunded", "sent", 1),
            (waiting.order_id, "booked", "sent", 1),
            (misordered.order_id, "booked", "sent", 1),
        ]
    )
    assert len(kakao_outbox) == 9
    assert len({m.idempotency_key for m in kakao_outbox}) == 9
