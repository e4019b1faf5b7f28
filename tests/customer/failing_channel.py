"""A KakaoTalk adapter for tests that fails as told (``NOTIFICATION_BACKEND`` dotted path)."""

from hotel.notification_channels import ChannelError, OutgoingMessage, SendResult, locmem

#: How many of the next sends fail (then they go to the locmem outbox).
failures_left = {"count": 0}
attempts: list[OutgoingMessage] = []


class FlakyBackend:
    def send(self, message: OutgoingMessage) -> SendResult:
        attempts.append(message)
        if failures_left["count"] > 0:
            failures_left["count"] -= 1
            raise ChannelError("provider said: 서버 점검 중 (resultCode -1000)")
        locmem.outbox.append(message)
        return SendResult(provider_message_id=f"flaky-{len(attempts)}")
