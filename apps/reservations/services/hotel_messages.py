"""Telling the hotel: a message for each new request and each guest cancellation, and a daily
digest of the requests still open, on every channel, exactly once.

The messages leave through the channels the guests' do (``hotel.notification_channels``:
KakaoTalk to the hotel's contact mobile number, e-mail to its contact address), in the hotel's
language, and each one is logged in ``HotelNotification`` under an idempotency key that is the
same on every attempt: (event, channel) for a request or cancellation, (hotel, local date,
channel) for a digest. The guarantees are the guests' messages' (see
``apps.customer.notifications.services``), step for step:

1. the facts are read in one query (the batch's reservations with their hotel, room type and
   cancellation; for the digest, the hotels, then the open requests of those due);
2. every new message's first attempt is recorded in one ``INSERT ... ON CONFLICT
   (idempotency_key) DO NOTHING``: the rows it returns are the new ones. A new row gets its
   rendered text, or ``skipped`` with the reason when the hotel has no number / address there
   or opted out (logged);
3. the channel is called once per new message, with no transaction open (the call carries the
   row's idempotency key);
4. every ``sent`` (provider message id, time) is recorded in one UPDATE, each ``failed`` (the
   error) in one of its own.

A message that exists already is final when ``sent`` or ``skipped`` (one read finds those, and
nothing leaves); any other is locked and its attempt counted in a short transaction of its own,
then sent. For events, a failure raises after every message was tried, so the outbox retries
the delivery with backoff and finally dead-letters it. A digest that failed is tried again by a
later run of the job, ``DIGEST_RETRY_SECONDS`` after its last attempt and at most
``DIGEST_MAX_ATTEMPTS`` times, within the same local day (the next day has a digest of its
own); the check is made under the row's lock, so two runs at once send it once.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.db.models import Count, F, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from apps.reservations import hotel_messages
from apps.reservations.hotel_messages import StayFacts
from apps.reservations.models import (
    Actor,
    Hotel,
    HotelMessageLanguage,
    HotelNotification,
    HotelNotificationKind,
    Reservation,
    ReservationStatus,
)
from apps.reservations.queries import reservations_with_stays
from hotel.bulk_rows import rows_insert, rows_update
from hotel.correlation import correlation_context
from hotel.lookups import InArray
from hotel.notification_channels import (
    KAKAO,
    ChannelError,
    OutgoingMessage,
    backend_for,
    email_mask,
    enabled_channels,
)
from hotel.phone_numbers import phone_mask

logger = logging.getLogger("apps.reservations.hotel_messages")

_KEY_NAMESPACE = uuid.UUID("8d5f3c1e-2a47-4b0e-9c6d-71e2b5a4f903")

#: A digest that failed is tried again this long after its last attempt...
DIGEST_RETRY_SECONDS = 300
#: ...up to this many attempts in all.
DIGEST_MAX_ATTEMPTS = 5

_FINAL = (HotelNotification.Status.SENT, HotelNotification.Status.SKIPPED)


class HotelNotificationNotSent(RuntimeError):
    """At least one channel failed; the outbox retries (the error is on the notification)."""


@dataclass(frozen=True)
class ReservationNews:
    """An event of a reservation that may mean a message to its hotel."""

    event_id: uuid.UUID
    reservation_id: int
    kind: str  # HotelNotificationKind.NEW_REQUEST or GUEST_CANCELLED
    correlation_id: str = ""


def hotel_notification_idempotency_key(*, event_id: uuid.UUID, channel: str) -> uuid.UUID:
    """The same key for every attempt of the message one event sends the hotel on a channel."""
    return uuid.uuid5(_KEY_NAMESPACE, f"{event_id}:{channel}")


def hotel_digest_idempotency_key(*, hotel_id: int, day: datetime.date, channel: str) -> uuid.UUID:
    """The same key for every attempt of one hotel's digest of one local day on a channel."""
    return uuid.uuid5(_KEY_NAMESPACE, f"digest:{hotel_id}:{day.isoformat()}:{channel}")


# --- A message for each new request and each guest cancellation ------------------------------


