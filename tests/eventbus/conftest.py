import pytest


@pytest.fixture(autouse=True)
def long_backoff(settings):
    """Retries wait a minute: a test sees a delivery backing off however slow the machine is,
    and makes it due itself (``available_at``) when it wants the retry."""
    settings.OUTBOX = {
        **settings.OUTBOX,
        "BACKOFF_BASE_SECONDS": 60.0,
        "BACKOFF_MAX_SECONDS": 600.0,
    }
