"""Reservation requests never go stale: each gets a decision deadline when it arrives, and the
worker's periodic job rejects the ones the hotel left open past it, as a hotelier's rejection
would (rooms released, full refund, mypage and a message telling the guest why).

The clock is time-machine's: the tests travel to a moment, book, and travel past deadlines.
The hotel is in Los Angeles, so "the start of the check-in day" is not Seoul's midnight.
"""

import importlib
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps as django_apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from apps.customer.models import Notification
from apps.orders.models import Order
from apps.payments.models import Payment, Refund
from apps.reservations import services
from apps.reservations.decision_deadlines import decision_deadline
from apps.reservations.errors import IllegalReservationTransition
from apps.reservations.events import (
    UNANSWERED_REQUEST_REASON,
    UNANSWERED_REQUEST_REASON_EN,
    ReservationConfirmed,
    ReservationRejected,
)
from apps.reservations.models import Reservation
from hotel.eventbus.models import StoredEvent
from hotel.eventbus.testing import drain_outbox, wait_until
from hotel.periodic_jobs import registered_jobs
from tests.customer.factories import GuestProfileFactory
from tests.processes import start_worker, stop
from tests.reservations.factories import (
    HotelFactory,
    HotelierFactory,
    RoomTypeFactory,
    held_by_night,
    inventory,
    requested_reservation,
)
from tests.reservations.helpers import history, published

LA = ZoneInfo("America/Los_Angeles")
#: Tuesday 4 March 2031, 10:00 in Los Angeles (18:00 UTC): "now" when a test starts.
START = datetime(2031, 3, 4, 10, 0, tzinfo=LA)


def la(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of March 2031 in Los Angeles."""
    return datetime(2031, 3, day, hour, minute, tzinfo=LA)


@pytest.fixture
def clock():
    """Time stands still at ``START`` until a test moves it (``clock.move_to(...)``)."""
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def la_room_type(clock):
    """A Los Angeles hotel (24 hours to decide, the default), 30 nights open from its today."""
    hotel = HotelFactory(name="Sunset Inn", time_zone="America/Los_Angeles")
    room_type = RoomTypeFactory(hotel=hotel, room_count=5, nightly_rate_krw=100_000)
    inventory(room_type, first_night=hotel.local_today(), nights=30)
    return room_type


def overdue(reservation: Reservation) -> Reservation:
    """Move the reservation's deadline a minute into the past (the threaded tests' clock is
    the real one: time-machine's travel is process-wide, which threads would share)."""
    Reservation.objects.filter(pk=reservation.pk).update(
        decision_deadline=timezone.now() - timedelta(minutes=1)
    )
    reservation.refresh_from_db()
    return reservation


def statuses(*reservations: Reservation) -> list[str]:
    return [Reservation.objects.get(pk=r.pk).status for r in reservations]


# --- the rule ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("requested_at", "check_in", "hours", "deadline"),
    [
        # A week ahead: the hotel's whole window.
        (la(4, 10), date(2031, 3, 11), 24, la(5, 10)),
        # Checking in the day after tomorrow: the window ends before the stay.
        (la(4, 10), date(2031, 3, 6), 24, la(5, 10)),
        # Tomorrow: no later than the end of today (00:00 local on the check-in day).
        (la(4, 10), date(2031, 3, 5), 24, la(5, 0)),
        # Tomorrow, and the hotel's own window is shorter still.
        (la(4, 10), date(2031, 3, 5), 3, la(4, 13)),
        # Late on the eve: 30 minutes to midnight is too little, two hours' grace instead.
        (la(4, 23, 30), date(2031, 3, 5), 24, la(5, 1, 30)),
        # The check-in day itself (a same-day booking): two hours' grace.
        (la(5, 9), date(2031, 3, 5), 24, la(5, 11)),
        # ... but never more than the hotel's own window.
        (la(5, 9), date(2031, 3, 5), 1, la(5, 10)),
        # Across the change to daylight saving time (9 March 2031): midnight PDT, not PST.
        (la(9, 10), date(2031, 3, 10), 24, la(10, 0)),
    ],
)
def test_the_deadline_is_the_hotels_hours_capped_at_the_check_in_day_with_a_short_grace(
    requested_at, check_in, hours, deadline
):
    computed = decision_deadline(
        requested_at=requested_at.astimezone(UTC),
        check_in=check_in,
        time_zone="America/Los_Angeles",
        hours=hours,
    )

    assert computed == deadline
    assert computed.tzinfo is UTC


