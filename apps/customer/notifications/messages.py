"""What guests read: message templates per kind and language, and how values are formatted.

Templates use AlimTalk's ``#{variable}`` syntax: the same text is registered with the provider
(one template code per kind and language) and rendered here for the console, the log, e-mail
and the SMS/LMS fallback. Parameters are display strings already formatted for the language
("200,000원" / "KRW 200,000", "2박" / "2 nights").
"""

from __future__ import annotations

from collections.abc import Mapping

from apps.reservations.events import UNANSWERED_REQUEST_REASON, UNANSWERED_REQUEST_REASON_EN

# Amounts, dates and counts are written as in every message to people (hotel.message_formats);
# the guests' callers read them from here.
from hotel.message_formats import (
    ENGLISH,
    KOREAN,
    LANGUAGES,
    format_date,
    format_guests,
    format_krw,
    format_nights,
    language_or_default,
    template_fill,
    template_variables_of,
)

__all__ = [
    "ENGLISH",
    "KOREAN",
    "LANGUAGES",
    "STATUS_LABELS",
    "TEMPLATES",
    "TIMELINE_TITLES",
    "format_date",
    "format_guests",
    "format_krw",
    "format_nights",
    "format_payment_method",
    "language_or_default",
    "reason_text",
    "render",
    "status_label",
    "template_variables",
    "timeline_description",
    "timeline_title",
]


_PAYMENT_METHODS = {
    KOREAN: {
        "card": "카드",
        "easy_pay": "간편결제",
        "transfer": "계좌이체",
        "mobile_phone": "휴대폰",
    },
    ENGLISH: {
        "card": "Card",
        "easy_pay": "Easy pay",
        "transfer": "Bank transfer",
        "mobile_phone": "Mobile phone",
    },
}


def format_payment_method(method: str, masked_card_number: str = "", *, language: str) -> str:
    """``"카드 4330-****-****-1234"``; the method's own name when it is not a known one."""
    label = _PAYMENT_METHODS[language].get(method, method) or "-"
    return f"{label} {masked_card_number}" if masked_card_number else label


# --- Mypage: overall statuses and timeline titles --------------------------------------------

STATUS_LABELS = {
    KOREAN: {
        "paid": "결제 완료",
        "confirming": "예약 확인 중",
        "confirmed": "예약 확정",
        "rejected": "예약 불가",
        "cancelled": "예약 취소",
        "refunded": "환불 완료",
    },
    ENGLISH: {
        "paid": "Paid",
        "confirming": "Confirming reservation",
        "confirmed": "Confirmed",
        "rejected": "Declined by the hotel",
        "cancelled": "Cancelled",
        "refunded": "Refunded",
    },
}

TIMELINE_TITLES = {
    KOREAN: {
        "booked": "예약 접수",
        "paid": "결제 완료",
        "requested": "호텔 확인 중",
        "confirmed": "예약 확정",
        "rejected": "예약 거절",
        "cancellation_requested": "취소 요청",
        "cancelled": "예약 취소 완료",
        "refunded": "환불 완료",
    },
    ENGLISH: {
        "booked": "Booking placed",
        "paid": "Payment approved",
        "requested": "Sent to the hotel for confirmation",
        "confirmed": "Confirmed by the hotel",
        "rejected": "Declined by the hotel",
        "cancellation_requested": "Cancellation requested",
        "cancelled": "Booking cancelled",
        "refunded": "Refund completed",
    },
}


#: Reasons the system itself gives (in Korean, as events carry them) -> their English text.
_SYSTEM_REASONS_IN_ENGLISH = {UNANSWERED_REQUEST_REASON: UNANSWERED_REQUEST_REASON_EN}


def reason_text(reason: str, *, language: str) -> str:
    """A rejection's or cancellation's reason as the guest reads it: a person's words as they
    wrote them; a reason the system gave (a request the hotel left unanswered) in the guest's
    language."""
    if language == ENGLISH:
        return _SYSTEM_REASONS_IN_ENGLISH.get(reason, reason)
    return reason


def status_label(status: str, *, language: str) -> str:
    return STATUS_LABELS[language].get(status, status)


def timeline_title(kind: str, *, language: str) -> str:
    return TIMELINE_TITLES[language].get(kind, kind)


def timeline_description(kind: str, details: Mapping, *, language: str) -> str:
    """One line of facts under a timeline title (amounts, reasons); may be empty."""

    def krw(key: str) -> str:
        return format_krw(details.get(key), language=language)

    reason = reason_text(details.get("reason") or "", language=language)
    if kind == "booked":
        return krw("total_krw") if details.get("total_krw") is not None else ""
    if kind == "paid":
        method = format_payment_method(
            details.get("method", ""), details.get("masked_card_number", ""), language=language
        )
        return f"{method}, {krw('amount_krw')}"
    if kind in {"rejected", "cancellation_requested"}:
        return (f"사유: {reason}" if language == KOREAN else f"Reason: {reason}") if reason else ""
    if kind == "cancelled":
        if language == KOREAN:
            return f"취소 수수료 {krw('fee_krw')}, 환불 예정 {krw('refund_krw')}"
        return f"Cancellation fee {krw('fee_krw')}, refund due {krw('refund_krw')}"
    if kind == "refunded":
        if language == KOREAN:
            return f"{krw('amount_krw')} 환불 (누적 {krw('refunded_total_krw')})"
        return f"{krw('amount_krw')} refunded ({krw('refunded_total_krw')} in total)"
    return ""


