"""The second channel: e-mail through Django's configured mail backend (``EMAIL_URL``)."""

from django.conf import settings
from django.core.mail import EmailMessage

from hotel.notification_channels import ChannelError, OutgoingMessage, SendResult


class EmailChannelBackend:
    def send(self, message: OutgoingMessage) -> SendResult:
        # The Message-ID is derived from the idempotency key: the same on every attempt, so a
        # mail server or client that sees a repeat can tell it is one.
        sender = settings.NOTIFICATION_EMAIL_FROM or settings.DEFAULT_FROM_EMAIL
        domain = sender.rpartition("@")[2].strip(" >") or "localhost"
        message_id = f"<{message.idempotency_key}@{domain}>"
        email = EmailMessage(
            subject=message.title,
            body=message.body,
            from_email=settings.NOTIFICATION_EMAIL_FROM or None,
            to=[message.recipient],
            headers={"Message-ID": message_id, "X-Idempotency-Key": message.idempotency_key},
        )
        try:
            email.send(fail_silently=False)
        except Exception as exc:  # SMTP and socket errors alike: retried by the outbox
            raise ChannelError(f"email: {exc!r}") from exc
        return SendResult(provider_message_id=message_id)
