import pytest


def test_healthz_answers_without_the_database(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_is_ok_on_a_migrated_database(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_the_openapi_schema_is_served_and_lists_the_account_endpoints(client):
    response = client.get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert {"/api/accounts/signup/", "/api/accounts/token/", "/api/accounts/me/"} <= set(
        schema["paths"]
    )


@pytest.mark.django_db
def test_the_interactive_api_docs_are_served(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
