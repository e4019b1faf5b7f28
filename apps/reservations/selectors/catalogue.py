"""The catalogue: hotels and their room types, as the public API lists them and as plain data."""

from django.db.models import QuerySet

from apps.reservations.dtos import RoomTypeSummary
from apps.reservations.errors import HotelNotFound, RoomTypeNotFound
from apps.reservations.models import Hotel, RoomType


def hotel_list() -> QuerySet[Hotel]:
    """All hotels, in a stable order (the API filters and paginates it)."""
    return Hotel.objects.order_by("name", "id")


def hotel_detail_list() -> QuerySet[Hotel]:
    """Hotels with their room types prefetched."""
    return hotel_list().prefetch_related("room_types")


def hotel_get(*, hotel_id: int) -> Hotel:
    try:
        return Hotel.objects.get(pk=hotel_id)
    except Hotel.DoesNotExist:
        raise HotelNotFound(hotel_id=hotel_id) from None


def room_type_get(*, room_type_id: int) -> RoomType:
    try:
        return RoomType.objects.select_related("hotel").get(pk=room_type_id)
    except RoomType.DoesNotExist:
        raise RoomTypeNotFound(room_type_id=room_type_id) from None


def room_type_summary(*, room_type_id: int) -> RoomTypeSummary:
    """The hotel and room type names, capacity and time zone; ``RoomTypeNotFound`` (404) if
    there is no such room type."""
    return room_type_summary_of(room_type_get(room_type_id=room_type_id))


def room_type_summary_of(room_type: RoomType) -> RoomTypeSummary:
    return RoomTypeSummary(
        hotel_id=room_type.hotel_id,
        hotel_name=room_type.hotel.name,
        hotel_time_zone=room_type.hotel.time_zone,
        room_type_id=room_type.pk,
        room_type_name=room_type.name,
        capacity=room_type.capacity,
        nightly_rate_krw=room_type.nightly_rate_krw,
    )
