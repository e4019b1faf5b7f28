"""Room on each page for rows updated soon after they are written: a migration operation.

PostgreSQL writes an updated row's new version on the same page, touching no index (a HOT
update), only when no indexed column changes and the page has room for it. A table filled to
the brim by INSERTs (the default fillfactor, 100) has none, so every update of a fresh row
goes to another page and adds an entry to each of the table's indexes: for a message, written
queued and marked sent a moment later, six index entries and their WAL per message. A lower
fillfactor keeps the rest of each page for those new versions. It applies to pages written
from then on; ``VACUUM FULL <table>`` (locking it while it runs) rewrites the existing ones.
"""

from __future__ import annotations

from django.db import migrations

#: PostgreSQL's default for tables: pages filled completely.
FULL = 100


def pages_filled_to(table: str, percent: int) -> migrations.RunPython:
    """Fill new pages of ``table`` to ``percent`` (PostgreSQL; elsewhere nothing); reversed,
    back to full pages."""

    def fill_to(target: int):
        def run(apps, schema_editor) -> None:
            if schema_editor.connection.vendor == "postgresql":
                quoted = schema_editor.quote_name(table)
                schema_editor.execute(f"ALTER TABLE {quoted} SET (fillfactor = {target})")

        return run

    return migrations.RunPython(fill_to(percent), fill_to(FULL))
