"""The test adapter: messages go to ``outbox`` (like ``django.core.mail.outbox``)."""

from hotel.notification_channels import OutgoingMessage, SendResult

#: Every message "sent" in this process, oldest first. Tests clear it.
outbox: list[OutgoingMessage] = []


class LocmemBackend:
    def send(self, message: OutgoingMessage) -> SendResult:
        outbox.append(message)
        return SendResult(provider_message_id=f"locmem-{len(outbox)}")