def hotel_notifications_send_for_events(
    *, news: Sequence[ReservationNews]
) -> list[HotelNotification]:
    """Send (or skip, logged) the messages these events mean for their hotels, every channel.

    A new request always means one; a cancellation only when the guest cancelled (a hotel
    that cancels or rejects knows already). Idempotent: a notification already sent or skipped
    sends nothing. Must run outside a transaction (each step opens its own). Returns the
    events' notifications, in the order given; raises ``HotelNotificationNotSent`` once every
    message was tried if a channel failed.
    """
    reservations = _reservations({item.reservation_id for item in news})
    planned: list[_Message] = []
    for item in dict.fromkeys(news):
        reservation = reservations.get(item.reservation_id)
        with _logging_for(item.correlation_id):
            if reservation is None:
                logger.warning(
                    "no %s message: reservation %s is unknown", item.kind, item.reservation_id
                )
                continue
            cancellation = _cancellation_of(reservation)
            if item.kind == HotelNotificationKind.GUEST_CANCELLED and (
                cancellation is None or cancellation.cancelled_by != Actor.GUEST
            ):
                continue  # cancelled by the hotel or the system: nothing the hotel needs told
        stay = _stay_facts(reservation)
        hotel = reservation.hotel
        language = _language(hotel)
        parameters = hotel_messages.stay_parameters(kind=item.kind, stay=stay, language=language)
        for channel in enabled_channels():
            planned.append(
                _message(
                    hotel=hotel,
                    kind=item.kind,
                    channel=channel,
                    language=language,
                    parameters=parameters,
                    idempotency_key=hotel_notification_idempotency_key(
                        event_id=item.event_id, channel=channel
                    ),
                    opted_out=hotel.messages_opt_out,
                    opt_out_reason="hotel opted out of messages per request",
                    reservation=reservation,
                    event_id=item.event_id,
                    correlation_id=item.correlation_id,
                )
            )
    notifications, failures = _deliver(planned)
    if failures:
        raise HotelNotificationNotSent("; ".join(failures))
    return notifications


def _reservations(reservation_ids: Iterable[int]) -> dict[int, Reservation]:
    rows = reservations_with_stays(reservation_ids=set(reservation_ids))
    return {reservation.pk: reservation for reservation in rows}


def _cancellation_of(reservation: Reservation):
    try:
        return reservation.cancellation
    except ObjectDoesNotExist:
        return None


def _stay_facts(reservation: Reservation) -> StayFacts:
    cancellation = _cancellation_of(reservation)
    return StayFacts(
        hotel_name=reservation.hotel.name,
        time_zone=reservation.hotel.time_zone,
        order_reference=reservation.order_reference or str(reservation.order_id),
        guest_name=reservation.guest_name,
        room_type_name=reservation.room_type.name,
        check_in=reservation.check_in,
        check_out=reservation.check_out,
        guests=reservation.guests,
        total_krw=reservation.total_krw,
        requested_at=reservation.requested_at,
        decision_deadline=reservation.decision_deadline,
        fee_krw=cancellation.fee_krw if cancellation is not None else None,
        refund_krw=cancellation.refund_krw if cancellation is not None else None,
    )


# --- The daily digest of open requests --------------------------------------------------------


