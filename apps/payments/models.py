"""Payments, refunds, and the sandbox provider's own ledger.

``Payment.order_id`` is the orders context's id, deliberately not a foreign key: contexts share
ids, never tables.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from apps.payments.errors import PaymentError


class PaymentMethod(models.TextChoices):
    """Methods a guest can pay with. Virtual accounts are left out on purpose: their money
    arrives later (a deposit callback), which the synchronous book-and-pay flow cannot wait for."""

    CARD = "card", _("Card")
    EASY_PAY = "easy_pay", _("Easy pay")
    TRANSFER = "transfer", _("Bank transfer")
    MOBILE_PHONE = "mobile_phone", _("Mobile phone")


#: Methods a booking may name (``charge(method=...)``), as plain strings for other contexts.
PAYMENT_METHODS: tuple[str, ...] = tuple(PaymentMethod.values)


class IllegalPaymentTransition(PaymentError):
    """A status change the payment status model does not allow."""

    http_status = 409


class Payment(models.Model):
    """One payment attempt of one order: approved (then possibly refunded), or declined."""

    class Status(models.TextChoices):
        APPROVED = "approved", _("Approved")
        REFUNDED = "refunded", _("Refunded")  # fully or partially: see refunded_krw
        DECLINED = "declined", _("Declined")

    #: The only status changes there are. "refunded -> refunded" is a further partial refund.
    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.APPROVED: frozenset({Status.REFUNDED}),
        Status.REFUNDED: frozenset({Status.REFUNDED}),
        Status.DECLINED: frozenset(),
    }

    order_id = models.PositiveBigIntegerField(_("order id"), unique=True)
    # Found through the payment_by_guest index; no index of its own.
    guest = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="payments",
        db_index=False,
        verbose_name=_("guest"),
    )
    provider = models.CharField(_("payment provider"), max_length=20)
    #: The provider's order id for this payment (Toss ``orderId``).
    order_reference = models.CharField(_("order reference"), max_length=64)
    payment_key = models.CharField(_("payment key"), max_length=200)
    method = models.CharField(_("payment method"), max_length=20, choices=PaymentMethod.choices)
    masked_card_number = models.CharField(_("card number (masked)"), max_length=32, blank=True)
    amount_krw = models.PositiveBigIntegerField(_("amount (KRW)"))
    refunded_krw = models.PositiveBigIntegerField(_("refunded (KRW)"), default=0)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    decline_reason = models.CharField(_("decline reason"), max_length=100, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        indexes = [models.Index(fields=["guest", "-created_at"], name="payment_by_guest")]
        constraints = [
            models.CheckConstraint(
                condition=Q(refunded_krw__lte=F("amount_krw")), name="payment_refund_le_amount"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["approved", "refunded", "declined"]),
                name="payment_status_valid",
            ),
            # A provider's key names one approved payment; declined attempts may reuse a key.
            models.UniqueConstraint(
                fields=["provider", "payment_key"],
                condition=~Q(status="declined"),
                name="one_payment_per_provider_key",
            ),
        ]

    def __str__(self) -> str:
        return f"payment #{self.pk} of order {self.order_id} ({self.status}, {self.amount_krw} KRW)"

    @property
    def refundable_krw(self) -> int:
        if self.status == self.Status.DECLINED:
            return 0
        return self.amount_krw - self.refunded_krw

    @property
    def fully_refunded(self) -> bool:
        return self.status == self.Status.REFUNDED and self.refunded_krw == self.amount_krw

    def check_transition(self, status: str) -> None:
        """Refuse a status change ``TRANSITIONS`` does not list: the one place it is enforced."""
        if status not in self.TRANSITIONS[self.status]:
            raise IllegalPaymentTransition(
                "illegal_payment_transition",
                f"A {self.status} payment cannot become {status}.",
                details={"from": self.status, "to": status},
            )

    def transition_to(self, status: str) -> None:
        self.check_transition(status)
        self.status = status

    def check_refund(self, *, amount_krw: int) -> None:
        """Refuse a refund this payment cannot take (before asking the provider for it)."""
        self.check_transition(self.Status.REFUNDED)
        if amount_krw <= 0 or amount_krw > self.refundable_krw:
            raise PaymentError(
                "invalid_refund_amount",
                f"A refund must be between 1 and {self.refundable_krw} KRW.",
                details={"amount_krw": amount_krw, "refundable_krw": self.refundable_krw},
                http_status=409,
            )

    def apply_refund(self, *, amount_krw: int) -> None:
        """Account for ``amount_krw`` refunded at the provider (the caller saves the row)."""
        self.check_refund(amount_krw=amount_krw)
        self.transition_to(self.Status.REFUNDED)
        self.refunded_krw += amount_krw


class Refund(models.Model):
    """One refund (a provider cancel, full or partial) of a payment."""

    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("payment")
    )
    amount_krw = models.PositiveBigIntegerField(_("amount (KRW)"))
    reason = models.CharField(_("reason"), max_length=200)
    provider_cancel_id = models.CharField(_("provider's cancel id"), max_length=200)
    #: The payment's refunded total right after this refund.
    refunded_total_krw = models.PositiveBigIntegerField(_("refunded in total (KRW)"))
    #: The caller's key: the same refund requested twice is recorded (and sent) once.
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        constraints = [
            models.CheckConstraint(condition=Q(amount_krw__gt=0), name="refund_amount_positive")
        ]

    def __str__(self) -> str:
        return f"refund #{self.pk} of payment #{self.payment_id} ({self.amount_krw} KRW)"


class SandboxCharge(models.Model):
    """The sandbox provider's ledger of approved charges.

    It lives in the database, not in memory, so a charge made by one web process can be looked
    up (reconciliation) or cancelled (refund) by another process, as with a real PSP. On
    PostgreSQL it is UNLOGGED (migration 0003): a real provider's bookkeeping costs our
    database nothing, and a crash of the database server empties this one.
    """

    # Each unique (Meta.constraints: no unused LIKE index beside each on PostgreSQL).
    payment_key = models.CharField(max_length=300)
    order_reference = models.CharField(max_length=64)
    idempotency_key = models.CharField(max_length=200)
    method = models.CharField(max_length=20)
    masked_card_number = models.CharField(max_length=32, blank=True)
    amount_krw = models.PositiveBigIntegerField()
    cancelled_krw = models.PositiveBigIntegerField(default=0)
    approved_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["payment_key"], name="sandbox_charge_payment_key"),
            models.UniqueConstraint(
                fields=["order_reference"], name="sandbox_charge_order_reference"
            ),
            models.UniqueConstraint(
                fields=["idempotency_key"], name="sandbox_charge_idempotency_key"
            ),
            models.CheckConstraint(
                condition=Q(cancelled_krw__lte=F("amount_krw")), name="sandbox_cancel_le_amount"
            ),
        ]

    def __str__(self) -> str:
        return f"sandbox charge {self.payment_key} ({self.amount_krw} KRW)"


class SandboxCancel(models.Model):
    """One cancel the sandbox accepted; its idempotency key makes a retried cancel a no-op."""

    charge = models.ForeignKey(SandboxCharge, on_delete=models.CASCADE, related_name="cancels")
    transaction_key = models.CharField(max_length=64, unique=True)
    idempotency_key = models.CharField(max_length=200, unique=True)
    amount_krw = models.PositiveBigIntegerField()
    reason = models.CharField(max_length=200)
    cancelled_total_krw = models.PositiveBigIntegerField()
    cancelled_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"sandbox cancel {self.transaction_key} ({self.amount_krw} KRW)"
