"""What hotels read: the message templates per kind and language, and their parameters.

Templates use AlimTalk's ``#{variable}`` syntax, like the guests' (``hotel.message_formats``
fills them in and writes amounts, dates and counts): each kind and language is one template
registered with the provider under its template code, and the same text is rendered here for
the console, the log and e-mail. The title is the e-mail's subject.

The guest's name is masked (``김*지``): a KakaoTalk message is read on a phone at the front
desk, and its text is kept in the hotel's message log; the hotelier sees the name in full in
the admin.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.conf import settings

from apps.reservations.models import HotelNotificationKind
from hotel.message_formats import (
    ENGLISH,
    KOREAN,
    LANGUAGES,
    format_date,
    format_guests,
    format_krw,
    format_local_time,
    format_nights,
    template_fill,
    template_variables_of,
)

NEW_REQUEST = HotelNotificationKind.NEW_REQUEST.value
GUEST_CANCELLED = HotelNotificationKind.GUEST_CANCELLED.value
DAILY_DIGEST = HotelNotificationKind.DAILY_DIGEST.value

#: kind -> language -> (title, body template)
TEMPLATES: dict[str, dict[str, tuple[str, str]]] = {
    NEW_REQUEST: {
        KOREAN: (
            "[#{hotel_name}] 새 예약 요청",
            "[#{hotel_name}] 새 예약 요청\n"
            "새 예약 요청이 도착했습니다. 관리자 페이지에서 확정 또는 거절해 주세요.\n"
            "\n"
            "- 예약 번호: #{order_reference}\n"
            "- 예약자: #{guest_name}\n"
            "- 객실: #{room_type_name}\n"
            "- 일정: #{check_in} ~ #{check_out} (#{nights})\n"
            "- 인원: #{guests}\n"
            "- 결제 금액: #{total}\n"
            "- 응답 기한: #{decision_deadline}",
        ),
        ENGLISH: (
            "[#{hotel_name}] New reservation request",
            "[#{hotel_name}] New reservation request\n"
            "A new reservation request has arrived. Please confirm or reject it in the admin.\n"
            "\n"
            "- Booking no.: #{order_reference}\n"
            "- Guest: #{guest_name}\n"
            "- Room: #{room_type_name}\n"
            "- Stay: #{check_in} - #{check_out} (#{nights})\n"
            "- Guests: #{guests}\n"
            "- Paid: #{total}\n"
            "- Answer by: #{decision_deadline}",
        ),
    },
    GUEST_CANCELLED: {
        KOREAN: (
            "[#{hotel_name}] 예약 취소 안내",
            "[#{hotel_name}] 예약 취소 안내\n"
            "예약자가 예약을 취소했습니다. 객실은 다시 예약할 수 있는 상태로 돌아갔습니다.\n"
            "\n"
            "- 예약 번호: #{order_reference}\n"
            "- 예약자: #{guest_name}\n"
            "- 객실: #{room_type_name}\n"
            "- 일정: #{check_in} ~ #{check_out} (#{nights})\n"
            "- 취소 수수료: #{fee}\n"
            "- 예약자 환불 금액: #{refund}",
        ),
        ENGLISH: (
            "[#{hotel_name}] Booking cancelled by the guest",
            "[#{hotel_name}] Booking cancelled by the guest\n"
            "The guest has cancelled this booking; its room is open for booking again.\n"
            "\n"
            "- Booking no.: #{order_reference}\n"
            "- Guest: #{guest_name}\n"
            "- Room: #{room_type_name}\n"
            "- Stay: #{check_in} - #{check_out} (#{nights})\n"
            "- Cancellation fee: #{fee}\n"
            "- Refunded to the guest: #{refund}",
        ),
    },
    DAILY_DIGEST: {
        KOREAN: (
            "[#{hotel_name}] 응답을 기다리는 예약 요청",
            "[#{hotel_name}] 응답을 기다리는 예약 요청\n"
            "#{date} 기준, 확정 또는 거절을 기다리는 예약 요청: #{open_count}\n"
            "가장 오래된 요청: #{oldest}\n"
            "\n"
            "#{requests}\n"
            "\n"
            "관리자 페이지에서 확정 또는 거절해 주세요.",
        ),
        ENGLISH: (
            "[#{hotel_name}] Requests waiting for your answer",
            "[#{hotel_name}] Requests waiting for your answer\n"
            "Requests waiting to be confirmed or rejected on #{date}: #{open_count}\n"
            "Oldest request: #{oldest}\n"
            "\n"
            "#{requests}\n"
            "\n"
            "Please confirm or reject them in the admin.",
        ),
    },
}

#: Default AlimTalk template codes; ALIMTALK_TEMPLATE_CODES overrides them per key
#: (``new_request`` for Korean, ``new_request_en`` for English...), as for the guests' kinds.
DEFAULT_TEMPLATE_CODES = {
    f"{kind}{'' if language == KOREAN else '_' + language}": (
        f"HOTELIER_{kind.upper()}{'' if language == KOREAN else '_' + language.upper()}"
    )
    for kind in TEMPLATES
    for language in LANGUAGES
}


def template_code(*, kind: str, language: str, channel: str) -> str:
    if channel == "email":
        return f"email.{kind}.{language}"
    key = kind if language == KOREAN else f"{kind}_{language}"
    return settings.ALIMTALK_TEMPLATE_CODES.get(key) or DEFAULT_TEMPLATE_CODES[key]


def template_variables(kind: str, *, language: str) -> list[str]:
    """The ``#{variables}`` of a template's body, in order of first use."""
    return template_variables_of(TEMPLATES[kind][language][1])


