"""Reads: guest accounts, mypage entries, the notification log."""

from collections.abc import Collection

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from apps.customer.dtos import GuestContact
from apps.customer.models import GuestProfile, MypageEntry, Notification
from apps.customer.queries import GuestMypage, mypage_entry_with_timeline, users_with_profiles


def guest_default_name(*, user: AbstractBaseUser) -> str:
    """The display name of a user who never filled in a profile (staff, admin-made users)."""
    full_name = user.get_full_name().strip() if hasattr(user, "get_full_name") else ""
    return (full_name or user.get_username())[:50]


def guest_profile_for(*, user: AbstractBaseUser) -> GuestProfile:
    """The user's profile; an unsaved one with defaults when none was stored yet."""
    profile = GuestProfile.objects.filter(user=user).first()
    if profile is None:
        profile = GuestProfile(user=user, name=guest_default_name(user=user))
    return profile


def guest_profile_by_user_id(*, user_id: int) -> GuestProfile | None:
    """The profile of ``user_id`` with its user loaded (one query).

    Unsaved defaults when the user has no profile yet; ``None`` when there is no such user.
    """
    return guest_profiles_by_user_ids(user_ids=[user_id]).get(user_id)


def guest_profiles_by_user_ids(*, user_ids: Collection[int]) -> dict[int, GuestProfile]:
    """The profiles of ``user_ids`` by user id, each with its user loaded, in one query (the
    users with their profiles joined).

    Unsaved defaults for a user without a profile yet; a user id with no user is left out.
    """
    profiles = {}
    for user, profile in users_with_profiles(user_ids=user_ids):
        if profile is None:
            profile = GuestProfile(user=user, name=guest_default_name(user=user))
        profiles[user.pk] = profile
    return profiles


def guest_contact(*, user_id: int) -> GuestContact | None:
    """The guest's contact details and channel opt-outs; ``None`` when there is no such user.

    A user without a stored profile (e.g. made in admin) gets defaults: name from the account,
    no phone, Korean, no opt-outs.
    """
    profile = guest_profile_by_user_id(user_id=user_id)
    return None if profile is None else GuestContact.from_profile(profile)


def guest_contacts(*, user_ids: Collection[int]) -> dict[int, GuestContact]:
    """``guest_contact`` of many guests at once, by user id, in one query (for batch handlers).

    Users without a stored profile get the same defaults as there; user ids with no user are
    not in the answer.
    """
    profiles = guest_profiles_by_user_ids(user_ids=user_ids)
    return {user_id: GuestContact.from_profile(profile) for user_id, profile in profiles.items()}


# --- Mypage and notifications ---------------------------------------------------------------


def mypage_list(*, guest_id: int) -> QuerySet[MypageEntry]:
    """The guest's bookings, newest first (reads the ``mypage_by_guest`` index), as a query
    set to filter."""
    return MypageEntry.objects.filter(guest_id=guest_id).order_by("-booked_at", "-order_id")


def mypage_pages(*, guest_id: int) -> GuestMypage:
    """The guest's bookings, newest first, read a page at a time: the unfiltered mypage, by a
    statement written once (``apps.customer.queries``)."""
    return GuestMypage(guest_id=guest_id)


def mypage_get(*, guest_id: int, order_id: int) -> MypageEntry | None:
    """One of the guest's bookings, its timeline in order in ``timeline_in_order``; ``None``
    when it is not this guest's. One query, written once (``apps.customer.queries``): the
    mypage's detail is read far more than it changes."""
    return mypage_entry_with_timeline(guest_id=guest_id, order_id=order_id)


def notification_list(*, guest_id: int) -> QuerySet[Notification]:
    """The guest's own message log, newest first."""
    return Notification.objects.filter(guest_id=guest_id).order_by("-created_at", "-id")
