"""What a number, an id or a date in a request may be: the API's input fields and filters.

Python reads more as a number than a client means: ``int()`` (and so DRF's ``IntegerField``,
Django's form fields and django-filter's ``NumberFilter``) takes any Unicode digit ("٣" is 3),
underscores ("1_0" is 10) and, through ``Decimal``, "1e400"; Django's date parsing takes
Unicode digits too. And the database has a range: an id past a ``bigint`` made SQLite raise
(a 500), a date at the calendar's edge overflowed when moved between time zones. So where the
API reads a number it takes ASCII digits only, an id lies in the database's range, and a date
lies in ``DATE_MIN``..``DATE_MAX``; anything else is a 400 naming the field.
"""

import re
from datetime import UTC, date, datetime, time

import django_filters
from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django_filters import fields as filter_fields
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.settings import api_settings
from rest_framework.utils import humanize_datetime

#: The largest id the database holds (``bigint``, the type of every id column).
DB_ID_MAX = 2**63 - 1

#: The dates a request may name: far from the calendar's edges, wide enough for any stay or
#: any search of the records.
DATE_MIN = date(1900, 1, 1)
DATE_MAX = date(2999, 12, 31)

_ASCII_INTEGER = re.compile(r"[+-]?[0-9]+(?:\.0*)?")
#: A run of ASCII digits, as an id or a page number is written.
ASCII_DIGITS = re.compile(r"[0-9]+")

_DATE_WINDOW_MESSAGE = f"Dates from {DATE_MIN.isoformat()} to {DATE_MAX.isoformat()} only."


def ascii_id(text: str) -> int | None:
    """``text`` as an id (ASCII digits, 1 to ``DB_ID_MAX``), or None if it is not one."""
    text = text.strip()
    if not ASCII_DIGITS.fullmatch(text) or len(text) > len(str(DB_ID_MAX)):
        return None
    number = int(text)
    return number if 1 <= number <= DB_ID_MAX else None


def _date_window_validators(lowest, highest) -> list:
    return [
        MinValueValidator(lowest, message=_DATE_WINDOW_MESSAGE),
        MaxValueValidator(highest, message=_DATE_WINDOW_MESSAGE),
    ]


# --- serializer fields (request bodies, query serializers) ---------------------------------


class AsciiIntegerField(serializers.IntegerField):
    """DRF's ``IntegerField``, taking a string of ASCII digits only (and JSON numbers)."""

    def to_internal_value(self, data):
        if isinstance(data, str) and not _ASCII_INTEGER.fullmatch(data.strip()):
            self.fail("invalid")
        return super().to_internal_value(data)


class AsciiDateField(serializers.DateField):
    """DRF's ``DateField``, taking ASCII digits only and dates in ``DATE_MIN``..``DATE_MAX``."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators.extend(_date_window_validators(DATE_MIN, DATE_MAX))

    def to_internal_value(self, value):
        if isinstance(value, str) and not value.isascii():
            formats = getattr(self, "input_formats", api_settings.DATE_INPUT_FORMATS)
            self.fail("invalid", format=humanize_datetime.date_formats(formats))
        return super().to_internal_value(value)


# --- django-filter filters (query parameters of the lists) ---------------------------------


class IdFormField(forms.IntegerField):
    """An id: ASCII digits, from 1 to ``DB_ID_MAX``."""

    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=DB_ID_MAX, **kwargs)

    def to_python(self, value):
        if isinstance(value, str) and value.strip() and not ASCII_DIGITS.fullmatch(value.strip()):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


@extend_schema_field({"type": "integer", "format": "int64", "minimum": 1, "maximum": DB_ID_MAX})
class IdFilter(django_filters.NumberFilter):
    """``NumberFilter`` for an id column (``IdFormField``)."""

    field_class = IdFormField


class _WindowDateField(forms.DateField):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators.extend(_date_window_validators(DATE_MIN, DATE_MAX))


class DateFilter(django_filters.DateFilter):
    """``DateFilter`` taking dates in ``DATE_MIN``..``DATE_MAX`` only."""

    field_class = _WindowDateField


class _WindowDateRangeField(filter_fields.DateRangeField):
    def __init__(self, *args, **kwargs):
        # DateRangeField's own __init__ makes plain date fields: the range's, with these.
        filter_fields.RangeField.__init__(
            self, (_WindowDateField(), _WindowDateField()), *args, **kwargs
        )


class DateFromToRangeFilter(django_filters.DateFromToRangeFilter):
    """``DateFromToRangeFilter`` taking dates in ``DATE_MIN``..``DATE_MAX`` only."""

    field_class = _WindowDateRangeField


class _WindowIsoDateTimeField(filter_fields.IsoDateTimeField):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators.extend(
            _date_window_validators(
                datetime.combine(DATE_MIN, time.min, tzinfo=UTC),
                datetime.combine(DATE_MAX, time.max, tzinfo=UTC),
            )
        )

    def to_python(self, value):
        if isinstance(value, str) and not value.isascii():
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """``IsoDateTimeFilter`` taking ASCII digits only and dates in ``DATE_MIN``..``DATE_MAX``."""

    field_class = _WindowIsoDateTimeField
