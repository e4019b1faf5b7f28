"""An admin mix-in for rows that only services and event handlers write."""


class ReadOnlyAdminMixin:
    """Operators may look, never add, change or delete: the rows are written by services (so
    their rules and events cannot be bypassed) or derived from events."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
