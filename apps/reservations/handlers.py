"""Reactions of the hotel side to the orders context's events.

One handler name, ``reservations.booking_flow``, takes both ``OrderPlaced`` and
``OrderCancelled``: the outbox keeps one name's deliveries for one order in publication order,
so a cancellation is never handled before the request it cancels.

An ``OrderCancelled`` for an order without a reservation therefore means its ``OrderPlaced``
was never handled here (its delivery discarded by an operator, say). The handler raises
``ReservationNotFound`` so the delivery retries and ends dead-lettered, visible in
``outbox status``: it neither invents a reservation nor releases rooms it cannot account for.

``RESERVATIONS_HANDLERS_FAIL`` (a setting, read at each delivery) makes both handlers raise,
to rehearse the hotel side being down: bookings are still taken and their events wait.
"""

from django.conf import settings

from apps.customer import api as customer
from apps.orders.events import OrderCancelled, OrderPlaced
from apps.reservations import services
from hotel.eventbus import EventMeta, subscribe

BOOKING_FLOW = "reservations.booking_flow"


class HotelSideUnavailable(RuntimeError):
    """Raised by the handlers while ``RESERVATIONS_HANDLERS_FAIL`` is on (fault injection)."""


def _fail_if_injected() -> None:
    if getattr(settings, "RESERVATIONS_HANDLERS_FAIL", False):
        raise HotelSideUnavailable("RESERVATIONS_HANDLERS_FAIL is on: the hotel side is down")


@subscribe(OrderPlaced, name=BOOKING_FLOW)
def request_reservation(event: OrderPlaced, meta: EventMeta) -> None:
    """A paid order becomes a requested reservation (once, however often it is delivered)."""
    _fail_if_injected()
    contact = customer.guest_contact(user_id=event.guest_id)
    services.reservation_request_from_order(
        order_id=event.order_id,
        order_reference=event.order_reference,
        guest_id=event.guest_id,
        guest_name=contact.name if contact is not None else "",
        hotel_id=event.hotel_id,
        room_type_id=event.room_type_id,
        check_in=event.check_in,
        check_out=event.check_out,
        guests=event.guests,
        total_krw=event.total_krw,
    )


@subscribe(OrderCancelled, name=BOOKING_FLOW)
def cancel_reservation(event: OrderCancelled, meta: EventMeta) -> None:
    """The guest cancelled the order: cancel the reservation, charge the policy's fee."""
    _fail_if_injected()
    services.reservation_cancel_for_order(
        order_id=event.order_id, reason=event.reason, cancelled_at=event.cancelled_at
    )
