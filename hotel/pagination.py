"""The API's page numbers (``?page=``), read as every other number of the API.

DRF's ``PageNumberPagination`` reads the page with ``int()``: "٣" was page 3 and "1_0" page
10. Here a page is ASCII digits (or "last"), else a 400 naming ``page``; a page past the last,
or page 0, stays DRF's 404 ("Invalid page").

``CountedPageNumberPagination`` is the same for a list that gives a page and its count in one
query (the stay search, ``apps/reservations/selectors/stay_search.py``).
"""

from django.core.paginator import EmptyPage, PageNotAnInteger
from django.core.paginator import Paginator as DjangoPaginator
from rest_framework import pagination
from rest_framework.exceptions import ValidationError

from hotel.api_inputs import ASCII_DIGITS


class PageNumberPagination(pagination.PageNumberPagination):
    def get_page_number(self, request, paginator):
        number = super().get_page_number(request, paginator)  # "last" is a number by now
        if isinstance(number, str) and not ASCII_DIGITS.fullmatch(number):
            raise ValidationError({self.page_query_param: ["A page number: digits 0-9 only."]})
        return number


class CountedPagePaginator(DjangoPaginator):
    """Django's ``Paginator`` for an object list that reads a page and the number of all its
    items in one query: ``object_list.page(offset=, limit=)`` returns the page's items and that
    number (None for an empty page, past the last item).

    Django's asks ``count()`` first, then the page: two queries, each doing the list's whole
    work when the count is an aggregate (the stay search's is). Here the page comes first; only
    an empty page past the first (or ``page=last``) asks ``count()`` as well.
    """

    #: Past this offset a page is not read: it is past any list, and an OFFSET beyond a
    #: ``bigint`` is an error in PostgreSQL.
    MAX_OFFSET = 2**62

    def page(self, number):
        number = self._page_number(number)
        bottom = (number - 1) * self.per_page
        items, count = [], None
        if bottom < self.MAX_OFFSET:
            items, count = self.object_list.page(offset=bottom, limit=self.per_page)
        if count is not None:
            self.__dict__["count"] = count  # Paginator.count is a cached_property
        if not items:
            number = self.validate_number(number)  # EmptyPage when past the last page
        return self._get_page(items, number, self)

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


class CountedPageNumberPagination(PageNumberPagination):
    """``PageNumberPagination`` over a ``CountedPagePaginator``: one query per page."""

    django_paginator_class = CountedPagePaginator
