"""The customer context's published interface: the only module other contexts may call.

Data leaves as frozen dataclasses, never model instances.
"""

from collections.abc import Collection
from dataclasses import dataclass

from apps.customer.models import GuestProfile
from apps.customer.selectors import guest_profile_by_user_id, guest_profiles_by_user_ids
from apps.customer.services import guest_ensure_profile as _guest_ensure_profile

__all__ = ["GuestContact", "guest_contact", "guest_contacts", "guest_ensure_profile"]


@dataclass(frozen=True, slots=True)
class GuestContact:
    """How to reach a guest. ``phone`` is digits only (``01012345678``) or empty (no number)."""

    user_id: int
    name: str
    phone: str
    language: str  # "ko" | "en"
    kakao_opt_out: bool
    email_opt_out: bool
    email: str


def _contact(profile: GuestProfile) -> GuestContact:
    return GuestContact(
        user_id=profile.user_id,
        name=profile.name,
        phone=profile.phone,
        language=profile.language,
        kakao_opt_out=profile.kakao_opt_out,
        email_opt_out=profile.email_opt_out,
        email=profile.user.email,
    )


def guest_contact(*, user_id: int) -> GuestContact | None:
    """The guest's contact details and channel opt-outs; ``None`` when there is no such user.

    A user without a stored profile (e.g. made in admin) gets defaults: name from the account,
    no phone, Korean, no opt-outs.
    """
    profile = guest_profile_by_user_id(user_id=user_id)
    return None if profile is None else _contact(profile)


def guest_contacts(*, user_ids: Collection[int]) -> dict[int, GuestContact]:
    """``guest_contact`` of many guests at once, by user id, in one query (for batch handlers).

    Users without a stored profile get the same defaults as there; user ids with no user are
    not in the answer.
    """
    profiles = guest_profiles_by_user_ids(user_ids=user_ids)
    return {user_id: _contact(profile) for user_id, profile in profiles.items()}


def guest_ensure_profile(*, user_id: int, name: str, phone: str) -> GuestContact:
    """Give an existing user a guest profile with this name and phone (demo data).

    Idempotent: an existing profile gets the name and phone. ``phone`` may be formatted
    (``010-1234-5678``); raises ``CustomerError`` when it is not a Korean mobile number.
    """
    return _contact(_guest_ensure_profile(user_id=user_id, name=name, phone=phone))
