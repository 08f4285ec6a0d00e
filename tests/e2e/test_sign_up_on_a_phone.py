"""The sign-up as a resident on a phone sees it: a weak network, the Back gesture, small
screens, and Spanish."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from camshare.i18n import catalog
from camshare.services.registration import MAX_NAME
from camshare.settings import get_settings
from camshare.state.join import STEPS
from tests.e2e.test_sign_up import through_contact, wait_for_step

pytestmark = pytest.mark.e2e

EN = catalog("en")
REACT_ATTACHED = "(el) => Object.keys(el).some(k => k.startsWith('__react'))"
ES = catalog("es")


def to_pin(page: Page, t: dict[str, str]) -> None:
    """From the location step, find the address."""
    page.get_by_label(t["location.street"]).fill("1500 Marilla St")
    page.get_by_label(t["location.zip"]).fill("75201")
    page.get_by_role("button", name=t["location.find"]).click()
    wait_for_step(page, "pin")


def to_cameras(page: Page, t: dict[str, str]) -> None:
    """From the location step, find the address and confirm the pin."""
    to_pin(page, t)
    page.get_by_role("button", name=t["pin.confirm"]).click()
    wait_for_step(page, "cameras")


def to_agreement(page: Page, t: dict[str, str]) -> None:
    """Fill one camera row and continue."""
    page.get_by_label(t["cameras.kind"]).select_option("doorbell")
    page.get_by_label(t["cameras.faces"]).select_option("street")
    page.get_by_label(t["cameras.recording"]).select_option("motion")
    page.get_by_role("button", name=t["app.continue"]).click()
    wait_for_step(page, "agreement")


def test_offline_a_press_shows_it_is_sending_and_the_lost_connection_is_said(live_app, phone: Page):
    phone.goto(f"{live_app.url}/join/PARK25")
    wait_for_step(phone, "contact")
    phone.get_by_label(EN["contact.full_name"]).fill("Offline Tester")
    phone.get_by_label(EN["contact.phone"]).fill("214-555-0142")

    phone.context.set_offline(True)
    button = phone.get_by_role("button", name=EN["app.continue"])
    button.click()

    # Marked in the browser at the press, before any answer could come.
    assert phone.evaluate(
        "() => !!document.querySelector('button[type=submit][data-pending][aria-busy=true]')"
    )
    expect(phone.locator("button[data-pending]")).to_contain_text(EN["app.sending"])
    expect(phone.locator(".connection-lost", has_text=EN["app.connection_lost"])).to_be_visible(
        timeout=2000
    )
    expect(phone.get_by_label(EN["contact.full_name"])).to_have_value("Offline Tester")

    phone.context.set_offline(False)
    # Back online: the step goes through, or the page says plainly that it was not sent.
    phone.wait_for_function(
        """() => document.querySelector('#join-step[data-step=location]')
            || document.querySelector('#connection-live[data-kind=unsent]')""",
        timeout=30_000,
    )
    expect(phone.locator(".connection-lost", has_text=EN["app.connection_lost"])).to_have_count(0)
    if phone.locator("#connection-live[data-kind=unsent]").count():
        expect(phone.locator("#connection-live")).to_have_text(EN["app.not_sent"])
        expect(phone.get_by_label(EN["contact.full_name"])).to_have_value("Offline Tester")


def hold_the_app_code(page: Page):
    """Hold back the app's scripts, as a slow network does; returns what releases them."""
    held, released = [], []

    def hold(route) -> None:
        if released:
            route.continue_()
        else:
            held.append(route)

    def release() -> None:
        assert held, "the page's code should have been held back"
        released.append(True)
        for route in held:
            route.continue_()

    page.route("**/assets/**/*.js", hold)
    return release


def test_what_is_typed_before_the_page_s_code_arrives_is_kept(live_app, phone: Page):
    """On a slow network the flyer link's form shows before the app's code: what a resident
    types then stays, and the step goes through with it once the code is in."""
    release = hold_the_app_code(phone)
    phone.goto(f"{live_app.url}/join/PARK25", wait_until="domcontentloaded")
    name = phone.get_by_label(EN["contact.full_name"])
    name.fill("Early Typist")
    phone.get_by_label(EN["contact.phone"]).fill("214-555-0146")
    assert not name.evaluate(REACT_ATTACHED)

    release()
    wait_for_step(phone, "contact")
    expect(name).to_have_value("Early Typist")
    phone.get_by_role("button", name=EN["app.continue"]).click()
    wait_for_step(phone, "location")
    phone.go_back()
    wait_for_step(phone, "contact")
    expect(name).to_have_value("Early Typist")
    expect(phone.get_by_label(EN["contact.phone"])).to_have_value("214-555-0146")


