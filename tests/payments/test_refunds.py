"""Refunds of an order's payment (``services.refund``, which the refund handlers run): partial,
final, replayed, refused."""

import pytest
from django.db import transaction

from apps.payments import services
from apps.payments.dtos import PaymentData
from apps.payments.errors import PaymentError, ProviderCallInsideTransaction
from apps.payments.models import (
    IllegalPaymentTransition,
    Payment,
    Refund,
    SandboxCancel,
    SandboxCharge,
)
from hotel.eventbus.models import StoredEvent
from tests.payments.factories import PaymentFactory, approved_payment

pytestmark = pytest.mark.django_db(transaction=True)


def paid_order(order_id: int = 1, *, amount_krw: int = 150_000) -> PaymentData:
    return approved_payment(order_id=order_id, amount_krw=amount_krw)


def test_a_partial_then_a_final_refund_record_refunds_and_publish_events():
    payment = paid_order(9, amount_krw=100_000)

    first = services.refund(order_id=9, amount_krw=30_000, reason="fee kept", idempotency_key="r1")
    rest = services.refund(order_id=9, amount_krw=70_000, reason="rejected", idempotency_key="r2")

    assert (first.amount_krw, first.refunded_total_krw, first.fully_refunded) == (
        30_000,
        30_000,
        False,
    )
    assert (rest.amount_krw, rest.refunded_total_krw, rest.fully_refunded) == (
        70_000,
        100_000,
        True,
    )
    row = Payment.objects.get()
    assert (row.status, row.refunded_krw) == ("refunded", 100_000)
    assert list(Refund.objects.order_by("id").values_list("amount_krw", flat=True)) == [
        30_000,
        70_000,
    ]
    assert SandboxCharge.objects.get().cancelled_krw == 100_000
    events = StoredEvent.objects.filter(event_type="payments.PaymentRefunded").order_by("id")
    assert [e.payload for e in events] == [
        {
            "order_id": 9,
            "payment_id": payment.id,
            "refund_id": first.id,
            "amount_krw": 30_000,
            "refunded_total_krw": 30_000,
            "reason": "fee kept",
            "fully_refunded": False,
        },
        {
            "order_id": 9,
            "payment_id": payment.id,
            "refund_id": rest.id,
            "amount_krw": 70_000,
            "refunded_total_krw": 100_000,
            "reason": "rejected",
            "fully_refunded": True,
        },
    ]
    assert {e.correlation_id for e in events} == {"9"}


def test_a_replayed_refund_returns_the_first_result_and_refunds_once():
    paid_order(9)

    first = services.refund(
        order_id=9, amount_krw=150_000, reason="cancelled", idempotency_key="r1"
    )
    again = services.refund(
        order_id=9, amount_krw=150_000, reason="cancelled", idempotency_key="r1"
    )

    assert again == first
    assert Refund.objects.count() == 1
    assert SandboxCancel.objects.count() == 1
    assert StoredEvent.objects.filter(event_type="payments.PaymentRefunded").count() == 1


def test_refunding_more_than_is_left_is_refused_before_the_provider():
    paid_order(9, amount_krw=100_000)
    services.refund(order_id=9, amount_krw=60_000, reason="fee kept", idempotency_key="r1")

    with pytest.raises(PaymentError) as refused:
        services.refund(order_id=9, amount_krw=40_001, reason="again", idempotency_key="r2")

    assert refused.value.code == "invalid_refund_amount"
    assert refused.value.details == {"amount_krw": 40_001, "refundable_krw": 40_000}
    assert SandboxCancel.objects.count() == 1
    assert Payment.objects.get().refunded_krw == 60_000


def test_refund_refuses_to_run_inside_a_transaction():
    paid_order(9)

    with pytest.raises(ProviderCallInsideTransaction), transaction.atomic():
        services.refund(order_id=9, amount_krw=1000, reason="x", idempotency_key="r1")

    assert SandboxCancel.objects.count() == 0
    assert Refund.objects.count() == 0


def test_refunding_an_order_without_payment_is_a_404_error():
    with pytest.raises(PaymentError) as refused:
        services.refund(order_id=404, amount_krw=1000, reason="x", idempotency_key="r1")

    assert (refused.value.code, refused.value.http_status) == ("payment_not_found", 404)


def test_a_declined_payment_cannot_be_refunded():
    PaymentFactory(order_id=3, status=Payment.Status.DECLINED, approved_at=None)

    with pytest.raises(IllegalPaymentTransition):
        services.refund(order_id=3, amount_krw=1000, reason="x", idempotency_key="r1")

    assert SandboxCancel.objects.count() == 0
