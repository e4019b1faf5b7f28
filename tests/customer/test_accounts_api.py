"""The account API: sign-up, token login, own profile, throttling."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import NotAuthenticated
from rest_framework.fields import Field
from rest_framework.settings import api_settings

from apps.customer.models import GuestProfile
from hotel.phone_numbers import INVALID_PHONE_MESSAGE
from hotel.throttling import SettingsScopedRateThrottle
from tests.customer.factories import GuestProfileFactory
from tests.user_factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

User = get_user_model()

SIGNUP = "/api/accounts/signup/"
TOKEN = "/api/accounts/token/"
ME = "/api/accounts/me/"
INVALID_MESSAGE = "The request is not valid; see details for each field."


def signup_body(**overrides):
    return {
        "username": "minji",
        "email": "minji@example.com",
        "password": PASSWORD,
        "name": "김민지",
        "phone": "010-1234-5678",
        **overrides,
    }


def required() -> str:
    return str(Field.default_error_messages["required"])


def password_messages(password: str, **user_fields) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        validate_password(password, user=User(**user_fields))
    return caught.value.messages


def assert_no_account_created() -> None:
    assert User.objects.count() == 0
    assert GuestProfile.objects.count() == 0
    assert Token.objects.count() == 0


# --- sign-up --------------------------------------------------------------------------------


def test_sign_up_creates_user_profile_and_token(api_client):
    response = api_client.post(SIGNUP, signup_body(), format="json")

    assert response.status_code == 201
    user = User.objects.get()
    token = Token.objects.get()
    assert response.json() == {
        "token": token.key,
        "profile": {
            "user_id": user.pk,
            "username": "minji",
            "email": "minji@example.com",
            "name": "김민지",
            "phone": "01012345678",
            "language": "ko",
            "kakao_opt_out": False,
            "email_opt_out": False,
        },
    }
    assert token.user == user
    assert user.check_password(PASSWORD)
    assert (user.is_active, user.is_staff, user.is_superuser) == (True, False, False)
    profile = GuestProfile.objects.get()
    assert (profile.user, profile.name, profile.phone) == (user, "김민지", "01012345678")


def test_sign_up_accepts_english_as_preferred_language(api_client):
    response = api_client.post(SIGNUP, signup_body(language="en"), format="json")

    assert response.status_code == 201
    assert response.json()["profile"]["language"] == "en"
    assert GuestProfile.objects.get().language == "en"


def test_the_new_token_authenticates(api_client):
    token = api_client.post(SIGNUP, signup_body(), format="json").json()["token"]

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = api_client.get(ME)

    assert response.status_code == 200
    assert response.json()["username"] == "minji"


def test_sign_up_with_missing_fields_names_each_field(api_client):
    response = api_client.post(SIGNUP, {}, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "message": INVALID_MESSAGE,
        "details": {
            field: [required()] for field in ("username", "email", "password", "name", "phone")
        },
    }
    assert_no_account_created()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("email", "not-an-email"),
        ("username", "has space"),
        ("language", "fr"),
        ("name", "x" * 51),
    ],
)
def test_sign_up_with_a_malformed_field_is_invalid_and_names_it(api_client, field, value):
    response = api_client.post(SIGNUP, signup_body(**{field: value}), format="json")

    assert response.status_code == 400
    body = response.json()
    assert (body["code"], body["message"], list(body["details"])) == (
        "invalid",
        INVALID_MESSAGE,
        [field],
    )
    assert len(body["details"][field]) == 1
    assert_no_account_created()


@pytest.mark.parametrize("username", ["minji", "MinJi"])
def test_sign_up_with_a_taken_username_is_username_taken(api_client, username):
    UserFactory(username="minji", email="first@example.com")

    # No Accept-Language: the project's language, Korean.
    response = api_client.post(SIGNUP, signup_body(username=username), format="json")

    assert response.status_code == 400
    assert response.json() == {
        "code": "username_taken",
        "message": "이미 사용 중인 사용자 이름입니다.",
        "details": {"username": ["이미 사용 중인 사용자 이름입니다."]},
    }
    assert User.objects.count() == 1
    assert GuestProfile.objects.count() == 0


def test_sign_up_with_a_taken_email_is_email_taken(api_client):
    UserFactory(username="someone", email="MINJI@example.com")

    response = api_client.post(SIGNUP, signup_body(), format="json", HTTP_ACCEPT_LANGUAGE="en")

    message = "An account with this e-mail address already exists."
    assert response.status_code == 400
    assert response.json() == {
        "code": "email_taken",
        "message": message,
        "details": {"email": [message]},
    }
    assert User.objects.count() == 1


def test_sign_up_with_a_weak_password_is_weak_password_with_every_reason(api_client):
    response = api_client.post(
        SIGNUP, signup_body(password="12345"), format="json", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 400
    with translation.override("en"):
        reasons = password_messages("12345")
    assert response.json() == {
        "code": "weak_password",
        "message": "This password is too weak.",
        "details": {"password": reasons},
    }
    assert len(response.json()["details"]["password"]) == 3  # short, common, numeric
    assert_no_account_created()


def test_sign_up_with_a_password_like_the_username_is_weak_password(api_client):
    body = signup_body(username="haneul.park", password="haneul.park")

    response = api_client.post(SIGNUP, body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "weak_password"
    assert response.json()["details"] == {
        "password": password_messages("haneul.park", username="haneul.park")
    }
    assert_no_account_created()


@pytest.mark.parametrize("phone", ["02-123-4567", "010-123-4567", "1234", "010-1234-56789", "전화"])
def test_sign_up_with_a_bad_phone_is_invalid_phone(api_client, phone):
    response = api_client.post(SIGNUP, signup_body(phone=phone), format="json")

    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid_phone",
        "message": str(INVALID_PHONE_MESSAGE),
        "details": {"phone": [str(INVALID_PHONE_MESSAGE)]},
    }
    assert_no_account_created()


def test_sign_up_does_not_need_csrf_even_with_a_session():
    # A browser that already has a session cookie can still sign up without a CSRF token.
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(UserFactory())

    response = browser.post(SIGNUP, signup_body(), content_type="application/json")

    assert response.status_code == 201


# --- token login ----------------------------------------------------------------------------


def test_token_login_returns_the_accounts_token(api_client):
    user = UserFactory(username="minji")

    response = api_client.post(TOKEN, {"username": "minji", "password": PASSWORD}, format="json")

    assert response.status_code == 200
    assert response.json() == {"token": Token.objects.get(user=user).key}
    again = api_client.post(TOKEN, {"username": "minji", "password": PASSWORD}, format="json")
    assert again.json() == response.json()
    assert Token.objects.count() == 1


INVALID_CREDENTIALS = {
    "code": "invalid_credentials",
    "message": "Unable to log in with the given username and password.",
    "details": {},
}


@pytest.mark.parametrize(
    ("username", "password"),
    [("minji", "wrong-password"), ("nobody", PASSWORD), ("disabled", PASSWORD)],
)
def test_token_login_failure_is_invalid_credentials_without_saying_why(
    api_client, username, password
):
    UserFactory(username="minji")
    UserFactory(username="disabled", is_active=False)

    body = {"username": username, "password": password}
    response = api_client.post(TOKEN, body, format="json", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert response.json() == INVALID_CREDENTIALS
    assert Token.objects.count() == 0


def test_token_login_with_missing_fields_is_invalid(api_client):
    response = api_client.post(TOKEN, {"username": "minji"}, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "message": INVALID_MESSAGE,
        "details": {"password": [required()]},
    }


# --- throttling -----------------------------------------------------------------------------


def rates(**changes):
    return {**api_settings.DEFAULT_THROTTLE_RATES, **changes}


@pytest.fixture
def frozen_throttle_clock(monkeypatch):
    monkeypatch.setattr(SettingsScopedRateThrottle, "timer", lambda self: 1_000_000.0)


def test_login_over_the_rate_is_429_with_the_error_shape_and_retry_after(
    api_client, settings, frozen_throttle_clock
):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": rates(login="2/min"),
    }
    UserFactory(username="minji")
    body = {"username": "minji", "password": "wrong-password"}

    answers = [api_client.post(TOKEN, body, format="json") for _ in range(3)]

    assert [answer.status_code for answer in answers] == [400, 400, 429]
    throttled = answers[2]
    assert throttled["Retry-After"] == "60"
    assert throttled.json() == {
        "code": "throttled",
        "message": throttled.json()["message"],
        "details": {"retry_after_seconds": 60},
    }
    assert "60" in throttled.json()["message"]
    # The right password does not get through either while throttled.
    good = api_client.post(TOKEN, {"username": "minji", "password": PASSWORD}, format="json")
    assert good.status_code == 429
    assert Token.objects.count() == 0


def test_login_throttle_counts_per_client_address(api_client, settings, frozen_throttle_clock):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": rates(login="1/min"),
    }
    UserFactory(username="minji")
    body = {"username": "minji", "password": PASSWORD}

    first = api_client.post(TOKEN, body, format="json", REMOTE_ADDR="10.0.0.1")
    second = api_client.post(TOKEN, body, format="json", REMOTE_ADDR="10.0.0.1")
    other = api_client.post(TOKEN, body, format="json", REMOTE_ADDR="10.0.0.2")

    assert [first.status_code, second.status_code, other.status_code] == [200, 429, 200]


def test_sign_up_over_the_rate_is_429_and_creates_nothing_more(
    api_client, settings, frozen_throttle_clock
):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": rates(signup="1/hour"),
    }

    first = api_client.post(SIGNUP, signup_body(), format="json")
    second = api_client.post(
        SIGNUP, signup_body(username="other", email="other@example.com"), format="json"
    )

    assert (first.status_code, second.status_code) == (201, 429)
    assert second["Retry-After"] == "3600"
    assert second.json()["code"] == "throttled"
    assert second.json()["details"] == {"retry_after_seconds": 3600}
    assert list(User.objects.values_list("username", flat=True)) == ["minji"]


def test_a_rate_of_none_switches_the_throttle_off(api_client, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": rates(login=None, login_username=None),
    }
    UserFactory(username="minji")
    body = {"username": "minji", "password": PASSWORD}

    codes = {api_client.post(TOKEN, body, format="json").status_code for _ in range(30)}

    assert codes == {200}


# --- own profile ----------------------------------------------------------------------------


def test_me_returns_only_the_callers_profile(api_client):
    mine = GuestProfileFactory(name="김민지", phone="01012345678", user__username="minji")
    GuestProfileFactory(name="이서준", phone="01099998888")
    api_client.force_authenticate(mine.user)

    response = api_client.get(ME)

    assert response.status_code == 200
    assert response.json() == {
        "user_id": mine.user.pk,
        "username": "minji",
        "email": "minji@example.com",
        "name": "김민지",
        "phone": "01012345678",
        "language": "ko",
        "kakao_opt_out": False,
        "email_opt_out": False,
    }


def test_me_for_an_account_without_a_profile_shows_defaults_and_stores_nothing(api_client):
    user = UserFactory(username="staffer", first_name="Jiwoo", last_name="Han")
    api_client.force_authenticate(user)

    response = api_client.get(ME)

    assert response.status_code == 200
    assert response.json()["name"] == "Jiwoo Han"
    assert (response.json()["phone"], response.json()["language"]) == ("", "ko")
    assert GuestProfile.objects.count() == 0


def test_me_patch_changes_only_the_given_fields_of_the_callers_profile(api_client):
    mine = GuestProfileFactory(name="김민지", phone="01012345678", user__username="minji")
    other = GuestProfileFactory(name="이서준", phone="01099998888")
    api_client.force_authenticate(mine.user)

    response = api_client.patch(
        ME,
        {"phone": "011-123-4567", "language": "en", "kakao_opt_out": True},
        format="json",
    )

    assert response.status_code == 200
    assert response.json() == {
        "user_id": mine.user.pk,
        "username": "minji",
        "email": "minji@example.com",
        "name": "김민지",
        "phone": "0111234567",
        "language": "en",
        "kakao_opt_out": True,
        "email_opt_out": False,
    }
    mine.refresh_from_db()
    other.refresh_from_db()
    assert (mine.name, mine.phone, mine.language, mine.kakao_opt_out) == (
        "김민지",
        "0111234567",
        "en",
        True,
    )
    assert (other.name, other.phone, other.language, other.kakao_opt_out) == (
        "이서준",
        "01099998888",
        "ko",
        False,
    )


def test_me_patch_with_token_auth_changes_email_and_can_remove_the_phone(api_client):
    mine = GuestProfileFactory(user__username="minji")
    token = Token.objects.create(user=mine.user)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    response = api_client.patch(ME, {"email": "new@example.com", "phone": ""}, format="json")

    assert response.status_code == 200
    assert (response.json()["email"], response.json()["phone"]) == ("new@example.com", "")
    mine.refresh_from_db()
    mine.user.refresh_from_db()
    assert (mine.phone, mine.user.email) == ("", "new@example.com")


def test_me_patch_with_a_bad_phone_is_invalid_phone_and_changes_nothing(api_client):
    mine = GuestProfileFactory(name="김민지", phone="01012345678")
    api_client.force_authenticate(mine.user)

    response = api_client.patch(ME, {"name": "민지", "phone": "02-123-4567"}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_phone"
    mine.refresh_from_db()
    assert (mine.name, mine.phone) == ("김민지", "01012345678")


def test_me_patch_with_another_accounts_email_is_email_taken(api_client):
    UserFactory(email="taken@example.com")
    mine = GuestProfileFactory()
    api_client.force_authenticate(mine.user)

    response = api_client.patch(ME, {"email": "Taken@example.com"}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "email_taken"
    mine.user.refresh_from_db()
    assert mine.user.email != "taken@example.com"


def test_me_patch_with_a_blank_name_is_invalid(api_client):
    mine = GuestProfileFactory(name="김민지")
    api_client.force_authenticate(mine.user)

    response = api_client.patch(ME, {"name": ""}, format="json")

    assert response.status_code == 400
    assert (response.json()["code"], list(response.json()["details"])) == ("invalid", ["name"])


@pytest.mark.parametrize("method", ["get", "patch"])
def test_anonymous_me_is_refused_with_not_authenticated(api_client, method):
    GuestProfileFactory()

    response = getattr(api_client, method)(ME, {"name": "x"}, format="json")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {
        "code": "not_authenticated",
        "message": str(NotAuthenticated.default_detail),
        "details": {},
    }


def test_anonymous_with_a_bad_token_is_refused(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    response = api_client.get(ME)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["code"] == "authentication_failed"
