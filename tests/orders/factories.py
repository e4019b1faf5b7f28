"""Test data for the orders context: orders as a booking would have left them."""

import datetime

import factory
from factory.django import DjangoModelFactory

from apps.orders.models import Order, OrderStatus
from tests.reservations.factories import RoomTypeFactory
from tests.user_factories import UserFactory


class OrderFactory(DjangoModelFactory):
    """A paid order for two nights of a room type, with the names the guest saw snapshotted.

    Pass ``room_type`` (a reservations ``RoomType``) to book a given one; it is not stored,
    only its ids and names are, as a real booking stores them.
    """

    class Meta:
        model = Order
        exclude = ("room_type",)

    room_type = factory.SubFactory(RoomTypeFactory)
    guest = factory.SubFactory(UserFactory)
    hotel_id = factory.SelfAttribute("room_type.hotel_id")
    room_type_id = factory.SelfAttribute("room_type.pk")
    hotel_name = factory.SelfAttribute("room_type.hotel.name")
    room_type_name = factory.SelfAttribute("room_type.name")
    check_in = factory.LazyFunction(lambda: datetime.date.today() + datetime.timedelta(days=30))
    check_out = factory.LazyAttribute(lambda order: order.check_in + datetime.timedelta(days=2))
    nights = factory.LazyAttribute(lambda order: (order.check_out - order.check_in).days)
    guests = 2
    total_krw = 200_000
    payment_method = "card"
    status = OrderStatus.PAID
