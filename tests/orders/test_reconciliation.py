"""A process killed between charge and commit, and what reconciliation makes of it."""

import json
import subprocess
import sys
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from apps.orders.models import Order
from apps.orders.services import orders_reconcile
from apps.orders.services.booking import order_mark_failed
from apps.payments.api import PaymentUnavailable
from apps.payments.models import Payment, SandboxCharge
from hotel.eventbus.models import StoredEvent
from tests.processes import ROOT, database_env
from tests.reservations.factories import held_by_night

pytestmark = pytest.mark.django_db(transaction=True)


def book_and_die(guest, body, *flags) -> None:
    child = subprocess.run(
        [
            sys.executable,
            str(ROOT / "tests/orders/crash_after_charge.py"),
            str(guest.pk),
            json.dumps(body),
            *flags,
        ],
        env=database_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert child.returncode == -9, child.stderr  # killed, as planned


def events() -> list[str]:
    return list(StoredEvent.objects.order_by("id").values_list("event_type", flat=True))


def held_nights(room_type) -> list[int]:
    return [held for held in held_by_night(room_type).values() if held]


def test_killed_after_the_charge_the_order_is_recorded_as_paid_with_its_one_charge(
    guest, booking, room_type
):
    book_and_die(guest, booking())
    order = Order.objects.get()
    assert (order.status, SandboxCharge.objects.count(), Payment.objects.count()) == (
        "pending_payment",
        1,
        0,
    )

    report = orders_reconcile(grace_period=timedelta(0))

    order.refresh_from_db()
    assert report.paid == [order.pk]
    assert order.status == "paid"
    payment = Payment.objects.get()
    assert (payment.order_id, payment.amount_krw, payment.status) == (order.pk, 200_000, "approved")
    assert SandboxCharge.objects.count() == 1
    assert events() == ["orders.OrderPlaced", "payments.PaymentApproved"]
    assert held_nights(room_type) == [1, 1]  # the rooms it held stay held
    assert orders_reconcile(grace_period=timedelta(0)).paid == []  # nothing left to do


def test_killed_before_the_charge_the_order_fails_and_its_rooms_are_released(
    guest, booking, room_type
):
    book_and_die(guest, booking(), "--before-charge")
    assert held_nights(room_type) == [1, 1]

    report = orders_reconcile(grace_period=timedelta(0))

    order = Order.objects.get()
    assert report.failed == [order.pk]
    assert (order.status, order.failure_code) == ("payment_failed", "payment_not_completed")
    assert held_nights(room_type) == []
    assert SandboxCharge.objects.count() == 0
    assert Payment.objects.count() == 0
    assert events() == []


def test_a_charge_left_behind_by_a_failed_booking_is_voided(guest, booking, room_type):
    # The provider charged, but we saw a timeout and failed the booking.
    book_and_die(guest, booking())
    order = Order.objects.get()
    order_mark_failed(
        order_id=order.pk,
        error=PaymentUnavailable(code="payment_timeout", message="timeout", retry_after_seconds=1),
        outcome_uncertain=True,
    )

    out = StringIO()
    call_command("reconcile_payments", "--grace-seconds", "0", stdout=out)

    order.refresh_from_db()
    charge = SandboxCharge.objects.get()
    assert charge.cancelled_krw == charge.amount_krw  # money back: no charge without a booking
    assert (order.status, order.payment_outcome_uncertain) == ("payment_failed", False)
    assert Payment.objects.filter(status="approved").count() == 0
    assert out.getvalue() == "paid 0, failed 0, voided 1, provider unreachable 0\n"
    assert held_nights(room_type) == []


def test_young_pending_orders_are_left_to_their_own_request(guest, booking):
    book_and_die(guest, booking())

    report = orders_reconcile(grace_period=timedelta(minutes=2))

    assert (report.paid, report.failed) == ([], [])
    assert Order.objects.get().status == "pending_payment"
