"""Admin mix-ins the contexts' admins share: rows only services write, and changelists that
refuse the filter values Django's own lets through to a server error."""

from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList


class ReadOnlyAdminMixin:
    """Operators may look, never add, change or delete: the rows are written by services (so
    their rules and events cannot be bypassed) or derived from events."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class StrictChangeList(ChangeList):
    """Refuses (a redirect to ``?e=1``, as Django refuses a filter value it cannot read) the two
    kinds of filter value Django's changelist turns into a 500:

    - a NUL character: PostgreSQL stores none in text, so a text filter's query fails when it
      runs (``DataError``), after Django's check of the filters (the search box's form refuses
      NUL itself);
    - a date hierarchy year, month or day out of ``datetime``'s range: Django reads them with
      ``int()`` and catches the ``ValueError`` of a bad date, not the ``OverflowError`` of a
      huge number, nor the ``ValueError`` of the year after 9999 (the end of its range);
    - a date-time filter bound at the edge of that range (``0001-01-01``): the filter reads it,
      and converting it to UTC when the query is built overflows (``OverflowError``, which
      Django's date filters do not catch).
    """

    def get_filters(self, request):
        values = self.get_filters_params().values()
        if any("\x00" in value for value_list in values for value in value_list):
            raise IncorrectLookupParameters("A filter value may not contain a NUL character.")
        try:
            return super().get_filters(request)
        except (OverflowError, ValueError) as exc:
            raise IncorrectLookupParameters(exc) from exc

    def get_results(self, request):
        # The query runs here (its count first), and the bound is converted as it does.
        try:
            return super().get_results(request)
        except OverflowError as exc:
            raise IncorrectLookupParameters(exc) from exc


class StrictChangeListMixin:
    """For a ModelAdmin with list filters or a date hierarchy: see ``StrictChangeList``."""

    def get_changelist(self, request, **kwargs):
        return StrictChangeList
