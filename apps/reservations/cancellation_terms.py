"""A stay's cancellation terms: a cancellation policy applied to one stay, as dated times.

A quote shows them before the guest pays; the order and its reservation keep the terms the
stay was booked under, and cancelling charges by those, never by the policy as it stands
later (a hotel may change its policy at any time, but not the bargain of a past booking).
No database here: the selectors and the booking path read the policy, these functions apply
it.

The policy's rule (``CancellationPolicy``): free up to the end of the hotel-local day
``free_until_days_before`` days before check-in; then ``fee_percent`` of the total (rounded
down, in the guest's favour); from the start of the check-in day, the whole total. A hotel
without a policy refunds in full whatever the date: its terms are free until the check-in
day, and charge no fee after it either (``fee_percent`` 0, no ``no_refund_from``).
"""

from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.utils import timezone

from apps.reservations.dtos import CancellationQuote, CancellationTerms
from apps.reservations.errors import InvalidStay, ReservationsErrorCode
from apps.reservations.models import CancellationPolicy, cancellation_policy_summary

#: What a hotel without a cancellation policy tells its guests.
FULL_REFUND_SUMMARY = "Free cancellation: the hotel refunds in full."


class CancellationRule(NamedTuple):
    """A cancellation policy's rule, apart from its row (the booking path reads it by SQL)."""

    free_until_days_before: int
    fee_percent: int
    #: Whether the whole total is kept from the check-in day on (False: refunded in full).
    no_refund_from_check_in: bool
    summary: str


#: The rule of a hotel without a policy: free until the check-in day, and after it too.
FULL_REFUND_RULE = CancellationRule(
    free_until_days_before=1,
    fee_percent=0,
    no_refund_from_check_in=False,
    summary=FULL_REFUND_SUMMARY,
)


def cancellation_rule_of(policy: CancellationPolicy | None) -> CancellationRule:
    """The rule of ``policy`` (the room type's or its hotel's), or the full-refund rule."""
    if policy is None:
        return FULL_REFUND_RULE
    return cancellation_rule(
        free_until_days_before=policy.free_until_days_before, fee_percent=policy.fee_percent
    )


def cancellation_rule(*, free_until_days_before: int, fee_percent: int) -> CancellationRule:
    """The rule of a policy given by its two numbers, with the policy's own summary."""
    return CancellationRule(
        free_until_days_before=free_until_days_before,
        fee_percent=fee_percent,
        no_refund_from_check_in=True,
        summary=cancellation_policy_summary(
            free_until_days_before=free_until_days_before, fee_percent=fee_percent
        ),
    )


def fee_share(*, total_krw: int, fee_percent: int) -> int:
    """``fee_percent`` of ``total_krw``, rounded down (in the guest's favour)."""
    return total_krw * fee_percent // 100


def _day_start(day: date, zone: ZoneInfo) -> datetime:
    """The first instant of ``day`` in ``zone``, in ``zone`` (01:00 where a gap skips 00:00)."""
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC).astimezone(zone)


def cancellation_terms_build(
    *, rule: CancellationRule, time_zone: str, check_in: date, total_krw: int
) -> CancellationTerms:
    """The terms ``rule`` gives a stay checking in on ``check_in`` at a hotel in ``time_zone``.

    ``free_until`` is the last second of the last free day (the next day's start less one
    second, so a day that DST shortens or lengthens ends when it really does);
    ``no_refund_from`` is the start of the check-in day. Both are in the hotel's time zone.
    """
    zone = ZoneInfo(time_zone)
    free_until_date = check_in - timedelta(days=rule.free_until_days_before)
    fee_from = _day_start(free_until_date + timedelta(days=1), zone)
    return CancellationTerms(
        free_until=(fee_from - timedelta(seconds=1)).astimezone(zone),
        free_until_date=free_until_date,
        fee_percent=rule.fee_percent,
        fee_krw=fee_share(total_krw=total_krw, fee_percent=rule.fee_percent),
        no_refund_from=_day_start(check_in, zone) if rule.no_refund_from_check_in else None,
        summary=rule.summary,
    )


def booked_cancellation_terms(
    *,
    free_until: datetime,
    fee_percent: int,
    no_refund_from: datetime | None,
    summary: str,
    time_zone: str,
    total_krw: int,
) -> CancellationTerms:
    """The terms a booking keeps, from the parts it stores (times come back from the database
    in UTC: they are shown in the hotel's ``time_zone`` again)."""
    zone = ZoneInfo(time_zone)
    local_free_until = free_until.astimezone(zone)
    return CancellationTerms(
        free_until=local_free_until,
        free_until_date=local_free_until.date(),
        fee_percent=fee_percent,
        fee_krw=fee_share(total_krw=total_krw, fee_percent=fee_percent),
        no_refund_from=None if no_refund_from is None else no_refund_from.astimezone(zone),
        summary=summary,
    )


def cancellation_quote_under_terms(
    *, terms: CancellationTerms, total_krw: int, at: datetime
) -> CancellationQuote:
    """What cancelling at ``at`` (aware) costs under ``terms``: nothing up to ``free_until``
    (to the second), ``fee_percent`` of the total until ``no_refund_from``, the total from
    then on. The same days as the policy's rule on hotel-local dates, read as instants."""
    if timezone.is_naive(at):
        raise ValueError("a cancellation's time must be an aware datetime")
    if total_krw < 0:
        raise InvalidStay(
            ReservationsErrorCode.INVALID_STAY,
            "A total cannot be negative.",
            details={"field": "total_krw"},
        )
    if at.replace(microsecond=0) <= terms.free_until:
        fee_krw = 0
    elif terms.no_refund_from is None or at < terms.no_refund_from:
        fee_krw = fee_share(total_krw=total_krw, fee_percent=terms.fee_percent)
    else:
        fee_krw = total_krw
    never_charged = terms.no_refund_from is None and terms.fee_percent == 0
    return CancellationQuote(
        fee_krw=fee_krw,
        refund_krw=total_krw - fee_krw,
        free_until=None if never_charged else terms.free_until_date,
        policy_summary=terms.summary,
        refundable=fee_krw < total_krw,
    )
