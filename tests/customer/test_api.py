"""The published interface: exactly what other contexts call, each the selector or service of
the same name (their behaviour is tested in test_guest_contacts and test_accounts_services)."""

from apps.customer import api, dtos, selectors, services


def test_the_api_publishes_the_selectors_and_services_under_their_own_names():
    assert sorted(api.__all__) == ["GuestContact", "guest_contacts", "guest_ensure_profile"]
    assert api.GuestContact is dtos.GuestContact
    assert api.guest_contacts is selectors.guest_contacts
    assert api.guest_ensure_profile is services.guest_ensure_profile