def hotel_digests_send(*, now: datetime.datetime | None = None) -> list[HotelNotification]:
    """Send each hotel whose local time has reached ``HOTEL_DIGEST_HOUR`` its digest of the
    day, once per local date and channel: the requests still open (how many, the oldest, the
    first ``HOTEL_DIGEST_LISTED``), or ``skipped`` with the reason (opted out, no number or
    address, no request open).

    What the periodic job ``reservations.hotel_digest`` runs. A hotel whose digest of the day
    is recorded already costs one read, and sends nothing (a failed one is tried again as the
    module docs say). Must run outside a transaction. Failures are logged and recorded, not
    raised: the next run tries them. Returns the notifications it wrote or tried.
    """
    now = now or timezone.now()
    due = _hotels_due(now)
    keys = {
        (hotel.pk, channel): hotel_digest_idempotency_key(
            hotel_id=hotel.pk, day=day, channel=channel
        )
        for hotel, day in due
        for channel in enabled_channels()
    }
    recorded = {
        notification.idempotency_key: notification
        for notification in HotelNotification.objects.filter(
            InArray("idempotency_key", keys.values())
        ).only("idempotency_key", "status", "attempts", "updated_at")
    }

    def wanted(hotel: Hotel, channel: str) -> bool:
        notification = recorded.get(keys[hotel.pk, channel])
        return notification is None or _digest_retry_due(notification, now=now)

    todo = [(hotel, day) for hotel, day in due if any(wanted(hotel, c) for c in enabled_channels())]
    open_requests = _open_requests(hotel_ids=[hotel.pk for hotel, _ in todo])
    planned: list[_Message] = []
    for hotel, day in todo:
        listed = open_requests.get(hotel.pk, [])
        open_count = listed[0][1] if listed else 0
        language = _language(hotel)
        parameters = hotel_messages.digest_parameters(
            hotel_name=hotel.name,
            time_zone=hotel.time_zone,
            day=day,
            open_count=open_count,
            listed=[stay for stay, _ in listed],
            language=language,
        )
        for channel in enabled_channels():
            if not wanted(hotel, channel):
                continue
            planned.append(
                _message(
                    hotel=hotel,
                    kind=HotelNotificationKind.DAILY_DIGEST,
                    channel=channel,
                    language=language,
                    parameters=parameters,
                    idempotency_key=keys[hotel.pk, channel],
                    opted_out=hotel.digest_opt_out,
                    opt_out_reason="hotel opted out of the daily digest",
                    nothing_to_say="" if open_count else "no request open",
                    digest_date=day,
                )
            )
    notifications, _failures = _deliver(
        planned, retry_due=lambda notification: _digest_retry_due(notification, now=now)
    )
    return notifications


def _hotels_due(now: datetime.datetime) -> list[tuple[Hotel, datetime.date]]:
    """Each hotel whose local clock has passed the digest hour today, with its local date."""
    hour = settings.HOTEL_DIGEST_HOUR
    due = []
    hotels = Hotel.objects.only(
        "name",
        "time_zone",
        "contact_phone",
        "contact_email",
        "message_language",
        "digest_opt_out",
    ).order_by("pk")
    for hotel in hotels:
        local = now.astimezone(ZoneInfo(hotel.time_zone))
        if local.hour >= hour:
            due.append((hotel, local.date()))
    return due


def _digest_retry_due(notification: HotelNotification, *, now: datetime.datetime) -> bool:
    """Whether a recorded digest is to be tried (again) now: not final, attempts left, and its
    last attempt long enough ago (a run that has just recorded it is still sending it)."""
    if notification.status in _FINAL or notification.attempts >= DIGEST_MAX_ATTEMPTS:
        return False
    return notification.updated_at <= now - datetime.timedelta(seconds=DIGEST_RETRY_SECONDS)


def _open_requests(*, hotel_ids: list[int]) -> dict[int, list[tuple[StayFacts, int]]]:
    """Per hotel, its oldest ``HOTEL_DIGEST_LISTED`` open requests, oldest first, each with the
    hotel's count of open requests (one query, window functions)."""
    if not hotel_ids:
        return {}
    by_hotel = F("hotel_id")
    rows = (
        Reservation.objects.filter(
            InArray("hotel_id", hotel_ids), status=ReservationStatus.REQUESTED
        )
        .select_related("hotel", "room_type")
        .annotate(
            position=Window(
                RowNumber(), partition_by=[by_hotel], order_by=[F("requested_at"), F("id")]
            ),
            open_count=Window(Count("id"), partition_by=[by_hotel]),
        )
        .filter(position__lte=max(1, settings.HOTEL_DIGEST_LISTED))
        .order_by("hotel_id", "position")
    )
    listed: dict[int, list[tuple[StayFacts, int]]] = defaultdict(list)
    for reservation in rows:
        listed[reservation.hotel_id].append((_stay_facts(reservation), reservation.open_count))
    return listed


# --- Recording and sending, for both --------------------------------------------------------


@dataclass(frozen=True)
class _Message:
    """One message on one channel as it would be recorded now, with whom it reaches."""

    notification: HotelNotification  # unsaved: its first attempt
    recipient: str
    skip_reason: str
    correlation_id: str = ""


