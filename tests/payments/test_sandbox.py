import random

import pytest
from django.db import connection, transaction

from apps.payments.gateway import ProviderDeclined, ProviderFailure, ProviderTimeout
from apps.payments.gateway.sandbox import LatencyRange, SandboxProvider
from apps.payments.models import SandboxCancel, SandboxCharge

pytestmark = pytest.mark.django_db(transaction=True)


def sandbox(**kwargs) -> SandboxProvider:
    return SandboxProvider(timeout_seconds=kwargs.pop("timeout_seconds", 0.61), **kwargs)


def confirm(provider: SandboxProvider, key: str = "test_ok", *, order: str = "order-1", **kw):
    return provider.confirm(
        payment_key=key,
        order_reference=order,
        amount_krw=kw.pop("amount_krw", 150_000),
        method=kw.pop("method", "card"),
        idempotency_key=kw.pop("idempotency_key", f"charge-{order}"),
    )


def test_a_test_ok_key_approves_and_records_one_charge_with_a_masked_card_number():
    payment = confirm(sandbox(), "test_ok_visa")

    assert payment.provider == "sandbox"
    assert payment.payment_key == "test_ok_visa.order-1"
    assert (payment.order_reference, payment.amount_krw, payment.cancelled_krw) == (
        "order-1",
        150_000,
        0,
    )
    assert payment.method == "card"
    assert payment.masked_card_number.startswith("4330-****-****-")
    assert len(payment.masked_card_number) == 19
    assert payment.masked_card_number[-4:].isdigit()
    charge = SandboxCharge.objects.get()
    assert (charge.payment_key, charge.amount_krw, charge.idempotency_key) == (
        "test_ok_visa.order-1",
        150_000,
        "charge-order-1",
    )


def test_a_non_card_method_gets_no_masked_card_number():
    payment = confirm(sandbox(), method="transfer")

    assert (payment.method, payment.masked_card_number) == ("transfer", "")


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("test_decline_funds", "insufficient_funds"),
        ("test_decline_fraud_1", "suspected_fraud"),
        ("tok_live_123", "invalid_payment_key"),
    ],
)
def test_decline_keys_decline_with_their_reason_and_charge_nothing(key, reason):
    with pytest.raises(ProviderDeclined) as declined:
        confirm(sandbox(), key)

    assert declined.value.reason == reason
    assert SandboxCharge.objects.count() == 0


def test_the_error_key_is_a_provider_failure_and_charges_nothing():
    with pytest.raises(ProviderFailure) as failure:
        confirm(sandbox(), "test_error")

    assert not isinstance(failure.value, ProviderTimeout)
    assert SandboxCharge.objects.count() == 0


def test_the_timeout_key_waits_the_timeout_then_times_out_without_charging():
    slept = []

    with pytest.raises(ProviderTimeout):
        confirm(sandbox(timeout_seconds=0.25, sleep=slept.append), "test_timeout")

    assert slept == [0.25]
    assert SandboxCharge.objects.count() == 0


def test_the_same_idempotency_key_returns_the_first_result_and_never_charges_twice():
    provider = sandbox()
    first = confirm(provider, idempotency_key="charge-42")
    again = confirm(provider, idempotency_key="charge-42")

    assert again == first
    assert SandboxCharge.objects.count() == 1


def test_a_second_payment_for_a_paid_order_reference_is_declined():
    provider = sandbox()
    confirm(provider, idempotency_key="charge-a")

    with pytest.raises(ProviderDeclined) as declined:
        confirm(provider, "test_ok_other", idempotency_key="charge-b")

    assert declined.value.reason == "already_processed_payment"
    assert SandboxCharge.objects.count() == 1


def test_an_idempotency_key_reused_for_another_amount_is_declined():
    provider = sandbox()
    confirm(provider, idempotency_key="charge-a", amount_krw=100)

    with pytest.raises(ProviderDeclined) as declined:
        confirm(provider, idempotency_key="charge-a", amount_krw=200)

    assert declined.value.reason == "idempotency_key_reused"
    assert SandboxCharge.objects.get().amount_krw == 100


def test_find_by_order_sees_a_charge_made_by_another_provider_instance():
    payment = confirm(sandbox(), order="order-7")

    assert sandbox().find_by_order(order_reference="order-7") == payment
    assert sandbox().find_by_order(order_reference="order-8") is None


