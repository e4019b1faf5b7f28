"""Plain, frozen data the customer context hands out (through ``api.py``).

Never model instances: other contexts get these and store ids, not foreign keys.
"""

from __future__ import annotations

from dataclasses import dataclass

from apps.customer.models import GuestProfile


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

    @classmethod
    def from_profile(cls, profile: GuestProfile) -> GuestContact:
        """The contact of a profile (stored or unsaved defaults) with its user loaded."""
        return cls(
            user_id=profile.user_id,
            name=profile.name,
            phone=profile.phone,
            language=profile.language,
            kakao_opt_out=profile.kakao_opt_out,
            email_opt_out=profile.email_opt_out,
            email=profile.user.email,
        )
