"""The Toss-style HTTP adapter against a real local HTTP server that checks each request."""

import base64
import datetime
import json
import time

import pytest
from werkzeug import Response

from apps.payments.gateway import ProviderDeclined, ProviderFailure, ProviderTimeout
from apps.payments.gateway.toss import TossProvider

SECRET = "test_sk_local"
AUTHORIZATION = "Basic " + base64.b64encode(f"{SECRET}:".encode()).decode()
APPROVED_AT = "2025-03-01T14:05:09+09:00"


@pytest.fixture
def toss(httpserver):
    provider = TossProvider(
        base_url=httpserver.url_for("/"), secret_key=SECRET, timeout_seconds=0.3
    )
    yield provider
    provider.close()


def toss_payment(**overrides):
    body = {
        "paymentKey": "tgen_20250301_abc",
        "orderId": "order-1",
        "status": "DONE",
        "method": "카드",
        "totalAmount": 150_000,
        "balanceAmount": 150_000,
        "approvedAt": APPROVED_AT,
        "card": {"number": "43301234****123*", "company": "BC"},
        "cancels": None,
    }
    body.update(overrides)
    return body


def only_request(httpserver):
    assert len(httpserver.log) == 1
    return httpserver.log[0][0]


def test_confirm_posts_the_toss_request_and_reads_the_approved_payment(httpserver, toss):
    httpserver.expect_request(
        "/v1/payments/confirm",
        method="POST",
        headers={"Authorization": AUTHORIZATION, "Idempotency-Key": "charge-order-1"},
        json={"paymentKey": "tgen_20250301_abc", "orderId": "order-1", "amount": 150_000},
    ).respond_with_json(toss_payment())

    payment = toss.confirm(
        payment_key="tgen_20250301_abc",
        order_reference="order-1",
        amount_krw=150_000,
        method="easy_pay",
        idempotency_key="charge-order-1",
    )

    request = only_request(httpserver)
    assert (request.method, request.path) == ("POST", "/v1/payments/confirm")
    assert request.headers["Authorization"] == AUTHORIZATION
    assert request.headers["Idempotency-Key"] == "charge-order-1"
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.get_data()) == {
        "paymentKey": "tgen_20250301_abc",
        "orderId": "order-1",
        "amount": 150_000,
    }
    assert payment.provider == "toss"
    assert (payment.payment_key, payment.order_reference) == ("tgen_20250301_abc", "order-1")
    assert (payment.method, payment.masked_card_number) == ("card", "43301234****123*")
    assert (payment.amount_krw, payment.cancelled_krw) == (150_000, 0)
    assert payment.approved_at == datetime.datetime(2025, 3, 1, 5, 5, 9, tzinfo=datetime.UTC)


def test_a_4xx_toss_error_is_a_decline_with_the_toss_code_as_reason(httpserver, toss):
    httpserver.expect_request("/v1/payments/confirm", method="POST").respond_with_json(
        {
            "code": "REJECT_CARD_PAYMENT",
            "message": "잔액부족으로 결제에 실패했습니다.",
        },
        status=400,
    )

    with pytest.raises(ProviderDeclined) as declined:
        toss.confirm(
            payment_key="pk",
            order_reference="order-1",
            amount_krw=1000,
            method="card",
            idempotency_key="k1",
        )

    assert declined.value.reason == "reject_card_payment"
    assert declined.value.provider_code == "REJECT_CARD_PAYMENT"
    assert declined.value.message == "잔액부족으로 결제에 실패했습니다."
    assert len(httpserver.log) == 1


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (500, {"code": "FAILED_INTERNAL_SYSTEM_PROCESSING", "message": "내부 시스템 처리 오류"}),
        (502, None),
        (401, {"code": "UNAUTHORIZED_KEY", "message": "인증되지 않은 시크릿 키"}),
        (429, {"code": "TOO_MANY_REQUESTS", "message": "slow down"}),
    ],
)
def test_5xx_bad_credentials_and_throttling_are_provider_failures(httpserver, toss, status, body):
    handler = httpserver.expect_request("/v1/payments/confirm", method="POST")
    if body is None:
        handler.respond_with_data("Bad Gateway", status=status)
    else:
        handler.respond_with_json(body, status=status)

    with pytest.raises(ProviderFailure) as failure:
        toss.confirm(
            payment_key="pk",
            order_reference="order-1",
            amount_krw=1000,
            method="card",
            idempotency_key="k1",
        )

    assert not isinstance(failure.value, ProviderTimeout)
    assert len(httpserver.log) == 1


