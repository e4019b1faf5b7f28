"""Rate limits (scoped throttles whose rates come from the environment)."""

from django.core.exceptions import ImproperlyConfigured
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle


class SettingsScopedRateThrottle(ScopedRateThrottle):
    """``ScopedRateThrottle`` that reads ``DEFAULT_THROTTLE_RATES`` on every request.

    DRF's class copies the rates once at import, so ``override_settings`` in tests would not
    reach it; a rate of ``None`` (``THROTTLE_*_RATE=off``) switches the scope off.
    """

    def get_rate(self) -> str | None:
        try:
            return api_settings.DEFAULT_THROTTLE_RATES[self.scope]
        except KeyError as exc:
            raise ImproperlyConfigured(
                f"No DEFAULT_THROTTLE_RATES entry for the {self.scope!r} throttle scope."
            ) from exc
