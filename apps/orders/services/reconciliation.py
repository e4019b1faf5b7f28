"""Reconciliation: settle orders whose booking request died between charge and commit.

Runs as ``manage.py reconcile_payments`` and as a periodic job in the outbox worker.

* A ``pending_payment`` order older than the grace period: ask the provider by the order's
  reference. Charged for the right amount -> record it (paid, events). Not charged -> fail the
  order and release its rooms. Charged for another amount -> void the charge, fail the order.
* A ``payment_failed`` order whose provider outcome was uncertain (timeout, provider error):
  if the provider did charge, void that charge, so no money is kept without a booking.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from apps.orders.dtos import OrderData
from apps.orders.errors import OrderError
from apps.orders.models import Order, OrderStatus
from apps.orders.services.booking import order_mark_failed, order_mark_paid
from apps.payments import api as payments
from hotel.correlation import correlation_context

logger = logging.getLogger("apps.orders.reconciliation")

GRACE_PERIOD = timedelta(minutes=2)


@dataclass
class ReconciliationReport:
    paid: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    voided: list[int] = field(default_factory=list)
    unreachable: list[int] = field(default_factory=list)


def orders_reconcile(
    *, grace_period: timedelta = GRACE_PERIOD, limit: int = 200
) -> ReconciliationReport:
    """Settle stuck and uncertain orders. Safe to run concurrently with bookings and itself:
    every change re-checks the order's status under its row lock."""
    report = ReconciliationReport()
    cutoff = timezone.now() - grace_period
    stuck = Order.objects.filter(
        status=OrderStatus.PENDING_PAYMENT, created_at__lt=cutoff
    ).order_by("created_at")[:limit]
    for order in stuck:
        with correlation_context(order.pk):
            _settle_pending(order, report)
    uncertain = Order.objects.filter(
        status=OrderStatus.PAYMENT_FAILED, payment_outcome_uncertain=True, updated_at__lt=cutoff
    ).order_by("updated_at")[:limit]
    for order in uncertain:
        with correlation_context(order.pk):
            _void_uncertain(order, report)
    if report.paid or report.failed or report.voided:
        logger.info("reconciliation settled orders: %s", report)
    return report


def _settle_pending(order: Order, report: ReconciliationReport) -> None:
    try:
        charge = payments.find_charge(order_reference=order.reference)
    except payments.PaymentUnavailable:
        report.unreachable.append(order.pk)
        return
    if charge is not None and charge.amount_krw == order.total_krw:
        try:
            order_mark_paid(order=OrderData.from_order(order), charge=charge)
        except OrderError:
            report.voided.append(order.pk)
        else:
            report.paid.append(order.pk)
        return
    if charge is not None:
        payments.void_charge(charge=charge, reason="charged amount differs from the order")
        report.voided.append(order.pk)
    order_mark_failed(
        order_id=order.pk,
        error=OrderError(
            "payment_not_completed",
            "The payment was not completed; the rooms were released.",
            http_status=402,
        ),
    )
    report.failed.append(order.pk)


def _void_uncertain(order: Order, report: ReconciliationReport) -> None:
    try:
        charge = payments.find_charge(order_reference=order.reference)
        if charge is not None:
            payments.void_charge(charge=charge, reason="booking failed; charge not kept")
            report.voided.append(order.pk)
    except payments.PaymentUnavailable:
        report.unreachable.append(order.pk)
        return
    Order.objects.filter(pk=order.pk).update(payment_outcome_uncertain=False)
