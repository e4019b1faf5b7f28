import pytest
from rest_framework.test import APIClient

from tests.customer.factories import GuestProfileFactory


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def guest_minji():
    """A guest with a profile: the name and phone the expected messages and masks show."""
    return GuestProfileFactory(name="김민지", phone="01012345678").user


@pytest.fixture(autouse=True)
def kakao_outbox(settings):
    """KakaoTalk messages go to the locmem outbox (e-mail off unless a test turns it on)."""
    from hotel.notification_channels import locmem

    settings.NOTIFICATION_BACKEND = "locmem"
    settings.NOTIFICATION_CHANNELS = ["kakao"]
    locmem.outbox.clear()
    yield locmem.outbox
    locmem.outbox.clear()
