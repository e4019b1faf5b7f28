"""The payments context's published interface: the only module other contexts may call.

Booking uses it in three steps (docs/ARCHITECTURE.md, "Book and pay")::

    approved = payments_api.charge(...)            # outside any transaction (network call)
    with transaction.atomic():
        ... mark the order paid ...
        payments_api.record_approved_charge(charge=approved, order_id=..., guest_id=...)

``charge`` raises ``PaymentDeclined`` (402, ``details["reason"]``) when the provider refuses and
``PaymentUnavailable`` (503, ``retry_after_seconds``) on timeout, provider error, open circuit
or full bulkhead; a refused booking may keep its attempt with ``record_declined_charge``.
Reconciliation uses ``find_charge`` and ``void_charge``. Every function that calls the provider
refuses to run inside a transaction. (Refunds are the context's own business: its handlers
refund on ``ReservationRejected`` and ``ReservationCancelled``.)
"""

from apps.payments.dtos import ApprovedCharge
from apps.payments.errors import PaymentDeclined, PaymentUnavailable
from apps.payments.models import PAYMENT_METHODS
from apps.payments.services import (
    charge,
    find_charge,
    record_approved_charge,
    record_declined_charge,
    void_charge,
)

__all__ = [
    "PAYMENT_METHODS",
    "ApprovedCharge",
    "PaymentDeclined",
    "PaymentUnavailable",
    "charge",
    "find_charge",
    "record_approved_charge",
    "record_declined_charge",
    "void_charge",
]
