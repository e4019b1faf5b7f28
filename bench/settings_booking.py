"""The product's settings for the booking bench: production mode, quiet logs."""

from hotel.settings import *  # noqa: F403

LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
