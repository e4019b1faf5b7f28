"""The API's page numbers (``?page=``), read as every other number of the API.

DRF's ``PageNumberPagination`` reads the page with ``int()``: "٣" was page 3 and "1_0" page
10. Here a page is ASCII digits (or "last"), else a 400 naming ``page``; a page past the last,
or page 0, stays DRF's 404 ("Invalid page").
"""

from rest_framework import pagination
from rest_framework.exceptions import ValidationError

from hotel.api_inputs import ASCII_DIGITS


class PageNumberPagination(pagination.PageNumberPagination):
    def get_page_number(self, request, paginator):
        number = super().get_page_number(request, paginator)  # "last" is a number by now
        if isinstance(number, str) and not ASCII_DIGITS.fullmatch(number):
            raise ValidationError({self.page_query_param: ["A page number: digits 0-9 only."]})
        return number
