from datetime import date, timedelta

import factory
from django.contrib.auth.models import Permission
from django.db import transaction
from factory.django import DjangoModelFactory

from apps.reservations import services
from apps.reservations.dtos import HeldStay
from apps.reservations.management.commands.load_demo_data import HOTELIER_PERMISSIONS
from apps.reservations.models import (
    CancellationPolicy,
    Hotel,
    HotelierMembership,
    NightlyRate,
    Reservation,
    RoomNight,
    RoomType,
)
from tests.user_factories import UserFactory


class HotelFactory(DjangoModelFactory):
    class Meta:
        model = Hotel

    name = factory.Sequence(lambda n: f"Hotel {n}")
    city = "Seoul"
    address = factory.Sequence(lambda n: f"{n} Sejong-daero, Jung-gu, Seoul")
    description = "A test hotel."
    time_zone = "Asia/Seoul"


class RoomTypeFactory(DjangoModelFactory):
    class Meta:
        model = RoomType

    hotel = factory.SubFactory(HotelFactory)
    name = factory.Sequence(lambda n: f"Room type {n}")
    description = "Two beds."
    capacity = 2
    nightly_rate_krw = 100_000
    room_count = 10


class NightlyRateFactory(DjangoModelFactory):
    class Meta:
        model = NightlyRate

    room_type = factory.SubFactory(RoomTypeFactory)
    night = factory.LazyAttribute(lambda o: o.room_type.hotel.local_today())
    rate_krw = 150_000


class RoomNightFactory(DjangoModelFactory):
    class Meta:
        model = RoomNight

    room_type = factory.SubFactory(RoomTypeFactory)
    night = factory.LazyAttribute(lambda o: o.room_type.hotel.local_today())
    rooms_total = factory.LazyAttribute(lambda o: o.room_type.room_count)
    rooms_held = 0


class HotelierFactory(UserFactory):
    """A staff user with the demo hotelier's admin permissions, member of ``hotels``."""

    username = factory.Sequence(lambda n: f"hotelier{n}")
    is_staff = True

    @factory.post_generation
    def hotels(self, create, extracted, **kwargs):
        if not create:
            return
        self.user_permissions.add(
            *Permission.objects.filter(
                content_type__app_label="reservations", codename__in=HOTELIER_PERMISSIONS
            )
        )
        for hotel in extracted or ():
            HotelierMembership.objects.create(user=self, hotel=hotel)


def inventory(room_type: RoomType, *, first_night: date, nights: int) -> list[RoomNight]:
    """Open ``nights`` nights of ``room_type`` with its room count, none held."""
    return [
        RoomNightFactory(room_type=room_type, night=first_night + timedelta(days=n))
        for n in range(nights)
    ]


def hold_rooms(
    room_type: RoomType, *, check_in: date, check_out: date, rooms: int = 1, guests: int = 1
) -> HeldStay:
    """Hold ``rooms`` rooms of ``room_type`` for the stay as a booking does: ``stay_hold`` in an
    ``atomic`` block of its own (the booking's first transaction), so a refusal rolls back that
    block only and the test's transaction goes on."""
    with transaction.atomic():
        return services.stay_hold(
            hotel_id=room_type.hotel_id,
            room_type_id=room_type.pk,
            check_in=check_in,
            check_out=check_out,
            guests=guests,
            rooms=rooms,
        )


def held_by_night(room_type: RoomType) -> dict[date, int]:
    return dict(
        RoomNight.objects.filter(room_type=room_type)
        .order_by("night")
        .values_list("night", "rooms_held")
    )


class CancellationPolicyFactory(DjangoModelFactory):
    """Free until 3 days before check-in, then a 30 % fee (hotel-wide unless ``room_type``)."""

    class Meta:
        model = CancellationPolicy

    hotel = factory.SubFactory(HotelFactory)
    room_type = None
    free_until_days_before = 3
    fee_percent = 30


_order_ids = iter(range(70_001, 10**9))


def requested_reservation(
    room_type: RoomType,
    *,
    check_in: date | None = None,
    nights: int = 2,
    total_krw: int = 200_000,
    guest_id: int = 501,
    guest_name: str = "Kim Minji",
    order_id: int | None = None,
) -> Reservation:
    """A paid booking as the hotel side sees it: its room held on every night (as the order
    did), then the reservation requested through the service (which publishes the event).

    Check-in defaults to a week from the hotel's today; the room type needs inventory there.
    """
    check_in = check_in or room_type.hotel.local_today() + timedelta(days=7)
    check_out = check_in + timedelta(days=nights)
    hold_rooms(room_type, check_in=check_in, check_out=check_out, guests=2)
    order_id = next(_order_ids) if order_id is None else order_id
    reservation, _ = services.reservation_request_from_order(
        order_id=order_id,
        order_reference=f"ORD-{order_id}",
        guest_id=guest_id,
        guest_name=guest_name,
        hotel_id=room_type.hotel_id,
        room_type_id=room_type.pk,
        check_in=check_in,
        check_out=check_out,
        guests=2,
        total_krw=total_krw,
    )
    return reservation
