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

OUTBOX = {**OUTBOX, "BACKOFF_BASE_SECONDS": 0.05, "BACKOFF_MAX_SECONDS": 0.5, "MAX_ATTEMPTS": 3}
