"""Columns PostgreSQL need gather no planner statistics for: a migration operation.

ANALYZE samples every column of a table, and autovacuum runs it whenever a tenth of the table
has changed: in a young database (and in every bench, which starts from a fresh one) that is
each of the busiest tables on every visit, every 5 s with the naptime docs/operations.md sets.
For the event payloads, the mypage timeline's details and the messages' texts, ANALYZE spent
as long on those bulky JSON and text values as on the rest of the table (eventbus_event: 176
against 73-93 ms without the payload's statistics, 18,000 rows), for statistics the planner
never reads: no query filters, joins or sorts on them. ``SET STATISTICS 0`` stops gathering
them; ``-1`` (reverse) returns to the server's default target.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import migrations


def statistics_off(table: str, columns: Sequence[str]) -> migrations.RunPython:
    """Stop gathering statistics on ``columns`` of ``table`` (PostgreSQL; elsewhere nothing)."""

    def set_target(target: int):
        def run(apps, schema_editor) -> None:
            if schema_editor.connection.vendor != "postgresql":
                return
            quote = schema_editor.quote_name
            for column in columns:
                schema_editor.execute(
                    f"ALTER TABLE {quote(table)} ALTER COLUMN {quote(column)} "
                    f"SET STATISTICS {target}"
                )

        return run

    return migrations.RunPython(set_target(0), set_target(-1))
