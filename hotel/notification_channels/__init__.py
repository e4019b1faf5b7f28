"""The channel port: how a rendered message leaves, chosen by settings like Django's e-mail
backends. Shared by every context that writes to people: the guests' messages (customer) and
the hotels' (reservations) leave through the same adapters and settings.

``NOTIFICATION_BACKEND`` picks the KakaoTalk adapter: ``console`` (default: logs the message
as its reader reads it), ``locmem`` (tests: keeps messages in ``locmem.outbox``), ``alimtalk``
(NHN Cloud AlimTalk HTTP API), or the dotted path of any class with ``send(message)``. E-mail is
the second channel and goes through Django's mail backend (``EMAIL_URL``).
``NOTIFICATION_CHANNELS`` lists the channels messages go out on.

An adapter returns ``SendResult`` or raises ``ChannelError``; the caller logs the outcome and
lets the outbox retry. Every message carries an ``idempotency_key`` (the same on every attempt)
for adapters whose provider can use it. Nothing here knows who the reader is: the callers
choose the recipient, render the text and keep the message log.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

BACKEND_ALIASES = {
    "console": "hotel.notification_channels.console.ConsoleBackend",
    "locmem": "hotel.notification_channels.locmem.LocmemBackend",
    "alimtalk": "hotel.notification_channels.alimtalk.AlimtalkBackend",
}
EMAIL_BACKEND_PATH = "hotel.notification_channels.email.EmailChannelBackend"

#: The channels, by the name ``NOTIFICATION_CHANNELS`` and the message logs use.
KAKAO = "kakao"
EMAIL = "email"
CHANNEL_CHOICES = [(KAKAO, _("KakaoTalk")), (EMAIL, _("E-mail"))]


@dataclass(frozen=True, kw_only=True)
class OutgoingMessage:
    """A message ready to leave: rendered text plus what a template provider needs."""

    idempotency_key: str
    kind: str
    channel: str  # "kakao" | "email"
    language: str
    #: Digits of a mobile number (KakaoTalk) or an e-mail address.
    recipient: str
    recipient_masked: str
    template_code: str
    parameters: Mapping[str, str] = field(default_factory=dict)
    title: str
    body: str


@dataclass(frozen=True)
class SendResult:
    provider_message_id: str = ""


class ChannelError(Exception):
    """The message was not (known to be) delivered to the provider; the send is retried."""


class ChannelBackend(Protocol):
    def send(self, message: OutgoingMessage) -> SendResult: ...


_backends: dict[str, ChannelBackend] = {}


def enabled_channels() -> list[str]:
    """The channels messages go out on (``NOTIFICATION_CHANNELS``), in their configured order."""
    return [channel for channel in settings.NOTIFICATION_CHANNELS if channel in (KAKAO, EMAIL)]


def email_mask(*, email: str) -> str:
    """``minji@example.com`` -> ``mi***@example.com``, for message logs and lists."""
    if not email:
        return ""
    local, _, domain = email.partition("@")
    return f"{local[:2]}***@{domain}"


def backend_for(channel: str) -> ChannelBackend:
    """The configured adapter of ``channel`` ("kakao" or "email"), one instance per process."""
    path = EMAIL_BACKEND_PATH if channel == EMAIL else _kakao_backend_path()
    backend = _backends.get(path)
    if backend is None:
        backend = _backends[path] = import_string(path)()
    return backend


def _kakao_backend_path() -> str:
    configured = settings.NOTIFICATION_BACKEND
    return BACKEND_ALIASES.get(configured, configured)


def reset_backends() -> None:
    """Forget the adapters built so far (after a settings change); closes their clients."""
    for backend in _backends.values():
        close = getattr(backend, "close", None)
        if close is not None:
            close()
    _backends.clear()


@receiver(setting_changed)
def _settings_changed(*, setting: str, **kwargs) -> None:
    if setting.startswith(("NOTIFICATION_", "ALIMTALK_", "EMAIL_")):
        reset_backends()
