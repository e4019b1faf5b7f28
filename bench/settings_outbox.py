"""Settings for the outbox bench: the project's, plus the no-op handler app."""

from hotel.settings import *  # noqa: F403
from hotel.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench.noop"]
LOGGING = {"version": 1, "disable_existing_loggers": False}
