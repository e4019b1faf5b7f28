"""The tables every booking writes keep no index another index already covers (PostgreSQL).

Each index costs every INSERT an entry and its WAL. An index whose columns lead another index
of the same table (same operator classes, neither partial) answers no query the longer one
cannot, so on these tables it is dropped (``db_index=False``) rather than kept by default.
"""

import pytest
from django.db import connection

from tests.project.booking_tables import WRITTEN_BY_EVERY_BOOKING

pytestmark = pytest.mark.postgres

# Pairs (covered index, covering index): a plain index whose columns, with their operator
# classes, are the leading columns of another plain index of the same table.
COVERED_INDEXES_SQL = """
SELECT covered.indrelid::regclass::text, covered.indexrelid::regclass::text,
       covering.indexrelid::regclass::text
FROM pg_index AS covered
JOIN pg_index AS covering
  ON covering.indrelid = covered.indrelid AND covering.indexrelid <> covered.indexrelid
WHERE covered.indrelid = ANY(%s::regclass[])
  AND NOT covered.indisunique
  AND covered.indpred IS NULL AND covering.indpred IS NULL
  AND covered.indexprs IS NULL AND covering.indexprs IS NULL
  AND covered.indnatts <= covering.indnatts
  AND (string_to_array(covering.indkey::text, ' '))[1:covered.indnatts]
      = string_to_array(covered.indkey::text, ' ')
  AND (string_to_array(covering.indclass::text, ' '))[1:covered.indnatts]
      = string_to_array(covered.indclass::text, ' ')
"""


@pytest.mark.django_db
def test_no_index_of_a_booking_table_is_covered_by_another():
    with connection.cursor() as cursor:
        cursor.execute(COVERED_INDEXES_SQL, [sorted(WRITTEN_BY_EVERY_BOOKING)])
        covered = cursor.fetchall()
    assert covered == []


@pytest.mark.django_db
def test_the_check_finds_a_covered_index():
    """The query above is not vacuous: an index on a column that leads another is found."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE INDEX covered_for_the_test ON reservations_reservation (hotel_id)")
        cursor.execute(COVERED_INDEXES_SQL, [["reservations_reservation"]])
        covered = cursor.fetchall()
    assert covered == [
        ("reservations_reservation", "covered_for_the_test", "reservation_hotel_status")
    ]
