import pytest
from pytest_httpserver import HTTPServer

from apps.payments.gateway import reset_payment_provider


@pytest.fixture(scope="session")
def make_httpserver():
    """A threaded local provider: a slow answer to one request must not delay the next one,
    and each request is logged when it is answered."""
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()


@pytest.fixture(autouse=True)
def fresh_payment_provider():
    """Each test starts with a closed circuit and an empty bulkhead."""
    reset_payment_provider()
    yield
    reset_payment_provider()


@pytest.fixture
def toss_settings(settings, httpserver):
    """Point the gateway at the local provider with a short timeout and a small breaker."""
    settings.PAYMENT_PROVIDER = "toss"
    settings.PAYMENT_TOSS_BASE_URL = httpserver.url_for("/")
    settings.PAYMENT_TOSS_SECRET_KEY = "test_sk_local"
    settings.PAYMENT_TIMEOUT_MS = 300
    settings.PAYMENT_BREAKER_FAILURES = 3
    settings.PAYMENT_BREAKER_RESET_SECONDS = 0.5
    settings.PAYMENT_MAX_CONCURRENT_CALLS = 50
    return settings
