"""Timeout, circuit breaker and bulkhead around the provider, through ``payments.api.charge``."""

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from werkzeug import Response

from apps.payments import api
from apps.payments.gateway import payment_provider
from apps.payments.models import SandboxCharge
from hotel.api_errors import exception_handler
from tests.payments.test_toss import toss_payment

pytestmark = pytest.mark.django_db(transaction=True)


class LocalProvider:
    """A Toss-like confirm endpoint whose speed and answer the test controls; it notes every
    request on arrival."""

    def __init__(self) -> None:
        self.arrivals: list[str] = []
        self.delay_seconds = 0.0
        self.gate: threading.Event | None = None
        self.decline = False
        self._lock = threading.Lock()

    def __call__(self, request):
        with self._lock:
            self.arrivals.append(request.headers.get("Idempotency-Key", ""))
        if self.gate is not None:
            self.gate.wait(5)
        if self.delay_seconds:
            time.sleep(self.delay_seconds)
        if self.decline:
            body, status = {"code": "REJECT_CARD_PAYMENT", "message": "잔액부족"}, 400
        else:
            order_id = json.loads(request.get_data())["orderId"]
            body, status = toss_payment(orderId=order_id), 200
        return Response(json.dumps(body), status=status, content_type="application/json")


@pytest.fixture
def local_provider(httpserver, toss_settings):
    provider = LocalProvider()
    httpserver.expect_request("/v1/payments/confirm", method="POST").respond_with_handler(provider)
    yield provider
    # Let slow answers go out now, so none lands in the next test's server log.
    if provider.gate is not None:
        provider.gate.set()
    wait_until(lambda: len(httpserver.log) >= len(provider.arrivals))


def charge(n: int, payment_key: str = "tgen_key") -> api.ApprovedCharge:
    return api.charge(
        order_reference=f"order-{n}",
        amount_krw=150_000,
        payment_key=payment_key,
        method="card",
        idempotency_key=f"charge-order-{n}",
    )


