"""A police request end to end: TOTP sign-in, a supervisor's approval, an owner's answer by
SMS link on a phone, and the officer's board updating without a reload.

The app runs with Redis state and several workers when Redis answers on loopback, so the
board's live updates are checked across workers too.
"""

from __future__ import annotations

import re

import pyotp
import pytest
from playwright.sync_api import Page, expect

from camshare.cli import DEMO_STAFF, DEMO_STAFF_PASSWORD
from tests.e2e.conftest import PHONE

pytestmark = pytest.mark.e2e
# The app runs on two cores beside the browser: give its answers time, not a fixed sleep.
expect.set_options(timeout=15_000)

INCIDENT_ADDRESS = "1500 Marilla St, Dallas, TX 75201"
DESK = {"width": 1280, "height": 900}


def sign_in(page: Page, base: str, username: str, path: str) -> None:
    """Password, then the TOTP code from the demo account's authenticator secret."""
    page.goto(f"{base}{path}")
    page.wait_for_url(re.compile(r".*/staff/sign-in"))
    page.fill("#f-username", username)
    page.fill("#f-password", DEMO_STAFF_PASSWORD)
    page.click("#password-form button[type=submit]")
    # Outreach accounts need no second factor (CAMSHARE_TOTP_ROLES).
    secret = next((s for name, _, role, s in DEMO_STAFF if name == username), None)
    if username != "outreach":
        page.fill("#f-code", pyotp.TOTP(secret).now())
        page.click("#code-form button[type=submit]")
    page.wait_for_url(re.compile(f".*{re.escape(path)}/?$"))


def desk_page(browser) -> Page:
    context = browser.new_context(viewport=DESK, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(20_000)
    return page


def test_a_request_from_creation_to_the_owners_approval(police_app, browser):
    base = police_app.url
    officer = desk_page(browser)
    sign_in(officer, base, "officer", "/staff/requests/new")
    officer.fill("#f-case_number", "24-118842")
    officer.select_option("#f-incident_type", "robbery")
    officer.fill("#f-address", INCIDENT_ADDRESS)
    officer.locator("#f-address").blur()
    officer.get_by_role("button", name="Look up the address").click()
    expect(officer.get_by_test_id("incident-block")).to_contain_text("1500 Marilla St")
    officer.click("#find-cameras")
    try:
        expect(officer.get_by_test_id("candidate")).to_have_count(1)
    except AssertionError:
        officer.screenshot(path="/tmp/try/find.png", full_page=True)
        raise
    # Owners stay anonymous before they answer.
    expect(officer.locator("main")).not_to_contain_text("Rosa")
    officer.click("#send-request")
    officer.wait_for_url(re.compile(r".*/staff/requests/\d+/?$"))
    board_url = officer.url
    expect(officer.get_by_test_id("request-status")).to_have_text("Waiting for a supervisor")

    supervisor = desk_page(browser)
    path = re.sub(r"^https?://[^/]+", "", board_url).rstrip("/")
    sign_in(supervisor, base, "supervisor", path)
    supervisor.click("#approve-request")
    expect(supervisor.get_by_test_id("request-status")).to_have_text("Open")
    supervisor.context.close()

    # The officer's board moves on by itself.
    expect(officer.get_by_test_id("request-status")).to_have_text("Open")

    phone = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, locale="en-US"
    ).new_page()
    phone.set_default_timeout(20_000)
    phone.goto(f"{base}/outbox")
    message = phone.get_by_test_id("outbox-message").filter(has_text="pide video").first
    expect(message).to_be_visible()
    link = re.search(r"https?://\S+/r/[A-Za-z0-9_-]+", message.inner_text()).group(0)
    phone.goto(link)
    # The owner reads Spanish: the page follows the owner's language.
    expect(phone.locator("h1")).to_have_text("Solicitud de video de cámaras")
    expect(officer.locator('[data-testid="recipient"][data-state="opened"]')).to_have_count(1)
    phone.fill("#f-note", "Puede pasar después de las 5")
    phone.locator("#f-note").blur()
    phone.click("#approve")
    expect(phone.get_by_test_id("your-answer")).to_contain_text("aprobó")

    # Without a reload, the officer sees the approval, then the owner's details on request.
    expect(officer.get_by_test_id("count-approved")).to_have_text("1")
    officer.get_by_role("button", name="Show contact").click()
    expect(officer.get_by_test_id("owner-contact")).to_contain_text("Rosa Díaz")
    expect(officer.get_by_test_id("owner-contact")).to_contain_text("Puede pasar")
    officer.context.close()
    phone.context.close()


def test_staff_pages_send_a_signed_out_visitor_to_sign_in(police_app, browser):
    page = desk_page(browser)
    for path in ("/staff/requests", "/staff/requests/new", "/staff/requests/1"):
        page.goto(police_app.url + path)
        page.wait_for_url(re.compile(r".*/staff/sign-in"))
    page.context.close()


def test_a_tampered_link_reveals_nothing(police_app, phone: Page):
    phone.goto(police_app.url + "/r/" + "x" * 32)
    expect(phone.get_by_test_id("link-problem")).to_be_visible()
    expect(phone.locator("main")).not_to_contain_text("Marilla")


def test_a_role_that_may_not_see_a_page_gets_nothing_of_it(police_app, browser):
    outreach = desk_page(browser)
    sign_in(outreach, police_app.url, "outreach", "/staff/requests")
    expect(outreach.get_by_role("alert")).to_have_text("Your role does not allow this.")
    expect(outreach.locator(".request-list")).to_have_count(0)
    outreach.goto(police_app.url + "/staff/audit")
    expect(outreach.get_by_role("alert")).to_have_text("Your role does not allow this.")
    outreach.context.close()
