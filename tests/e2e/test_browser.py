"""A hotelier in a real browser (headless Chromium driven by Playwright) against a live server:
logs in to admin, sees only their own hotel's request, confirms it with the admin action; the
guest's order then reads ``confirmed`` through the API. A screenshot is kept in
``test-artifacts/`` (before and after confirming).

Needs Debian's ``chromium`` (``apt-get install chromium``) and the ``playwright`` package (dev
extras); skipped with the reason when either is missing.
"""

from pathlib import Path

import pytest

from hotel.eventbus.testing import drain_outbox
from tests.e2e.helpers import api_client, book, order_status, reservation_of
from tests.processes import ROOT
from tests.reservations.factories import RoomTypeFactory, inventory
from tests.user_factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture
def sync_playwright():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium to run the browser test")
    playwright = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed: pip install -e '.[dev]'"
    )
    return playwright.sync_playwright


def test_a_hotelier_confirms_their_hotels_request_in_admin_and_the_guest_sees_it_confirmed(
    live_server, sync_playwright, hotelier, booking, room_type
):
    # Given: a request at the hotelier's hotel, and one at another hotel.
    guest = UserFactory()
    guest_client = api_client(guest)
    order = book(guest_client, booking())
    other_room_type = RoomTypeFactory(hotel__name="Someone Else's Hotel")
    inventory(other_room_type, first_night=other_room_type.hotel.local_today(), nights=14)
    other_client = api_client(UserFactory())
    other = book(other_client, booking(room=other_room_type))
    drain_outbox()
    mine = reservation_of(order["id"])
    theirs = reservation_of(other["id"])
    assert (mine.status, theirs.status) == ("requested", "requested")
    ARTIFACTS.mkdir(exist_ok=True)
    before = ARTIFACTS / "hotelier-admin-requests.png"
    after = ARTIFACTS / "hotelier-admin-confirmed.png"

    # When: the hotelier logs in to admin and confirms the request with the admin action.
    # (No database access in this block: Playwright's sync API runs an event loop here.)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 900})
            page.goto(f"{live_server.url}/admin/login/?next=/admin/reservations/reservation/")
            page.fill("#id_username", hotelier.username)
            page.fill("#id_password", PASSWORD)
            page.click("input[type=submit]")
            page.wait_for_selector("#result_list")

            listed = page.locator("#result_list input[name=_selected_action]")
            listed_ids = {listed.nth(i).get_attribute("value") for i in range(listed.count())}
            result_text = page.inner_text("#result_list")
            page.screenshot(path=str(before), full_page=True)

            page.check(f"#result_list input[name=_selected_action][value='{mine.reservation_id}']")
            page.select_option("select[name=action]", "confirm_reservations")
            page.click("button[name=index]")
            page.wait_for_selector(".messagelist")
            messages = page.inner_text(".messagelist")
            page.screenshot(path=str(after), full_page=True)
        finally:
            browser.close()

    # Then: only their own hotel's request was listed, and it is confirmed...
    assert listed_ids == {str(mine.reservation_id)}
    assert room_type.hotel.name in result_text
    assert "Someone Else's Hotel" not in result_text
    assert "1 reservation confirmed." in messages
    assert before.stat().st_size > 0
    assert after.stat().st_size > 0
    assert reservation_of(order["id"]).status == "confirmed"
    assert reservation_of(other["id"]).status == "requested"
    # ...and once the outbox has delivered the event, the guest's order reads confirmed.
    drain_outbox()
    assert order_status(guest_client, order["id"]) == "confirmed"
    assert order_status(other_client, other["id"]) == "paid"