def test_an_answer_slower_than_the_timeout_is_a_timeout(httpserver, toss):
    def slow(request):
        time.sleep(1.0)
        return Response(json.dumps(toss_payment()), content_type="application/json")

    httpserver.expect_request("/v1/payments/confirm", method="POST").respond_with_handler(slow)

    started = time.monotonic()
    with pytest.raises(ProviderTimeout):
        toss.confirm(
            payment_key="pk",
            order_reference="order-1",
            amount_krw=1000,
            method="card",
            idempotency_key="k1",
        )

    assert time.monotonic() - started < 0.8  # the timeout is 0.3 s
    # The server answers late; let that answer go out now, not into the next test's log.
    deadline = time.monotonic() + 5
    while not httpserver.log and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(httpserver.log) == 1


def test_a_refused_connection_is_a_provider_failure():
    provider = TossProvider(base_url="http://127.0.0.1:9", secret_key=SECRET, timeout_seconds=0.3)

    with pytest.raises(ProviderFailure):
        provider.find_by_order(order_reference="order-1")
    provider.close()


def test_a_partial_cancel_posts_the_amount_and_reads_the_new_cancel(httpserver, toss):
    httpserver.expect_request(
        "/v1/payments/tgen_20250301_abc/cancel",
        method="POST",
        headers={"Authorization": AUTHORIZATION, "Idempotency-Key": "refund-1"},
        json={"cancelReason": "cancelled 2 days before", "cancelAmount": 30_000},
    ).respond_with_json(
        toss_payment(
            status="PARTIAL_CANCELED",
            balanceAmount=120_000,
            cancels=[
                {
                    "transactionKey": "tx-1",
                    "cancelAmount": 30_000,
                    "cancelReason": "cancelled 2 days before",
                    "canceledAt": "2025-03-02T10:00:00+09:00",
                }
            ],
        )
    )

    cancel = toss.cancel(
        payment_key="tgen_20250301_abc",
        amount_krw=30_000,
        reason="cancelled 2 days before",
        idempotency_key="refund-1",
    )

    request = only_request(httpserver)
    assert (request.method, request.path) == ("POST", "/v1/payments/tgen_20250301_abc/cancel")
    assert request.headers["Idempotency-Key"] == "refund-1"
    assert json.loads(request.get_data()) == {
        "cancelReason": "cancelled 2 days before",
        "cancelAmount": 30_000,
    }
    assert (cancel.cancel_id, cancel.amount_krw, cancel.cancelled_total_krw) == (
        "tx-1",
        30_000,
        30_000,
    )


def test_a_full_cancel_leaves_the_amount_out(httpserver, toss):
    httpserver.expect_request(
        "/v1/payments/tgen_20250301_abc/cancel",
        method="POST",
        headers={"Authorization": AUTHORIZATION, "Idempotency-Key": "void-order-1"},
        json={"cancelReason": "orphan charge"},
    ).respond_with_json(
        toss_payment(
            status="CANCELED",
            balanceAmount=0,
            cancels=[
                {
                    "transactionKey": "tx-9",
                    "cancelAmount": 150_000,
                    "canceledAt": "2025-03-02T10:00:00+09:00",
                }
            ],
        )
    )

    cancel = toss.cancel(
        payment_key="tgen_20250301_abc",
        amount_krw=None,
        reason="orphan charge",
        idempotency_key="void-order-1",
    )

    assert json.loads(only_request(httpserver).get_data()) == {"cancelReason": "orphan charge"}
    assert (cancel.cancel_id, cancel.amount_krw, cancel.cancelled_total_krw) == (
        "tx-9",
        150_000,
        150_000,
    )


def test_find_by_order_gets_the_payment_with_basic_auth_and_no_idempotency_key(httpserver, toss):
    httpserver.expect_request(
        "/v1/payments/orders/order-1", method="GET", headers={"Authorization": AUTHORIZATION}
    ).respond_with_json(toss_payment(method="EASY_PAY", card=None))

    payment = toss.find_by_order(order_reference="order-1")

    request = only_request(httpserver)
    assert (request.method, request.path) == ("GET", "/v1/payments/orders/order-1")
    assert "Idempotency-Key" not in request.headers
    assert (payment.payment_key, payment.method, payment.masked_card_number) == (
        "tgen_20250301_abc",
        "easy_pay",
        "",
    )


def test_find_by_order_is_none_when_toss_does_not_know_the_order(httpserver, toss):
    httpserver.expect_request("/v1/payments/orders/order-2", method="GET").respond_with_json(
        {"code": "NOT_FOUND_PAYMENT", "message": "존재하지 않는 결제 정보 입니다."}, status=404
    )

    assert toss.find_by_order(order_reference="order-2") is None


def test_find_by_order_is_none_for_a_payment_that_was_never_approved(httpserver, toss):
    httpserver.expect_request("/v1/payments/orders/order-3", method="GET").respond_with_json(
        toss_payment(orderId="order-3", status="ABORTED", approvedAt=None)
    )

    assert toss.find_by_order(order_reference="order-3") is None
