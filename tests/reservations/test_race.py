"""A cancellation racing a confirmation ends in one consistent state (PostgreSQL row locks)."""

import threading
import time
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connections, transaction
from django.utils import timezone

from apps.reservations import services
from apps.reservations.errors import IllegalReservationTransition
from apps.reservations.events import ReservationCancelled, ReservationConfirmed
from apps.reservations.models import Cancellation, Reservation
from tests.reservations.factories import (
    HotelierFactory,
    RoomTypeFactory,
    held_by_night,
    inventory,
    requested_reservation,
)
from tests.reservations.helpers import published

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 20


@pytest.fixture
def race_room_type():
    """The races' room type, with a room per round: all ``ROUNDS`` reservations, on the same
    nights, get their room."""
    room_type = RoomTypeFactory(room_count=ROUNDS)
    inventory(room_type, first_night=room_type.hotel.local_today(), nights=14)
    return room_type


@pytest.fixture
def hotelier(race_room_type):
    return HotelierFactory(hotels=[race_room_type.hotel])


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


def to_statuses(reservation: Reservation) -> list[str]:
    return list(reservation.status_changes.order_by("id").values_list("to_status", flat=True))


def test_confirmations_racing_cancellations_always_end_cancelled_and_consistent(
    race_room_type, hotelier
):
    check_in = race_room_type.hotel.local_today() + timedelta(days=3)
    reservations = [
        requested_reservation(race_room_type, check_in=check_in, order_id=4000 + n)
        for n in range(ROUNDS)
    ]
    confirmed_first = []

    for reservation in reservations:
        confirm, cancel = in_threads(
            lambda r=reservation: services.reservation_confirm(reservation_id=r.pk, by=hotelier),
            lambda r=reservation: services.reservation_cancel_for_order(
                order_id=r.order_id, reason="Race", cancelled_at=timezone.now()
            ),
        )
        assert isinstance(cancel, Cancellation)
        if isinstance(confirm, Reservation):
            confirmed_first.append(reservation.pk)
        else:
            assert isinstance(confirm, IllegalReservationTransition), confirm
            assert confirm.status == "cancelled"

    for reservation in Reservation.objects.all():
        assert reservation.status == "cancelled"
        expected = (
            ["requested", "confirmed", "cancelled"]
            if reservation.pk in confirmed_first
            else ["requested", "cancelled"]
        )
        assert to_statuses(reservation) == expected
    assert Cancellation.objects.count() == ROUNDS
    assert sorted(event.reservation_id for event in published(ReservationConfirmed)) == sorted(
        confirmed_first
    )
    assert len(published(ReservationCancelled)) == ROUNDS
    assert set(held_by_night(race_room_type).values()) == {0}  # each stay released exactly once


def _hold_the_lock_then(action: Callable[[], object], locked: threading.Event) -> object:
    """Run ``action`` in a transaction that stays open (row locked) for a moment after it."""
    with transaction.atomic():
        result = action()
        locked.set()
        time.sleep(0.3)
    return result


def _after(locked: threading.Event, action: Callable[[], object]) -> Callable[[], object]:
    def run() -> object:
        assert locked.wait(timeout=10)
        started = time.monotonic()
        try:
            return action()
        finally:
            run.waited = time.monotonic() - started  # type: ignore[attr-defined]

    return run


def test_a_cancellation_waits_for_a_confirmation_in_progress_then_cancels_it(
    race_room_type, hotelier
):
    reservation = requested_reservation(race_room_type, order_id=4100)
    locked = threading.Event()
    cancel = _after(
        locked,
        lambda: services.reservation_cancel_for_order(
            order_id=4100, reason="Race", cancelled_at=timezone.now()
        ),
    )

    confirmed, cancellation = in_threads(
        lambda: _hold_the_lock_then(
            lambda: services.reservation_confirm(reservation_id=reservation.pk, by=hotelier),
            locked,
        ),
        cancel,
    )

    assert isinstance(confirmed, Reservation)
    assert isinstance(cancellation, Cancellation)
    assert cancel.waited >= 0.2
    assert to_statuses(reservation) == ["requested", "confirmed", "cancelled"]
    assert Reservation.objects.get().status == "cancelled"


def test_a_confirmation_waits_for_a_cancellation_in_progress_then_is_refused(
    race_room_type, hotelier
):
    reservation = requested_reservation(race_room_type, order_id=4101)
    locked = threading.Event()
    confirm = _after(
        locked, lambda: services.reservation_confirm(reservation_id=reservation.pk, by=hotelier)
    )

    cancellation, refused = in_threads(
        lambda: _hold_the_lock_then(
            lambda: services.reservation_cancel_for_order(
                order_id=4101, reason="Race", cancelled_at=timezone.now()
            ),
            locked,
        ),
        confirm,
    )

    assert isinstance(cancellation, Cancellation)
    assert isinstance(refused, IllegalReservationTransition)
    assert (refused.status, refused.target) == ("cancelled", "confirmed")
    assert confirm.waited >= 0.2
    assert to_statuses(reservation) == ["requested", "cancelled"]
    assert published(ReservationConfirmed) == []
    assert set(held_by_night(race_room_type).values()) == {0}
