"""Orders: a guest's booking of one room type for a stay, and its payment state."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from apps.orders.errors import OrderError, OrderErrorCode


def new_order_reference() -> str:
    """The order's public id, also the payment provider's orderId (6-64 of [A-Za-z0-9_-])."""
    return f"ord_{secrets.token_hex(10)}"


class OrderStatus(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", _("Pending payment")
    PAID = "paid", _("Paid (confirming reservation)")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected by the hotel")
    CANCELLED = "cancelled", _("Cancelled")
    PAYMENT_FAILED = "payment_failed", _("Payment failed")


def order_status_in_english(status: str) -> str:
    """The status as the API's (English) error messages name it, whatever the request's
    language: the labels are translated for the admin."""
    with translation.override(None):
        return str(OrderStatus(status).label).lower()


# The one place an order's allowed status changes are written down: from -> allowed next
# statuses. Every change is checked against it by ``check_order_transition``: through
# ``Order.transition_to`` on a loaded order, or by the guarded UPDATE of the booking's hot
# path (``apps/orders/queries.py``).
ORDER_TRANSITIONS: dict[str, frozenset[str]] = {
    OrderStatus.PENDING_PAYMENT: frozenset({OrderStatus.PAID, OrderStatus.PAYMENT_FAILED}),
    OrderStatus.PAID: frozenset(
        {OrderStatus.CONFIRMED, OrderStatus.REJECTED, OrderStatus.CANCELLED}
    ),
    OrderStatus.CONFIRMED: frozenset({OrderStatus.CANCELLED}),
    OrderStatus.REJECTED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
    OrderStatus.PAYMENT_FAILED: frozenset(),
}


def check_order_transition(*, from_status: str, to_status: str) -> None:
    """Refuse (409 ``illegal_transition``) a status change the status model does not allow."""
    if to_status not in ORDER_TRANSITIONS[from_status]:
        raise OrderError(
            OrderErrorCode.ILLEGAL_TRANSITION,
            f"An order that is {order_status_in_english(from_status)} cannot become {to_status}.",
            details={"from": from_status, "to": to_status},
            http_status=409,
        )


class Order(models.Model):
    # Unique through Meta.constraints (not unique=True, whose extra LIKE index on PostgreSQL no
    # query uses); the guest's orders are found through the order_by_guest index.
    reference = models.CharField(_("order reference"), max_length=64, default=new_order_reference)
    guest = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="orders",
        db_index=False,
        verbose_name=_("guest"),
    )
    # Ids from the reservations context (no foreign key across contexts) and a snapshot of
    # the names the guest saw when booking.
    hotel_id = models.PositiveBigIntegerField(_("hotel id"))
    room_type_id = models.PositiveBigIntegerField(_("room type id"))
    hotel_name = models.CharField(_("hotel name"), max_length=200)
    room_type_name = models.CharField(_("room type name"), max_length=200)
    # The hotel's time zone: the booked cancellation terms are shown in it.
    hotel_time_zone = models.CharField(_("hotel's time zone"), max_length=64, blank=True)
    check_in = models.DateField(_("check-in"))
    check_out = models.DateField(_("check-out"))
    nights = models.PositiveSmallIntegerField(_("nights"))
    guests = models.PositiveSmallIntegerField(_("guests"))
    total_krw = models.PositiveIntegerField(_("total (KRW)"))
    payment_method = models.CharField(_("payment method"), max_length=20)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=OrderStatus.choices,
        default=OrderStatus.PENDING_PAYMENT,
    )
    failure_code = models.CharField(_("failure code"), max_length=50, blank=True)
    failure_message = models.CharField(_("failure message"), max_length=300, blank=True)
    # The provider may have charged although we saw a timeout or error: reconciliation checks.
    payment_outcome_uncertain = models.BooleanField(_("payment outcome uncertain"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    # The hotel side's outcome, as its events reported it (never read from its tables).
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    rejected_at = models.DateTimeField(_("rejected at"), null=True, blank=True)
    rejection_reason = models.CharField(_("rejection reason"), max_length=500, blank=True)
    # Cancellation: the guest's reason and time, and the fee and refund. They are the quote
    # the guest accepted when cancelling, replaced by the hotel's recorded figures (the
    # authoritative ones) when ReservationCancelled arrives; ``cancellation_id`` is then set.
    # A rejection refunds in full: fee 0, refund the total.
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("cancellation reason"), max_length=500, blank=True)
    cancellation_fee_krw = models.PositiveIntegerField(
        _("cancellation fee (KRW)"), null=True, blank=True
    )
    refund_krw = models.PositiveIntegerField(_("refund (KRW)"), null=True, blank=True)
    cancellation_id = models.PositiveBigIntegerField(_("cancellation id"), null=True, blank=True)
    # The cancellation terms the guest booked under, as the hotel side quoted them when the
    # stay was held (reservations' CancellationTerms): the cancellation quote charges by them,
    # whatever the hotel's policy has become since. Empty on orders placed before bookings
    # kept their terms (the quote then follows the current policy).
    terms_free_until = models.DateTimeField(_("free cancellation until"), null=True, blank=True)
    terms_fee_percent = models.PositiveSmallIntegerField(
        _("cancellation fee (%)"), null=True, blank=True
    )
    terms_no_refund_from = models.DateTimeField(_("no refund from"), null=True, blank=True)
    terms_summary = models.CharField(_("cancellation terms"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        indexes = [
            models.Index(fields=["guest", "-created_at"], name="order_by_guest"),
            models.Index(
                fields=["created_at"],
                name="order_pending_payment",
                condition=Q(status="pending_payment"),
            ),
            models.Index(
                fields=["updated_at"],
                name="order_payment_uncertain",
                condition=Q(payment_outcome_uncertain=True),
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["reference"], name="order_reference_unique"),
            models.CheckConstraint(
                condition=Q(check_out__gt=models.F("check_in")), name="order_stay_has_nights"
            ),
            models.CheckConstraint(
                condition=Q(cancellation_fee_krw__isnull=True)
                | Q(cancellation_fee_krw__lte=models.F("total_krw")),
                name="order_fee_within_total",
            ),
            models.CheckConstraint(
                condition=Q(refund_krw__isnull=True) | Q(refund_krw__lte=models.F("total_krw")),
                name="order_refund_within_total",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.status})"

    def transition_to(self, status: str) -> None:
        """Move to ``status`` if the status model allows it; refuse with a 409 otherwise."""
        check_order_transition(from_status=self.status, to_status=status)
        self.status = status


class BookingRequest(models.Model):
    """One guest's ``Idempotency-Key``: the first request's fingerprint and outcome.

    A replay with the same key and body gets the first outcome: the order, once it is paid (a
    booking that went through stores no copy of it), or the stored refusal. Concurrent replays
    wait for the first to finish. A retryable outcome (503) may be tried again after its
    Retry-After.
    """

    # Found through the (guest, idempotency_key) unique index below; no index of its own.
    guest = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        db_index=False,
        verbose_name=_("guest"),
    )
    idempotency_key = models.CharField(_("idempotency key"), max_length=255)
    fingerprint = models.CharField(_("request fingerprint"), max_length=64)
    order = models.OneToOneField(
        Order,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="booking_request",
        verbose_name=_("order"),
    )
    # A refusal: {"error": {"code", "message", "details", "http_status",
    # "retry_after_seconds"}}. Empty while the first request runs, and after it if its order
    # was paid (rows from earlier versions may hold {"order": {...}} instead).
    outcome = models.JSONField(_("outcome"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # When the refusal was stored (a 503's Retry-After counts from it).
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("booking request")
        verbose_name_plural = _("booking requests")
        constraints = [
            models.UniqueConstraint(
                fields=["guest", "idempotency_key"], name="one_booking_per_idempotency_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.idempotency_key} by guest {self.guest_id}"
