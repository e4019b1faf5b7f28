"""Sending the guest one message per guest-visible change, per channel, exactly once.

``notifications_send_for_event`` is what the ``customer.notify`` handler runs, outside any
transaction (``in_transaction=False``). For each enabled channel it

1. records or locks the event's ``Notification`` row in a short transaction: a new row gets
   its rendered text, or ``skipped`` with the reason when the guest has no phone number / e-mail
   address or opted out; a row already ``sent`` or ``skipped`` is final and nothing leaves;
2. calls the channel with no transaction open (the call carries the row's idempotency key);
3. records ``sent`` (provider message id, time) or ``failed`` (the error) in another short one.

A failure raises after every channel was tried, so the outbox retries the delivery with backoff
and finally dead-letters it; the error stays on the notification and on the delivery.

Whether an event is worth a message was decided by the mypage projection when it applied the
event (``MypageTimelineEntry.notify_kind``); the message's facts come from that entry. If the
projection has not applied the event yet, this raises ``ProjectionBehind`` and the outbox tries
again shortly.
"""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.customer.models import (
    MypageEntry,
    MypageTimelineEntry,
    Notification,
    NotificationChannel,
)
from apps.customer.notifications import messages
from apps.customer.notifications.channels import ChannelError, OutgoingMessage, backend_for
from apps.customer.phones import phone_mask
from apps.customer.selectors import guest_profile_by_user_id
from hotel.row_insert import row_insert

logger = logging.getLogger("apps.customer.notifications")

_KEY_NAMESPACE = uuid.UUID("2f0c1f7e-5b1a-4c55-9d0e-8a3c7b6a1d42")

#: Default AlimTalk template codes; ALIMTALK_TEMPLATE_CODES overrides them per key
#: (``booked`` for Korean, ``booked_en`` for English...).
DEFAULT_TEMPLATE_CODES = {
    f"{kind}{'' if language == messages.KOREAN else '_' + language}": (
        f"HOTEL_{kind.upper()}{'' if language == messages.KOREAN else '_' + language.upper()}"
    )
    for kind in messages.TEMPLATES
    for language in messages.LANGUAGES
}


class ProjectionBehind(RuntimeError):
    """The mypage projection has not applied this event yet; retried by the outbox."""


class NotificationNotSent(RuntimeError):
    """At least one channel failed; the outbox retries (the error is on the notification)."""


def enabled_channels() -> list[str]:
    return [
        channel
        for channel in settings.NOTIFICATION_CHANNELS
        if channel in NotificationChannel.values
    ]


def notification_idempotency_key(*, event_id: uuid.UUID, channel: str) -> uuid.UUID:
    """The same key for every attempt of the message one event sends on one channel."""
    return uuid.uuid5(_KEY_NAMESPACE, f"{event_id}:{channel}")


def template_code(*, kind: str, language: str, channel: str) -> str:
    if channel == NotificationChannel.EMAIL:
        return f"email.{kind}.{language}"
    key = kind if language == messages.KOREAN else f"{kind}_{language}"
    return settings.ALIMTALK_TEMPLATE_CODES.get(key) or DEFAULT_TEMPLATE_CODES[key]


def message_parameters(
    *, kind: str, entry: MypageEntry, details: dict, guest_name: str, language: str
) -> dict[str, str]:
    """The template's variables as display strings in the guest's language."""

    def krw(amount: int | None) -> str:
        return messages.format_krw(amount, language=language)

    values = {
        "guest_name": guest_name,
        "hotel_name": entry.hotel_name or "-",
        "room_type_name": entry.room_type_name or "-",
        "order_reference": entry.order_reference or str(entry.order_id),
        "check_in": messages.format_date(entry.check_in, language=language),
        "check_out": messages.format_date(entry.check_out, language=language),
        "nights": messages.format_nights(entry.nights, language=language),
        "guests": messages.format_guests(entry.guests, language=language),
        "total": krw(entry.total_krw if entry.total_krw is not None else entry.paid_krw),
        "reason": details.get("reason") or "-",
        "fee": krw(details.get("fee_krw")),
        "refund": krw(details.get("refund_krw")),
        "amount": krw(details.get("amount_krw")),
        "refunded_total": krw(details.get("refunded_total_krw")),
        "payment_method": messages.format_payment_method(
            entry.payment_method, entry.masked_card_number, language=language
        ),
    }
    return {name: values[name] for name in messages.template_variables(kind, language=language)}


def notifications_send_for_event(*, event_id: uuid.UUID) -> list[Notification]:
    """Send (or skip, logged) the message this event means for its guest, on every channel.

    Idempotent: a channel whose notification is already sent or skipped sends nothing. Must run
    outside a transaction (each step opens its own). Returns the event's notifications.
    """
    row = MypageTimelineEntry.objects.select_related("entry").filter(event_id=event_id).first()
    if row is None:
        raise ProjectionBehind(f"mypage has not applied event {event_id} yet")
    if not row.notify_kind:
        return []
    entry = row.entry
    profile = None if entry.guest_id is None else guest_profile_by_user_id(user_id=entry.guest_id)
    if profile is None:
        logger.warning(
            "no %s message for order %s: guest %s is unknown",
            row.notify_kind,
            entry.order_id,
            entry.guest_id,
        )
        return []

    notifications, failures = [], []
    for channel in enabled_channels():
        notification, outgoing = _notification_claim(row=row, profile=profile, channel=channel)
        notifications.append(notification)
        if outgoing is None:
            continue
        try:
            result = backend_for(channel).send(outgoing)
        except Exception as exc:
            error = str(exc) if isinstance(exc, ChannelError) else f"{type(exc).__name__}: {exc}"
            _notification_record(notification, error=error)
            failures.append(f"{channel}: {error}")
            logger.warning(
                "%s message %s for order %s failed (attempt %s): %s",
                channel,
                notification.kind,
                entry.order_id,
                notification.attempts,
                error,
            )
            continue
        _notification_record(notification, provider_message_id=result.provider_message_id)
    if failures:
        raise NotificationNotSent("; ".join(failures))
    return notifications


