"""payments.refunds: one refund per rejection or cancellation, never two, never lost."""

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from apps.payments import services
from apps.payments.dtos import PaymentData
from apps.payments.gateway import payment_provider
from apps.payments.handlers import HANDLER
from apps.payments.models import Payment, Refund, SandboxCancel, SandboxCharge
from apps.reservations.events import ReservationCancelled, ReservationRejected
from hotel.eventbus import publish
from hotel.eventbus.models import Delivery, StoredEvent
from hotel.eventbus.subscriptions import handler_names_for, runs_in_transaction
from hotel.eventbus.worker import OutboxWorker, RoundResult
from tests.payments.factories import approved_payment

pytestmark = pytest.mark.django_db(transaction=True)

ORDER_ID = 41


def paid_order(order_id: int = ORDER_ID, *, amount_krw: int = 100_000) -> PaymentData:
    return approved_payment(order_id=order_id, amount_krw=amount_krw)


def publish_rejected(order_id: int = ORDER_ID, *, reason: str = "Overbooked"):
    with transaction.atomic():
        return publish(
            ReservationRejected(
                reservation_id=7,
                order_id=order_id,
                guest_id=1,
                hotel_id=1,
                reason=reason,
                rejected_at=timezone.now(),
            ),
            correlation_id=str(order_id),
        )


def publish_cancelled(order_id: int = ORDER_ID, *, fee_krw: int, refund_krw: int):
    with transaction.atomic():
        return publish(
            ReservationCancelled(
                reservation_id=7,
                order_id=order_id,
                guest_id=1,
                hotel_id=1,
                cancellation_id=3,
                fee_krw=fee_krw,
                refund_krw=refund_krw,
                reason="plans changed",
                cancelled_at=timezone.now(),
            ),
            correlation_id=str(order_id),
        )


def drain_refunds() -> RoundResult:
    """Drain this handler's deliveries only: other handlers' pending deliveries (those of the
    PaymentRefunded events too) are set aside as done before each round."""
    worker = OutboxWorker()
    total = RoundResult()
    while True:
        Delivery.objects.filter(state="pending").exclude(handler=HANDLER).update(
            state="done", completed_at=timezone.now()
        )
        result = worker.run_once()
        for name in ("done", "retried", "dead", "lost", "released"):
            getattr(total, name).extend(getattr(result, name))
        if not (result.handled or result.lost):
            return total


def redeliver() -> None:
    Delivery.objects.filter(handler=HANDLER).update(
        state="pending", attempts=0, available_at=timezone.now(), completed_at=None
    )


def make_due() -> None:
    Delivery.objects.filter(handler=HANDLER, state="pending").update(available_at=timezone.now())


def refunded_events() -> list[StoredEvent]:
    return list(StoredEvent.objects.filter(event_type="payments.PaymentRefunded").order_by("id"))


def refund_delivery() -> Delivery:
    return Delivery.objects.get(handler=HANDLER)


def test_one_handler_name_runs_outside_the_workers_transaction():
    assert HANDLER == "payments.refunds"
    assert HANDLER in handler_names_for("reservations.ReservationRejected")
    assert HANDLER in handler_names_for("reservations.ReservationCancelled")
    assert not runs_in_transaction(HANDLER)


def test_a_rejection_refunds_the_whole_payment_once():
    payment = paid_order(amount_krw=100_000)
    meta = publish_rejected(reason="Closed for renovation")

    result = drain_refunds()

    assert len(result.done) == 1
    refund = Refund.objects.get()
    assert (refund.amount_krw, refund.idempotency_key) == (100_000, f"refund:{meta.event_id}")
    assert refund.reason == "reservation rejected: Closed for renovation"
    row = Payment.objects.get()
    assert (row.status, row.refunded_krw) == ("refunded", 100_000)
    (event,) = refunded_events()
    assert event.payload["payment_id"] == payment.id
    assert (event.payload["amount_krw"], event.payload["fully_refunded"]) == (100_000, True)
    assert event.correlation_id == str(ORDER_ID)
    assert SandboxCharge.objects.get().cancelled_krw == 100_000


def test_a_cancellation_refunds_what_the_policy_gives_back_once():
    paid_order(amount_krw=100_000)
    meta = publish_cancelled(fee_krw=30_000, refund_krw=70_000)

    drain_refunds()

    refund = Refund.objects.get()
    assert (refund.amount_krw, refund.idempotency_key) == (70_000, f"refund:{meta.event_id}")
    assert refund.reason == "guest cancelled: plans changed"
    assert Payment.objects.values_list("status", "refunded_krw").get() == ("refunded", 70_000)
    assert [e.payload["amount_krw"] for e in refunded_events()] == [70_000]
    assert SandboxCancel.objects.count() == 1