def test_a_form_sent_before_the_page_s_code_arrives_never_puts_the_number_in_the_address(
    live_app, phone: Page
):
    """Enter in a prerendered form before React starts would submit it the browser's way,
    a GET with the fields in the address (and the server's log): nothing is sent so, and
    what was typed stays."""
    release = hold_the_app_code(phone)
    phone.goto(f"{live_app.url}/my/sign-in", wait_until="domcontentloaded")
    number = phone.get_by_label(EN["contact.phone"])
    number.fill("214-555-0147")
    phone.evaluate("() => { window.__stillHere = true; }")
    number.press("Enter")
    assert not number.evaluate(REACT_ATTACHED)
    assert phone.evaluate("() => window.__stillHere === true")
    assert "555" not in phone.url

    release()
    phone.wait_for_function(
        "() => [...document.querySelectorAll('input')]"
        ".some(el => Object.keys(el).some(k => k.startsWith('__react')))"
    )
    expect(number).to_have_value("214-555-0147")
    assert "555" not in phone.url


def test_the_connection_notice_speaks_spanish(live_app, phone: Page):
    phone.goto(f"{live_app.url}/join/PARK25")
    wait_for_step(phone, "contact")
    phone.get_by_role("button", name="Español").click()
    expect(phone.get_by_label(ES["contact.full_name"])).to_be_visible()

    phone.context.set_offline(True)
    phone.get_by_role("button", name=ES["app.continue"]).click()
    expect(phone.locator(".connection-lost", has_text=ES["app.connection_lost"])).to_be_visible(
        timeout=2000
    )
    phone.context.set_offline(False)


def test_the_back_gesture_walks_the_steps_back_and_a_reload_stays(live_app, phone: Page):
    through_contact(phone, EN, "Back Gesture", "214-555-0143", f"{live_app.url}/join/PARK25")
    assert "step=location" in phone.url
    to_cameras(phone, EN)
    to_agreement(phone, EN)
    expect(phone.get_by_text("Step 5 of 6")).to_be_visible()

    phone.go_back()
    wait_for_step(phone, "cameras")
    expect(phone.get_by_label(EN["cameras.kind"])).to_have_value("doorbell")
    phone.go_back()
    wait_for_step(phone, "pin")
    phone.reload()
    wait_for_step(phone, "pin")
    phone.go_back()
    wait_for_step(phone, "location")
    phone.go_back()
    wait_for_step(phone, "contact")
    expect(phone.get_by_label(EN["contact.full_name"])).to_have_value("Back Gesture")
    assert phone.url.startswith(live_app.url)  # still in the sign-up

    phone.go_forward()
    wait_for_step(phone, "location")


def test_back_on_the_agreement_goes_to_the_cameras(live_app, phone: Page):
    through_contact(phone, EN, "Back Button", "214-555-0144", f"{live_app.url}/join/PARK25")
    to_cameras(phone, EN)
    to_agreement(phone, EN)

    phone.get_by_role("button", name=EN["app.back"]).click()
    wait_for_step(phone, "cameras")
    expect(phone.get_by_label(EN["cameras.recording"])).to_have_value("motion")


def test_the_code_step_says_a_wrong_code_once_and_takes_the_focus(live_app, phone: Page):
    through_contact(phone, EN, "Code Once", "214-555-0145", f"{live_app.url}/join/PARK25")
    to_cameras(phone, EN)
    to_agreement(phone, EN)
    phone.get_by_label(EN["agreement.accept"]).check()
    phone.get_by_label(EN["agreement.typed_name"]).fill("code once")
    phone.get_by_role("button", name=EN["agreement.sign"]).click()
    wait_for_step(phone, "verify")

    phone.get_by_role("button", name=EN["verify.send"]).click()
    code = phone.get_by_label(EN["verify.code"])
    expect(code).to_be_focused()
    code.fill("000000")
    phone.get_by_role("button", name=EN["verify.submit"]).click()

    wrong = EN["error.code_wrong_other"].split("{")[0].strip()
    expect(phone.locator("#f-code-error")).to_contain_text(wrong)
    expect(phone.get_by_text(wrong)).to_have_count(1)