def wait_until(condition, *, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met before the deadline")
        time.sleep(0.01)


def test_timeouts_open_the_circuit_then_calls_fail_fast_without_reaching_the_provider(
    httpserver, local_provider, toss_settings
):
    toss_settings.PAYMENT_BREAKER_RESET_SECONDS = 30  # no trial call during this test
    local_provider.delay_seconds = 0.8  # the timeout is 0.3 s, the threshold 3

    codes = []
    for n in range(3):
        with pytest.raises(api.PaymentUnavailable) as unavailable:
            charge(n)
        codes.append(unavailable.value.code)
    assert codes == ["payment_timeout", "payment_timeout", "payment_unavailable"]
    assert payment_provider().circuit_state == "open"

    for n in range(3, 8):
        started = time.monotonic()
        with pytest.raises(api.PaymentUnavailable) as unavailable:
            charge(n)
        assert time.monotonic() - started < 0.1  # well under the 0.3 s timeout
        assert unavailable.value.code == "payment_unavailable"
        assert unavailable.value.http_status == 503
        assert 25 <= unavailable.value.retry_after_seconds <= 30  # the cool-down left

    assert local_provider.arrivals == ["charge-order-0", "charge-order-1", "charge-order-2"]
    wait_until(lambda: len(httpserver.log) == 3)  # the slow answers have all gone out
    assert len(httpserver.log) == 3


def test_after_the_cool_down_one_trial_call_closes_the_circuit_again(httpserver, local_provider):
    local_provider.delay_seconds = 0.8
    for n in range(3):
        with pytest.raises(api.PaymentUnavailable):
            charge(n)
    assert payment_provider().circuit_state == "open"
    local_provider.delay_seconds = 0.0  # the provider recovers

    refusals = []
    deadline = time.monotonic() + 5
    approved = None
    while approved is None and time.monotonic() < deadline:
        try:
            approved = charge(100)
        except api.PaymentUnavailable as unavailable:
            refusals.append(unavailable.code)
            time.sleep(0.02)

    assert approved is not None, "the circuit never half-opened"
    assert set(refusals) == {"payment_unavailable"}  # while open: refused, never sent

    assert approved.order_reference == "order-100"
    assert payment_provider().circuit_state == "closed"
    assert local_provider.arrivals[3:] == ["charge-order-100"]
    assert charge(101).order_reference == "order-101"
    assert local_provider.arrivals[3:] == ["charge-order-100", "charge-order-101"]


def test_a_failed_trial_call_opens_the_circuit_again(local_provider, toss_settings):
    local_provider.delay_seconds = 0.8
    for n in range(3):
        with pytest.raises(api.PaymentUnavailable):
            charge(n)
    wait_until(lambda: payment_provider().cooldown_remaining_seconds() <= 0)

    with pytest.raises(api.PaymentUnavailable) as unavailable:
        charge(3)  # the trial: still too slow

    assert unavailable.value.code == "payment_unavailable"
    assert payment_provider().circuit_state == "open"
    assert len(local_provider.arrivals) == 4
    with pytest.raises(api.PaymentUnavailable):
        charge(4)
    assert len(local_provider.arrivals) == 4


def test_half_open_lets_exactly_one_trial_through(local_provider):
    local_provider.delay_seconds = 0.8
    for n in range(3):
        with pytest.raises(api.PaymentUnavailable):
            charge(n)
    wait_until(lambda: payment_provider().cooldown_remaining_seconds() <= 0)
    local_provider.delay_seconds = 0.0
    local_provider.gate = threading.Event()

    with ThreadPoolExecutor(max_workers=1) as pool:
        trial = pool.submit(charge, 10)
        wait_until(lambda: len(local_provider.arrivals) == 4)
        with pytest.raises(api.PaymentUnavailable) as unavailable:
            charge(11)
        local_provider.gate.set()
        approved = trial.result(timeout=5)

    assert unavailable.value.code == "payment_unavailable"
    assert approved.order_reference == "order-10"
    assert local_provider.arrivals[3:] == ["charge-order-10"]
    assert payment_provider().circuit_state == "closed"


def test_declines_never_open_the_circuit(local_provider):
    local_provider.decline = True

    for n in range(6):  # twice the threshold
        with pytest.raises(api.PaymentDeclined) as declined:
            charge(n)
        assert declined.value.details == {
            "reason": "reject_card_payment",
            "provider_code": "REJECT_CARD_PAYMENT",
        }
        assert declined.value.http_status == 402

    assert payment_provider().circuit_state == "closed"
    assert len(local_provider.arrivals) == 6


def test_a_full_bulkhead_refuses_at_once_without_reaching_the_provider(
    local_provider, toss_settings
):
    toss_settings.PAYMENT_MAX_CONCURRENT_CALLS = 2
    toss_settings.PAYMENT_TIMEOUT_MS = 3000
    local_provider.gate = threading.Event()

    with ThreadPoolExecutor(max_workers=2) as pool:
        in_flight = [pool.submit(charge, n) for n in range(2)]
        wait_until(lambda: len(local_provider.arrivals) == 2)

        started = time.monotonic()
        with pytest.raises(api.PaymentUnavailable) as busy:
            charge(2)
        refused_in = time.monotonic() - started

        local_provider.gate.set()
        results = [future.result(timeout=5) for future in in_flight]

    assert refused_in < 0.1
    assert (busy.value.code, busy.value.http_status, busy.value.retry_after_seconds) == (
        "payment_busy",
        503,
        1,
    )
    assert sorted(local_provider.arrivals) == ["charge-order-0", "charge-order-1"]
    assert [r.order_reference for r in results] == ["order-0", "order-1"]
    assert charge(3).order_reference == "order-3"  # the slots were given back


def test_provider_calls_of_one_process_run_concurrently(local_provider, toss_settings):
    """pybreaker's CircuitBreaker.call would run them one at a time; ours must not."""
    toss_settings.PAYMENT_TIMEOUT_MS = 2000
    local_provider.delay_seconds = 0.3

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=5) as pool:
        results = list(pool.map(charge, range(5)))
    elapsed = time.monotonic() - started

    assert len(results) == 5
    assert elapsed < 0.9  # one at a time would take at least 1.5 s


def test_sandbox_provider_errors_open_the_circuit_too(settings):
    settings.PAYMENT_PROVIDER = "sandbox"
    settings.PAYMENT_BREAKER_FAILURES = 2
    settings.PAYMENT_BREAKER_RESET_SECONDS = 30

    codes = []
    for n in range(2):
        with pytest.raises(api.PaymentUnavailable) as unavailable:
            charge(n, payment_key="test_error")
        codes.append(unavailable.value.code)
    with pytest.raises(api.PaymentUnavailable) as unavailable:
        charge(2, payment_key="test_ok")

    assert codes == ["payment_provider_error", "payment_unavailable"]
    assert unavailable.value.code == "payment_unavailable"
    assert 28 <= unavailable.value.retry_after_seconds <= 30
    assert SandboxCharge.objects.count() == 0


def test_an_open_circuit_reaches_the_client_as_503_with_retry_after(settings):
    settings.PAYMENT_BREAKER_FAILURES = 1
    settings.PAYMENT_BREAKER_RESET_SECONDS = 10
    with pytest.raises(api.PaymentUnavailable):
        charge(0, payment_key="test_error")
    with pytest.raises(api.PaymentUnavailable) as unavailable:
        charge(1)

    response = exception_handler(unavailable.value, {})

    assert response.status_code == 503
    assert response["Retry-After"] in {"9", "10"}
    assert response.data == {
        "code": "payment_unavailable",
        "message": "The payment provider is unavailable; try again later.",
        "details": {},
    }
