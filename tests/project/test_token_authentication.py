"""hotel.token_authentication: DRF's token authentication, the lookup in one statement."""

import datetime

import pytest
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.test import APIClient

from hotel.token_authentication import TokenLookupAuthentication
from tests.user_factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_key_gives_its_user_and_token_in_one_statement_as_drf_would(
    django_assert_num_queries,
):
    token = Token.objects.create(user=UserFactory())
    for other in UserFactory.create_batch(2):  # other accounts, with tokens of their own
        Token.objects.create(user=other)

    with django_assert_num_queries(1):
        user, found = TokenLookupAuthentication().authenticate_credentials(token.key)

    drf_user, drf_token = TokenAuthentication().authenticate_credentials(token.key)
    # Every column, as the ORM converts it (datetimes and booleans on SQLite included).
    values = {field.attname: getattr(user, field.attname) for field in user._meta.concrete_fields}
    assert values == {
        field.attname: getattr(drf_user, field.attname) for field in drf_user._meta.concrete_fields
    }
    assert isinstance(values["date_joined"], datetime.datetime)
    assert values["is_active"] is True
    assert not user._state.adding
    assert user._state.db == drf_user._state.db
    assert (found.key, found.user_id, found.created) == (
        drf_token.key,
        drf_token.user_id,
        drf_token.created,
    )
    assert found.user is user


def test_an_unknown_key_is_refused_as_drf_refuses_it():
    Token.objects.create(user=UserFactory())

    with pytest.raises(AuthenticationFailed) as ours:
        TokenLookupAuthentication().authenticate_credentials("0" * 40)
    with pytest.raises(AuthenticationFailed) as drfs:
        TokenAuthentication().authenticate_credentials("0" * 40)

    assert str(ours.value.detail) == str(drfs.value.detail)
    assert ours.value.detail.code == drfs.value.detail.code == "authentication_failed"


def test_an_inactive_users_key_is_refused_as_drf_refuses_it():
    token = Token.objects.create(user=UserFactory(is_active=False))

    with pytest.raises(AuthenticationFailed) as ours:
        TokenLookupAuthentication().authenticate_credentials(token.key)
    with pytest.raises(AuthenticationFailed) as drfs:
        TokenAuthentication().authenticate_credentials(token.key)
    with pytest.raises(AuthenticationFailed) as unknown:
        TokenLookupAuthentication().authenticate_credentials("0" * 40)

    assert str(ours.value.detail) == str(drfs.value.detail)
    assert str(ours.value.detail) != str(unknown.value.detail)  # says "inactive", not "invalid"


def test_the_api_authenticates_a_token_header_with_it():
    user = UserFactory()
    token = Token.objects.create(user=user)
    client = APIClient()

    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = client.get("/api/accounts/me/")
    client.credentials(HTTP_AUTHORIZATION=f"Token {'1' * 40}")
    refused = client.get("/api/accounts/me/")

    assert response.status_code == 200
    assert response.wsgi_request.user == user
    assert refused.status_code == 401
    assert refused.json()["code"] == "authentication_failed"
