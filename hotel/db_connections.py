"""Database connections around slow network calls."""

from django.db import connections


def release_pooled_connections() -> None:
    """Give pooled connections back to the pool before a slow outside call.

    A web thread waiting ~0.5 s on the payment provider has no use for its connection; with
    ``DB_POOL_MAX_SIZE`` set, closing it returns it to the pool (cheap), and the next query
    borrows one again. Without a pool this does nothing: closing would mean reconnecting.
    Connections inside a transaction are never touched.
    """
    for connection in connections.all(initialized_only=True):
        if connection.in_atomic_block or "pool" not in connection.settings_dict.get("OPTIONS", {}):
            continue
        connection.close()
