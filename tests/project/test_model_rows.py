"""``hotel.model_rows``: instances from hand-written SELECTs equal the ORM's."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from apps.customer.models import MypageEntry, MypageTimelineEntry
from hotel.model_rows import ModelRows
from tests.customer.booking_events import at
from tests.user_factories import UserFactory

pytestmark = pytest.mark.django_db


def concrete_values(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.fields}


def select(rows: ModelRows, table: str, sql_tail: str, params: list) -> list:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {rows.columns} FROM {table} AS t {sql_tail}", params)
        return cursor.fetchall()


def test_a_user_from_a_row_is_the_user_the_orm_loads():
    stored = UserFactory(first_name="민지")
    users = ModelRows(get_user_model(), table="t")

    (row,) = select(users, get_user_model()._meta.db_table, 'WHERE t."id" = %s', [stored.pk])
    user = users.instance(row)

    assert concrete_values(user) == concrete_values(get_user_model().objects.get(pk=stored.pk))
    assert (user._state.adding, user._state.db) == (False, "default")
    assert len(row) == users.width


def test_json_and_time_columns_are_converted_as_the_orm_converts_them():
    entry = MypageEntry.objects.create(
        order_id=1,
        guest_id=2,
        status="paid",
        booked_at=at(1, 10),
        last_sequence=1,
        updated_at=at(1, 10),
    )
    MypageTimelineEntry.objects.create(
        entry=entry,
        event_id="6f1c1c55-6f6b-4c53-9f1e-0c7d7f3d2a11",
        event_type="PaymentApproved",
        kind="paid",
        status="paid",
        details={"amount_krw": 200_000, "card": "4330-****"},
        occurred_at=at(1, 10, 5),
        sequence=7,
    )
    steps = ModelRows(MypageTimelineEntry, table="t")

    rows = select(steps, MypageTimelineEntry._meta.db_table, "ORDER BY t.sequence", [])
    (step,) = steps.instances(rows)

    assert concrete_values(step) == concrete_values(MypageTimelineEntry.objects.get())
    assert step.details == {"amount_krw": 200_000, "card": "4330-****"}
    assert step.occurred_at == at(1, 10, 5)
    assert step.entry == entry  # the relation loads on first access, as the ORM's would
    assert steps.position("sequence") == [
        field.attname for field in MypageTimelineEntry._meta.concrete_fields
    ].index("sequence")
