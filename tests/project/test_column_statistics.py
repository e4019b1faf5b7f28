"""Planner statistics (PostgreSQL): the bulky columns no query filters on gather none, the
outbox's deliveries are sampled coarsely, and the tables found by key are analyzed after
10,000 changed rows rather than 50."""

import pytest
from django.db import connection

from hotel.bulk_rows import rows_insert
from tests.project.booking_tables import WRITTEN_BY_EVERY_BOOKING
from tests.project.test_bulk_rows import stored_event

pytestmark = pytest.mark.postgres

WITHOUT_STATISTICS = {
    ("eventbus_event", "payload"),
    ("customer_mypagetimelineentry", "details"),
    ("customer_notification", "body"),
    ("customer_notification", "template_parameters"),
    ("reservations_hotelnotification", "body"),
    ("reservations_hotelnotification", "template_parameters"),
}


def statistics_targets(table: str) -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attname, attstattarget FROM pg_attribute "
            "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
            [table],
        )
        return dict(cursor.fetchall())


@pytest.mark.django_db
def test_only_the_bulky_unfiltered_columns_go_without_statistics():
    tables = {table for table, _ in WITHOUT_STATISTICS}
    off = {
        (table, column)
        for table in tables
        for column, target in statistics_targets(table).items()
        if target == 0
    }
    assert off == WITHOUT_STATISTICS


@pytest.mark.django_db
def test_analyze_leaves_them_out():
    rows_insert([stored_event(n) for n in range(20)])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE eventbus_event")
        cursor.execute(
            "SELECT attname FROM pg_stats WHERE tablename = 'eventbus_event' AND attname IN "
            "('payload', 'event_type')"
        )
        gathered = {row[0] for row in cursor.fetchall()}
    assert gathered == {"event_type"}


# The deliveries keep the 2 % scale: the claim's plan must see a backlog grow.
ANALYZED_AFTER_10_000_ROWS = WRITTEN_BY_EVERY_BOOKING - {"eventbus_delivery"}


def analyze_thresholds() -> dict[str, str]:
    """Each table of the public schema with its own autovacuum_analyze_threshold."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, option_value FROM pg_class, pg_options_to_table(reloptions) "
            "WHERE relnamespace = 'public'::regnamespace "
            "AND option_name = 'autovacuum_analyze_threshold'"
        )
        return dict(cursor.fetchall())


@pytest.mark.django_db
def test_the_tables_found_by_key_are_analyzed_after_10_000_changed_rows():
    assert analyze_thresholds() == dict.fromkeys(ANALYZED_AFTER_10_000_ROWS, "10000")


@pytest.mark.django_db
def test_deliveries_are_sampled_with_a_target_of_10_on_every_column():
    assert set(statistics_targets("eventbus_delivery").values()) == {10}


@pytest.mark.django_db
def test_the_other_tables_keep_the_server_default_target():
    """Only the outbox's deliveries are sampled coarsely; elsewhere only bulky columns differ."""
    for table in ("orders_order", "reservations_reservation", "customer_mypageentry"):
        targets = set(statistics_targets(table).values())
        assert targets, table
        assert targets <= {-1, None}, table  # -1 (or NULL since PostgreSQL 17): the default
