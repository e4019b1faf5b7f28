"""Output fields the API's answers share across contexts.

``LocalDateTimeField``: DRF renders every datetime in the server's ``TIME_ZONE``; a time that
belongs to a hotel (when free cancellation ends, say) is rendered in the time zone it carries,
the hotel's, with its offset, so a guest reads it as the hotel's clock shows it.
"""

from datetime import datetime

from rest_framework import serializers


class LocalDateTimeField(serializers.DateTimeField):
    """An aware datetime rendered in its own time zone (read-only: for answers)."""

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def enforce_timezone(self, value: datetime) -> datetime:
        return value
