"""Sending the guest one message per guest-visible change, per channel, exactly once.

``notifications_send_for_events`` is what the ``customer.notify`` batch handler runs, outside
any transaction (``in_transaction=False``), for the message events a worker claimed in one
round. In a number of statements that does not grow with the batch it

1. reads the events' timeline rows with their entries, and the guests' profiles;
2. records the first attempt of every new notification (each event on each enabled channel) in
   one ``INSERT ... ON CONFLICT (idempotency_key) DO NOTHING``: the rows it returns are the new
   ones. A new row gets its rendered text, or ``skipped`` with the reason when the guest has no
   phone number / e-mail address or opted out (logged);
3. calls the channel once per new message, with no transaction open (the call carries the
   row's idempotency key);
4. records every ``sent`` (provider message id, time) in one UPDATE, each ``failed`` (the error)
   in one of its own.

A notification that exists already (the delivery is retried, or a worker took it over) is
final when ``sent`` or ``skipped`` (one read finds those, and nothing leaves); any other is
locked and its attempt counted in a short transaction of its own, then sent. A failure raises
after every message was tried, so the outbox retries the delivery with backoff and finally
dead-letters it; the error stays on the notification and on the delivery. A batch that raised
is first run again one event at a time by the worker: the messages that went out are final by
then, so only the failed ones are tried again (once more at once) and only their deliveries
are retried.

Whether an event is worth a message was decided by the mypage projection when it applied the
event (``MypageTimelineEntry.notify_kind``); the message's facts come from that entry. An event
the projection has not applied yet is applied here first, through the projection's own code
(``mypage_catch_up``: see ``apps.customer.handlers`` for when that happens); if even that
fails, this raises ``ProjectionBehind`` for those events alone, after sending the others, and
the outbox tries them again shortly.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.customer.models import (
    GuestProfile,
    MypageEntry,
    MypageTimelineEntry,
    Notification,
    NotificationChannel,
)
from apps.customer.notifications import messages
from apps.customer.projection import mypage_catch_up
from apps.customer.queries import timeline_rows_with_entries
from apps.customer.selectors import guest_profiles_by_user_ids
from hotel.bulk_rows import rows_insert, rows_update
from hotel.correlation import correlation_context
from hotel.lookups import InArray
from hotel.notification_channels import ChannelError, OutgoingMessage, backend_for, email_mask
from hotel.phone_numbers import phone_mask

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
    """The mypage projection has not applied these events yet; retried by the outbox."""

    def __init__(self, event_ids: Sequence[uuid.UUID], *, why: str = "") -> None:
        self.event_ids = tuple(event_ids)
        listed = ", ".join(str(event_id) for event_id in self.event_ids)
        plural = "s" if len(self.event_ids) > 1 else ""
        super().__init__(f"mypage has not applied event{plural} {listed} yet{why}")


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
        "reason": messages.reason_text(details.get("reason") or "", language=language) or "-",
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
    """``notifications_send_for_events`` for one event."""
    return notifications_send_for_events(event_ids=[event_id])


def notifications_send_for_events(
    *, event_ids: Sequence[uuid.UUID], correlation_ids: Mapping[uuid.UUID, str] | None = None
) -> list[Notification]:
    """Send (or skip, logged) the messages these events mean for their guests, every channel.

    Idempotent: a notification already sent or skipped sends nothing. Must run outside a
    transaction (each step opens its own, see the module docs). Each message's log lines carry
    its event's correlation id from ``correlation_ids`` (the order id). Returns the events'
    notifications, in the order given.

    Raises once every other message was tried: ``ProjectionBehind`` naming the events the
    projection has not applied (nor could be made to), else ``NotificationNotSent`` when a
    channel failed.
    """
    event_ids = list(dict.fromkeys(event_ids))
    correlation_ids = correlation_ids or {}
    rows = _timeline_rows(event_ids)
    behind = [event_id for event_id in event_ids if event_id not in rows]
    why = ""
    if behind:
        try:
            mypage_catch_up(event_ids=behind)
        except Exception as exc:  # those events are retried; the others go on
            why = f" (catching up failed: {exc!r})"
        rows.update(_timeline_rows(behind))
        behind = [event_id for event_id in behind if event_id not in rows]
    due = [rows[event_id] for event_id in event_ids if event_id in rows]
    due = [row for row in due if row.notify_kind]
    profiles = guest_profiles_by_user_ids(
        user_ids={row.entry.guest_id for row in due if row.entry.guest_id is not None}
    )

    planned: list[_Message] = []
    for row in due:
        profile = None if row.entry.guest_id is None else profiles.get(row.entry.guest_id)
        if profile is None:
            with _logging_for(row, correlation_ids):
                logger.warning(
                    "no %s message for order %s: guest %s is unknown",
                    row.notify_kind,
                    row.entry.order_id,
                    row.entry.guest_id,
                )
            continue
        for channel in enabled_channels():
            planned.append(_message(row=row, profile=profile, channel=channel))
    created = rows_insert(
        [message.notification for message in planned], unless_exists="idempotency_key"
    )
    new = {notification.idempotency_key for notification in created}
    keys = [message.notification.idempotency_key for message in planned]
    final = _final_notifications([key for key in keys if key not in new])

    notifications: list[Notification] = []
    sent: list[tuple[Notification, str]] = []
    failures: list[str] = []
    try:
        for message in planned:
            with _logging_for(message.row, correlation_ids):
                notification, outgoing = _notification_claim(message, new=new, final=final)
                notifications.append(notification)
                if outgoing is None:
                    continue
                provider_message_id, error = _send(notification, outgoing)
            if error:
                failures.append(f"{message.channel}: {error}")
            else:
                sent.append((notification, provider_message_id))
    finally:
        # Also when something unforeseen stops the loop: what has left is recorded as sent.
        _notifications_record_sent(sent)
    if behind:
        raise ProjectionBehind(behind, why=why)
    if failures:
        raise NotificationNotSent("; ".join(failures))
    return notifications


def _send(notification: Notification, outgoing: OutgoingMessage) -> tuple[str, str]:
    """Hand the message to its channel: (provider message id, "") or ("", the error), the
    failure recorded on the notification and logged."""
    try:
        result = backend_for(outgoing.channel).send(outgoing)
    except Exception as exc:
        error = str(exc) if isinstance(exc, ChannelError) else f"{type(exc).__name__}: {exc}"
        _notification_record_failure(notification, error=error)
        logger.warning(
            "%s message %s for order %s failed (attempt %s): %s",
            outgoing.channel,
            notification.kind,
            notification.order_id,
            notification.attempts,
            error,
        )
        return "", error
    return result.provider_message_id, ""


@dataclass(frozen=True)
class _Message:
    """One event's message on one channel as it would be recorded now, with whom it reaches."""

    row: MypageTimelineEntry
    channel: str
    notification: Notification  # unsaved: its first attempt
    recipient: str
    skip_reason: str


