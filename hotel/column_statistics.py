"""Planner statistics: what ANALYZE gathers, and how often autovacuum runs it (migration
operations).

ANALYZE samples every column of a table, and autovacuum runs it whenever a tenth of the table
has changed (plus 50 rows): in a young database (and in every bench, which starts from a fresh
one) that is each of the busiest tables on every visit, every 5 s with the naptime
docs/operations.md sets. Each run reads up to 300 rows per unit of the table's largest
statistics target (30,000 rows at the default 100) and sorts every column's sample: a few
hundred milliseconds of CPU for the event flow's tables together, in one burst per visit, on a
machine whose web server and outbox worker then lose that much of their share.

- ``statistics_off``: no statistics for bulky JSON and text values no query filters, joins or
  sorts on (event payloads, the mypage timeline's details, the messages' texts). On
  eventbus_event ANALYZE spent as long on the payload as on the rest of the table (176 against
  73-93 ms without it, 18,000 rows).
- ``statistics_target``: a coarser sample for a table ANALYZE visits often on purpose
  (``eventbus_delivery``, whose claim the planner must see grow).
- ``analyzed_after``: for a table whose queries find rows by key, ANALYZE after so many
  changed rows (plus the tenth) rather than after 50; the larger the table, the less it
  matters: with 10,000, a table of a million rows is analyzed after 110,000 changes instead
  of 100,050.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import migrations


def statistics_target(table: str, columns: Sequence[str], target: int) -> migrations.RunPython:
    """Gather statistics on ``columns`` of ``table`` with ``target`` (0: none; PostgreSQL,
    elsewhere nothing); reversed, back to the server's default target (``-1``)."""

    def set_target(value: int):
        def run(apps, schema_editor) -> None:
            if schema_editor.connection.vendor != "postgresql":
                return
            quote = schema_editor.quote_name
            for column in columns:
                schema_editor.execute(
                    f"ALTER TABLE {quote(table)} ALTER COLUMN {quote(column)} "
                    f"SET STATISTICS {value}"
                )

        return run

    return migrations.RunPython(set_target(target), set_target(-1))


def statistics_off(table: str, columns: Sequence[str]) -> migrations.RunPython:
    """Stop gathering statistics on ``columns`` of ``table`` (PostgreSQL; elsewhere nothing)."""
    return statistics_target(table, columns, 0)


def analyzed_after(table: str, changed_rows: int) -> migrations.RunPython:
    """Let autovacuum ANALYZE ``table`` once ``changed_rows`` rows (plus the usual tenth of
    the table) have changed since the last time (PostgreSQL; elsewhere nothing); reversed,
    back to the server's threshold."""

    def run(apps, schema_editor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f"ALTER TABLE {schema_editor.quote_name(table)} "
                f"SET (autovacuum_analyze_threshold = {int(changed_rows)})"
            )

    def reverse(apps, schema_editor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f"ALTER TABLE {schema_editor.quote_name(table)} "
                "RESET (autovacuum_analyze_threshold)"
            )

    return migrations.RunPython(run, reverse)