def test_the_name_field_stops_at_the_limit_its_message_gives(live_app, phone: Page):
    phone.goto(f"{live_app.url}/join/PARK25")
    wait_for_step(phone, "contact")
    name = phone.get_by_label(EN["contact.full_name"])
    name.fill("A" * (MAX_NAME + 80))
    assert len(name.input_value()) == MAX_NAME


def test_registered_owners_find_their_registration_from_the_start_page_and_every_footer(
    live_app, phone: Page
):
    phone.goto(live_app.url)
    start = phone.get_by_role("main").get_by_role("link", name=EN["home.manage"])
    expect(start).to_have_attribute("href", "/my/sign-in")
    for path in ("/", "/join/PARK25", "/transparency", "/my/sign-in"):
        phone.goto(f"{live_app.url}{path}")
        link = phone.get_by_role("contentinfo").get_by_role("link", name=EN["app.manage_link"])
        expect(link).to_have_attribute("href", "/my/sign-in")
        for box in [a.bounding_box() for a in phone.locator("footer a").all()]:
            assert box["height"] >= 44
    phone.get_by_role("contentinfo").get_by_role("link", name=EN["app.manage_link"]).click()
    phone.wait_for_url("**/my/sign-in")


def test_on_a_small_phone_in_spanish_choices_fit_and_buttons_stand_apart(live_app, browser):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="es-MX")
    page = context.new_page()
    through_contact(page, ES, "Pantalla Chica", "214-555-0146", f"{live_app.url}/join/PARK25")
    to_pin(page, ES)
    expect(page.locator(".leaflet-control-attribution")).to_contain_text(
        get_settings().map_attribution_es
    )
    page.get_by_role("button", name=ES["pin.confirm"]).click()
    wait_for_step(page, "cameras")

    expect(page.get_by_text(f"Paso 4 de {len(STEPS)}")).to_be_visible()
    cut = page.evaluate(
        """() => {
          const ctx = document.createElement('canvas').getContext('2d');
          const cut = [];
          for (const select of document.querySelectorAll('main select')) {
            const style = getComputedStyle(select);
            ctx.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
            const room = select.clientWidth - parseFloat(style.paddingLeft)
              - parseFloat(style.paddingRight) - 24;  // the arrow
            for (const option of select.options) {
              const width = ctx.measureText(option.text).width;
              if (width > room) cut.push(`${option.text}: ${Math.round(width)} > ${room}`);
            }
          }
          return cut;
        }"""
    )
    assert cut == []
    add = page.get_by_role("button", name=ES["cameras.add"]).bounding_box()
    go_on = page.get_by_role("button", name=ES["app.continue"]).bounding_box()
    assert add["height"] >= 44
    assert go_on["height"] >= 44
    assert go_on["y"] - (add["y"] + add["height"]) >= 16
    context.close()


def test_outside_the_area_the_page_says_who_to_contact(live_app, phone: Page):
    through_contact(phone, EN, "Far Away", "214-555-0147", f"{live_app.url}/join/PARK25")
    phone.get_by_label(EN["location.street"]).fill("1 Main St")
    phone.get_by_label(EN["location.city"]).fill("Houston")
    phone.get_by_label(EN["location.zip"]).fill("77002")
    phone.get_by_role("button", name=EN["location.find"]).click()

    expect(phone.get_by_test_id("outside-area-help")).to_contain_text("Dallas Police Department")


def test_a_map_without_tiles_says_so_and_keeps_the_other_ways(live_app, phone: Page):
    # The test app's tile address answers nothing: every tile fails to load.
    through_contact(phone, EN, "No Tiles", "214-555-0148", f"{live_app.url}/join/PARK25")
    to_pin(phone, EN)

    expect(phone.get_by_text(EN["pin.tiles_failed"])).to_be_visible()
    # The map's credit link stands out from its text by more than colour (axe).
    credit_link = phone.locator(".leaflet-control-attribution a").first
    expect(credit_link).to_have_css("text-decoration-line", "underline")
    expect(phone.get_by_role("button", name=EN["pin.nudge_north"])).to_be_visible()
    expect(phone.get_by_label(EN["location.street"])).to_have_value("1500 Marilla St")