def test_an_hours_value_that_skipped_validation_counts_as_the_nearest_bound():
    requested_at = la(4, 10).astimezone(UTC)
    far = date(2031, 4, 30)

    def with_hours(hours: int) -> datetime:
        return decision_deadline(
            requested_at=requested_at, check_in=far, time_zone="Asia/Seoul", hours=hours
        )

    assert with_hours(0) == requested_at + timedelta(hours=1)
    assert with_hours(10_000) == requested_at + timedelta(days=7)
    with pytest.raises(ValueError, match="aware"):
        decision_deadline(
            requested_at=datetime(2031, 3, 4, 10), check_in=far, time_zone="UTC", hours=24
        )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("check_in", "deadline"),
    [
        (date(2031, 3, 12), la(5, 10)),  # normal: 24 hours
        (date(2031, 3, 5), la(5, 0)),  # near check-in: the start of the check-in day
        (date(2031, 3, 4), la(4, 12)),  # same day: two hours' grace
    ],
)
def test_a_request_stores_its_deadline_when_it_arrives(la_room_type, check_in, deadline):
    reservation = requested_reservation(la_room_type, check_in=check_in, nights=1)

    reservation.refresh_from_db()
    assert reservation.requested_at == START
    assert reservation.decision_deadline == deadline


@pytest.mark.django_db
def test_a_later_change_of_the_hotels_hours_leaves_existing_deadlines_alone(la_room_type):
    before = requested_reservation(la_room_type, check_in=date(2031, 3, 12))
    hotel = la_room_type.hotel
    hotel.request_deadline_hours = 6
    hotel.full_clean()
    hotel.save()

    after = requested_reservation(la_room_type, check_in=date(2031, 3, 12))

    before.refresh_from_db()
    assert before.decision_deadline == la(5, 10)
    assert after.decision_deadline == la(4, 16)


@pytest.mark.django_db
@pytest.mark.parametrize(("hours", "valid"), [(0, False), (1, True), (168, True), (169, False)])
def test_the_hotels_hours_are_validated_to_an_hour_to_a_week(hours, valid):
    hotel = HotelFactory(request_deadline_hours=hours)

    if valid:
        hotel.full_clean()
    else:
        with pytest.raises(ValidationError) as refused:
            hotel.full_clean()
        assert list(refused.value.message_dict) == ["request_deadline_hours"]


# --- the job ------------------------------------------------------------------------------------


@pytest.fixture
def hotelier(la_room_type):
    return HotelierFactory(hotels=[la_room_type.hotel])


@pytest.mark.django_db(transaction=True)
def test_the_job_rejects_exactly_the_overdue_requests_once(clock, la_room_type, hotelier):
    week = date(2031, 3, 11)
    first = requested_reservation(la_room_type, check_in=week, guest_name="first")  # due 5th 10:00
    second = requested_reservation(la_room_type, check_in=week, guest_name="second")
    confirmed = requested_reservation(la_room_type, check_in=week)
    services.reservation_confirm(reservation_id=confirmed.pk, by=hotelier)
    cancelled = requested_reservation(la_room_type, check_in=week, order_id=93_001)
    services.reservation_cancel_for_order(
        order_id=93_001, reason="plans changed", cancelled_at=timezone.now()
    )
    clock.move_to(la(4, 12))
    later = requested_reservation(la_room_type, check_in=week)  # due 5th 12:00
    events_before = StoredEvent.objects.count()

    clock.move_to(la(5, 9, 59))
    assert services.reservations_reject_stale() == []  # a minute early: nothing

    clock.move_to(la(5, 10))
    rejected = services.reservations_reject_stale()

    assert sorted(rejected) == sorted([first.pk, second.pk])
    assert statuses(first, second, confirmed, cancelled, later) == [
        "rejected",
        "rejected",
        "confirmed",
        "cancelled",
        "requested",
    ]
    for reservation in (first, second):
        reservation.refresh_from_db()
        assert reservation.rejection_reason == UNANSWERED_REQUEST_REASON
        assert (reservation.decided_at, reservation.decided_by) == (la(5, 10), None)
        assert history(reservation)[-1] == (
            "requested",
            "rejected",
            "system",
            UNANSWERED_REQUEST_REASON,
        )
    events = published(ReservationRejected)
    assert sorted((e.reservation_id, e.reason, e.rejected_at) for e in events) == sorted(
        (r.pk, UNANSWERED_REQUEST_REASON, la(5, 10)) for r in (first, second)
    )
    # Their rooms are free again; the confirmed and the later request still hold theirs.
    assert set(held_by_night(la_room_type).values()) == {0, 2}
    assert StoredEvent.objects.count() == events_before + 2

    # Once more, at the same moment: nothing left to do, nothing changes.
    assert services.reservations_reject_stale() == []
    assert StoredEvent.objects.count() == events_before + 2
    assert [len(history(r)) for r in (first, second)] == [2, 2]

    # The later request's turn comes at its own deadline.
    clock.move_to(la(5, 12))
    assert services.reservations_reject_stale() == [later.pk]


