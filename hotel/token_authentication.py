"""DRF's token authentication, with the key looked up by SQL written once.

``rest_framework.authentication.TokenAuthentication`` finds the key with
``Token.objects.select_related("user").get(key=key)``, and the ORM compiles that join anew on
every request: ~0.8 ms of CPU, the largest fixed cost of an authenticated API request
(``bench/booking_profile.py``). ``TokenLookupAuthentication`` runs the same lookup as one
statement built once per process (``raw()`` on the user model: ~0.3 ms) and keeps DRF's
behaviour otherwise: the ``Authorization: Token <key>`` header, the same 401 answers for an
unknown key and for an inactive user, and ``(user, token)`` as the result.
"""

from __future__ import annotations

from functools import cache

from django.contrib.auth import get_user_model
from django.db.models import Model
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication


@cache
def _user_by_token_sql(user_model: type[Model], token_model: type[Model]) -> str:
    user, token = user_model._meta, token_model._meta
    return (
        f'SELECT "user".* FROM "{user.db_table}" AS "user" '
        f'JOIN "{token.db_table}" AS "token" '
        f'ON "token"."{token.get_field("user").column}" = "user"."{user.pk.column}" '
        f'WHERE "token"."{token.get_field("key").column}" = %s'
    )


class TokenLookupAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key: str):
        token_model = self.get_model()
        user_model = get_user_model()
        sql = _user_by_token_sql(user_model, token_model)
        user = next(iter(user_model._default_manager.raw(sql, [key])), None)
        if user is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        # The token as the database has it, its other fields (``created``) deferred: loaded
        # on first access, which nothing on a request's path makes.
        token = token_model.from_db(user._state.db, ["key", "user_id"], [key, user.pk])
        token.user = user
        return user, token
