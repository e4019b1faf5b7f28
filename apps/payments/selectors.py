"""Reads of the payments context."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from apps.payments.filters import PaymentFilter
from apps.payments.models import Payment


def payment_list(*, guest_id: int, filters: dict[str, Any] | None = None) -> QuerySet[Payment]:
    """The guest's own payments, newest first, with their refunds."""
    queryset = (
        Payment.objects.filter(guest_id=guest_id)
        .prefetch_related("refunds")
        .order_by("-created_at", "-id")
    )
    return PaymentFilter(filters or {}, queryset=queryset).qs


def payment_get(*, payment_id: int, guest_id: int) -> Payment | None:
    """The guest's own payment; another guest's is ``None``, as if it did not exist."""
    return (
        Payment.objects.filter(pk=payment_id, guest_id=guest_id).prefetch_related("refunds").first()
    )


def payment_for_order(*, order_id: int) -> Payment | None:
    """The order's payment (approved, refunded or declined), or ``None``."""
    return Payment.objects.filter(order_id=order_id).first()
