"""The event handlers' reads written out as SQL (``apps.customer.queries``): each is one
statement and loads what the ORM's ``select_related`` query it replaced loaded."""

import uuid

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction

from apps.customer.models import GuestProfile, MypageEntry, MypageTimelineEntry
from apps.customer.projection import mypage_apply_batch
from apps.customer.queries import (
    entries_locked,
    events_applied,
    timeline_rows_with_entries,
    users_with_profiles,
)
from tests.customer.booking_events import Booking, publish_events, stored_items
from tests.customer.factories import GuestProfileFactory
from tests.user_factories import UserFactory

pytestmark = pytest.mark.django_db


def columns(instance) -> dict:
    """Every concrete field's value, as loaded."""
    return {
        field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields
    }


def test_users_with_profiles_pairs_each_user_with_its_profile_or_none(django_assert_num_queries):
    profile = GuestProfileFactory(name="김민지", phone="01012345678", kakao_opt_out=True)
    bare = UserFactory(username="staffer")

    with django_assert_num_queries(1):
        pairs = users_with_profiles(user_ids=[profile.user_id, bare.pk, 987654])
        by_user = {user.pk: (user, stored) for user, stored in pairs}
        assert by_user[profile.user_id][1].user is by_user[profile.user_id][0]  # no query

    assert set(by_user) == {profile.user_id, bare.pk}  # an unknown id is left out
    user, stored = by_user[profile.user_id]
    assert columns(stored) == columns(GuestProfile.objects.get(pk=profile.pk))
    assert columns(user) == columns(get_user_model().objects.get(pk=profile.user_id))
    assert by_user[bare.pk][1] is None
    assert users_with_profiles(user_ids=[]) == []


def test_timeline_rows_come_with_their_entries_as_select_related_loads_them(
    guest, django_assert_num_queries
):
    first, second = Booking(guest_id=guest.pk), Booking(guest_id=guest.pk)
    items = stored_items(
        publish_events(first.placed(), first.approved(), second.placed(), first.requested())
    )
    with transaction.atomic():
        mypage_apply_batch(items=items)
    event_ids = [meta.event_id for _, meta in items] + [uuid.uuid4()]  # one never applied

    with django_assert_num_queries(1):
        rows = timeline_rows_with_entries(event_ids=event_ids)
        entries = {row.event_id: row.entry.order_id for row in rows}  # no query

    orm = MypageTimelineEntry.objects.select_related("entry").filter(event_id__in=event_ids)
    assert sorted(map(columns, rows), key=str) == sorted(map(columns, orm), key=str)
    assert entries == {row.event_id: row.entry.order_id for row in orm}
    assert len(rows) == 4
    assert events_applied(event_ids=event_ids) == {meta.event_id for _, meta in items}
    assert timeline_rows_with_entries(event_ids=[]) == []
    assert events_applied(event_ids=[]) == set()


def test_entries_locked_reads_the_entries_there_are_in_order_id_order(guest):
    bookings = [Booking(guest_id=guest.pk) for _ in range(3)]
    items = stored_items(publish_events(*(booking.placed() for booking in bookings)))
    with transaction.atomic():
        mypage_apply_batch(items=items)
        order_ids = [booking.order_id for booking in reversed(bookings)] + [999_999]
        locked = entries_locked(order_ids=order_ids)

    assert [entry.order_id for entry in locked] == sorted(b.order_id for b in bookings)
    orm = MypageEntry.objects.filter(order_id__in=order_ids).order_by("order_id")
    assert list(map(columns, locked)) == list(map(columns, orm))
    assert entries_locked(order_ids=[]) == []
