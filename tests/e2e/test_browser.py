"""A hotelier in a real browser (headless Chromium driven by Playwright) against a live server:
logs in to admin, sees only their own hotel's request, confirms it with the admin action; the
guest's order then reads ``confirmed`` through the API. A screenshot is kept in
``test-artifacts/`` (before and after confirming). The admin, the browsable API and the API
docs work under the Content-Security-Policy: the browser reports no violation on any of them.

Needs Debian's ``chromium`` (``apt-get install chromium``) and the ``playwright`` package (dev
extras); skipped with the reason when either is missing.
"""

from datetime import timedelta
from pathlib import Path

import pytest

from apps.orders.models import Order
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


def csp_violations(page) -> list[str]:
    """Start collecting the Content-Security-Policy violations Chromium reports on ``page``."""
    violations: list[str] = []

    def note(message) -> None:
        if "Content Security Policy" in message.text:
            violations.append(f"{page.url}: {message.text}")

    page.on("console", note)
    return violations


def sign_in(page, url: str, user) -> None:
    """Open ``url`` (a login page, the admin's or the browsable API's) and sign ``user`` in."""
    page.goto(url)
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("[type=submit]")


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
            violations = csp_violations(page)
            sign_in(
                page,
                f"{live_server.url}/admin/login/?next=/admin/reservations/reservation/",
                hotelier,
            )
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
    assert violations == []
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


def test_the_browsable_api_and_the_api_docs_work_under_the_content_security_policy(
    live_server, sync_playwright
):
    staff = UserFactory(is_staff=True, is_superuser=True)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            violations = csp_violations(page)
            sign_in(page, f"{live_server.url}/api-auth/login/?next=/api/hotels/", staff)
            page.wait_for_selector(".response-info")
            browsable_title = page.title()
            page.click("#logoutForm button[type=submit]")
            page.wait_for_load_state()
            signed_out = page.get_by_text("Log in").count() > 0
            sign_in(page, f"{live_server.url}/admin/login/?next=/api/docs/", staff)

            page.goto(f"{live_server.url}/api/docs/")
            # Swagger UI renders the schema's title once its script has run and fetched it.
            page.wait_for_selector("#swagger-ui .info .title", timeout=15_000)
            docs_title = page.inner_text("#swagger-ui .info .title")
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "api-docs.png"), full_page=False)
        finally:
            browser.close()

    assert violations == []
    assert "Django REST framework" in browsable_title
    assert signed_out
    assert "hotel API" in docs_title


def test_a_guest_books_and_pays_from_the_browsable_api_form(
    live_server, sync_playwright, room_type
):
    guest = UserFactory()
    check_in = room_type.hotel.local_today() + timedelta(days=7)
    screenshot = ARTIFACTS / "browsable-api-booking.png"

    # (No database access in this block: Playwright's sync API runs an event loop here.)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1400})
            violations = csp_violations(page)
            page.goto(f"{live_server.url}/")  # the front door leads to the API root
            root_title = page.title()
            sign_in(page, f"{live_server.url}/api-auth/login/?next=/api/orders/", guest)
            form = page.locator("#post-object-form")
            form.locator("[name=hotel_id]").fill(str(room_type.hotel_id))
            form.locator("[name=room_type_id]").fill(str(room_type.pk))
            form.locator("[name=check_in]").fill(check_in.isoformat())
            form.locator("[name=check_out]").fill((check_in + timedelta(days=2)).isoformat())
            form.locator("[name=guests]").fill("2")
            form.locator("[name=payment_method]").select_option("card")
            form.locator("[name=payment_key]").fill("test_ok")
            form.locator(".form-actions button").click()
            page.wait_for_selector(".response-info")
            answer = page.inner_text(".response-info")
            form_after = page.locator("#post-object-form").inner_html()
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()

    assert violations == []
    assert root_title.startswith("hotel API")
    assert "HTTP 201 Created" in answer
    assert 'name="payment_key"' in form_after  # the booking form again, for the next one
    order = Order.objects.get(guest=guest)
    assert (order.status, order.room_type_id, order.check_in) == ("paid", room_type.pk, check_in)
    assert screenshot.stat().st_size > 0


def test_a_hotelier_finds_open_requests_on_the_admin_index_and_the_list_fits_1280_pixels(
    live_server, sync_playwright, hotelier, booking, room_type
):
    guest_client = api_client(UserFactory(first_name="Minji", last_name="Kim"))
    for days_ahead in (5, 9):
        book(guest_client, booking(days_ahead=days_ahead))
    drain_outbox()
    index_shot = ARTIFACTS / "hotelier-admin-index.png"
    list_shot = ARTIFACTS / "hotelier-admin-list-1280.png"

    # (No database access in this block: Playwright's sync API runs an event loop here.)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ko-KR")
            page = context.new_page()
            violations = csp_violations(page)
            sign_in(page, f"{live_server.url}/admin/login/?next=/admin/", hotelier)
            page.wait_for_selector("#open-requests")
            header = page.inner_text("#site-name")
            panel = page.inner_text("#open-requests")
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(index_shot), full_page=True)

            page.click("#open-requests .open-requests-summary a")
            page.wait_for_selector("#result_list")
            listed = page.locator("#result_list tbody tr").count()
            page_width = page.evaluate("document.documentElement.scrollWidth")
            # The list scrolls sideways inside its own box when it does not fit.
            hidden = page.evaluate(
                "(() => { const box = document.querySelector('.results');"
                " return box.scrollWidth - box.clientWidth; })()"
            )
            page.screenshot(path=str(list_shot), full_page=True)
        finally:
            browser.close()

    assert violations == []
    assert "호텔 예약 관리" in header
    assert "2건" in panel
    assert "Minji Kim" in panel
    assert listed == 2
    assert page_width <= 1280, f"the reservation list is {page_width} px wide"
    assert hidden == 0, f"{hidden} px of the reservation list are scrolled out of sight"
    assert index_shot.stat().st_size > 0
    assert list_shot.stat().st_size > 0
