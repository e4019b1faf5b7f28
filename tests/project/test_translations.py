"""The hoteliers' admin speaks Korean (the default) and English (a browser that asks for it):
every name the admin shows is translated, and the message catalogues are complete."""

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.test import Client
from django.utils import translation

from apps.orders.errors import OrderError
from apps.orders.models import check_order_transition
from tests.reservations.factories import (
    HotelFactory,
    HotelierFactory,
    RoomTypeFactory,
    inventory,
    requested_reservation,
)

LOCALE = Path(settings.LOCALE_PATHS[0])

#: Strings Django or DRF translate themselves: our catalogue leaves them empty so theirs is used.
KOREAN_LEFT_TO_DJANGO = {"Invalid token.", "User inactive or deleted."}

#: Choice labels that read the same in both languages: a language's own name.
SAME_IN_BOTH = {"한국어", "English"}


def _in(language: str, text) -> str:
    with translation.override(language):
        return str(text)


def _admin_models() -> list:
    """The models the admin shows: those registered, and those of their inlines."""
    models = set(admin.site._registry)
    for model_admin in admin.site._registry.values():
        models |= {inline.model for inline in model_admin.inlines}
    return sorted(models, key=lambda model: model._meta.label)


def _untranslated_names() -> list[str]:
    """Every name of a model the admin shows that Korean leaves in English."""
    missing = []
    for model in _admin_models():
        meta = model._meta
        names = [
            (meta.label, meta.verbose_name),
            (f"{meta.label} (plural)", meta.verbose_name_plural),
        ]
        for field in meta.concrete_fields:
            if field.auto_created:
                continue  # the "ID" Django gives every model
            names.append((f"{meta.label}.{field.name}", field.verbose_name))
            for value, label in field.flatchoices:
                if str(label) not in SAME_IN_BOTH:
                    names.append((f"{meta.label}.{field.name}={value}", label))
        missing += [
            f"{where}: {_in('en', name)!r}"
            for where, name in names
            if _in("ko", name) == _in("en", name)
        ]
    return missing


def test_every_name_the_admin_shows_is_translated_into_korean():
    missing = _untranslated_names()

    assert missing == [], "untranslated in Korean:\n" + "\n".join(missing)


def test_the_apps_names_are_translated_into_korean():
    labels = ["reservations", "orders", "payments", "customer", "eventbus"]
    names = {label: apps.get_app_config(label).verbose_name for label in labels}

    assert {label: _in("ko", name) for label, name in names.items()} == {
        "reservations": "예약",
        "orders": "주문",
        "payments": "결제",
        "customer": "고객",
        "eventbus": "이벤트 버스 (아웃박스)",
    }
    assert _in("en", names["reservations"]) == "Reservations"


# --- The reservation list, as a hotelier's browser shows it -----------------------------------

_HEADER = re.compile(
    r'<th scope="col"[^>]*class="[^"]*\bcolumn-(?P<column>\w+)[^"]*">.*?'
    r'<div class="text">(?:<a [^>]*>|<span>)(?P<text>[^<]*)</',
    re.DOTALL,
)


def column_headers(response) -> dict[str, str]:
    assert response.status_code == 200
    return {m["column"]: m["text"].strip() for m in _HEADER.finditer(response.content.decode())}


@pytest.fixture
def hotelier():
    """A hotelier of a hotel with one open request."""
    room_type = RoomTypeFactory(hotel=HotelFactory(name="Han River Hotel"))
    inventory(room_type, first_night=room_type.hotel.local_today(), nights=20)
    requested_reservation(room_type, order_id=7001, guest_name="Kim Minji")
    return HotelierFactory(hotels=[room_type.hotel])


@pytest.mark.django_db
def test_a_hotelier_reads_the_reservation_list_in_korean(hotelier):
    client = Client()  # no Accept-Language: the site's default, Korean
    client.force_login(hotelier)

    response = client.get("/admin/reservations/reservation/")

    headers = column_headers(response)
    assert response["Content-Language"] == "ko"
    assert {column: headers[column] for column in ("status", "guest_name", "guests")} == {
        "status": "상태",
        "guest_name": "투숙객 이름",
        "guests": "투숙 인원",
    }
    page = response.content.decode()
    assert "예약 요청 (확정 대기)" in page  # the request's status
    assert "선택한 예약 요청 확정" in page  # the confirm action
    assert "Kim Minji" in page


