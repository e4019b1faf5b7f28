"""A database that drops the worker's connections: the worker picks up where it was at once.

The connections are ended the way a restart ends them (``pg_terminate_backend``), on the real
server: a round cut off mid-way gives its deliveries back instead of leaving them leased for
the whole lease, and the LISTEN connection comes back instead of failing on every wait.
"""

import threading
import time

import psycopg
import pytest
from django.db import connection

from hotel.eventbus import EventMeta, subscribe
from hotel.eventbus.models import Delivery
from hotel.eventbus.subscriptions import unsubscribe
from hotel.eventbus.wakeup import ListenWakeup, Wakeup
from hotel.eventbus.worker import OutboxWorker
from tests.eventbus.helpers import publish_pings
from tests.outbox_probe.events import Pinged
from tests.outbox_probe.models import Effect

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


def admin_connection() -> psycopg.Connection:
    params = connection.get_connection_params()
    return psycopg.connect(
        host=params.get("host") or "127.0.0.1",
        port=params.get("port") or 5432,
        user=params["user"],
        dbname="postgres",
        autocommit=True,
    )


def allow_connections(allowed: bool) -> None:
    name = psycopg.sql.Identifier(connection.settings_dict["NAME"])
    with admin_connection() as admin:
        admin.execute(
            psycopg.sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS {}").format(
                name, psycopg.sql.Literal(allowed)
            )
        )


@pytest.fixture
def database_that_goes_away_mid_round():
    """A handler whose first call takes the database away from the worker, as a restart
    does: new sessions are refused, then its own session is ended. The test lets them back."""
    calls = []

    def go_away_once(event: Pinged, meta: EventMeta) -> None:
        calls.append(meta.sequence)
        if len(calls) == 1:
            allow_connections(False)
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")

    subscribe(Pinged, name="probe.database_goes_away")(go_away_once)
    yield calls
    unsubscribe(Pinged, name="probe.database_goes_away")
    allow_connections(True)


def test_a_round_cut_off_by_the_database_gives_its_deliveries_back(
    settings, caplog, database_that_goes_away_mid_round
):
    # A lease far longer than the test: only giving back makes the deliveries claimable again.
    settings.OUTBOX = {**settings.OUTBOX, "LEASE_SECONDS": 3600, "POLL_SECONDS": 0.05}
    publish_pings("a", 2)

    def work_until_idle() -> None:
        try:
            OutboxWorker(name="restarted-under").run(until_idle=True)
        finally:
            connection.close()  # this thread's own

    worker = threading.Thread(target=work_until_idle, daemon=True)
    worker.start()

    deadline = time.monotonic() + 30
    while "outbox round failed" not in caplog.text:
        assert time.monotonic() < deadline, "the round was never cut off"
        time.sleep(0.01)
    allow_connections(True)  # the database is back
    worker.join(timeout=60)

    assert not worker.is_alive()
    first, again, _next_event = database_that_goes_away_mid_round
    assert first == again  # the cut-off call ran again, then the next event's
    assert set(Delivery.objects.values_list("state", flat=True)) == {"done"}
    assert sorted(Effect.objects.values_list("handler", "n")) == [
        (handler, n) for handler in ("probe.record_a", "probe.record_b", "probe.record_c")
        for n in (0, 1)
    ]  # fmt: skip
    # The cut-off round's claim still counts as an attempt; nothing else does.
    assert max(Delivery.objects.values_list("attempts", flat=True)) == 2


def test_the_listen_connection_comes_back_after_the_database_drops_it(settings):
    channel = settings.OUTBOX["NOTIFY_CHANNEL"]
    wakeup = Wakeup.for_connection(connection, enabled=True)
    assert isinstance(wakeup, ListenWakeup)
    stop = threading.Event()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [wakeup.listener.info.backend_pid])

        wakeup.wait(30, stop=stop)  # notices the break and returns at once, for a round
        assert wakeup.listener is None
        wakeup.wait(0.01, stop=stop)  # listens again
        assert wakeup.listener is not None

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, 'published')", [channel])
        started = time.monotonic()
        wakeup.wait(30, stop=stop)
        assert time.monotonic() - started < 10  # woken by the NOTIFY, not the 30 s timeout
    finally:
        wakeup.close()
