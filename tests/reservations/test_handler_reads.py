"""The event handlers' reads written out as SQL (``apps.reservations.queries``): each is one
statement and loads what the ORM's ``select_related`` query it replaced loaded."""

import pytest
from django.utils import timezone

from apps.reservations import services
from apps.reservations.models import Reservation, RoomType
from apps.reservations.queries import reservations_with_stays, room_types_with_hotels
from tests.reservations.factories import RoomTypeFactory, requested_reservation

pytestmark = pytest.mark.django_db


def columns(instance) -> dict:
    """Every concrete field's value, as loaded."""
    return {
        field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields
    }


def test_room_types_come_with_their_hotels(room_type, django_assert_num_queries):
    other = RoomTypeFactory()

    with django_assert_num_queries(1):
        read = {
            found.pk: found
            for found in room_types_with_hotels(room_type_ids=[room_type.pk, other.pk, 987654])
        }
        hotels = {pk: found.hotel.name for pk, found in read.items()}  # no query

    orm = RoomType.objects.select_related("hotel").filter(pk__in=[room_type.pk, other.pk])
    assert {found.pk: columns(found) for found in orm} == {
        pk: columns(found) for pk, found in read.items()
    }
    assert {found.pk: columns(found.hotel) for found in orm} == {
        pk: columns(found.hotel) for pk, found in read.items()
    }
    assert hotels == {room_type.pk: room_type.hotel.name, other.pk: other.hotel.name}
    assert room_types_with_hotels(room_type_ids=[]) == []


def test_reservations_come_with_hotel_room_type_and_cancellation_or_none(
    room_type, django_assert_num_queries
):
    kept = requested_reservation(room_type, guest_id=501)
    cancelled = requested_reservation(room_type, guest_id=502)
    services.reservation_cancel_for_order(
        order_id=cancelled.order_id, reason="plans changed", cancelled_at=timezone.now()
    )
    ids = [kept.pk, cancelled.pk, 987654]

    with django_assert_num_queries(1):
        read = {found.pk: found for found in reservations_with_stays(reservation_ids=ids)}
        loaded = {  # all read with the reservation: no further query
            pk: (found.hotel.name, found.room_type.name, getattr(found, "cancellation", None))
            for pk, found in read.items()
        }

    orm = {
        found.pk: found
        for found in Reservation.objects.select_related(
            "hotel", "room_type", "cancellation"
        ).filter(pk__in=ids)
    }
    assert set(read) == set(orm) == {kept.pk, cancelled.pk}
    for pk, found in orm.items():
        assert columns(read[pk]) == columns(found)
        assert columns(read[pk].hotel) == columns(found.hotel)
        assert columns(read[pk].room_type) == columns(found.room_type)
    assert loaded[kept.pk][2] is None
    assert columns(loaded[cancelled.pk][2]) == columns(orm[cancelled.pk].cancellation)
    assert loaded[cancelled.pk][2].reservation is read[cancelled.pk]
    assert reservations_with_stays(reservation_ids=[]) == []