@pytest.mark.django_db(transaction=True)
def test_a_backlog_is_taken_soonest_deadline_first_in_bounded_runs(clock, la_room_type):
    reservations = []
    for hour in (14, 11, 13, 10, 12):  # requested at these hours of the 4th, out of order
        clock.move_to(la(4, hour))
        reservations.append(requested_reservation(la_room_type, check_in=date(2031, 3, 20)))
    by_deadline = sorted(reservations, key=lambda r: r.decision_deadline)
    clock.move_to(la(6, 0))  # the worker was down: every one of them is past due

    first_run = services.reservations_reject_stale(batch_size=2, max_batches=2)
    second_run = services.reservations_reject_stale(batch_size=2, max_batches=2)

    assert first_run == [r.pk for r in by_deadline[:4]]
    assert second_run == [by_deadline[4].pk]


# --- the whole path: refund, mypage, the guest's message ----------------------------------------


def mypage(client: APIClient, order_id: int, language: str) -> dict:
    response = client.get(f"/api/mypage/{order_id}/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, response.data
    return response.data


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("language", "reason_shown", "reason_line"),
    [
        ("ko", UNANSWERED_REQUEST_REASON, f"- 사유: {UNANSWERED_REQUEST_REASON}\n"),
        ("en", UNANSWERED_REQUEST_REASON_EN, f"- Reason: {UNANSWERED_REQUEST_REASON_EN}\n"),
    ],
)
def test_an_unanswered_booking_is_rejected_refunded_in_full_and_the_guest_told_why(
    clock, la_room_type, language, reason_shown, reason_line
):
    guest = GuestProfileFactory(name="김민지", phone="01012345678", language=language).user
    client = APIClient()
    client.force_authenticate(guest)
    booked = client.post(
        "/api/orders/",
        {
            "hotel_id": la_room_type.hotel_id,
            "room_type_id": la_room_type.pk,
            "check_in": "2031-03-11",
            "check_out": "2031-03-13",
            "guests": 2,
            "payment_method": "card",
            "payment_key": "test_ok",
        },
        format="json",
    )
    assert booked.status_code == 201, booked.data
    order_id = booked.data["id"]
    drain_outbox()
    reservation = Reservation.objects.get(order_id=order_id)
    assert (reservation.status, reservation.decision_deadline) == ("requested", la(5, 10))

    clock.move_to(la(5, 10))
    assert services.reservations_reject_stale() == [reservation.pk]
    drain_outbox()

    order = Order.objects.get(pk=order_id)
    assert (order.status, order.rejection_reason) == ("rejected", UNANSWERED_REQUEST_REASON)
    payment = Payment.objects.get(order_id=order_id)
    assert (payment.status, payment.refunded_krw) == ("refunded", 200_000)
    assert list(Refund.objects.filter(payment=payment).values_list("amount_krw", flat=True)) == [
        200_000
    ]
    page = mypage(client, order_id, language)
    assert (page["reservation_status"], page["rejection_reason"]) == ("rejected", reason_shown)
    assert (page["refunded_krw"], page["status"]) == (200_000, "refunded")
    (rejected_step,) = [step for step in page["timeline"] if step["kind"] == "rejected"]
    assert reason_shown in rejected_step["description"]
    sent = Notification.objects.filter(guest=guest).order_by("id")
    assert [(n.kind, n.status, n.language) for n in sent] == [
        ("booked", "sent", language),
        ("rejected", "sent", language),
        ("refunded", "sent", language),
    ]
    assert reason_line in sent[1].body

    # Run the job and drain again: no second rejection, refund or message.
    assert services.reservations_reject_stale() == []
    drain_outbox()
    assert Refund.objects.filter(payment=payment).count() == 1
    assert Notification.objects.filter(guest=guest).count() == 3


