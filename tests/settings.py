"""Test settings: the project's, plus a probe app whose handlers the event-bus tests drive."""

import os

from hotel.settings import *  # noqa: F403
from hotel.settings import BASE_DIR, DATABASE_IS_SQLITE, DATABASES, INSTALLED_APPS, OUTBOX

INSTALLED_APPS = [*INSTALLED_APPS, "tests.outbox_probe"]

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

if DATABASE_IS_SQLITE:
    # A file, not memory: worker subprocesses in the tests open the same database.
    DATABASES["default"]["TEST"] = {
        "NAME": os.environ.get("TEST_SQLITE_PATH", str(BASE_DIR / "test-db.sqlite3"))
    }

# In-process tests make a delivery due themselves when they want its retry (a slow machine
# must not retry it early), so retries wait a minute. Worker subprocesses started by the tests
# retry fast instead (tests/processes.py sets TEST_OUTBOX_BACKOFF_SECONDS).
_backoff = float(os.environ.get("TEST_OUTBOX_BACKOFF_SECONDS", "60"))
OUTBOX = {
    **OUTBOX,
    "BACKOFF_BASE_SECONDS": _backoff,
    "BACKOFF_MAX_SECONDS": 10 * _backoff,
    "MAX_ATTEMPTS": 3,
}