def _recipient(*, profile, channel: str) -> tuple[str, str, str]:
    """(recipient, masked recipient, skip reason or "") of ``channel`` for this guest now."""
    if channel == NotificationChannel.KAKAO:
        if profile.kakao_opt_out:
            return "", phone_mask(phone=profile.phone), "guest opted out of KakaoTalk messages"
        if not profile.phone:
            return "", "", "no mobile phone number on file"
        return profile.phone, phone_mask(phone=profile.phone), ""
    email = profile.user.email
    if profile.email_opt_out:
        return "", email_mask(email=email), "guest opted out of e-mail messages"
    if not email:
        return "", "", "no e-mail address on file"
    return email, email_mask(email=email), ""


def email_mask(*, email: str) -> str:
    """``minji@example.com`` -> ``mi***@example.com``."""
    if not email:
        return ""
    local, _, domain = email.partition("@")
    return f"{local[:2]}***@{domain}"


def _notification_claim(
    *, row: MypageTimelineEntry, profile, channel: str
) -> tuple[Notification, OutgoingMessage | None]:
    """Record or lock the event's notification on ``channel``; what to send, if anything.

    The first attempt is one statement: the INSERT records it with its attempt counted, and
    does nothing when the notification exists (its idempotency key is unique per event and
    channel). A later attempt, or a worker that took this delivery over, locks the existing
    row instead and counts its attempt there.
    """
    recipient, masked, skip_reason = _recipient(profile=profile, channel=channel)
    with transaction.atomic():
        notification = _notification_create(
            row=row, profile=profile, channel=channel, masked=masked, skip_reason=skip_reason
        )
        if notification is not None:
            if skip_reason:
                _log_skip(notification)
                return notification, None
            return notification, _outgoing(notification, recipient=recipient)
        notification = Notification.objects.select_for_update().get(
            idempotency_key=notification_idempotency_key(event_id=row.event_id, channel=channel)
        )
        if notification.status in (Notification.Status.SENT, Notification.Status.SKIPPED):
            return notification, None
        if skip_reason:  # the guest removed the number or opted out since the last attempt
            _notification_skip(notification, reason=skip_reason, masked=masked)
            return notification, None
        notification.attempts += 1
        notification.recipient_masked = masked
        notification.save(update_fields=["attempts", "recipient_masked", "updated_at"])
    return notification, _outgoing(notification, recipient=recipient)


def _outgoing(notification: Notification, *, recipient: str) -> OutgoingMessage:
    return OutgoingMessage(
        idempotency_key=str(notification.idempotency_key),
        kind=notification.kind,
        channel=notification.channel,
        language=notification.language,
        recipient=recipient,
        recipient_masked=notification.recipient_masked,
        template_code=notification.template_code,
        parameters=notification.template_parameters,
        title=notification.title,
        body=notification.body,
    )


def _notification_create(
    *, row: MypageTimelineEntry, profile, channel: str, masked: str, skip_reason: str
) -> Notification | None:
    """Insert the notification, its first attempt counted (or skipped with ``skip_reason``);
    ``None`` when it exists already."""
    entry = row.entry
    kind = row.notify_kind
    language = messages.language_or_default(profile.language)
    parameters = message_parameters(
        kind=kind, entry=entry, details=row.details, guest_name=profile.name, language=language
    )
    title, body = messages.render(kind, language=language, parameters=parameters)
    notification = Notification(
        guest_id=entry.guest_id,
        order_id=entry.order_id,
        event_id=row.event_id,
        idempotency_key=notification_idempotency_key(event_id=row.event_id, channel=channel),
        kind=kind,
        channel=channel,
        language=language,
        template_code=template_code(kind=kind, language=language, channel=channel),
        template_parameters=parameters,
        title=title,
        body=body,
        recipient_masked=masked,
    )
    if skip_reason:
        notification.status = Notification.Status.SKIPPED
        notification.skip_reason = skip_reason
    else:
        notification.attempts = 1
    return row_insert(notification, unless_exists="idempotency_key")


def _notification_skip(notification: Notification, *, reason: str, masked: str) -> None:
    notification.status = Notification.Status.SKIPPED
    notification.skip_reason = reason
    notification.recipient_masked = masked
    notification.save(update_fields=["status", "skip_reason", "recipient_masked", "updated_at"])
    _log_skip(notification)


def _log_skip(notification: Notification) -> None:
    logger.info(
        "%s message %s for order %s skipped: %s",
        notification.channel,
        notification.kind,
        notification.order_id,
        notification.skip_reason,
    )


def _notification_record(
    notification: Notification, *, provider_message_id: str = "", error: str = ""
) -> None:
    """Record one attempt's outcome: sent (with the provider's id) or failed (with the error)."""
    now = timezone.now()
    updates: dict[str, object] = {"updated_at": now}
    if error:
        updates.update(status=Notification.Status.FAILED, last_error=error[:4000])
    else:
        updates.update(
            status=Notification.Status.SENT,
            provider_message_id=provider_message_id[:200],
            sent_at=now,
            last_error="",
        )
    # Never turn a sent notification back into a failed one (a worker that took the delivery
    # over may have sent it meanwhile).
    Notification.objects.filter(pk=notification.pk).exclude(status=Notification.Status.SENT).update(
        **updates
    )
    for field, value in updates.items():
        setattr(notification, field, value)
