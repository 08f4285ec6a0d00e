"""A police request end to end: TOTP sign-in, a supervisor's approval, an owner's answer by
SMS link on a phone, and the officer's board updating without a reload.

The app runs with Redis state and several workers when Redis answers on loopback, so the
board's live updates are checked across workers too.
"""

from __future__ import annotations

import re
import time
from urllib.parse import urlparse

import httpx
import pyotp
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from camshare.cli import DEMO_STAFF, DEMO_STAFF_PASSWORD
from camshare.models import StaffUser
from tests.e2e.conftest import PHONE
from tests.support.axe import axe_violations

pytestmark = pytest.mark.e2e
# The app runs on two cores beside the browser: give its answers time, not a fixed sleep.
expect.set_options(timeout=15_000)

INCIDENT_ADDRESS = "1500 Marilla St, Dallas, TX 75201"
DESK = {"width": 1280, "height": 900}
NARROW_PHONE = {"width": 360, "height": 740}


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
    # The path itself, not the sign-in page's ?next= that ends with it: the session's
    # cookie is set by the hand-off that follows the code.
    page.wait_for_url(lambda url: urlparse(url).path.rstrip("/") == path.rstrip("/"))


def desk_page(browser) -> Page:
    context = browser.new_context(viewport=DESK, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(20_000)
    return page


def test_a_request_from_creation_to_the_owners_approval(police_app, browser):
    base = police_app.url
    officer = desk_page(browser)
    sign_in(officer, base, "officer", "/staff/requests/new")
    # Staff pages follow the language too: title and <html lang>.
    expect(officer).to_have_title("New request · Dallas PD · camshare")
    expect(officer.locator("html")).to_have_attribute("lang", "en")
    # Before a point is chosen, the text says what the pin on the map is.
    expect(officer.get_by_test_id("no-point")).to_contain_text("map's centre")
    officer.fill("#f-case_number", "24-118842")
    officer.select_option("#f-incident_type", "robbery")
    # The message is a template with blanks from lists, so every owner reads it in their
    # own language.
    officer.select_option("#f-message", "vehicle")
    officer.select_option("#f-blank_colour", "white")
    officer.select_option("#f-blank_vehicle", "pickup")
    expect(officer.get_by_test_id("preview")).to_contain_text("a white pickup truck")
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
    sms = message.inner_text()
    # The case number and how to check the text is genuine, in the owner's language.
    assert "Policia de Dallas pide video" in sms
    assert "caso 24-118842" in sms
    assert "Para verificarlo, llame al 214-744-4444 o vea dallaspolice.net" in sms
    link = re.search(r"https?://\S+/r/[A-Za-z0-9_-]+", sms).group(0)
    phone.goto(link)
    # The owner reads Spanish: the page follows the owner's language, the document too.
    expect(phone.locator("h1")).to_have_text("Solicitud de video de cámaras")
    expect(phone).to_have_title(
        "Una solicitud de video · Registro Comunitario de Cámaras de Dallas"
    )
    expect(phone.locator("html")).to_have_attribute("lang", "es")
    expect(phone.locator('link[rel="manifest"]')).to_have_attribute(
        "href", "/manifest.es.webmanifest"
    )
    main = phone.locator("main")
    expect(main).to_contain_text("El Departamento de Policía de Dallas le pregunta")
    expect(main).not_to_contain_text("Police Department")
    expect(main).to_contain_text("Buscamos una camioneta pickup de color blanco")
    expect(phone.get_by_test_id("case-number")).to_have_text("24-118842")
    expect(phone.get_by_test_id("check-genuine")).to_contain_text("214-744-4444")
    expect(phone.get_by_test_id("check-genuine")).to_contain_text("dallaspolice.net")
    expect(phone.get_by_test_id("incident-place")).to_contain_text("Dallas, TX")
    assert axe_violations(phone) == []
    expect(officer.locator('[data-testid="recipient"][data-state="opened"]')).to_have_count(1)
    expect(officer.get_by_test_id("count-opened")).to_have_text("1")
    phone.fill("#f-note", "Puede pasar después de las 5")
    phone.locator("#f-note").blur()
    phone.click("#approve")
    # The answer is unmistakable: a status panel that says what was chosen and how to
    # change it, and takes the focus.
    panel = phone.get_by_test_id("your-answer")
    expect(panel).to_have_attribute("data-answer", "approved")
    expect(panel).to_contain_text("Usted aprobó esta solicitud")
    expect(panel).to_contain_text("puede pulsar Rechazar")
    expect(panel).to_be_focused()
    expect(phone.locator("#approve")).to_have_attribute("aria-pressed", "true")
    assert axe_violations(phone) == []
    phone.click("#decline")
    expect(panel).to_have_attribute("data-answer", "declined")
    expect(panel).to_contain_text("Usted rechazó esta solicitud")
    expect(panel).to_contain_text("puede pulsar Aprobar")
    phone.click("#approve")
    expect(panel).to_have_attribute("data-answer", "approved")
    # Offline, a press says at once that it is on its way; back online, it goes through.
    phone.context.set_offline(True)
    phone.click("#decline")
    expect(phone.locator("#decline")).to_have_attribute("aria-busy", "true")
    expect(phone.locator("#decline")).to_contain_text("Enviando")
    phone.context.set_offline(False)
    expect(panel).to_have_attribute("data-answer", "declined")
    phone.click("#approve")
    expect(panel).to_have_attribute("data-answer", "approved")
    # Switching to English turns the request's own words too, and the document with them.
    phone.get_by_role("button", name="English").click()
    expect(panel).to_contain_text("You approved this request")
    expect(main).to_contain_text("We are looking for a white pickup truck")
    expect(main).to_contain_text("The Dallas Police Department asks")
    expect(phone.locator("html")).to_have_attribute("lang", "en")
    expect(phone).to_have_title("A request for footage · Dallas Community Camera Registry")
    expect(phone.locator('link[rel="manifest"]')).to_have_attribute("href", "/manifest.webmanifest")

    # Without a reload, the officer sees the approval, then the owner's details on request.
    expect(officer.get_by_test_id("count-approved")).to_have_text("1")
    # An owner who approved opened the request: the count says so.
    expect(officer.get_by_test_id("count-opened")).to_have_text("1")
    expect(officer.get_by_test_id("request-message")).to_contain_text("a white pickup truck")
    officer.get_by_role("button", name="Show contact").click()
    expect(officer.get_by_test_id("owner-contact")).to_contain_text("Rosa Díaz")
    expect(officer.get_by_test_id("owner-contact")).to_contain_text("Puede pasar")
    # The phone as people dial it, not in E.164.
    expect(officer.get_by_test_id("owner-contact")).to_contain_text(re.compile(r"\(214\) 555-"))
    # The board and the requests list on a small phone.
    officer.set_viewport_size(NARROW_PHONE)
    officer.screenshot(path="/tmp/camshare-360-board.png", full_page=True)
    fits_the_screen(officer)
    sign_out_on_one_line(officer)
    officer.goto(f"{base}/staff/requests")
    expect(officer.locator(".request-item")).to_have_count(1)
    officer.screenshot(path="/tmp/camshare-360-requests.png", full_page=True)
    fits_the_screen(officer)
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


def fits_the_screen(page: Page) -> None:
    """Nothing makes the page itself scroll sideways (wide tables scroll in their box)."""
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= page.viewport_size["width"], width


def sign_out_on_one_line(page: Page) -> None:
    """ "Sign out" reads on one line, on the same line as the name of who is signed in (a
    button whose words wrap grows past its 44 px: two lines of 17 px text are 51 px)."""
    button = page.get_by_role("button", name="Sign out").bounding_box()
    who = page.get_by_test_id("staff-who").bounding_box()
    assert button["height"] < 50
    # The name's line lies within the button's height: one line, side by side.
    assert button["y"] <= who["y"] <= who["y"] + who["height"] <= button["y"] + button["height"]


def test_staff_pages_fit_a_small_phone(police_app, browser):
    page = browser.new_context(
        viewport=NARROW_PHONE, is_mobile=True, has_touch=True, locale="en-US"
    ).new_page()
    page.set_default_timeout(20_000)
    # Outreach staff sign in without a second factor (the others' codes are spent above).
    sign_in(page, police_app.url, "outreach", "/staff/dashboard")
    expect(page.locator(".data-table").first).to_be_visible()
    sign_out_on_one_line(page)
    page.screenshot(path="/tmp/camshare-360-dashboard.png", full_page=True)
    fits_the_screen(page)
    page.context.close()


def test_wide_tables_can_be_scrolled_by_keyboard_and_pages_pass_axe(police_app, browser):
    page = browser.new_context(viewport=NARROW_PHONE, locale="es-MX").new_page()
    page.set_default_timeout(20_000)
    page.goto(police_app.url + "/transparency")
    expect(page.locator(".data-table").first).to_be_visible()
    expect(page).to_have_title(
        "Informe de transparencia · Registro Comunitario de Cámaras de Dallas"
    )
    expect(page.locator("html")).to_have_attribute("lang", "es")
    region = page.locator(".table-scroll").first
    expect(region).to_have_attribute("tabindex", "0")
    expect(region).to_have_attribute("role", "region")
    expect(region).to_have_attribute("aria-label", re.compile(r"^Tabla: "))
    assert axe_violations(page) == []
    page.context.close()

    admin = browser.new_context(viewport=NARROW_PHONE, locale="en-US").new_page()
    admin.set_default_timeout(20_000)
    sign_in(admin, police_app.url, "admin", "/staff/audit")
    expect(admin.locator(".data-table").first).to_be_visible()
    # An admin's navigation is the longest: "Sign out" still reads on one line.
    sign_out_on_one_line(admin)
    fits_the_screen(admin)
    assert axe_violations(admin) == []
    admin.goto(police_app.url + "/staff/dashboard")
    expect(admin.locator(".data-table").first).to_be_visible()
    # The map's credit link is the pin map's own finding, fixed with the map.
    assert axe_violations(admin, skip=("link-in-text-block",)) == []
    admin.context.close()


def test_a_staff_members_language_is_kept_for_the_texts_sent_to_them(police_app, browser):
    page = desk_page(browser)
    sign_in(page, police_app.url, "outreach", "/staff/campaigns")
    page.get_by_role("button", name="Español").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    # The choice reaches the account, so an emergency notice would be texted in it.
    deadline = time.monotonic() + 15
    while kept_language(police_app, "outreach") != "es":
        assert time.monotonic() < deadline, "the language did not reach the account"
        time.sleep(0.2)  # the app saves in another process: poll the database
    # The metrics port times each page event by its handler, and counts open sockets.
    metrics = httpx.get(police_app.metrics_url, timeout=10).text
    timed = re.search(
        r'^camshare_event_handler_seconds_count\{handler="StaffState.switch_language"\} (\S+)$',
        metrics,
        re.M,
    )
    assert timed, metrics
    assert float(timed.group(1)) >= 1
    assert re.search(r"^camshare_websocket_clients [1-9]", metrics, re.M)
    page.context.close()


def kept_language(app, username: str) -> str:
    with Session(app.engine) as session:
        return session.scalar(select(StaffUser.language).where(StaffUser.username == username))
