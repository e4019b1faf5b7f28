"""On PostgreSQL a statement run repeatedly on a connection is prepared there, so the server
stops planning it on every execution (DB_PREPARED_STATEMENTS, on by default)."""

import pytest
from django.db import connection

from tests.project.test_production_settings import run_django

pytestmark = pytest.mark.postgres


@pytest.mark.django_db
def test_a_statement_run_five_times_is_prepared_on_the_connection():
    sql = "SELECT count(*) FROM auth_user WHERE id > %s"

    def prepared() -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT statement FROM pg_prepared_statements WHERE statement LIKE %s",
                ["%FROM auth_user WHERE id > $1%"],
            )
            return [row[0] for row in cursor.fetchall()]

    before = prepared()
    with connection.cursor() as cursor:
        for n in range(6):
            cursor.execute(sql, [n])
            assert cursor.fetchone() == (0,)

    assert before == []
    assert prepared() == ["SELECT count(*) FROM auth_user WHERE id > $1"]


@pytest.mark.parametrize(("value", "expected"), [(None, "True 5"), ("false", "None None")])
def test_prepared_statements_follow_the_setting(value, expected):
    result = run_django(
        "o = s.DATABASES['default'].get('OPTIONS', {}); "
        "print(o.get('server_side_binding'), o.get('prepare_threshold'))",
        DB_PREPARED_STATEMENTS=value,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == expected.split()