def _language(hotel: Hotel) -> str:
    language = hotel.message_language
    return language if language in HotelMessageLanguage.values else HotelMessageLanguage.KOREAN


def _recipient(
    *, hotel: Hotel, channel: str, opted_out: bool, opt_out_reason: str
) -> tuple[str, str, str]:
    """(recipient, masked recipient, skip reason or "") of ``channel`` for this hotel now."""
    if channel == KAKAO:
        phone = hotel.contact_phone
        if opted_out:
            return "", phone_mask(phone=phone), opt_out_reason
        if not phone:
            return "", "", "no mobile phone number on file"
        return phone, phone_mask(phone=phone), ""
    email = hotel.contact_email
    if opted_out:
        return "", email_mask(email=email), opt_out_reason
    if not email:
        return "", "", "no e-mail address on file"
    return email, email_mask(email=email), ""


def _message(
    *,
    hotel: Hotel,
    kind: str,
    channel: str,
    language: str,
    parameters: dict[str, str],
    idempotency_key: uuid.UUID,
    opted_out: bool,
    opt_out_reason: str,
    nothing_to_say: str = "",
    reservation: Reservation | None = None,
    event_id: uuid.UUID | None = None,
    digest_date: datetime.date | None = None,
    correlation_id: str = "",
) -> _Message:
    """The message on ``channel``: its first attempt counted, or skipped with the reason when
    the hotel cannot or does not want to get it there (or there is nothing to tell)."""
    recipient, masked, skip_reason = _recipient(
        hotel=hotel, channel=channel, opted_out=opted_out, opt_out_reason=opt_out_reason
    )
    skip_reason = skip_reason or nothing_to_say
    title, body = hotel_messages.render(kind, language=language, parameters=parameters)
    notification = HotelNotification(
        hotel=hotel,
        kind=kind,
        channel=channel,
        language=language,
        reservation=reservation,
        event_id=event_id,
        digest_date=digest_date,
        idempotency_key=idempotency_key,
        template_code=hotel_messages.template_code(kind=kind, language=language, channel=channel),
        template_parameters=parameters,
        title=title[:200],
        body=body,
        recipient_masked=masked,
    )
    if skip_reason:
        notification.status = HotelNotification.Status.SKIPPED
        notification.skip_reason = skip_reason
    else:
        notification.attempts = 1
    return _Message(
        notification=notification,
        recipient=recipient,
        skip_reason=skip_reason,
        correlation_id=correlation_id,
    )


def _deliver(
    planned: Sequence[_Message],
    *,
    retry_due: Callable[[HotelNotification], bool] | None = None,
) -> tuple[list[HotelNotification], list[str]]:
    """Record, send and record again (module docs, steps 2-4); the notifications and the
    failures. ``retry_due`` decides, under the row's lock, whether an unfinished notification
    found recorded is tried now (by default it is: the outbox paces event retries)."""
    created = rows_insert(
        [message.notification for message in planned], unless_exists="idempotency_key"
    )
    new = {notification.idempotency_key for notification in created}
    keys = [message.notification.idempotency_key for message in planned]
    final = _final_notifications([key for key in keys if key not in new])
    notifications: list[HotelNotification] = []
    sent: list[tuple[HotelNotification, str]] = []
    failures: list[str] = []
    try:
        for message in planned:
            with _logging_for(message.correlation_id):
                notification, outgoing = _notification_claim(
                    message, new=new, final=final, retry_due=retry_due
                )
                notifications.append(notification)
                if outgoing is None:
                    continue
                provider_message_id, error = _send(notification, outgoing)
            if error:
                failures.append(f"{outgoing.channel}: {error}")
            else:
                sent.append((notification, provider_message_id))
    finally:
        # Also when something unforeseen stops the loop: what has left is recorded as sent.
        _notifications_record_sent(sent)
    return notifications, failures


def _logging_for(correlation_id: str) -> AbstractContextManager:
    """Log under the event's correlation id (the order's), when there is one."""
    return correlation_context(correlation_id) if correlation_id else nullcontext()


