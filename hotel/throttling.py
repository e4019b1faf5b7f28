"""Rate limits whose rates come from the environment (``DEFAULT_THROTTLE_RATES``)."""

import hashlib

from django.core.exceptions import ImproperlyConfigured
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle, SimpleRateThrottle


class RateFromSettings:
    """Reads the scope's rate from ``DEFAULT_THROTTLE_RATES`` on every request.

    DRF's throttles copy the rates once at import, so ``override_settings`` in tests would not
    reach them; a rate of ``None`` (``THROTTLE_*_RATE=off``) switches the scope off.
    """

    scope: str | None

    def get_rate(self) -> str | None:
        try:
            return api_settings.DEFAULT_THROTTLE_RATES[self.scope]
        except KeyError as exc:
            raise ImproperlyConfigured(
                f"No DEFAULT_THROTTLE_RATES entry for the {self.scope!r} throttle scope."
            ) from exc


class SettingsScopedRateThrottle(RateFromSettings, ScopedRateThrottle):
    """``ScopedRateThrottle`` (the view's ``throttle_scope``; per user, else per client
    address) with its rate read from the settings on every request."""


class UsernameRateThrottle(RateFromSettings, SimpleRateThrottle):
    """Counts requests per ``username`` in the body, from any address (scope ``login_username``).

    The per-address login throttle stops one client guessing; this one stops many addresses
    guessing one account's password. Usernames are counted case-insensitively, as the login
    compares them. The cache key holds a digest of the username, not the username: a client
    writes it, and a control character or a long one made the key one the cache refuses.
    """

    scope = "login_username"

    def __init__(self) -> None:
        # SimpleRateThrottle reads the rate here; read it per request instead (allow_request).
        pass

    def allow_request(self, request, view) -> bool:
        self.rate = self.get_rate()
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view) -> str | None:
        data = request.data
        username = data.get("username") if hasattr(data, "get") else None
        if not isinstance(username, str) or not username.strip():
            return None  # nothing to count: the login refuses the body anyway
        # "surrogatepass": a JSON body may carry a lone surrogate ("\ud800"), which UTF-8 refuses.
        username = username.strip().casefold().encode("utf-8", "surrogatepass")
        ident = hashlib.sha256(username).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": ident}