def render(kind: str, *, language: str, parameters: Mapping[str, str]) -> tuple[str, str]:
    """The message's (title, body), every ``#{variable}`` replaced by its parameter."""
    title, body = TEMPLATES[kind][language]
    return (
        template_fill(title, parameters=parameters),
        template_fill(body, parameters=parameters),
    )


def guest_name_mask(name: str) -> str:
    """``김민지`` -> ``김*지``, ``이수`` -> ``이*``, ``Minji Kim`` -> ``M***i K*m``: each word
    keeps its first and (from three letters) last letter."""

    def word_mask(word: str) -> str:
        if len(word) <= 1:
            return word
        if len(word) == 2:
            return f"{word[0]}*"
        return f"{word[0]}{'*' * (len(word) - 2)}{word[-1]}"

    return " ".join(word_mask(word) for word in name.split()) or "-"


@dataclass(frozen=True)
class StayFacts:
    """What a message says about one reservation (plain values, read once per batch)."""

    hotel_name: str
    time_zone: str
    order_reference: str
    guest_name: str
    room_type_name: str
    check_in: datetime.date
    check_out: datetime.date
    guests: int
    total_krw: int
    requested_at: datetime.datetime
    decision_deadline: datetime.datetime | None = None
    fee_krw: int | None = None
    refund_krw: int | None = None

    @property
    def nights(self) -> int:
        return (self.check_out - self.check_in).days


def stay_parameters(*, kind: str, stay: StayFacts, language: str) -> dict[str, str]:
    """The template variables of a new request or a guest's cancellation, as display strings."""
    values = {
        "hotel_name": stay.hotel_name or "-",
        "order_reference": stay.order_reference,
        "guest_name": guest_name_mask(stay.guest_name),
        "room_type_name": stay.room_type_name or "-",
        "check_in": format_date(stay.check_in, language=language),
        "check_out": format_date(stay.check_out, language=language),
        "nights": format_nights(stay.nights, language=language),
        "guests": format_guests(stay.guests, language=language),
        "total": format_krw(stay.total_krw, language=language),
        "decision_deadline": format_local_time(
            stay.decision_deadline, time_zone=stay.time_zone, language=language
        ),
        "fee": format_krw(stay.fee_krw, language=language),
        "refund": format_krw(stay.refund_krw, language=language),
    }
    return {name: values[name] for name in template_variables(kind, language=language)}


def digest_parameters(
    *,
    hotel_name: str,
    time_zone: str,
    day: datetime.date,
    open_count: int,
    listed: Sequence[StayFacts],
    language: str,
) -> dict[str, str]:
    """The digest's variables: how many requests are open, the oldest, the first few listed
    (oldest first), and how many more there are."""
    lines = [_digest_line(stay, language=language) for stay in listed]
    more = open_count - len(listed)
    if more > 0:
        lines.append(f"외 {more}건" if language == KOREAN else f"and {more} more")
    oldest = listed[0] if listed else None
    values = {
        "hotel_name": hotel_name or "-",
        "date": format_date(day, language=language),
        "open_count": _count(open_count, language=language),
        "oldest": (
            _oldest(oldest, time_zone=time_zone, language=language) if oldest is not None else "-"
        ),
        "requests": "\n".join(lines) or "-",
    }
    return {name: values[name] for name in template_variables(DAILY_DIGEST, language=language)}


def _count(count: int, *, language: str) -> str:
    if language == ENGLISH:
        return f"{count} request" if count == 1 else f"{count} requests"
    return f"{count}건"


def _oldest(stay: StayFacts, *, time_zone: str, language: str) -> str:
    received = format_local_time(stay.requested_at, time_zone=time_zone, language=language)
    if language == ENGLISH:
        return f"{stay.order_reference}, received {received}"
    return f"{stay.order_reference}, {received} 접수"


def _digest_line(stay: StayFacts, *, language: str) -> str:
    until = "~" if language == KOREAN else "-"
    return (
        f"- {stay.order_reference} {guest_name_mask(stay.guest_name)}, {stay.room_type_name}, "
        f"{format_date(stay.check_in, language=language)} {until} "
        f"{format_date(stay.check_out, language=language)} "
        f"({format_nights(stay.nights, language=language)})"
    )
