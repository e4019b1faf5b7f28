"""The orders context's hand-written SQL, for the one statement the ORM costs too much on.

Marking an order paid runs on every booking. Compiling the equivalent ``QuerySet.update``
costs more CPU than the database spends running it, so the statement is written once, here,
with table and column names read from the model, and the status change it makes is checked
against the order's status model like every other.
"""

import datetime

from django.db import connection

from apps.orders.models import Order, OrderStatus, check_order_transition


def _column(field_name: str) -> str:
    return connection.ops.quote_name(Order._meta.get_field(field_name).column)


_MARK_PAID_SQL = (
    f"UPDATE {connection.ops.quote_name(Order._meta.db_table)}"
    f" SET {_column('status')} = %s, {_column('paid_at')} = %s,"
    f" {_column('payment_outcome_uncertain')} = false, {_column('updated_at')} = %s"
    f" WHERE {_column('id')} = %s AND {_column('status')} = %s"
)


def order_row_mark_paid(*, order_id: int, paid_at: datetime.datetime) -> bool:
    """Move a pending order to paid, in one guarded UPDATE; False if it was no longer pending.

    The caller holds the transaction the order's events are published in. The guard on the
    status settles a race with reconciliation: whichever moves the order first wins.
    """
    check_order_transition(from_status=OrderStatus.PENDING_PAYMENT, to_status=OrderStatus.PAID)
    at = connection.ops.adapt_datetimefield_value(paid_at)
    with connection.cursor() as cursor:
        cursor.execute(
            _MARK_PAID_SQL,
            [OrderStatus.PAID.value, at, at, order_id, OrderStatus.PENDING_PAYMENT.value],
        )
        return cursor.rowcount == 1
