"""Book and pay in one request (docs/ARCHITECTURE.md, "Book and pay").

    order_begin      T1: quote, create the order (pending_payment), hold every night's room
    payments.charge  the provider call, outside any transaction or row lock
    order_mark_paid  T2: order paid + payment recorded + OrderPlaced/PaymentApproved in the outbox
    order_mark_failed T2': order payment_failed + rooms released (decline, timeout, open circuit)

A crash between the charge and T2 leaves a pending_payment order holding its rooms; the
reconciliation job asks the provider and finishes it one way or the other.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import json
from dataclasses import dataclass, fields

from django.db import transaction
from django.utils import timezone

from apps.orders.dtos import OrderData
from apps.orders.errors import OrderError, OrderErrorCode
from apps.orders.events import OrderPlaced
from apps.orders.models import Order, OrderStatus
from apps.orders.queries import order_row_mark_paid
from apps.orders.services.idempotency import (
    KeyTaken,
    booking_request_claim,
    booking_request_record_failure,
    booking_request_record_refusal,
    booking_request_replay,
)
from apps.payments import api as payments
from apps.reservations import api as reservations
from hotel.bulk_rows import row_insert
from hotel.correlation import correlation_bind
from hotel.errors import DomainError
from hotel.eventbus import publish


@dataclass(frozen=True, kw_only=True)
class BookingInput:
    hotel_id: int
    room_type_id: int
    check_in: datetime.date
    check_out: datetime.date
    guests: int
    payment_method: str
    payment_key: str

    def fingerprint(self) -> str:
        values = {field.name: getattr(self, field.name) for field in fields(self)}
        body = json.dumps(values, sort_keys=True, default=str)
        return hashlib.sha256(body.encode()).hexdigest()


def order_place(*, guest_id: int, booking: BookingInput, idempotency_key: str = "") -> OrderData:
    """Book and pay. Returns the paid order, or raises the refusal (400/402/404/409/503).

    With an ``idempotency_key``, a replay returns (or raises) the first outcome, and
    concurrent replays make one order and one charge.
    """
    fingerprint = booking.fingerprint() if idempotency_key else ""
    for _ in range(3):  # a retryable key freed by its Retry-After is claimed again
        try:
            order = order_begin(
                guest_id=guest_id,
                booking=booking,
                idempotency_key=idempotency_key,
                fingerprint=fingerprint,
            )
            break
        except KeyTaken:
            pass
        except DomainError as error:
            if not idempotency_key or booking_request_record_refusal(
                guest_id=guest_id,
                idempotency_key=idempotency_key,
                fingerprint=fingerprint,
                error=error,
            ):
                raise
        replay = booking_request_replay(
            guest_id=guest_id, idempotency_key=idempotency_key, fingerprint=fingerprint
        )
        if replay is not None:
            correlation_bind(replay.id)
            return replay
    else:
        raise OrderError(
            OrderErrorCode.BOOKING_IN_PROGRESS,
            "A booking with this Idempotency-Key is still being processed.",
            http_status=409,
            retry_after_seconds=2,
        )
    correlation_bind(order.id)
    try:
        charge = payments.charge(
            order_reference=order.reference,
            amount_krw=order.total_krw,
            payment_key=booking.payment_key,
            method=booking.payment_method,
            idempotency_key=f"{order.reference}:charge",
        )
    except payments.PaymentDeclined as declined:
        order_mark_failed(order_id=order.id, error=declined, payment_key=booking.payment_key)
        raise
    except payments.PaymentUnavailable as unavailable:
        order_mark_failed(order_id=order.id, error=unavailable, outcome_uncertain=True)
        raise
    return order_mark_paid(order=order, charge=charge)


def order_begin(
    *, guest_id: int, booking: BookingInput, idempotency_key: str = "", fingerprint: str = ""
) -> OrderData:
    """T1: hold the stay's rooms, priced from the hotel's own rates; create the order with the
    cancellation terms the hold quoted (the guest books under them, whatever the hotel's policy
    becomes); take the Idempotency-Key (``KeyTaken`` if another request holds it: all of T1
    rolls back).

    The hold is a guarded UPDATE over every night (see reservations.stay_hold); it locks those
    inventory rows only until this short transaction commits.
    """
    with transaction.atomic():
        held = reservations.stay_hold(
            hotel_id=booking.hotel_id,
            room_type_id=booking.room_type_id,
            check_in=booking.check_in,
            check_out=booking.check_out,
            guests=booking.guests,
        )
        order = row_insert(
            Order(
                guest_id=guest_id,
                hotel_id=held.room_type.hotel_id,
                room_type_id=held.room_type.room_type_id,
                hotel_name=held.room_type.hotel_name,
                room_type_name=held.room_type.room_type_name,
                hotel_time_zone=held.room_type.hotel_time_zone,
                check_in=booking.check_in,
                check_out=booking.check_out,
                nights=held.quote.nights,
                guests=booking.guests,
                total_krw=held.quote.total_krw,
                payment_method=booking.payment_method,
                terms_free_until=held.cancellation_terms.free_until,
                terms_fee_percent=held.cancellation_terms.fee_percent,
                terms_no_refund_from=held.cancellation_terms.no_refund_from,
                terms_summary=held.cancellation_terms.summary[:300],
            )
        )
        if idempotency_key:
            booking_request_claim(
                guest_id=guest_id,
                idempotency_key=idempotency_key,
                fingerprint=fingerprint,
                order_id=order.pk,
            )
    return OrderData.from_order(order)


def order_mark_paid(*, order: OrderData, charge: payments.ApprovedCharge) -> OrderData:
    """T2: the charge went through. Order paid, payment recorded, both events published.

    ``order`` is the pending order as T1 (or reconciliation) read it; nothing but its status
    changes until it is paid, so one conditional UPDATE both moves it on and settles any race
    with reconciliation. If reconciliation already settled the order (only after a very long
    stall), a paid order is returned as is and a failed one gets the charge voided.
    """
    paid_at = timezone.now()
    with transaction.atomic():
        if order_row_mark_paid(order_id=order.id, paid_at=paid_at):
            paid = dataclasses.replace(order, status=OrderStatus.PAID, paid_at=paid_at)
            publish(
                OrderPlaced(
                    order_id=paid.id,
                    order_reference=paid.reference,
                    guest_id=paid.guest_id,
                    hotel_id=paid.hotel_id,
                    hotel_name=paid.hotel_name,
                    room_type_id=paid.room_type_id,
                    room_type_name=paid.room_type_name,
                    check_in=paid.check_in,
                    check_out=paid.check_out,
                    nights=paid.nights,
                    guests=paid.guests,
                    total_krw=paid.total_krw,
                    payment_method=paid.payment_method,
                    placed_at=paid_at,
                    terms_free_until=paid.terms_free_until,
                    terms_fee_percent=paid.terms_fee_percent,
                    terms_no_refund_from=paid.terms_no_refund_from,
                    terms_summary=paid.terms_summary,
                ),
                correlation_id=str(paid.id),
            )
            payments.record_approved_charge(charge=charge, order_id=paid.id, guest_id=paid.guest_id)
            return paid  # the paid order is also its Idempotency-Key's outcome
        settled = OrderData.from_order(Order.objects.get(pk=order.id))
    if settled.status == OrderStatus.PAYMENT_FAILED:
        payments.void_charge(charge=charge, reason="order failed before the charge was recorded")
        raise OrderError(
            settled.failure_code or "payment_failed",
            settled.failure_message or "The payment could not be completed.",
            http_status=503,
            retry_after_seconds=1,
        )
    return settled


def order_mark_failed(
    *,
    order_id: int,
    error: DomainError,
    outcome_uncertain: bool = False,
    payment_key: str = "",
) -> None:
    """T2': the charge did not go through. Order payment_failed, rooms released, the guest's
    refusal stored for replays. ``outcome_uncertain``: a timeout or provider error, where the
    provider may have charged anyway; reconciliation checks and voids such charges."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.status != OrderStatus.PENDING_PAYMENT:
            return
        order.transition_to(OrderStatus.PAYMENT_FAILED)
        order.failure_code = str(error.code)[:50]
        order.failure_message = error.message[:300]
        order.payment_outcome_uncertain = outcome_uncertain
        order.save()
        reservations.rooms_release(
            room_type_id=order.room_type_id, check_in=order.check_in, check_out=order.check_out
        )
        if isinstance(error, payments.PaymentDeclined):
            payments.record_declined_charge(
                order_id=order.pk,
                guest_id=order.guest_id,
                order_reference=order.reference,
                payment_key=payment_key,
                method=order.payment_method,
                amount_krw=order.total_krw,
                reason=error.reason,
            )
        booking_request_record_failure(order_id=order.pk, error=error)