def _final_notifications(keys: Sequence[uuid.UUID]) -> dict[uuid.UUID, HotelNotification]:
    """Those of these notifications that are sent or skipped, by idempotency key (one query).

    Read without a lock: both states are final, so the answer cannot go stale."""
    if not keys:
        return {}
    done = HotelNotification.objects.filter(InArray("idempotency_key", keys), status__in=_FINAL)
    return {notification.idempotency_key: notification for notification in done}


def _notification_claim(
    message: _Message,
    *,
    new: set[uuid.UUID],
    final: Mapping[uuid.UUID, HotelNotification],
    retry_due: Callable[[HotelNotification], bool] | None,
) -> tuple[HotelNotification, OutgoingMessage | None]:
    """The message's notification and what to send, if anything.

    ``new`` holds the idempotency keys the batch's INSERT has just recorded, ``final`` the
    notifications found sent or skipped before. Any other existed unfinished (a retried
    delivery, a worker that took it over, a digest's later run): it is locked and its attempt
    counted there.
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
        notification = HotelNotification.objects.select_for_update().get(idempotency_key=key)
        if notification.status in _FINAL:
            return notification, None
        if retry_due is not None and not retry_due(notification):
            return notification, None
        masked = message.notification.recipient_masked
        if message.skip_reason:  # the contact was removed, or the hotel opted out, since
            notification.status = HotelNotification.Status.SKIPPED
            notification.skip_reason = message.skip_reason
            notification.recipient_masked = masked
            notification.save(
                update_fields=["status", "skip_reason", "recipient_masked", "updated_at"]
            )
            _log_skip(notification)
            return notification, None
        notification.attempts += 1
        notification.recipient_masked = masked
        notification.save(update_fields=["attempts", "recipient_masked", "updated_at"])
    return notification, _outgoing(notification, recipient=message.recipient)


def _outgoing(notification: HotelNotification, *, recipient: str) -> OutgoingMessage:
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


def _send(notification: HotelNotification, outgoing: OutgoingMessage) -> tuple[str, str]:
    """Hand the message to its channel: (provider message id, "") or ("", the error), the
    failure recorded on the notification and logged."""
    try:
        result = backend_for(outgoing.channel).send(outgoing)
    except Exception as exc:
        error = str(exc) if isinstance(exc, ChannelError) else f"{type(exc).__name__}: {exc}"
        _notification_record_failure(notification, error=error)
        logger.warning(
            "%s message %s to hotel %s failed (attempt %s): %s",
            outgoing.channel,
            notification.kind,
            notification.hotel_id,
            notification.attempts,
            error,
        )
        return "", error
    return result.provider_message_id, ""


def _log_skip(notification: HotelNotification) -> None:
    logger.info(
        "%s message %s to hotel %s skipped: %s",
        notification.channel,
        notification.kind,
        notification.hotel_id,
        notification.skip_reason,
    )


def _notification_record_failure(notification: HotelNotification, *, error: str) -> None:
    """Record a failed attempt, unless the notification was sent meanwhile (a worker that took
    the delivery over may have sent it): never turn a sent one back into a failed one."""
    now = timezone.now()
    HotelNotification.objects.filter(pk=notification.pk).exclude(
        status=HotelNotification.Status.SENT
    ).update(status=HotelNotification.Status.FAILED, last_error=error[:4000], updated_at=now)
    notification.status = HotelNotification.Status.FAILED
    notification.last_error = error[:4000]
    notification.updated_at = now


def _notifications_record_sent(sent: Sequence[tuple[HotelNotification, str]]) -> None:
    """Record these notifications sent, each with its provider's message id, in one UPDATE
    (rows already marked sent by a worker that took a delivery over are left as they are)."""
    if not sent:
        return
    now = timezone.now()
    for notification, provider_id in sent:
        notification.status = HotelNotification.Status.SENT
        notification.provider_message_id = provider_id[:200]
        notification.sent_at = now
        notification.last_error = ""
        notification.updated_at = now
    rows_update(
        [notification for notification, _ in sent],
        fields=["status", "provider_message_id", "sent_at", "last_error", "updated_at"],
        unless={"status": HotelNotification.Status.SENT},
    )
