"""Liveness and readiness probes for the container and Kubernetes."""

from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse


def healthz(request: HttpRequest) -> JsonResponse:
    """Alive: the process answers. Touches nothing else."""
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> JsonResponse:
    """Ready: the database answers and every migration is applied."""
    try:
        executor = MigrationExecutor(connection)
        unapplied = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        return JsonResponse({"status": "unavailable", "reason": str(exc)}, status=503)
    if unapplied:
        names = [f"{migration.app_label}.{migration.name}" for migration, _ in unapplied]
        return JsonResponse(
            {"status": "unavailable", "reason": "migrations pending", "pending": names},
            status=503,
        )
    return JsonResponse({"status": "ok"})
