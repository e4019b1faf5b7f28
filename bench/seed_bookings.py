"""Seed a bench database: hotels, room types, a year of inventory, guests with API tokens.

    DJANGO_SETTINGS_MODULE=... python bench/seed_bookings.py OUT.json [--reference]

Writes OUT.json with what the load script needs: tokens and (hotel, room type) pairs, plus
the first bookable night. With --reference, seeds the reference project's tables instead.
"""

import json
import sys
from datetime import timedelta

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

HOTELS, ROOM_TYPES_PER_HOTEL, ROOMS, NIGHTS, GUESTS = 20, 5, 200, 365, 2000


def seed_guests(*, reference: bool) -> list[str]:
    User = get_user_model()
    User.objects.bulk_create(
        [User(username=f"bench{n}", password="!") for n in range(GUESTS)], ignore_conflicts=True
    )
    users = list(User.objects.filter(username__startswith="bench"))
    Token.objects.bulk_create(
        [Token(user=user, key=Token.generate_key()) for user in users], ignore_conflicts=True
    )
    if not reference:  # the product's guests signed up with a name and a mobile phone
        from apps.customer.models import GuestProfile

        GuestProfile.objects.bulk_create(
            [
                GuestProfile(user=user, name=f"Guest {n}", phone=f"010{n:08d}")
                for n, user in enumerate(users)
            ],
            ignore_conflicts=True,
        )
    return list(Token.objects.filter(user__in=users).values_list("key", flat=True))


def seed_product(first_night) -> list[list[int]]:
    from apps.reservations.models import Hotel, RoomNight, RoomType

    pairs = []
    for h in range(HOTELS):
        # Each hotel has a contact number, so it gets a message per request as a guest does.
        hotel = Hotel.objects.create(
            name=f"Bench hotel {h}",
            city="Seoul",
            address=f"{h} Bench-ro",
            contact_phone=f"0109{h:07d}",
        )
        for r in range(ROOM_TYPES_PER_HOTEL):
            room_type = RoomType.objects.create(
                hotel=hotel,
                name=f"Room {r}",
                capacity=4,
                nightly_rate_krw=100_000 + r * 10_000,
                room_count=ROOMS,
            )
            RoomNight.objects.bulk_create(
                RoomNight(
                    room_type=room_type, night=first_night + timedelta(days=n), rooms_total=ROOMS
                )
                for n in range(NIGHTS)
            )
            pairs.append([hotel.pk, room_type.pk])
    return pairs


def seed_reference(first_night) -> list[list[int]]:
    from bench.reference.booking.models import Inventory

    pairs = []
    for room_type_id in range(1, HOTELS * ROOM_TYPES_PER_HOTEL + 1):
        Inventory.objects.bulk_create(
            Inventory(
                room_type_id=room_type_id,
                night=first_night + timedelta(days=n),
                total=ROOMS,
                rate_krw=100_000,
            )
            for n in range(NIGHTS)
        )
        pairs.append([(room_type_id - 1) // ROOM_TYPES_PER_HOTEL + 1, room_type_id])
    return pairs


def main() -> None:
    out, reference = sys.argv[1], "--reference" in sys.argv
    first_night = timezone.localdate() + timedelta(days=1)
    pairs = seed_reference(first_night) if reference else seed_product(first_night)
    tokens = seed_guests(reference=reference)
    with open(out, "w") as f:
        json.dump(
            {
                "tokens": tokens,
                "room_types": pairs,
                "first_night": first_night.isoformat(),
                "nights": NIGHTS - 5,
            },
            f,
        )


if __name__ == "__main__":
    main()
