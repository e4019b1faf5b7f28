"""Demo catalogue and logins for the quick start; safe to run at every start (idempotent)."""

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand
from django.db import transaction

from apps.customer import api as customer
from apps.reservations import services
from apps.reservations.models import Hotel, HotelierMembership, RoomType

GUEST = ("guest", "guest-pass-1234")
HOTELIER = ("hotelier", "hotelier-pass-1234")
ADMIN = ("admin", "admin-pass-1234")

#: What a hotelier may do in admin (narrowed to their own hotels by the ModelAdmins).
HOTELIER_PERMISSIONS = (
    "view_hotel",
    "change_hotel",
    "view_roomtype",
    "add_roomtype",
    "change_roomtype",
    "view_nightlyrate",
    "add_nightlyrate",
    "change_nightlyrate",
    "delete_nightlyrate",
    "view_roomnight",
    "change_roomnight",
    # The hotel side: confirm and reject requests (actions), read the history and the
    # cancellations, and set the cancellation policy.
    "view_reservation",
    "change_reservation",
    "view_reservationstatuschange",
    "view_cancellation",
    "view_cancellationpolicy",
    "add_cancellationpolicy",
    "change_cancellationpolicy",
    "delete_cancellationpolicy",
    # The messages sent to the hotel (read-only).
    "view_hotelnotification",
)

#: Friday and Saturday nights cost this much more than the base rate.
WEEKEND_MARKUP = 1.3


@dataclass(frozen=True)
class DemoRoomType:
    name: str
    description: str
    capacity: int
    nightly_rate_krw: int
    room_count: int


@dataclass(frozen=True)
class DemoHotel:
    name: str
    city: str
    address: str
    description: str
    room_types: tuple[DemoRoomType, ...]


DEMO_HOTELS = (
    DemoHotel(
        name="Hanok Stay Jongno",
        city="Seoul",
        address="12 Bukchon-ro, Jongno-gu, Seoul",
        description="A quiet hanok-style hotel between Gyeongbokgung and Bukchon.",
        room_types=(
            DemoRoomType("Standard Double", "One double bed, garden view.", 2, 120_000, 10),
            DemoRoomType("Deluxe Twin", "Two single beds, ondol floor heating.", 2, 150_000, 6),
            DemoRoomType("Family Suite", "Two rooms and a small courtyard.", 4, 260_000, 3),
        ),
    ),
    DemoHotel(
        name="Haeundae Ocean Hotel",
        city="Busan",
        address="264 Haeundaehaebyeon-ro, Haeundae-gu, Busan",
        description="On Haeundae beach, with sea-view rooms and a rooftop pool.",
        room_types=(
            DemoRoomType("City View Double", "One double bed facing Marine City.", 2, 110_000, 12),
            DemoRoomType("Ocean View Twin", "Two beds, balcony over the beach.", 3, 180_000, 8),
            DemoRoomType("Ocean Suite", "Living room, bedroom and a wide sea view.", 4, 320_000, 2),
        ),
    ),
    DemoHotel(
        name="Jeju Seaside Resort",
        city="Jeju",
        address="72 Jungmungwangwang-ro, Seogwipo-si, Jeju",
        description="A resort in Jungmun with gardens, a spa and views of Hallasan.",
        room_types=(
            DemoRoomType("Garden Double", "One double bed onto the garden.", 2, 140_000, 10),
            DemoRoomType("Family Ocean Room", "One double and two single beds.", 4, 230_000, 5),
        ),
    ),
    DemoHotel(
        name="Gyeongju Heritage Inn",
        city="Gyeongju",
        address="15 Pocheon-ro, Gyeongju-si, Gyeongsangbuk-do",
        description="A short walk from Daereungwon and Cheomseongdae.",
        room_types=(
            DemoRoomType("Ondol Room", "Traditional floor bedding for up to three.", 3, 90_000, 8),
            DemoRoomType("Standard Twin", "Two single beds.", 2, 85_000, 10),
        ),
    ),
)


class Command(BaseCommand):
    help = "Load demo hotels, a year of inventory and the guest, hotelier and admin logins."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        hotels = [self._hotel(demo) for demo in DEMO_HOTELS]
        guest = self._user(*GUEST)
        # A phone number, so the quick start's log shows the guest's KakaoTalk messages.
        customer.guest_ensure_profile(user_id=guest.pk, name="김민지", phone="010-1234-5678")
        hotelier = self._user(*HOTELIER, is_staff=True)
        hotelier.user_permissions.add(
            *Permission.objects.filter(
                content_type__app_label="reservations", codename__in=HOTELIER_PERMISSIONS
            )
        )
        HotelierMembership.objects.get_or_create(user=hotelier, hotel=hotels[0])
        self._user(*ADMIN, is_staff=True, is_superuser=True)

        self.stdout.write(self.style.SUCCESS(f"Demo data: {len(hotels)} hotels."))
        self.stdout.write(f"  guest:    {GUEST[0]} / {GUEST[1]} (the API and the browsable API)")
        self.stdout.write(f"  hotelier: {HOTELIER[0]} / {HOTELIER[1]} (/admin/, {hotels[0].name})")
        self.stdout.write(f"  admin:    {ADMIN[0]} / {ADMIN[1]} (/admin/, superuser)")

    def _hotel(self, demo: DemoHotel) -> Hotel:
        hotel, _ = Hotel.objects.get_or_create(
            name=demo.name,
            defaults={"city": demo.city, "address": demo.address, "description": demo.description},
        )
        today = hotel.local_today()
        for demo_room_type in demo.room_types:
            room_type, _ = RoomType.objects.get_or_create(
                hotel=hotel,
                name=demo_room_type.name,
                defaults={
                    "description": demo_room_type.description,
                    "capacity": demo_room_type.capacity,
                    "nightly_rate_krw": demo_room_type.nightly_rate_krw,
                    "room_count": demo_room_type.room_count,
                },
            )
            services.inventory_open(
                room_type_id=room_type.pk,
                first_night=today,
                nights=services.INVENTORY_HORIZON_NIGHTS,
            )
            weekend_rate = round(room_type.nightly_rate_krw * WEEKEND_MARKUP, -3)
            weekend_nights = (
                today + timedelta(days=n)
                for n in range(services.INVENTORY_HORIZON_NIGHTS)
                if (today + timedelta(days=n)).weekday() in (4, 5)
            )
            services.nightly_rates_set(
                room_type_id=room_type.pk,
                rates={night: int(weekend_rate) for night in weekend_nights},
                replace=False,
            )
        return hotel

    def _user(self, username: str, password: str, **flags: bool):
        user, created = get_user_model().objects.get_or_create(username=username, defaults=flags)
        if created:
            user.set_password(password)
            user.save(update_fields=["password"])
        return user
