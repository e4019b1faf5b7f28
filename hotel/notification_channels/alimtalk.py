"""KakaoTalk business messages (AlimTalk) through NHN Cloud's HTTP API, v2.3.

``POST {base}/alimtalk/v2.3/appkeys/{appkey}/messages`` with the ``X-Secret-Key`` header and::

    {"senderKey": ..., "templateCode": ..., "senderGroupingKey": <idempotency key>,
     "recipientList": [{"recipientNo": "01012345678",
                        "templateParameter": {"hotel_name": ..., ...},
                        "recipientGroupingKey": <idempotency key>,
                        "resendParameter": {"isResend": true, "resendType": "LMS", ...}}]}

The answer is ``{"header": {"isSuccessful", "resultCode", "resultMessage"}, "message":
{"requestId", "sendResults": [{"resultCode", "resultMessage", ...}]}}``; ``requestId`` becomes
the notification's provider message id. ``isSuccessful: false`` (or a recipient's non-zero
``resultCode``), an HTTP error status, a timeout or a connection error raise ``ChannelError``.

Every attempt of one message carries the same idempotency key, as the ``X-Idempotency-Key``
header and as the sender/recipient grouping keys, so a retry after a lost answer can be
recognised on the provider's side (and found in its delivery history).

With ``ALIMTALK_RESEND_ENABLED`` a guest who cannot receive KakaoTalk gets the same text by SMS
(up to 90 bytes) or LMS from ``ALIMTALK_RESEND_SEND_NO``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from hotel.notification_channels import ChannelError, OutgoingMessage, SendResult

#: Korean SMS carries 90 bytes (EUC-KR); longer texts go as LMS.
SMS_MAX_BYTES = 90


class AlimtalkBackend:
    """One pooled ``httpx.Client`` per process, every call bounded by a timeout."""

    def __init__(
        self,
        *,
        base_url: str | None = None,
        appkey: str | None = None,
        secret_key: str | None = None,
        sender_key: str | None = None,
        timeout_seconds: float | None = None,
        resend_enabled: bool | None = None,
        resend_send_no: str | None = None,
    ) -> None:
        self.appkey = appkey if appkey is not None else settings.ALIMTALK_APPKEY
        self.sender_key = sender_key if sender_key is not None else settings.ALIMTALK_SENDER_KEY
        secret = secret_key if secret_key is not None else settings.ALIMTALK_SECRET_KEY
        if not (self.appkey and self.sender_key and secret):
            raise ImproperlyConfigured(
                "The alimtalk notification backend needs ALIMTALK_APPKEY, ALIMTALK_SECRET_KEY "
                "and ALIMTALK_SENDER_KEY."
            )
        self.resend_enabled = (
            resend_enabled if resend_enabled is not None else settings.ALIMTALK_RESEND_ENABLED
        )
        self.resend_send_no = (
            resend_send_no if resend_send_no is not None else settings.ALIMTALK_RESEND_SEND_NO
        )
        timeout = (
            timeout_seconds if timeout_seconds is not None else settings.ALIMTALK_TIMEOUT_SECONDS
        )
        self._client = httpx.Client(
            base_url=(base_url or settings.ALIMTALK_BASE_URL).rstrip("/"),
            timeout=httpx.Timeout(timeout),
            headers={
                "X-Secret-Key": secret,
                "Content-Type": "application/json;charset=UTF-8",
                "Accept": "application/json",
            },
        )

    @property
    def path(self) -> str:
        return f"/alimtalk/v2.3/appkeys/{quote(self.appkey, safe='')}/messages"

    def request_body(self, message: OutgoingMessage) -> dict[str, Any]:
        recipient: dict[str, Any] = {
            "recipientNo": message.recipient,
            "templateParameter": dict(message.parameters),
            "recipientGroupingKey": message.idempotency_key,
        }
        if self.resend_enabled:
            long_text = len(message.body.encode("euc-kr", errors="replace")) > SMS_MAX_BYTES
            resend: dict[str, Any] = {
                "isResend": True,
                "resendType": "LMS" if long_text else "SMS",
                "resendContent": message.body,
            }
            if long_text:
                resend["resendTitle"] = message.title
            if self.resend_send_no:
                resend["resendSendNo"] = self.resend_send_no
            recipient["resendParameter"] = resend
        return {
            "senderKey": self.sender_key,
            "templateCode": message.template_code,
            "senderGroupingKey": message.idempotency_key,
            "recipientList": [recipient],
        }

    def send(self, message: OutgoingMessage) -> SendResult:
        try:
            response = self._client.post(
                self.path,
                json=self.request_body(message),
                headers={"X-Idempotency-Key": message.idempotency_key},
            )
        except httpx.TimeoutException as exc:
            raise ChannelError(f"alimtalk: timed out ({exc!r})") from exc
        except httpx.HTTPError as exc:
            raise ChannelError(f"alimtalk: request failed ({exc!r})") from exc

        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise ChannelError(f"alimtalk: HTTP {response.status_code} with a non-JSON answer")
        header = body.get("header") or {}
        if not response.is_success or not header.get("isSuccessful"):
            raise ChannelError(
                f"alimtalk: HTTP {response.status_code}, resultCode {header.get('resultCode')}: "
                f"{header.get('resultMessage') or response.reason_phrase}"
            )
        result = body.get("message") or {}
        for sent in result.get("sendResults") or []:
            if sent.get("resultCode") not in (0, None):
                raise ChannelError(
                    f"alimtalk: recipient refused, resultCode {sent.get('resultCode')}: "
                    f"{sent.get('resultMessage')}"
                )
        request_id = result.get("requestId")
        if not request_id:
            raise ChannelError("alimtalk: the answer has no message.requestId")
        return SendResult(provider_message_id=str(request_id))

    def close(self) -> None:
        self._client.close()