# --- the worker runs it ---------------------------------------------------------------------------


def test_the_job_is_registered_with_the_worker_at_its_interval():
    (job,) = [job for job in registered_jobs() if job.name == "reservations.reject_stale_requests"]

    assert job.func is services.reservations_reject_stale
    assert job.every_seconds == settings.RESERVATIONS_STALE_REQUESTS_EVERY_SECONDS == 60


@pytest.mark.django_db(transaction=True)
def test_a_worker_process_rejects_an_overdue_request_and_its_order_follows(guest_client, booking):
    """``outbox work --until-idle`` runs the due periodic jobs, then drains what they
    published, then exits (the real clock here: the deadline is moved into the past)."""
    booked = guest_client.post("/api/orders/", booking(), format="json")
    assert booked.status_code == 201, booked.data
    drain_outbox()
    reservation = overdue(Reservation.objects.get(order_id=booked.data["id"]))

    worker = start_worker("--until-idle")
    try:
        worker.wait(timeout=60)
    finally:
        output = stop(worker)

    assert worker.returncode == 0, output
    reservation.refresh_from_db()
    assert (reservation.status, reservation.rejection_reason) == (
        "rejected",
        UNANSWERED_REQUEST_REASON,
    )
    assert f"reservation {reservation.pk} (order {reservation.order_id}" in output
    assert "rejected automatically" in output
    assert Order.objects.get(pk=reservation.order_id).status == "rejected"
    assert Payment.objects.get(order_id=reservation.order_id).refunded_krw == 200_000


# --- a hotelier deciding at the same moment (PostgreSQL row locks) ------------------------------


def in_threads(*jobs: Callable[[], object]) -> list[object]:
    """Run each job in its own thread (own database session), started together; return what
    each returned or raised."""
    barrier = threading.Barrier(len(jobs))
    results: list[object] = [None] * len(jobs)

    def run(index: int, job: Callable[[], object]) -> None:
        barrier.wait()
        try:
            results[index] = job()
        except BaseException as exc:
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results


def waiting_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


