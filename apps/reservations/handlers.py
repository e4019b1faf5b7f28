"""Reactions of the hotel side to the orders context's events.

One handler name, ``reservations.booking_flow``, takes both ``OrderPlaced`` and
``OrderCancelled``: the outbox keeps one name's deliveries for one order in publication order,
so a cancellation is never handled before the request it cancels. It takes them in batches (all
of a worker's round), so the requests of many paid orders cost a few statements.

An ``OrderCancelled`` for an order without a reservation therefore means its ``OrderPlaced``
was never handled here (its delivery discarded by an operator, say). The handler raises
``ReservationNotFound`` so the delivery retries and ends dead-lettered, visible in
``outbox status``: it neither invents a reservation nor releases rooms it cannot account for.

``RESERVATIONS_HANDLERS_FAIL`` (a setting, read at each call) makes the handler raise,
to rehearse the hotel side being down: bookings are still taken and their events wait.

A second name, ``reservations.notify_hotel``, reacts to this context's own events: the hotel
gets a message for each ``ReservationRequested`` and for each ``ReservationCancelled`` the guest
made (``services/hotel_messages.py``). A name of its own, so a slow or failing message provider
never holds back the requests, and the fault drill above leaves it alone.
"""

from django.conf import settings

from apps.customer import api as customer
from apps.orders.events import OrderCancelled, OrderPlaced
from apps.reservations import services
from apps.reservations.dtos import PaidOrder
from apps.reservations.events import ReservationCancelled, ReservationRequested
from apps.reservations.models import HotelNotificationKind
from apps.reservations.services.hotel_messages import (
    ReservationNews,
    hotel_notifications_send_for_events,
)
from hotel.eventbus import Batch, subscribe

BOOKING_FLOW = "reservations.booking_flow"
HOTEL_MESSAGES = "reservations.notify_hotel"


class HotelSideUnavailable(RuntimeError):
    """Raised by the handlers while ``RESERVATIONS_HANDLERS_FAIL`` is on (fault injection)."""


def _fail_if_injected() -> None:
    if getattr(settings, "RESERVATIONS_HANDLERS_FAIL", False):
        raise HotelSideUnavailable("RESERVATIONS_HANDLERS_FAIL is on: the hotel side is down")


def booking_flow(batch: Batch) -> None:
    """A round's paid orders become requested reservations (once each, however often they are
    delivered: a constant number of statements for the round), keeping the cancellation terms
    each was booked under; a cancelled order cancels its reservation and charges the fee of
    those terms.

    A round may hold both events of an order (the worker hands over a queue's next deliveries
    with its head). Requests go first, then cancellations, which keeps each order's events in
    their order: an order is placed before it can be cancelled.
    """
    _fail_if_injected()
    placed = [event for event, _ in batch if isinstance(event, OrderPlaced)]
    if placed:
        contacts = customer.guest_contacts(user_ids={event.guest_id for event in placed})
        services.reservations_request_from_orders(
            orders=[
                PaidOrder(
                    order_id=event.order_id,
                    order_reference=event.order_reference,
                    guest_id=event.guest_id,
                    guest_name=contact.name if (contact := contacts.get(event.guest_id)) else "",
                    hotel_id=event.hotel_id,
                    room_type_id=event.room_type_id,
                    check_in=event.check_in,
                    check_out=event.check_out,
                    guests=event.guests,
                    total_krw=event.total_krw,
                    terms_free_until=event.terms_free_until,
                    terms_fee_percent=event.terms_fee_percent,
                    terms_no_refund_from=event.terms_no_refund_from,
                    terms_summary=event.terms_summary,
                )
                for event in placed
            ]
        )
    for event, _ in batch:
        if isinstance(event, OrderCancelled):
            services.reservation_cancel_for_order(
                order_id=event.order_id, reason=event.reason, cancelled_at=event.cancelled_at
            )


subscribe(OrderPlaced, name=BOOKING_FLOW, batch=True)(booking_flow)
subscribe(OrderCancelled, name=BOOKING_FLOW, batch=True)(booking_flow)


def notify_hotels(batch: Batch) -> None:
    """The hotel hears of each new request and each guest cancellation (its own events), once
    per channel; a message provider is called, so outside the worker's transaction, and a
    round's events in one call (a constant number of statements, see
    ``services/hotel_messages.py``)."""
    kinds = {
        ReservationRequested: HotelNotificationKind.NEW_REQUEST,
        ReservationCancelled: HotelNotificationKind.GUEST_CANCELLED,
    }
    hotel_notifications_send_for_events(
        news=[
            ReservationNews(
                event_id=meta.event_id,
                reservation_id=event.reservation_id,
                kind=kinds[type(event)],
                correlation_id=meta.correlation_id,
            )
            for event, meta in batch
        ]
    )


for _event_type in (ReservationRequested, ReservationCancelled):
    subscribe(_event_type, name=HOTEL_MESSAGES, in_transaction=False, batch=True)(notify_hotels)
