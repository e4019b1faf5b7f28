"""Structured logs with the order id as correlation id: every line of a request
carries its request id, every line of a handler run its event's correlation id, and
LOG_FORMAT=json writes one JSON object per line."""

import datetime
import io
import json
import logging
import logging.config
import os
import re
import runpy
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.http import HttpResponse
from django.urls import path

import hotel.eventbus.worker as worker_module
from hotel.correlation import (
    CorrelationIdFilter,
    correlation_bind,
    correlation_context,
    get_correlation_id,
    get_request_id,
)
from hotel.eventbus.testing import drain_outbox
from tests.eventbus.helpers import publish_pings

test_logger = logging.getLogger("tests.project.logging")


# A URLconf for the tests below that need a view of their own (pytest.mark.urls).
def booking_view(request):
    test_logger.info("quoting")
    correlation_bind(4242)  # what the booking service does once the order exists
    test_logger.info("charging")
    return HttpResponse("ok")


urlpatterns = [path("book/", booking_view)]


@pytest.fixture
def console():
    """The console handler LOGGING configured, writing into a buffer for the test."""
    handler = next(
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, CorrelationIdFilter) for f in h.filters)
    )
    buffer = io.StringIO()
    previous_stream = handler.setStream(buffer)
    previous_formatter = handler.formatter
    previous_level = logging.getLogger().level
    logging.getLogger().setLevel(logging.INFO)
    try:
        yield handler, buffer
    finally:
        handler.setStream(previous_stream)
        handler.setFormatter(previous_formatter)
        logging.getLogger().setLevel(previous_level)


def json_formatter() -> logging.Formatter:
    """The formatter LOG_FORMAT=json configures, built from LOGGING as dictConfig builds it."""
    configurator = logging.config.DictConfigurator({"version": 1})
    entry = configurator.convert(dict(django_settings.LOGGING["formatters"]["json"]))
    return configurator.configure_formatter(entry)


def lines(buffer: io.StringIO, containing: str = "") -> list[str]:
    return [line for line in buffer.getvalue().splitlines() if containing in line]


def test_logging_is_configured_with_the_correlation_filter_and_the_plain_format():
    assert django_settings.LOG_FORMAT == "plain"
    assert django_settings.LOG_REQUESTS is False  # runserver logs requests in development
    handler = django_settings.LOGGING["handlers"]["console"]
    assert handler["filters"] == ["correlation"]
    assert handler["formatter"] == "plain"


# --- handler runs -----------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_handler_logs_under_its_events_correlation_id(console, monkeypatch):
    _, buffer = console
    seen = []

    def dispatch(handler, event, meta):
        seen.append((handler, event.key, get_correlation_id()))
        test_logger.info("handling %s for %s", handler, event.key)
        if handler == "probe.record_c" and event.key == "order-8":
            raise RuntimeError("provider down")

    monkeypatch.setattr(worker_module, "dispatch", dispatch)
    publish_pings("order-7", 1)  # the helper publishes with correlation_id=key
    publish_pings("order-8", 1)

    drain_outbox()

    assert {(key, correlation) for _, key, correlation in seen} == {
        ("order-7", "order-7"),
        ("order-8", "order-8"),
    }
    for key in ("order-7", "order-8"):
        handled = lines(buffer, f"for {key}")
        assert len(handled) >= 3
        assert all(f"[{key}] handling" in line for line in handled), handled
    (failure,) = lines(buffer, "handler probe.record_c failed")
    assert "[order-8]" in failure
    # Nothing leaks out of the handler run.
    assert get_correlation_id() == ""


@pytest.mark.django_db
def test_an_event_without_correlation_id_logs_a_dash(console, monkeypatch):
    _, buffer = console
    monkeypatch.setattr(
        worker_module, "dispatch", lambda handler, event, meta: test_logger.info("no id here")
    )
    from django.db import transaction

    from hotel.eventbus import publish
    from tests.outbox_probe.events import Pinged

    with transaction.atomic():
        publish(Pinged(key="k", n=1))

    drain_outbox()

    assert lines(buffer, "no id here")
    assert all("[-] no id here" in line for line in lines(buffer, "no id here"))


# --- requests ---------------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_requests_logs_carry_its_request_id_and_the_response_echoes_it(client, console, settings):
    _, buffer = console
    settings.LOG_REQUESTS = True

    response = client.get("/no-such-page", HTTP_X_REQUEST_ID="req-abc.123")

    assert response.status_code == 404
    assert response["X-Request-ID"] == "req-abc.123"
    request_lines = lines(buffer, "/no-such-page")
    assert len(request_lines) == 2  # django.request's "Not Found" and the access line
    assert all("[req-abc.123]" in line for line in request_lines), request_lines
    assert get_request_id() == ""
    assert get_correlation_id() == ""


@pytest.mark.django_db
def test_no_access_line_unless_log_requests(client, console, settings):
    _, buffer = console
    settings.LOG_REQUESTS = False

    client.get("/api/hotels/")

    assert lines(buffer, "hotel.request") == []


