"""Reads of guest accounts."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser

from apps.customer.models import GuestProfile


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
    """The profile of ``user_id`` with its user loaded (one query when a profile is stored).

    Unsaved defaults when the user has no profile yet; ``None`` when there is no such user.
    """
    profile = GuestProfile.objects.select_related("user").filter(user_id=user_id).first()
    if profile is not None:
        return profile
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        return None
    return GuestProfile(user=user, name=guest_default_name(user=user))
