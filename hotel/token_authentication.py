"""DRF's token authentication, with the key looked up by SQL written once.

``rest_framework.authentication.TokenAuthentication`` finds the key with
``Token.objects.select_related("user").get(key=key)``, and the ORM compiles that join anew on
every request: the largest fixed CPU cost of an authenticated API request in the booking
profile (``bench/booking_profile.py``). ``TokenLookupAuthentication`` runs the same lookup as
one statement built once per process, and builds the user from the row as the ORM's own
iterators do (``hotel.model_rows``), without a ``RawQuerySet`` re-deriving the row's layout
on every request (which py-spy showed under load). It keeps DRF's behaviour otherwise: the
``Authorization: Token <key>`` header, the same 401 answers for an unknown key and for an
inactive user, and ``(user, token)`` as the result.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.contrib.auth import get_user_model
from django.db import connections, router
from django.db.models import Model
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from hotel.model_rows import ModelRows


@dataclass(frozen=True)
class _UserLookup:
    sql: str
    users: ModelRows


@cache
def _user_lookup(user_model: type[Model], token_model: type[Model], alias: str) -> _UserLookup:
    user, token = user_model._meta, token_model._meta
    users = ModelRows(user_model, table="user", alias=alias)
    return _UserLookup(
        sql=(
            f'SELECT {users.columns} FROM "{user.db_table}" AS "user" '
            f'JOIN "{token.db_table}" AS "token" '
            f'ON "token"."{token.get_field("user").column}" = "user"."{user.pk.column}" '
            f'WHERE "token"."{token.get_field("key").column}" = %s'
        ),
        users=users,
    )


class TokenLookupAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key: str):
        token_model = self.get_model()
        user_model = get_user_model()
        alias = router.db_for_read(user_model)
        lookup = _user_lookup(user_model, token_model, alias)
        with connections[alias].cursor() as cursor:
            cursor.execute(lookup.sql, [key])
            row = cursor.fetchone()
        if row is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        user = lookup.users.instance(row)
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        # The token as the database has it, its other fields (``created``) deferred: loaded
        # on first access, which nothing on a request's path makes.
        token = token_model.from_db(alias, ["key", "user_id"], [key, user.pk])
        token.user = user
        return user, token