@pytest.mark.postgres
def test_the_ledger_is_unlogged_so_a_charge_waits_for_no_wal_flush():
    # It stands in for a remote provider, whose bookkeeping costs our database nothing.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, relpersistence FROM pg_class WHERE relname = ANY(%s)",
            [[SandboxCharge._meta.db_table, SandboxCancel._meta.db_table]],
        )
        persistence = dict(cursor.fetchall())

    assert persistence == {"payments_sandboxcharge": "u", "payments_sandboxcancel": "u"}
    confirm(sandbox())
    assert SandboxCharge.objects.count() == 1


def test_partial_then_full_cancel_and_an_idempotent_retry():
    provider = sandbox()
    payment = confirm(provider, amount_krw=100_000)

    partial = provider.cancel(
        payment_key=payment.payment_key, amount_krw=30_000, reason="fee kept", idempotency_key="c1"
    )
    retried = provider.cancel(
        payment_key=payment.payment_key, amount_krw=30_000, reason="fee kept", idempotency_key="c1"
    )
    rest = provider.cancel(
        payment_key=payment.payment_key, amount_krw=None, reason="rejected", idempotency_key="c2"
    )

    assert (partial.amount_krw, partial.cancelled_total_krw) == (30_000, 30_000)
    assert retried == partial
    assert (rest.amount_krw, rest.cancelled_total_krw) == (70_000, 100_000)
    assert SandboxCancel.objects.count() == 2
    assert SandboxCharge.objects.get().cancelled_krw == 100_000
    assert provider.find_by_order(order_reference="order-1").fully_cancelled is True


def test_cancelling_more_than_the_balance_is_declined_and_changes_nothing():
    provider = sandbox()
    payment = confirm(provider, amount_krw=10_000)

    with pytest.raises(ProviderDeclined) as declined:
        provider.cancel(
            payment_key=payment.payment_key, amount_krw=10_001, reason="x", idempotency_key="c1"
        )

    assert declined.value.reason == "not_cancelable_amount"
    assert SandboxCancel.objects.count() == 0
    assert SandboxCharge.objects.get().cancelled_krw == 0


@pytest.mark.parametrize(
    ("spec", "expected"),
    [("400-620", LatencyRange(400, 620)), ("500", LatencyRange(500, 500)), ("", LatencyRange())],
)
def test_latency_specs_parse(spec, expected):
    assert LatencyRange.parse(spec) == expected


@pytest.mark.parametrize("spec", ["fast", "620-400", "-5"])
def test_bad_latency_specs_are_refused(spec):
    with pytest.raises(ValueError, match="PAYMENT_SANDBOX_LATENCY_MS"):
        LatencyRange.parse(spec)


def test_injected_latency_is_drawn_from_the_range_and_slept_outside_any_transaction():
    slept = []

    def sleep(seconds):
        slept.append((seconds, transaction.get_connection().in_atomic_block))

    provider = sandbox(latency=LatencyRange(400, 620), rng=random.Random(7), sleep=sleep)
    for n in range(5):
        confirm(provider, order=f"order-{n}")

    assert len(slept) == 5
    assert all(0.4 <= seconds <= 0.62 for seconds, _ in slept)
    assert [in_atomic for _, in_atomic in slept] == [False] * 5


def test_latency_beyond_the_timeout_times_out_after_the_timeout_and_charges_nothing():
    slept = []
    provider = sandbox(timeout_seconds=0.3, latency=LatencyRange(400, 400), sleep=slept.append)

    with pytest.raises(ProviderTimeout):
        confirm(provider)

    assert slept == [0.3]
    assert SandboxCharge.objects.count() == 0


def test_a_failure_rate_of_one_fails_every_call_and_zero_none():
    failing = sandbox(failure_rate=1.0)
    with pytest.raises(ProviderFailure):
        confirm(failing)
    assert SandboxCharge.objects.count() == 0

    confirm(sandbox(failure_rate=0.0))
    assert SandboxCharge.objects.count() == 1


def test_a_failure_rate_outside_zero_to_one_is_refused():
    with pytest.raises(ValueError, match="FAILURE_RATE"):
        sandbox(failure_rate=1.5)
