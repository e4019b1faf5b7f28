"""Pages are read before the count: a short last page tells the count without a ``COUNT``."""

import pytest
from django.contrib.auth import get_user_model
from django.core.paginator import EmptyPage, Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hotel.pagination import PageFirstPaginator
from tests.user_factories import UserFactory

pytestmark = pytest.mark.django_db

PER_PAGE = 4


@pytest.fixture
def users():
    UserFactory.create_batch(10)
    return get_user_model().objects.order_by("pk")


def read(paginator_class, users, number):
    """(page items' pks, count, pages, has next, queries it took) for page ``number``."""
    paginator = paginator_class(users, PER_PAGE)
    with CaptureQueriesContext(connection) as queries:
        page = paginator.page(number)
        answer = ([user.pk for user in page], paginator.count, paginator.num_pages, page.has_next())
    return answer, len(queries)


@pytest.mark.parametrize("number", [1, 2, 3])
def test_every_page_reads_as_djangos_paginator_reads_it(users, number):
    ours, _ = read(PageFirstPaginator, users, number)
    django_s, _ = read(Paginator, users, number)

    assert ours == django_s


def test_a_short_last_page_costs_one_query_a_full_page_two(users):
    (items, count, pages, has_next), short_page_queries = read(PageFirstPaginator, users, 3)
    assert (len(items), count, pages, has_next) == (2, 10, 3, False)
    assert short_page_queries == 1  # the page alone: 8 before it plus its 2

    (items, count, pages, has_next), full_page_queries = read(PageFirstPaginator, users, 1)
    assert (len(items), count, pages, has_next) == (4, 10, 3, True)
    assert full_page_queries == 2  # the page, then COUNT: a full page may not be the last


def test_an_empty_list_is_one_empty_page_and_a_page_past_the_last_is_refused(users):
    nobody = get_user_model().objects.filter(pk__lt=0).order_by("pk")
    with CaptureQueriesContext(connection) as queries:
        page = PageFirstPaginator(nobody, PER_PAGE).page(1)
        assert (list(page), page.paginator.count, page.has_next()) == ([], 0, False)
    assert len(queries) == 1  # the empty first page tells the count: no COUNT

    with pytest.raises(EmptyPage):
        PageFirstPaginator(users, PER_PAGE).page(4)
    with pytest.raises(EmptyPage):
        PageFirstPaginator(users, PER_PAGE).page(0)


def test_with_orphans_it_is_djangos_paginator(users):
    ours = PageFirstPaginator(users, PER_PAGE, orphans=2)
    django_s = Paginator(users, PER_PAGE, orphans=2)

    assert [u.pk for u in ours.page(2)] == [u.pk for u in django_s.page(2)]  # 6 of them
    assert ours.num_pages == django_s.num_pages == 2
