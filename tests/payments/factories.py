import datetime

import factory
from django.db import transaction
from django.utils import timezone

from apps.payments import services
from apps.payments.dtos import PaymentData
from apps.payments.models import Payment, Refund
from tests.user_factories import UserFactory


class PaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Payment

    order_id = factory.Sequence(lambda n: 1000 + n)
    guest = factory.SubFactory(UserFactory)
    provider = "sandbox"
    order_reference = factory.LazyAttribute(lambda p: f"order-{p.order_id}")
    payment_key = factory.LazyAttribute(lambda p: f"test_ok.{p.order_reference}")
    method = "card"
    masked_card_number = "4330-****-****-1234"
    amount_krw = 120_000
    refunded_krw = 0
    status = Payment.Status.APPROVED
    approved_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(minutes=5))


class RefundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Refund

    payment = factory.SubFactory(PaymentFactory, status=Payment.Status.REFUNDED)
    amount_krw = factory.LazyAttribute(lambda r: r.payment.refunded_krw or r.payment.amount_krw)
    refunded_total_krw = factory.LazyAttribute(lambda r: r.amount_krw)
    reason = "guest cancelled"
    provider_cancel_id = factory.Sequence(lambda n: f"cancel-{n}")
    idempotency_key = factory.Sequence(lambda n: f"refund-{n}")


def approved_payment(*, order_id: int, amount_krw: int) -> PaymentData:
    """A payment charged through the sandbox provider and recorded, as a paid booking leaves it
    (a new guest's, order reference ``order-<order_id>``)."""
    guest = UserFactory()
    approved = services.charge(
        order_reference=f"order-{order_id}",
        amount_krw=amount_krw,
        payment_key="test_ok",
        method="card",
        idempotency_key=f"charge-order-{order_id}",
    )
    with transaction.atomic():
        return services.record_approved_charge(
            charge=approved, order_id=order_id, guest_id=guest.pk
        )
