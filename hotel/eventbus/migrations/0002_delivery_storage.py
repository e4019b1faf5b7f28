"""PostgreSQL storage settings for the busiest table.

Every delivery is updated twice (claimed under a lease, then done). With free room on each page
(fillfactor 70) the lease update can be a HOT update: no new index entries, no index bloat. A
small autovacuum threshold keeps dead row versions from piling up in the claim's indexes
during a long drain.
"""

from django.db import migrations

TUNE = (
    "ALTER TABLE eventbus_delivery SET (fillfactor = 70, "
    "autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_insert_scale_factor = 0.05, "
    "autovacuum_analyze_scale_factor = 0.02)"
)
RESET = (
    "ALTER TABLE eventbus_delivery RESET (fillfactor, autovacuum_vacuum_scale_factor, "
    "autovacuum_vacuum_insert_scale_factor, autovacuum_analyze_scale_factor)"
)


def tune(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TUNE)


def reset(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(RESET)


class Migration(migrations.Migration):
    dependencies = [("eventbus", "0001_initial")]

    operations = [migrations.RunPython(tune, reset)]
