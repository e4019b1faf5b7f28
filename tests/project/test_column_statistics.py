"""The bulky columns no query filters on gather no planner statistics (PostgreSQL)."""

import pytest
from django.db import connection

from hotel.bulk_rows import rows_insert
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
