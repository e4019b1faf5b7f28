"""The HTTP provider adapter, modelled on Toss Payments' v1 REST API.

- confirm: ``POST /v1/payments/confirm`` with ``{"paymentKey", "orderId", "amount"}``
- cancel:  ``POST /v1/payments/{paymentKey}/cancel`` with ``{"cancelReason", "cancelAmount"}``
  (``cancelAmount`` left out for a full cancel)
- look-up: ``GET /v1/payments/orders/{orderId}``

Basic auth with the secret key as user name and an empty password; an ``Idempotency-Key``
header on every POST. Toss answers errors as ``{"code": ..., "message": ...}``: a 4xx is the
provider's refusal (declined, with its code as the reason), except the ones that say *we* or
*they* are in trouble (bad credentials, throttling, "try again"), which are failures like a
5xx, a timeout or a connection error.
"""

from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import quote

import httpx

from apps.payments.gateway.port import (
    ProviderCancel,
    ProviderDeclined,
    ProviderFailure,
    ProviderPayment,
    ProviderTimeout,
)

#: Toss ``method`` values (Korean by default, English with Accept-Language: en) -> ours.
_METHODS = {
    "카드": "card",
    "CARD": "card",
    "간편결제": "easy_pay",
    "EASY_PAY": "easy_pay",
    "계좌이체": "transfer",
    "TRANSFER": "transfer",
    "휴대폰": "mobile_phone",
    "MOBILE_PHONE": "mobile_phone",
}

#: 4xx codes that are not a refusal of this payment but a fault to retry later.
_FAILURE_CODES = frozenset(
    {"UNAUTHORIZED_KEY", "FORBIDDEN_REQUEST", "PROVIDER_ERROR", "FAILED_INTERNAL_SYSTEM_PROCESSING"}
)
_FAILURE_STATUSES = frozenset({401, 403, 408, 429})
#: Payment statuses in which money was taken (and possibly given back in part or in full).
_APPROVED_STATUSES = frozenset({"DONE", "PARTIAL_CANCELED", "CANCELED"})


class TossProvider:
    """Talks to a Toss-compatible API with one pooled ``httpx.Client`` per process."""

    name = "toss"

    def __init__(
        self,
        *,
        base_url: str,
        secret_key: str,
        timeout_seconds: float,
        max_connections: int = 50,
    ) -> None:
        self._client = httpx.Client(
            base_url=base_url.rstrip("/"),
            auth=httpx.BasicAuth(secret_key, ""),
            timeout=httpx.Timeout(timeout_seconds),
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
            headers={"Accept": "application/json"},
        )

    def confirm(
        self,
        *,
        payment_key: str,
        order_reference: str,
        amount_krw: int,
        method: str,
        idempotency_key: str,
    ) -> ProviderPayment:
        body = self._request(
            "POST",
            "/v1/payments/confirm",
            json={"paymentKey": payment_key, "orderId": order_reference, "amount": amount_krw},
            idempotency_key=idempotency_key,
        )
        if body.get("status") not in _APPROVED_STATUSES:
            raise ProviderDeclined(
                reason="not_approved",
                message=f"The provider left the payment in status {body.get('status')!r}.",
                provider_code=str(body.get("status", "")),
            )
        return self._payment(body, method_hint=method)

    def cancel(
        self, *, payment_key: str, amount_krw: int | None, reason: str, idempotency_key: str
    ) -> ProviderCancel:
        payload: dict[str, Any] = {"cancelReason": reason}
        if amount_krw is not None:
            payload["cancelAmount"] = amount_krw
        body = self._request(
            "POST",
            f"/v1/payments/{quote(payment_key, safe='')}/cancel",
            json=payload,
            idempotency_key=idempotency_key,
        )
        try:
            cancels = body.get("cancels") or []
            latest = cancels[-1]
            total = int(body["totalAmount"])
            balance = int(body["balanceAmount"])
            return ProviderCancel(
                payment_key=str(body.get("paymentKey") or payment_key),
                cancel_id=str(latest["transactionKey"]),
                amount_krw=int(latest["cancelAmount"]),
                cancelled_total_krw=total - balance,
                cancelled_at=_parse_time(latest["canceledAt"]),
            )
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            raise ProviderFailure(f"toss: malformed cancel response ({exc!r})") from exc

    def find_by_order(self, *, order_reference: str) -> ProviderPayment | None:
        try:
            body = self._request("GET", f"/v1/payments/orders/{quote(order_reference, safe='')}")
        except ProviderDeclined as exc:
            if exc.provider_code in {"NOT_FOUND_PAYMENT", "NOT_FOUND"} or exc.reason == "http_404":
                return None
            raise ProviderFailure(f"toss: look-up refused ({exc})") from exc
        if body.get("status") not in _APPROVED_STATUSES:
            return None
        return self._payment(body, method_hint="")

    def close(self) -> None:
        self._client.close()

    def _request(
        self,
        method: str,
        path: str,
        *,
        json: dict[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        try:
            response = self._client.request(method, path, json=json, headers=headers)
        except httpx.TimeoutException as exc:
            raise ProviderTimeout(f"toss: {method} {path} timed out ({exc!r})") from exc
        except httpx.HTTPError as exc:
            raise ProviderFailure(f"toss: {method} {path} failed ({exc!r})") from exc

        body = _json_object(response)
        if response.is_success:
            if body is None:
                raise ProviderFailure(f"toss: {method} {path} answered non-JSON")
            return body
        code = str((body or {}).get("code") or "")
        message = str((body or {}).get("message") or response.reason_phrase)
        if (
            response.status_code >= 500
            or response.status_code in _FAILURE_STATUSES
            or code in _FAILURE_CODES
        ):
            raise ProviderFailure(f"toss: {method} {path} -> {response.status_code} {code}")
        raise ProviderDeclined(
            reason=code.lower() or f"http_{response.status_code}",
            message=message,
            provider_code=code,
        )

    @staticmethod
    def _payment(body: dict[str, Any], *, method_hint: str) -> ProviderPayment:
        try:
            total = int(body["totalAmount"])
            balance = int(body.get("balanceAmount", total))
            card = body.get("card") or {}
            return ProviderPayment(
                provider="toss",
                payment_key=str(body["paymentKey"]),
                order_reference=str(body["orderId"]),
                method=(
                    _METHODS.get(str(body.get("method")))
                    or method_hint
                    or ("card" if card else str(body.get("method") or "").lower())
                ),
                masked_card_number=str(card.get("number") or ""),
                amount_krw=total,
                cancelled_krw=total - balance,
                approved_at=_parse_time(body["approvedAt"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ProviderFailure(f"toss: malformed payment response ({exc!r})") from exc


def _json_object(response: httpx.Response) -> dict[str, Any] | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _parse_time(value: Any) -> datetime.datetime:
    parsed = datetime.datetime.fromisoformat(str(value))
    if parsed.tzinfo is None:
        raise ValueError(f"time without offset: {value!r}")
    return parsed
