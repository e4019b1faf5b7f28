"""Settings read the environment; production refuses unsafe values at start-up."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

GOOD_PRODUCTION = {
    "HOTEL_ENV": "production",
    "DEBUG": "false",
    "SECRET_KEY": "k" * 50,
    "ALLOWED_HOSTS": "hotel.example.com",
}
# Variables of the surrounding shell that would change the outcome.
CLEARED = {
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "HOTEL_ENV",
    "THROTTLE_LOGIN_RATE",
    "THROTTLE_SIGNUP_RATE",
    "THROTTLE_BOOKING_RATE",
}
SETUP = "import django; django.setup(); from django.conf import settings as s; "


def run_django(code: str, **env_vars: str | None) -> subprocess.CompletedProcess[str]:
    """``python -c`` with ``hotel.settings`` and these variables (``None``: unset)."""
    env = {key: value for key, value in os.environ.items() if key not in CLEARED}
    env["DJANGO_SETTINGS_MODULE"] = "hotel.settings"
    for key, value in env_vars.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run(
        [sys.executable, "-c", SETUP + code],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_good_production_values_start_with_secure_cookies_and_hsts():
    result = run_django(
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS)",
        **GOOD_PRODUCTION,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "True", "31536000"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"DEBUG": "true"}, "DEBUG must be off in production"),
        ({"DEBUG": None}, None),  # DEBUG defaults to off in production
        ({"SECRET_KEY": None}, "Set SECRET_KEY to a long random value in production"),
        (
            {"SECRET_KEY": "dev-only-insecure-secret-key-change-me"},
            "Set SECRET_KEY to a long random value in production",
        ),
        ({"SECRET_KEY": "short"}, "Set SECRET_KEY to a long random value in production"),
        ({"ALLOWED_HOSTS": None}, "Set ALLOWED_HOSTS in production"),
        ({"ALLOWED_HOSTS": ""}, "Set ALLOWED_HOSTS in production"),
    ],
    ids=[
        "debug-on",
        "debug-unset-starts",
        "no-secret",
        "default-secret",
        "short-secret",
        "no-hosts",
        "empty-hosts",
    ],
)
def test_unsafe_production_values_refuse_to_start(overrides, message):
    result = run_django("print('started')", **{**GOOD_PRODUCTION, **overrides})

    if message is None:
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "started"
        return
    assert result.returncode != 0
    assert f"django.core.exceptions.ImproperlyConfigured: {message}" in result.stderr
    assert "started" not in result.stdout


def test_development_starts_with_debug_and_the_dev_key():
    result = run_django("print(s.DEBUG, s.SECRET_KEY == 'dev-only-insecure-secret-key-change-me')")

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True"]


def test_throttle_rates_come_from_the_environment_and_off_disables_one():
    result = run_django(
        "print(s.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES'])",
        THROTTLE_LOGIN_RATE="3/min",
        THROTTLE_LOGIN_USERNAME_RATE="5/hour",
        THROTTLE_BOOKING_RATE="off",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(
        {"login": "3/min", "login_username": "5/hour", "signup": "20/hour", "booking": None}
    )


def test_throttle_rates_default_to_the_documented_values():
    result = run_django("print(s.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES'])")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(
        {"login": "10/min", "login_username": "20/hour", "signup": "20/hour", "booking": "120/min"}
    )


def test_the_deployment_checks_pass_with_production_settings():
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in CLEARED and key != "DJANGO_SETTINGS_MODULE"
    }
    env.update(
        HOTEL_ENV="production",
        SECRET_KEY="a-production-secret-key-long-enough-for-the-check-0123456789",
        ALLOWED_HOSTS="hotel.example.com",
        DJANGO_SETTINGS_MODULE="hotel.settings",
    )

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
