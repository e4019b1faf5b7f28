from datetime import date, timedelta

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from factory.django import DjangoModelFactory

from apps.reservations.management.commands.load_demo_data import HOTELIER_PERMISSIONS
from apps.reservations.models import Hotel, HotelierMembership, NightlyRate, RoomNight, RoomType


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


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("test-pass-1234")


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


def held_by_night(room_type: RoomType) -> dict[date, int]:
    return dict(
        RoomNight.objects.filter(room_type=room_type)
        .order_by("night")
        .values_list("night", "rooms_held")
    )
