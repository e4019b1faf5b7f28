"""The front door: ``/`` leads to the API root, which lists every resource with a description
and links to the schema, the docs, the admin and the login."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from hotel.api_root import RESOURCES

pytestmark = pytest.mark.django_db


def parameterless_api_url_names() -> set[str]:
    """Names of the API's URLs that take no parameter (its lists and its POST-only actions)."""
    (api,) = [p for p in get_resolver().url_patterns if str(p.pattern) == "api/"]
    names: set[str] = set()

    def walk(patterns, prefix: str, namespace: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                inner = f"{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, route, inner)
            elif isinstance(pattern, URLPattern) and "<" not in route and pattern.name:
                names.add(namespace + pattern.name)

    walk(api.url_patterns, "", "")
    return names - {"api-root", "schema", "api-docs"}


def test_the_site_root_leads_to_the_api_root(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/api/"


def test_the_api_root_lists_every_resource_with_a_description_and_the_links():
    response = APIClient().get("/api/")
    body = response.json()

    assert response.status_code == 200
    listed = {resource["name"] for resource in body["resources"]}
    assert listed == parameterless_api_url_names()
    assert all(resource["description"] for resource in body["resources"])
    assert all(
        resource["url"].startswith("http://testserver/api/") for resource in body["resources"]
    )
    assert set(body["links"]) == {"schema", "docs", "admin", "login"}


#: Resources that need a query: without one they answer 400, naming what to send.
NEEDS_A_QUERY = {"stay-search": {"check_in", "check_out", "guests"}}


def test_every_listed_resource_answers_and_none_is_a_server_error():
    client = APIClient()

    for name, _ in RESOURCES:
        url = next(r["url"] for r in client.get("/api/").json()["resources"] if r["name"] == name)
        response = client.get(url)
        if name in NEEDS_A_QUERY:
            assert response.status_code == 400, name
            assert set(response.json()["details"]) == NEEDS_A_QUERY[name]
            continue
        assert response.status_code in (200, 401, 405), name


def test_the_browsable_root_has_a_human_title(client):
    response = client.get("/api/", HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    assert "<title>hotel API" in response.content.decode()


@pytest.mark.parametrize(
    ("path", "title"),
    [
        ("/api/hotels/", "Hotels"),
        ("/api/stays/", "Search stays"),
        ("/api/orders/", "Your orders: book and pay"),
        ("/api/mypage/", "Your mypage"),
        ("/api/payments/", "Your payments"),
        ("/api/notifications/", "Your messages"),
        ("/api/reservations/", "Your hotels&#x27; reservations"),
    ],
)
def test_every_browsable_page_has_a_human_title(guest_client, path, title):
    page = guest_client.get(path, HTTP_ACCEPT="text/html").content.decode()

    assert f"<title>{title}" in page
    assert "``" not in page  # docstrings' code marks are rendered, not shown


def test_the_orders_page_offers_the_booking_form_not_the_orders_fields(guest_client):
    page = guest_client.get("/api/orders/", HTTP_ACCEPT="text/html").content.decode()
    form = page[page.index('id="post-object-form"') :]

    for field in ("hotel_id", "room_type_id", "check_in", "check_out", "guests", "payment_key"):
        assert f'name="{field}"' in form, field
    assert 'name="reference"' not in form
    assert "test_ok" in form  # the payment key's help names the sandbox's keys
