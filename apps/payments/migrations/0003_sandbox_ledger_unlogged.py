"""On PostgreSQL the sandbox provider's ledger is an UNLOGGED table.

The sandbox stands in for a remote payment provider, whose bookkeeping costs our database
nothing. Logged, its ledger made every sandbox booking pay one more WAL-flushed commit (the
charge's own) that a real provider never costs us. Unlogged tables write no WAL and their
commits wait for no flush; the price is that a crash of the PostgreSQL server (not of a web
or worker process) empties the sandbox's ledger. It is a test double: nothing real was
charged, and reconciliation then fails the orders it finds stuck instead of recording them.
"""

from django.db import migrations

# The cancels refer to the charges: a logged table may not refer to an unlogged one, so the
# cancels change first on the way to UNLOGGED and last on the way back.
_TABLES = ("payments_sandboxcancel", "payments_sandboxcharge")


def _persistence_set(schema_editor, *, logged: bool) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in reversed(_TABLES) if logged else _TABLES:
        schema_editor.execute(f"ALTER TABLE {table} SET {'LOGGED' if logged else 'UNLOGGED'}")


def sandbox_ledger_unlogged(apps, schema_editor) -> None:
    _persistence_set(schema_editor, logged=False)


def sandbox_ledger_logged(apps, schema_editor) -> None:
    _persistence_set(schema_editor, logged=True)


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0002_lean_indexes"),
    ]

    operations = [
        migrations.RunPython(sandbox_ledger_unlogged, sandbox_ledger_logged),
    ]
