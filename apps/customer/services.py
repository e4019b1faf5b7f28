"""Writes of guest accounts: sign-up, profile changes, API tokens.

Each raises ``CustomerError`` with a code from ``CustomerErrorCode`` and, where one field is
at fault, ``details={field: [message, ...]}`` (the same shape as a serializer's field errors).
"""

from typing import Any

from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.models import AbstractBaseUser, AbstractUser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from apps.customer.dtos import GuestContact
from apps.customer.errors import CustomerError, CustomerErrorCode
from apps.customer.models import GuestProfile, Language
from apps.customer.selectors import guest_default_name
from hotel.phone_numbers import phone_normalize

User = get_user_model()


def check_phone(*, phone: str) -> str:
    """The canonical digits of ``phone`` (empty stays empty), or ``invalid_phone``."""
    try:
        return phone_normalize(raw=phone)
    except ValidationError as exc:
        raise CustomerError(
            CustomerErrorCode.INVALID_PHONE, exc.messages[0], details={"phone": exc.messages}
        ) from exc


def check_email(*, email: str, exclude_user_id: int | None = None) -> str:
    """A well-formed e-mail address no other account uses (case-insensitively)."""
    email = User.objects.normalize_email(email.strip())
    try:
        validate_email(email)
    except ValidationError as exc:
        raise CustomerError(
            CustomerErrorCode.INVALID,
            exc.messages[0],
            details={"email": exc.messages},
        ) from exc
    taken = User.objects.filter(email__iexact=email)
    if exclude_user_id is not None:
        taken = taken.exclude(pk=exclude_user_id)
    if taken.exists():
        message = _("An account with this e-mail address already exists.")
        raise CustomerError(CustomerErrorCode.EMAIL_TAKEN, message, details={"email": [message]})
    return email


def _username_taken() -> CustomerError:
    message = _("This username is already taken.")
    return CustomerError(CustomerErrorCode.USERNAME_TAKEN, message, details={"username": [message]})


def _profile_full_clean(*, profile: GuestProfile) -> None:
    try:
        profile.full_clean(exclude=["user"], validate_unique=False)
    except ValidationError as exc:
        raise CustomerError(
            CustomerErrorCode.INVALID,
            _("The profile is not valid; see details for each field."),
            details=exc.message_dict,
        ) from exc


@transaction.atomic
def guest_sign_up(
    *,
    username: str,
    email: str,
    password: str,
    name: str,
    phone: str,
    language: str = Language.KOREAN,
) -> AbstractUser:
    """Create a guest: an active, non-staff user with a profile.

    Refuses a username or e-mail address already in use (case-insensitively), a password
    Django's ``AUTH_PASSWORD_VALIDATORS`` reject, and a phone that is not a Korean mobile number.
    """
    username = User.normalize_username(username.strip())
    if User.objects.filter(username__iexact=username).exists():
        raise _username_taken()
    email = check_email(email=email)
    phone = check_phone(phone=phone)
    profile = GuestProfile(name=name.strip(), phone=phone, language=language)
    _profile_full_clean(profile=profile)

    # Unsaved, so the similarity validator also compares the password with the guest's name.
    candidate = User(username=username, email=email, first_name=profile.name[:150])
    try:
        validate_password(password, user=candidate)
    except ValidationError as exc:
        raise CustomerError(
            CustomerErrorCode.WEAK_PASSWORD,
            _("This password is too weak."),
            details={"password": exc.messages},
        ) from exc

    try:
        with transaction.atomic():
            user = User.objects.create_user(username=username, email=email, password=password)
    except IntegrityError as exc:  # a concurrent sign-up won the race for the username
        raise _username_taken() from exc
    profile.user = user
    profile.save()
    return user


@transaction.atomic
def guest_profile_update(
    *,
    user: AbstractBaseUser,
    name: str | None = None,
    phone: str | None = None,
    email: str | None = None,
    language: str | None = None,
    kakao_opt_out: bool | None = None,
    email_opt_out: bool | None = None,
) -> GuestProfile:
    """Change the given fields of the user's profile (``None``: leave as is).

    ``phone=""`` removes the number (no KakaoTalk messages then). Creates the profile for a user
    who has none yet (staff or admin-made accounts). Takes the profile's row lock.
    """
    profile, _ = GuestProfile.objects.select_for_update().get_or_create(
        user=user, defaults={"name": guest_default_name(user=user)}
    )
    profile.user = user
    if email is not None:
        email = check_email(email=email, exclude_user_id=user.pk)
        if email != user.email:
            user.email = email
            user.save(update_fields=["email"])
    changes: dict[str, Any] = {
        "name": name.strip() if name is not None else None,
        "phone": check_phone(phone=phone) if phone is not None else None,
        "language": language,
        "kakao_opt_out": kakao_opt_out,
        "email_opt_out": email_opt_out,
    }
    changed = [field for field, value in changes.items() if value is not None]
    for field in changed:
        setattr(profile, field, changes[field])
    if changed:
        _profile_full_clean(profile=profile)
        profile.save(update_fields=[*changed, "updated_at"])
    return profile


@transaction.atomic
def guest_ensure_profile(*, user_id: int, name: str, phone: str) -> GuestContact:
    """Give an existing user a guest profile with this name and phone (demo data).

    Idempotent: an existing profile gets the name and phone. ``phone`` may be formatted
    (``010-1234-5678``); raises ``CustomerError`` when it is not a Korean mobile number.
    """
    user = User.objects.get(pk=user_id)
    return GuestContact.from_profile(guest_profile_update(user=user, name=name, phone=phone))


def guest_token_issue(*, user: AbstractBaseUser) -> str:
    """The user's API token (``Authorization: Token <key>``), created on first use."""
    token, _ = Token.objects.get_or_create(user=user)
    return token.key


@transaction.atomic
def guest_token_obtain(*, username: str, password: str) -> str:
    """The API token of the active account with these credentials, or ``invalid_credentials``.

    The same answer whether the username is unknown, the password wrong or the account
    disabled, so the endpoint does not reveal which accounts exist.
    """
    user = authenticate(username=username, password=password)
    if user is None:
        raise CustomerError(
            CustomerErrorCode.INVALID_CREDENTIALS,
            _("Unable to log in with the given username and password."),
        )
    return guest_token_issue(user=user)