@pytest.fixture
def seoul_hotelier(room_type):
    return HotelierFactory(hotels=[room_type.hotel])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_hotelier_confirming_first_wins_and_the_job_passes_the_locked_request_by(
    room_type, seoul_hotelier
):
    held, other = (overdue(requested_reservation(room_type)) for _ in range(2))
    confirmed_uncommitted, release = threading.Event(), threading.Event()

    def confirm_and_hold_the_lock():
        try:
            with transaction.atomic():
                services.reservation_confirm(reservation_id=held.pk, by=seoul_hotelier)
                confirmed_uncommitted.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    hotelier_thread = threading.Thread(target=confirm_and_hold_the_lock)
    hotelier_thread.start()
    assert confirmed_uncommitted.wait(timeout=30)
    try:
        # SKIP LOCKED: the job neither waits for the hotelier nor touches the locked row.
        assert services.reservations_reject_stale() == [other.pk]
    finally:
        release.set()
        hotelier_thread.join(timeout=30)

    assert services.reservations_reject_stale() == []
    assert statuses(held, other) == ["confirmed", "rejected"]
    assert [e.reservation_id for e in published(ReservationConfirmed)] == [held.pk]
    assert [e.reservation_id for e in published(ReservationRejected)] == [other.pk]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_hotelier_confirming_while_the_job_holds_the_request_gets_a_conflict(
    room_type, seoul_hotelier
):
    reservation = overdue(requested_reservation(room_type))
    rejected_uncommitted, release = threading.Event(), threading.Event()
    job_result: list[object] = []

    def job_in_a_transaction_held_open():
        try:
            with transaction.atomic():
                job_result.append(services.reservations_reject_stale())
                rejected_uncommitted.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    job_thread = threading.Thread(target=job_in_a_transaction_held_open)
    job_thread.start()
    assert rejected_uncommitted.wait(timeout=30)
    confirm_result: list[object] = []

    def confirm():
        try:
            confirm_result.append(
                services.reservation_confirm(reservation_id=reservation.pk, by=seoul_hotelier)
            )
        except IllegalReservationTransition as exc:
            confirm_result.append(exc)
        finally:
            connections.close_all()

    hotelier_thread = threading.Thread(target=confirm)
    hotelier_thread.start()
    try:
        wait_until(waiting_on_a_lock, timeout=30, message="the confirmation never waited")
    finally:
        release.set()
        job_thread.join(timeout=30)
        hotelier_thread.join(timeout=30)

    assert job_result == [[reservation.pk]]
    (refused,) = confirm_result
    assert isinstance(refused, IllegalReservationTransition)
    assert refused.http_status == 409
    assert statuses(reservation) == ["rejected"]
    assert published(ReservationConfirmed) == []
    assert len(published(ReservationRejected)) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_confirmations_racing_the_job_end_in_exactly_one_outcome_each(room_type, seoul_hotelier):
    rounds = 12
    outcomes = set()
    for n in range(rounds):
        check_in = room_type.hotel.local_today() + timedelta(days=3 + n)
        reservation = overdue(requested_reservation(room_type, check_in=check_in))

        job, confirm = in_threads(
            services.reservations_reject_stale,
            lambda r=reservation: services.reservation_confirm(
                reservation_id=r.pk, by=seoul_hotelier
            ),
        )

        (status,) = statuses(reservation)
        to_statuses = [row[1] for row in history(reservation)]
        if status == "confirmed":
            assert job == []
            assert isinstance(confirm, Reservation)
        else:
            assert job == [reservation.pk]
            assert isinstance(confirm, IllegalReservationTransition)
        assert to_statuses == ["requested", status]
        outcomes.add(status)
    confirmed = {e.reservation_id for e in published(ReservationConfirmed)}
    rejected = {e.reservation_id for e in published(ReservationRejected)}
    assert not confirmed & rejected
    assert len(confirmed) + len(rejected) == rounds
    assert outcomes <= {"confirmed", "rejected"}


# --- where it shows, and requests from before deadlines existed -------------------------------


@pytest.mark.django_db
def test_hoteliers_see_the_deadline_in_the_api_and_the_admin(la_room_type, hotelier):
    reservation = requested_reservation(la_room_type, check_in=date(2031, 3, 11))
    api = APIClient()
    api.force_authenticate(hotelier)

    detail = api.get(f"/api/reservations/{reservation.pk}/")
    listed = api.get("/api/reservations/")

    assert datetime.fromisoformat(detail.data["decision_deadline"]) == la(5, 10)
    assert listed.data["results"][0]["decision_deadline"] == detail.data["decision_deadline"]
    admin = Client()
    admin.force_login(hotelier)
    changelist = admin.get("/admin/reservations/reservation/")
    assert changelist.status_code == 200
    assert "column-decide_by" in changelist.content.decode()
    change = admin.get(f"/admin/reservations/reservation/{reservation.pk}/change/")
    assert change.status_code == 200
    assert "field-decision_deadline" in change.content.decode()
    hotel_page = admin.get(f"/admin/reservations/hotel/{la_room_type.hotel_id}/change/")
    assert hotel_page.status_code == 200
    assert 'name="request_deadline_hours"' in hotel_page.content.decode()


@pytest.mark.django_db
def test_the_migration_gives_open_requests_a_full_window_from_the_deploy(clock, la_room_type):
    migration = importlib.import_module("apps.reservations.migrations.0007_request_deadline")
    open_request = requested_reservation(la_room_type, check_in=date(2031, 3, 11))
    decided = requested_reservation(la_room_type, check_in=date(2031, 3, 11))
    Reservation.objects.filter(pk=decided.pk).update(status="confirmed")
    Reservation.objects.update(decision_deadline=None)  # as the column arrives
    clock.move_to(la(6, 8))

    migration.give_open_requests_a_deadline(django_apps, None)

    open_request.refresh_from_db()
    decided.refresh_from_db()
    assert open_request.decision_deadline == la(7, 8)  # 24 hours from the deploy
    assert decided.decision_deadline is None