def test_a_cancellation_without_refund_refunds_nothing_and_is_done():
    paid_order(amount_krw=100_000)
    publish_cancelled(fee_krw=100_000, refund_krw=0)

    result = drain_refunds()

    assert len(result.done) == 1
    assert refund_delivery().state == "done"
    assert Refund.objects.count() == 0
    assert SandboxCancel.objects.count() == 0
    assert refunded_events() == []
    assert Payment.objects.values_list("status", "refunded_krw").get() == ("approved", 0)


@pytest.mark.parametrize("outcome", ["rejected", "cancelled"])
def test_a_redelivered_event_never_refunds_twice(outcome):
    paid_order(amount_krw=100_000)
    if outcome == "rejected":
        publish_rejected()
    else:
        publish_cancelled(fee_krw=20_000, refund_krw=80_000)
    drain_refunds()

    redeliver()
    result = drain_refunds()

    assert len(result.done) == 1
    assert Refund.objects.count() == 1
    assert SandboxCancel.objects.count() == 1
    assert len(refunded_events()) == 1


def test_a_crash_after_the_providers_refund_before_recording_reuses_the_providers_cancel():
    """The provider refunded, then the process died before the Refund row: the retry's
    idempotency key gets the provider's first cancel back, so money moves once."""
    paid_order(amount_krw=100_000)
    meta = publish_cancelled(fee_krw=0, refund_krw=100_000)
    payment_provider().cancel(
        payment_key=Payment.objects.get().payment_key,
        amount_krw=None,
        reason="guest cancelled: plans changed",
        idempotency_key=f"refund:{meta.event_id}",
    )

    drain_refunds()

    assert SandboxCancel.objects.count() == 1
    assert Refund.objects.count() == 1
    assert SandboxCharge.objects.get().cancelled_krw == 100_000
    assert Payment.objects.get().refunded_krw == 100_000


def test_a_provider_outage_retries_with_backoff_then_dead_letters_and_a_replay_refunds_once(
    settings,
):
    paid_order(amount_krw=100_000)
    publish_rejected()
    settings.PAYMENT_SANDBOX_FAILURE_RATE = 1.0  # every provider call fails

    first = drain_refunds()

    delivery = refund_delivery()
    assert len(first.retried) == 1
    assert (delivery.state, delivery.attempts) == ("pending", 1)
    assert delivery.available_at > timezone.now()  # backing off
    assert "PaymentUnavailable: payment_provider_error" in delivery.last_error
    assert Refund.objects.count() == 0
    assert refunded_events() == []

    for _ in range(settings.OUTBOX["MAX_ATTEMPTS"] - 1):
        make_due()
        drain_refunds()

    delivery = refund_delivery()
    assert (delivery.state, delivery.attempts) == ("dead", settings.OUTBOX["MAX_ATTEMPTS"])
    assert "PaymentUnavailable" in delivery.last_error
    assert Refund.objects.count() == 0
    assert Payment.objects.get().refunded_krw == 0

    settings.PAYMENT_SANDBOX_FAILURE_RATE = 0.0
    call_command("outbox", "replay", "--handler", HANDLER)
    drain_refunds()

    assert refund_delivery().state == "done"
    assert Refund.objects.get().amount_krw == 100_000
    assert len(refunded_events()) == 1


def test_a_refund_the_provider_refuses_is_kept_as_a_failure_not_dropped():
    paid_order(amount_krw=100_000)
    # Cancelled at the provider behind our back: the provider refuses another cancel.
    SandboxCharge.objects.update(cancelled_krw=100_000)
    publish_cancelled(fee_krw=0, refund_krw=100_000)

    drain_refunds()

    delivery = refund_delivery()
    assert (delivery.state, delivery.attempts) == ("pending", 1)
    assert "refund_refused" in delivery.last_error
    assert Refund.objects.count() == 0
    assert refunded_events() == []


def test_a_refund_of_an_order_without_payment_fails_visibly():
    publish_rejected(order_id=999)

    drain_refunds()

    delivery = refund_delivery()
    assert delivery.state == "pending"
    assert "payment_not_found" in delivery.last_error
    assert Refund.objects.count() == 0


def test_a_rejection_after_a_full_refund_refunds_nothing_more():
    paid_order(amount_krw=100_000)
    services.refund(
        order_id=ORDER_ID, amount_krw=100_000, reason="manual", idempotency_key="manual"
    )
    publish_rejected()

    drain_refunds()

    assert refund_delivery().state == "done"
    assert Refund.objects.count() == 1
    assert len(refunded_events()) == 1


def test_refunds_of_different_orders_are_each_made_once():
    paid_order(41, amount_krw=100_000)
    paid_order(42, amount_krw=50_000)
    publish_rejected(41)
    publish_cancelled(42, fee_krw=10_000, refund_krw=40_000)

    drain_refunds()
    redeliver()
    drain_refunds()

    assert sorted(Refund.objects.values_list("payment__order_id", "amount_krw")) == [
        (41, 100_000),
        (42, 40_000),
    ]
