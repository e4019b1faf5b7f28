"""Concurrent retries on real PostgreSQL connections: one charge, one refund."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, transaction

from apps.payments import services
from apps.payments.models import Refund, SandboxCancel, SandboxCharge
from hotel.eventbus.models import StoredEvent
from tests.user_factories import UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


def in_thread(func):
    def run(*args):
        try:
            return func(*args)
        finally:
            connection.close()

    return run


def test_concurrent_charges_with_one_idempotency_key_charge_once_and_agree():
    @in_thread
    def charge(_):
        return services.charge(
            order_reference="order-1",
            amount_krw=150_000,
            payment_key="test_ok",
            method="card",
            idempotency_key="charge-order-1",
        )

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(charge, range(20)))

    assert len(set(results)) == 1
    assert SandboxCharge.objects.count() == 1


def test_concurrent_full_refunds_with_one_idempotency_key_refund_once():
    guest = UserFactory()
    approved = services.charge(
        order_reference="order-1",
        amount_krw=150_000,
        payment_key="test_ok",
        method="card",
        idempotency_key="charge-order-1",
    )
    with transaction.atomic():
        services.record_approved_charge(charge=approved, order_id=1, guest_id=guest.pk)

    @in_thread
    def refund(_):
        return services.refund(
            order_id=1, amount_krw=150_000, reason="rejected", idempotency_key="r1"
        )

    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(refund, range(10)))

    assert len({r.id for r in results}) == 1
    assert Refund.objects.count() == 1
    assert SandboxCancel.objects.count() == 1
    assert SandboxCharge.objects.get().cancelled_krw == 150_000
    assert StoredEvent.objects.filter(event_type="payments.PaymentRefunded").count() == 1
