"""By when a hotel must decide a reservation request: the rule alone, no database.

A request waits for the hotel at most ``Hotel.request_deadline_hours`` from its arrival, and
never into the stay: the deadline is at the latest the start of the check-in day (00:00 in the
hotel's time zone), so a guest who is turned down still has the evening before to find another
room. A request that arrives when less than ``LATE_REQUEST_GRACE`` is left before that (a
booking late on the eve of the stay, or on the check-in day itself) gets that short grace
instead, still within the hotel's own hours: rejecting it at once would refuse every
last-minute booking before a hotelier could look at it.

In one line: ``min(requested_at + hours, max(check-in day 00:00 local, requested_at + grace))``.

The deadline is computed once, when the request arrives, and stored on the reservation: a
later change of the hotel's setting applies to new requests only, and what the hotelier was
shown stays true.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

#: The hotel's window to decide, unless it sets its own.
REQUEST_DEADLINE_HOURS_DEFAULT = 24
#: The range a hotel may choose from: at least an hour, at most a week.
REQUEST_DEADLINE_HOURS_MIN = 1
REQUEST_DEADLINE_HOURS_MAX = 7 * 24
#: What a request gets when the start of the check-in day is nearer than this (or past).
LATE_REQUEST_GRACE = timedelta(hours=2)


def check_in_day_start(*, check_in: date, time_zone: str) -> datetime:
    """00:00 of the check-in day at the hotel (the end of the day before), as a UTC instant."""
    return datetime.combine(check_in, time.min, tzinfo=ZoneInfo(time_zone)).astimezone(UTC)


def decision_deadline(
    *, requested_at: datetime, check_in: date, time_zone: str, hours: int
) -> datetime:
    """The moment a request arriving at ``requested_at`` is rejected unless decided (UTC).

    ``hours`` is the hotel's setting; a value outside the allowed range (only a write that
    skipped validation has one) counts as the nearest bound, so no request is due on arrival.
    """
    if requested_at.tzinfo is None:
        raise ValueError("requested_at must be an aware datetime")
    hours = min(max(hours, REQUEST_DEADLINE_HOURS_MIN), REQUEST_DEADLINE_HOURS_MAX)
    latest = max(
        check_in_day_start(check_in=check_in, time_zone=time_zone),
        requested_at + LATE_REQUEST_GRACE,
    )
    return min(requested_at + timedelta(hours=hours), latest).astimezone(UTC)
