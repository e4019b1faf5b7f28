import pytest
from django.conf import settings


def pytest_collection_modifyitems(config, items):
    if not settings.DATABASE_IS_SQLITE:
        return
    skip = pytest.mark.skip(
        reason="needs PostgreSQL (row locks, SKIP LOCKED, LISTEN/NOTIFY or real concurrency); "
        "set DATABASE_URL=postgres://... to run it"
    )
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)
