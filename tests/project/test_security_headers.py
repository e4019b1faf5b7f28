"""Security headers: a Content-Security-Policy on every answer, and the API docs working
under it with scripts of this site only (the browser test shows the pages run under it)."""

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    parts = (part.split() for part in policy.split(";") if part.strip())
    return {name: values for name, *values in parts}


@pytest.mark.parametrize("path", ["/api/hotels/", "/admin/login/", "/api/orders/not-a-number/"])
def test_every_answer_carries_a_policy_that_allows_this_site_only(client, path):
    policy = directives(client.get(path))

    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]


def test_the_api_docs_page_loads_every_script_from_this_site(
    admin_client,
):
    response = admin_client.get("/api/docs/")
    page = response.content.decode()
    policy = directives(response)

    assert response.status_code == 200
    assert policy["script-src"] == ["'self'"]
    assert "cdn.jsdelivr.net" not in page
    assert "<script>" not in page  # every script has a src
    assert "/api/docs/?script=" in page


def test_the_api_docs_script_and_swagger_files_are_served_here(admin_client):
    script = admin_client.get("/api/docs/?script=")

    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()
    for name in ("swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css"):
        assert finders.find(f"drf_spectacular_sidecar/swagger-ui-dist/{name}"), name
