"""The default adapter: writes each message to the log as its reader would read it."""

import logging

from hotel.notification_channels import OutgoingMessage, SendResult

logger = logging.getLogger("hotel.notification_channels")


class ConsoleBackend:
    def send(self, message: OutgoingMessage) -> SendResult:
        logger.info(
            "KakaoTalk message to %s (template %s):\n%s",
            message.recipient_masked,
            message.template_code,
            message.body,
        )
        return SendResult(provider_message_id=f"console-{message.idempotency_key}")