@pytest.mark.django_db
def test_a_browser_set_to_english_gets_the_reservation_list_in_english(hotelier):
    client = Client(headers={"accept-language": "en-US,en;q=0.9"})
    client.force_login(hotelier)

    response = client.get("/admin/reservations/reservation/")

    headers = column_headers(response)
    assert response["Content-Language"] == "en"
    assert {column: headers[column] for column in ("status", "guest_name", "guests")} == {
        "status": "Status",
        "guest_name": "Guest name",
        "guests": "Guests",
    }
    page = response.content.decode()
    assert "requested (confirming reservation)" in page
    assert "Confirm selected reservation requests" in page
    assert "예약" not in page


def test_the_apis_error_messages_name_statuses_in_english_whatever_the_language():
    """Status labels are translated for the admin; the API's messages stay English."""
    with translation.override("ko"), pytest.raises(OrderError) as refused:
        check_order_transition(from_status="paid", to_status="pending_payment")

    assert refused.value.message == (
        "An order that is paid (confirming reservation) cannot become pending_payment."
    )


# --- The catalogues ------------------------------------------------------------------------------

_ENTRY = re.compile(r"^(msgid|msgid_plural|msgstr(?:\[\d+\])?|msgctxt) (\".*\")$")


def catalogue(language: str) -> list[dict]:
    """The entries of ``language``'s django.po: each keyword's joined string and the flags."""
    entries: list[dict] = []
    entry: dict = {"flags": set()}
    keyword = None
    for line in (LOCALE / language / "LC_MESSAGES" / "django.po").read_text().splitlines():
        if not line.strip():
            if "msgid" in entry:
                entries.append(entry)
            entry, keyword = {"flags": set()}, None
        elif line.startswith("#,"):
            entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#~"):
            entry["obsolete"] = True
        elif line.startswith("#"):
            continue
        elif match := _ENTRY.match(line):
            keyword = match[1]
            entry[keyword] = _unquote(match[2])
        elif line.startswith('"') and keyword:
            entry[keyword] += _unquote(line)
    if "msgid" in entry:
        entries.append(entry)
    return [entry for entry in entries if entry["msgid"]]  # not the header


def _unquote(quoted: str) -> str:
    return quoted[1:-1].replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")


def _placeholders(text: str) -> list[str]:
    return sorted(re.findall(r"%\(\w+\)[sd]|\{\w+\}", text))


@pytest.mark.parametrize("language", ["ko", "en"])
def test_the_catalogues_have_no_fuzzy_or_obsolete_entry(language):
    entries = catalogue(language)

    assert len(entries) > 100
    assert [e["msgid"] for e in entries if "fuzzy" in e["flags"] or e.get("obsolete")] == []


def test_every_korean_message_is_translated_with_the_same_placeholders():
    untranslated, placeholders_differ = [], []
    for entry in catalogue("ko"):
        translations = [value for key, value in entry.items() if key.startswith("msgstr")]
        if not all(translations):
            untranslated.append(entry["msgid"])
            continue
        for text in translations:
            if _placeholders(text) != _placeholders(entry["msgid"]):
                placeholders_differ.append(entry["msgid"])

    assert sorted(untranslated) == sorted(KOREAN_LEFT_TO_DJANGO)
    assert placeholders_differ == []


def test_the_english_catalogue_keeps_the_source_strings():
    """English is the source language: every English msgstr stays empty (the msgid is used)."""
    filled = [
        entry["msgid"]
        for entry in catalogue("en")
        if any(value for key, value in entry.items() if key.startswith("msgstr"))
    ]

    assert filled == []
    assert {entry["msgid"] for entry in catalogue("en")} == {
        entry["msgid"] for entry in catalogue("ko")
    }


def test_the_strings_django_translates_are_still_korean():
    with translation.override("ko"):
        left_in_english = [
            message for message in KOREAN_LEFT_TO_DJANGO if translation.gettext(message) == message
        ]
        assert translation.gettext("hotel admin") == "호텔 관리"

    assert left_in_english == []