@pytest.mark.django_db
@pytest.mark.parametrize("incoming", ["", "has spaces", "x" * 129, 'quote"d'])
def test_a_missing_or_unsafe_request_id_is_replaced_by_a_new_one(client, incoming):
    headers = {"HTTP_X_REQUEST_ID": incoming} if incoming else {}

    first = client.get("/healthz", **headers)["X-Request-ID"]
    second = client.get("/healthz", **headers)["X-Request-ID"]

    assert first != incoming
    assert len(first) == 32
    assert int(first, 16) >= 0
    assert first != second


@pytest.mark.urls("tests.project.test_logging")
def test_correlation_bind_switches_the_rest_of_the_request_to_the_order_id(
    client, console, settings
):
    handler, buffer = console
    settings.LOG_REQUESTS = True
    handler.setFormatter(json_formatter())

    response = client.get("/book/", HTTP_X_REQUEST_ID="req-1")

    assert response.status_code == 200
    records = [json.loads(line) for line in lines(buffer)]
    by_message = {record["message"]: record for record in records}
    assert by_message["quoting"]["correlation_id"] == "req-1"
    assert by_message["charging"]["correlation_id"] == "4242"
    assert by_message["charging"]["request_id"] == "req-1"
    access = by_message["GET /book/ 200"]
    assert access["logger"] == "hotel.request"
    assert (access["correlation_id"], access["request_id"]) == ("4242", "req-1")
    assert access["http_status"] == 200
    assert access["duration_ms"] >= 0
    assert get_correlation_id() == ""


def test_correlation_context_nests_and_restores():
    with correlation_context("outer", request_id="r"):
        with correlation_context(17):
            assert get_correlation_id() == "17"
            correlation_bind(99)
            assert get_correlation_id() == "99"
            assert get_request_id() == "r"
        assert get_correlation_id() == "outer"
    assert (get_correlation_id(), get_request_id()) == ("", "")


# --- JSON format ------------------------------------------------------------------------------
def test_json_lines_parse_and_carry_ids_extras_and_exceptions(console):
    handler, buffer = console
    handler.setFormatter(json_formatter())

    with correlation_context("order-5", request_id="req-5"):
        test_logger.warning("예약 %s", "확인", extra={"order_id": 5})
        try:
            raise ValueError("bad amount")
        except ValueError:
            test_logger.exception("charge failed")
    test_logger.info("outside")

    first, second, third = (json.loads(line) for line in lines(buffer))
    assert first["message"] == "예약 확인"
    assert first["level"] == "WARNING"
    assert first["logger"] == "tests.project.logging"
    assert (first["correlation_id"], first["request_id"]) == ("order-5", "req-5")
    assert first["order_id"] == 5
    assert first["time"].endswith("+00:00")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", first["time"])
    logged_at = datetime.datetime.fromisoformat(first["time"])
    assert abs(logged_at - datetime.datetime.now(datetime.UTC)) < datetime.timedelta(minutes=1)
    assert first["process"] == os.getpid()
    assert "ValueError: bad amount" in second["exception"]
    assert second["exception"].startswith("Traceback (most recent call last):")
    assert "exc_info" not in second
    assert "correlation_id" not in third
    assert "request_id" not in third


def test_json_lines_keep_unicode_stack_and_values_json_cannot_hold(console):
    handler, buffer = console
    handler.setFormatter(json_formatter())
    when = datetime.datetime(2025, 1, 31, 9, 15, tzinfo=datetime.UTC)

    test_logger.warning("확인", extra={"at": when, "amounts": {1, 2}}, stack_info=True)

    (line,) = lines(buffer)
    assert "확인" in line  # written as is, not as \u escapes
    record = json.loads(line)
    assert record["at"] == str(when)
    assert record["amounts"] == "{1, 2}"
    assert record["stack"].startswith("Stack (most recent call last):")
    assert "exception" not in record
    assert set(record) == {
        "time",
        "level",
        "logger",
        "message",
        "process",
        "at",
        "amounts",
        "stack",
    }


def test_gunicorn_logs_json_with_the_same_formatter_as_django(monkeypatch):
    monkeypatch.setenv("LOG_FORMAT", "json")
    config = runpy.run_path(str(django_settings.BASE_DIR / "deploy" / "gunicorn.conf.py"))

    assert (
        config["logconfig_dict"]["formatters"]["json"]
        == django_settings.LOGGING["formatters"]["json"]
    )
    assert config["logconfig_dict"]["formatters"]["json"]["()"] == (
        "pythonjsonlogger.json.JsonFormatter"
    )


def run_settings(code: str, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "hotel.settings", **env}
    environment.pop("DEBUG", None)
    return subprocess.run(
        [sys.executable, "-c", "import django, logging; django.setup(); " + code],
        env=environment,
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_log_format_json_from_the_environment_writes_json_lines():
    result = run_settings(
        "from hotel.correlation import correlation_context\n"
        "with correlation_context(31):\n"
        "    logging.getLogger('hotel.x').warning('hello')",
        LOG_FORMAT="json",
    )

    assert result.returncode == 0, result.stderr
    (line,) = result.stderr.strip().splitlines()
    record = json.loads(line)
    assert (record["message"], record["correlation_id"], record["logger"]) == (
        "hello",
        "31",
        "hotel.x",
    )


def test_an_unknown_log_format_refuses_to_start():
    result = run_settings("", LOG_FORMAT="xml")

    assert result.returncode != 0
    assert "LOG_FORMAT must be 'plain' or 'json'" in result.stderr
