"""How messages to people write amounts, dates and counts, in Korean and English, and how a
template in AlimTalk's ``#{variable}`` syntax is filled in.

Shared by the guests' messages (customer) and the hotels' (reservations): the same text is
registered with the provider (one template code per kind and language) and rendered here for
the console, the log, e-mail and the SMS/LMS fallback. Parameters are display strings already
formatted for the language ("200,000원" / "KRW 200,000", "2박" / "2 nights").
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from zoneinfo import ZoneInfo

KOREAN = "ko"
ENGLISH = "en"
LANGUAGES = (KOREAN, ENGLISH)

_WEEKDAYS_KO = "월화수목금토일"
_VARIABLE = re.compile(r"#\{(\w+)\}")


def language_or_default(language: str | None) -> str:
    return language if language in LANGUAGES else KOREAN


def format_krw(amount: int | None, *, language: str = KOREAN) -> str:
    """``200000`` -> ``"200,000원"`` (Korean) or ``"KRW 200,000"`` (English)."""
    if amount is None:
        return "-"
    if language == ENGLISH:
        return f"KRW {amount:,}"
    return f"{amount:,}원"


def format_date(value: datetime.date | None, *, language: str = KOREAN) -> str:
    """``2026-03-01`` -> ``"2026.03.01(일)"`` (Korean) or ``"Sun 1 Mar 2026"`` (English)."""
    if value is None:
        return "-"
    if language == ENGLISH:
        return f"{value:%a} {value.day} {value:%b %Y}"
    return f"{value:%Y.%m.%d}({_WEEKDAYS_KO[value.weekday()]})"


def format_local_time(
    moment: datetime.datetime | None, *, time_zone: str, language: str = KOREAN
) -> str:
    """An aware time on the reader's clock: ``"2026.03.01(일) 09:30"`` / ``"Sun 1 Mar 2026
    09:30"`` in ``time_zone`` (a hotel's, say)."""
    if moment is None:
        return "-"
    local = moment.astimezone(ZoneInfo(time_zone))
    return f"{format_date(local.date(), language=language)} {local:%H:%M}"


def format_nights(nights: int | None, *, language: str = KOREAN) -> str:
    if nights is None:
        return "-"
    if language == ENGLISH:
        return f"{nights} night" if nights == 1 else f"{nights} nights"
    return f"{nights}박"


def format_guests(guests: int | None, *, language: str = KOREAN) -> str:
    if guests is None:
        return "-"
    if language == ENGLISH:
        return f"{guests} guest" if guests == 1 else f"{guests} guests"
    return f"{guests}명"


def template_variables_of(text: str) -> list[str]:
    """The ``#{variables}`` of a template text, in order of first use (what the provider
    expects)."""
    return list(dict.fromkeys(_VARIABLE.findall(text)))


def template_fill(text: str, *, parameters: Mapping[str, str]) -> str:
    """``text`` with every ``#{variable}`` replaced by its parameter (``-`` when missing)."""
    return _VARIABLE.sub(lambda match: str(parameters.get(match.group(1), "-")), text)
