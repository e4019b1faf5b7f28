"""The charge functions other contexts call through ``apps.payments.api``: charge, record
(approved or declined), find and void."""

import pytest
from django.db import transaction

from apps.payments import api
from apps.payments.errors import (
    PaymentError,
    ProviderCallInsideTransaction,
    RecordOutsideTransaction,
)
from apps.payments.models import Payment, SandboxCancel, SandboxCharge
from hotel.eventbus.models import StoredEvent
from tests.user_factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def charge(order_id: int = 1, *, payment_key: str = "test_ok", amount_krw: int = 150_000):
    return api.charge(
        order_reference=f"order-{order_id}",
        amount_krw=amount_krw,
        payment_key=payment_key,
        method="card",
        idempotency_key=f"charge-order-{order_id}",
    )


def test_charge_refuses_to_run_inside_a_transaction_and_charges_nothing():
    with pytest.raises(ProviderCallInsideTransaction), transaction.atomic():
        charge()

    assert SandboxCharge.objects.count() == 0


def test_charge_returns_the_approved_charge():
    approved = charge(7)

    assert approved.provider == "sandbox"
    assert (approved.order_reference, approved.payment_key) == ("order-7", "test_ok.order-7")
    assert (approved.method, approved.amount_krw) == ("card", 150_000)
    assert approved.masked_card_number.startswith("4330-****-****-")
    assert SandboxCharge.objects.count() == 1


def test_a_declined_charge_raises_402_with_the_reason_and_records_nothing():
    with pytest.raises(api.PaymentDeclined) as declined:
        charge(payment_key="test_decline_funds")

    assert declined.value.http_status == 402
    assert declined.value.code == "payment_declined"
    assert declined.value.details == {"reason": "insufficient_funds"}
    assert SandboxCharge.objects.count() == 0
    assert Payment.objects.count() == 0
    assert StoredEvent.objects.count() == 0


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [({"amount_krw": 0}, "invalid_amount"), ({"method": "bitcoin"}, "invalid_payment_method")],
)
def test_a_bad_charge_request_is_refused_before_the_provider(kwargs, code):
    arguments = {
        "order_reference": "order-1",
        "amount_krw": 1000,
        "payment_key": "test_ok",
        "method": "card",
        "idempotency_key": "k",
    } | kwargs

    with pytest.raises(PaymentError) as refused:
        api.charge(**arguments)

    assert refused.value.code == code
    assert SandboxCharge.objects.count() == 0


def test_record_approved_charge_writes_one_payment_and_one_event():
    guest = UserFactory()
    approved = charge(42)

    with transaction.atomic():
        payment = api.record_approved_charge(charge=approved, order_id=42, guest_id=guest.pk)

    row = Payment.objects.get()
    assert (row.pk, row.order_id, row.guest_id, row.status) == (
        payment.id,
        42,
        guest.pk,
        "approved",
    )
    assert (row.amount_krw, row.refunded_krw, row.payment_key) == (150_000, 0, "test_ok.order-42")
    assert row.masked_card_number == approved.masked_card_number
    event = StoredEvent.objects.get()
    assert (event.event_type, event.aggregate_type, event.aggregate_id, event.correlation_id) == (
        "payments.PaymentApproved",
        "order",
        "42",
        "42",
    )
    assert event.payload == {
        "order_id": 42,
        "payment_id": payment.id,
        "amount_krw": 150_000,
        "method": "card",
        "masked_card_number": approved.masked_card_number,
        "approved_at": approved.approved_at.isoformat(),
    }


def test_a_rolled_back_record_leaves_no_payment_and_no_event():
    guest = UserFactory()
    approved = charge(42)

    class OrderUpdateFailed(Exception):
        pass

    def record_then_fail():
        with transaction.atomic():
            api.record_approved_charge(charge=approved, order_id=42, guest_id=guest.pk)
            raise OrderUpdateFailed

    with pytest.raises(OrderUpdateFailed):
        record_then_fail()

    assert Payment.objects.count() == 0
    assert StoredEvent.objects.count() == 0


def test_record_approved_charge_refuses_to_run_outside_a_transaction():
    guest = UserFactory()
    approved = charge(42)

    with pytest.raises(RecordOutsideTransaction):
        api.record_approved_charge(charge=approved, order_id=42, guest_id=guest.pk)

    assert Payment.objects.count() == 0
    assert StoredEvent.objects.count() == 0


def test_recording_the_same_charge_twice_keeps_one_payment_and_one_event():
    guest = UserFactory()
    approved = charge(42)
    with transaction.atomic():
        first = api.record_approved_charge(charge=approved, order_id=42, guest_id=guest.pk)
    with transaction.atomic():
        again = api.record_approved_charge(charge=approved, order_id=42, guest_id=guest.pk)

    assert again == first
    assert Payment.objects.count() == 1
    assert StoredEvent.objects.count() == 1


def test_find_charge_finds_a_charge_made_for_the_order_and_nothing_otherwise():
    approved = charge(5)

    assert api.find_charge(order_reference="order-5") == approved
    assert api.find_charge(order_reference="order-6") is None


def test_void_charge_cancels_an_orphan_charge_in_full_and_is_idempotent():
    approved = charge(5)

    api.void_charge(charge=approved, reason="order never recorded")
    api.void_charge(charge=approved, reason="order never recorded")

    assert SandboxCharge.objects.get().cancelled_krw == 150_000
    assert SandboxCancel.objects.count() == 1
    assert api.find_charge(order_reference="order-5") is None


def test_void_charge_refuses_a_charge_that_an_order_records():
    guest = UserFactory()
    approved = charge(5)
    with transaction.atomic():
        api.record_approved_charge(charge=approved, order_id=5, guest_id=guest.pk)

    with pytest.raises(PaymentError) as refused:
        api.void_charge(charge=approved, reason="oops")

    assert refused.value.code == "charge_recorded"
    assert SandboxCharge.objects.get().cancelled_krw == 0


def test_record_declined_charge_keeps_the_attempt_without_an_event():
    guest = UserFactory()

    declined = api.record_declined_charge(
        order_id=8,
        guest_id=guest.pk,
        order_reference="order-8",
        payment_key="test_decline_funds",
        method="card",
        amount_krw=90_000,
        reason="insufficient_funds",
    )

    assert (declined.status, declined.decline_reason, declined.approved_at) == (
        "declined",
        "insufficient_funds",
        None,
    )
    assert StoredEvent.objects.count() == 0
