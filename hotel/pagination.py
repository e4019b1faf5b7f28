"""The API's page numbers (``?page=``), read as every other number of the API.

DRF's ``PageNumberPagination`` reads the page with ``int()``: "٣" was page 3 and "1_0" page
10. Here a page is ASCII digits (or "last"), else a 400 naming ``page``; a page past the last,
or page 0, stays DRF's 404 ("Invalid page").

Pages are read before the list is counted (``PageFirstPaginator``): a short page (or an empty
first one) tells the count itself, so the usual short list (a guest's bookings, messages)
is one query, not a page and a ``COUNT``. ``CountedPageNumberPagination`` is for a list that
gives a page and its count in one query (the stay search,
``apps/reservations/selectors/stay_search.py``).
"""

from django.core.paginator import EmptyPage, PageNotAnInteger
from django.core.paginator import Paginator as DjangoPaginator
from rest_framework import pagination
from rest_framework.exceptions import ValidationError

from hotel.api_inputs import ASCII_DIGITS


class PageFirstPaginator(DjangoPaginator):
    """Django's ``Paginator``, reading the page before the count.

    Django's asks ``count()`` first, then the page. Here the page comes first, and a page with
    some items but fewer than a full page is the last one: the count is the items before it
    plus its own (an empty first page: none). Only a full page (or an empty one past the
    first, or ``page=last``) asks ``count()`` as Django does. DRF never sets ``orphans``,
    which would make a short page end before the list does; with them it is Django's way.
    """

    #: Past this offset a page is not read: it is past any list, and an OFFSET beyond a
    #: ``bigint`` is an error in PostgreSQL.
    MAX_OFFSET = 2**62

    def page(self, number):
        if self.orphans:
            return super().page(number)
        number = self._page_number(number)
        bottom = (number - 1) * self.per_page
        items, count = ([], None) if bottom >= self.MAX_OFFSET else self._read_page(bottom)
        if count is not None:
            self.__dict__["count"] = count  # Paginator.count is a cached_property
        if not items:
            number = self.validate_number(number)  # EmptyPage when past the last page
        return self._get_page(items, number, self)

    def _read_page(self, bottom: int) -> tuple[list, int | None]:
        """The page's items from ``bottom``, and the count when the page tells it."""
        items = list(self.object_list[bottom : bottom + self.per_page])
        tells_count = len(items) < self.per_page and (items or bottom == 0)
        return items, (bottom + len(items) if tells_count else None)

    def _page_number(self, number) -> int:
        """``validate_number`` without the count: an integer of at least 1."""
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from None
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        return number


class PageNumberPagination(pagination.PageNumberPagination):
    django_paginator_class = PageFirstPaginator

    def get_page_number(self, request, paginator):
        number = super().get_page_number(request, paginator)  # "last" is a number by now
        if isinstance(number, str) and not ASCII_DIGITS.fullmatch(number):
            raise ValidationError({self.page_query_param: ["A page number: digits 0-9 only."]})
        return number


class CountedPagePaginator(PageFirstPaginator):
    """A paginator for an object list that reads a page and the number of all its items in
    one query: ``object_list.page(offset=, limit=)`` returns the page's items and that number
    (None for an empty page, past the last item). A full page needs no ``COUNT`` either,
    which matters when the count is an aggregate doing the list's whole work (the stay
    search's is).
    """

    def _read_page(self, bottom: int) -> tuple[list, int | None]:
        return self.object_list.page(offset=bottom, limit=self.per_page)


class CountedPageNumberPagination(PageNumberPagination):
    """``PageNumberPagination`` over a ``CountedPagePaginator``: one query per page."""

    django_paginator_class = CountedPagePaginator
