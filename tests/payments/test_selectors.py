"""Reads of the payments context that no view covers."""

import pytest
from django.db import transaction

from apps.payments import selectors, services
from apps.payments.dtos import PaymentData
from tests.user_factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_payment_for_order_returns_the_payment_or_none():
    approved = services.charge(
        order_reference="order-11",
        amount_krw=150_000,
        payment_key="test_ok",
        method="card",
        idempotency_key="charge-order-11",
    )
    with transaction.atomic():
        payment = services.record_approved_charge(
            charge=approved, order_id=11, guest_id=UserFactory().pk
        )

    assert PaymentData.from_payment(selectors.payment_for_order(order_id=11)) == payment
    assert selectors.payment_for_order(order_id=12) is None