def _timeline_rows(event_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, MypageTimelineEntry]:
    return {row.event_id: row for row in timeline_rows_with_entries(event_ids=event_ids)}


def _logging_for(
    row: MypageTimelineEntry, correlation_ids: Mapping[uuid.UUID, str]
) -> AbstractContextManager:
    """Log under the event's correlation id, when the caller knows it."""
    correlation_id = correlation_ids.get(row.event_id)
    return correlation_context(correlation_id) if correlation_id else nullcontext()


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


def _final_notifications(keys: Sequence[uuid.UUID]) -> dict[uuid.UUID, Notification]:
    """Those of these notifications that are sent or skipped, by idempotency key (one query).

    Read without a lock: both states are final, so the answer cannot go stale. A redelivered
    batch thus costs one statement here instead of a locked transaction per notification."""
    if not keys:
        return {}
    done = Notification.objects.filter(
        InArray("idempotency_key", keys),
        status__in=[Notification.Status.SENT, Notification.Status.SKIPPED],
    )
    return {notification.idempotency_key: notification for notification in done}


def _notification_claim(
    message: _Message, *, new: set[uuid.UUID], final: Mapping[uuid.UUID, Notification]
) -> tuple[Notification, OutgoingMessage | None]:
    """The message's notification and what to send, if anything.

    ``new`` holds the idempotency keys the batch's INSERT has just recorded (their first
    attempt counted, or skipped), ``final`` the notifications found sent or skipped before. Any
    other notification existed unfinished (a later attempt, or a worker that took the delivery
    over): it is locked and its attempt counted there.
    """
    notification = message.notification
    key = notification.idempotency_key
    if key in final:
        return final[key], None
    if key in new:
        if message.skip_reason:
            _log_skip(notification)
            return notification, None
        return notification, _outgoing(notification, recipient=message.recipient)
    with transaction.atomic():
        notification = Notification.objects.select_for_update().get(idempotency_key=key)
        if notification.status in (Notification.Status.SENT, Notification.Status.SKIPPED):
            return notification, None
        masked = message.notification.recipient_masked
        if message.skip_reason:  # the guest removed the number or opted out since the last try
            _notification_skip(notification, reason=message.skip_reason, masked=masked)
            return notification, None
        notification.attempts += 1
        notification.recipient_masked = masked
        notification.save(update_fields=["attempts", "recipient_masked", "updated_at"])
    return notification, _outgoing(notification, recipient=message.recipient)


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


def _message(*, row: MypageTimelineEntry, profile: GuestProfile, channel: str) -> _Message:
    """The row's message on ``channel``: its first attempt counted, or skipped with the reason
    when the guest cannot or does not want to get it there."""
    recipient, masked, skip_reason = _recipient(profile=profile, channel=channel)
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
    return _Message(
        row=row,
        channel=channel,
        notification=notification,
        recipient=recipient,
        skip_reason=skip_reason,
    )


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


def _notification_record_failure(notification: Notification, *, error: str) -> None:
    """Record a failed attempt, unless the notification was sent meanwhile (a worker that took
    the delivery over may have sent it): never turn a sent one back into a failed one."""
    now = timezone.now()
    Notification.objects.filter(pk=notification.pk).exclude(status=Notification.Status.SENT).update(
        status=Notification.Status.FAILED, last_error=error[:4000], updated_at=now
    )
    notification.status = Notification.Status.FAILED
    notification.last_error = error[:4000]
    notification.updated_at = now


def _notifications_record_sent(sent: Sequence[tuple[Notification, str]]) -> None:
    """Record these notifications sent, each with its provider's message id, in one UPDATE
    (rows already marked sent by a worker that took a delivery over are left as they are)."""
    if not sent:
        return
    now = timezone.now()
    for notification, provider_id in sent:
        notification.status = Notification.Status.SENT
        notification.provider_message_id = provider_id[:200]
        notification.sent_at = now
        notification.last_error = ""
        notification.updated_at = now
    rows_update(
        [notification for notification, _ in sent],
        fields=["status", "provider_message_id", "sent_at", "last_error", "updated_at"],
        unless={"status": Notification.Status.SENT},
    )