# --- Messages to guests ---------------------------------------------------------------------

#: kind -> language -> (title, body template)
TEMPLATES: dict[str, dict[str, tuple[str, str]]] = {
    "booked": {
        KOREAN: (
            "예약 접수 완료",
            "[#{hotel_name}] 예약 접수 완료\n"
            "#{guest_name}님, 결제가 완료되어 호텔에 예약을 요청했습니다.\n"
            "호텔이 예약을 확정하면 다시 알려 드릴게요.\n"
            "\n"
            "- 예약 번호: #{order_reference}\n"
            "- 객실: #{room_type_name}\n"
            "- 일정: #{check_in} ~ #{check_out} (#{nights})\n"
            "- 인원: #{guests}\n"
            "- 결제 금액: #{total}",
        ),
        ENGLISH: (
            "Booking received",
            "[#{hotel_name}] Booking received\n"
            "#{guest_name}, your payment is complete and your booking has been sent to the "
            "hotel.\n"
            "We will let you know as soon as the hotel confirms it.\n"
            "\n"
            "- Booking no.: #{order_reference}\n"
            "- Room: #{room_type_name}\n"
            "- Stay: #{check_in} - #{check_out} (#{nights})\n"
            "- Guests: #{guests}\n"
            "- Paid: #{total}",
        ),
    },
    "confirmed": {
        KOREAN: (
            "예약 확정",
            "[#{hotel_name}] 예약 확정\n"
            "#{guest_name}님, 호텔이 예약을 확정했습니다.\n"
            "\n"
            "- 예약 번호: #{order_reference}\n"
            "- 객실: #{room_type_name}\n"
            "- 일정: #{check_in} ~ #{check_out} (#{nights})\n"
            "- 인원: #{guests}",
        ),
        ENGLISH: (
            "Booking confirmed",
            "[#{hotel_name}] Booking confirmed\n"
            "#{guest_name}, the hotel has confirmed your booking.\n"
            "\n"
            "- Booking no.: #{order_reference}\n"
            "- Room: #{room_type_name}\n"
            "- Stay: #{check_in} - #{check_out} (#{nights})\n"
            "- Guests: #{guests}",
        ),
    },
    "rejected": {
        KOREAN: (
            "예약 불가 안내",
            "[#{hotel_name}] 예약 불가 안내\n"
            "#{guest_name}님, 죄송합니다. 호텔이 예약을 받을 수 없어 예약이 확정되지 "
            "않았습니다.\n"
            "\n"
            "- 예약 번호: #{order_reference}\n"
            "- 일정: #{check_in} ~ #{check_out} (#{nights})\n"
            "- 사유: #{reason}\n"
            "\n"
            "결제하신 #{total}은 전액 환불됩니다.",
        ),
        ENGLISH: (
            "Booking declined",
            "[#{hotel_name}] Booking declined\n"
            "#{guest_name}, we are sorry: the hotel could not accept your booking.\n"
            "\n"
            "- Booking no.: #{order_reference}\n"
            "- Stay: #{check_in} - #{check_out} (#{nights})\n"
            "- Reason: #{reason}\n"
            "\n"
            "Your payment of #{total} will be refunded in full.",
        ),
    },
    "cancelled": {
        KOREAN: (
            "예약 취소 완료",
            "[#{hotel_name}] 예약 취소 완료\n"
            "#{guest_name}님, 예약이 취소되었습니다.\n"
            "\n"
            "- 예약 번호: #{order_reference}\n"
            "- 일정: #{check_in} ~ #{check_out} (#{nights})\n"
            "- 취소 수수료: #{fee}\n"
            "- 환불 예정 금액: #{refund}",
        ),
        ENGLISH: (
            "Booking cancelled",
            "[#{hotel_name}] Booking cancelled\n"
            "#{guest_name}, your booking has been cancelled.\n"
            "\n"
            "- Booking no.: #{order_reference}\n"
            "- Stay: #{check_in} - #{check_out} (#{nights})\n"
            "- Cancellation fee: #{fee}\n"
            "- Refund due: #{refund}",
        ),
    },
    "refunded": {
        KOREAN: (
            "환불 완료",
            "[#{hotel_name}] 환불 완료\n"
            "#{guest_name}님, #{amount}이 환불되었습니다.\n"
            "\n"
            "- 예약 번호: #{order_reference}\n"
            "- 결제 수단: #{payment_method}\n"
            "- 총 환불 금액: #{refunded_total}\n"
            "\n"
            "카드사에 따라 환불 반영까지 영업일 기준 3~5일이 걸릴 수 있습니다.",
        ),
        ENGLISH: (
            "Refund completed",
            "[#{hotel_name}] Refund completed\n"
            "#{guest_name}, #{amount} has been refunded to you.\n"
            "\n"
            "- Booking no.: #{order_reference}\n"
            "- Paid with: #{payment_method}\n"
            "- Refunded in total: #{refunded_total}\n"
            "\n"
            "Depending on your card issuer, it may take 3-5 business days to appear.",
        ),
    },
}


def template_variables(kind: str, *, language: str) -> list[str]:
    """The ``#{variables}`` of a template, in order of first use (what the provider expects)."""
    _title, body = TEMPLATES[kind][language]
    return template_variables_of(body)


def render(kind: str, *, language: str, parameters: Mapping[str, str]) -> tuple[str, str]:
    """The message's (title, body) with every ``#{variable}`` replaced by its parameter."""
    title, body = TEMPLATES[kind][language]
    return title, template_fill(body, parameters=parameters)
