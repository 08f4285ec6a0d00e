"""A resident signs up from a QR flyer on a phone, in English and in Spanish."""

from __future__ import annotations

import json
import re
import time

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from camshare.i18n import catalog
from camshare.models import (
    Camera,
    Campaign,
    CampaignVisit,
    Consent,
    OutboxMessage,
    Owner,
    RegistrationDraft,
    Site,
)

pytestmark = pytest.mark.e2e


def wait_for_step(page: Page, step: str) -> None:
    """Wait until the app has loaded the given step (hydrated, draft applied)."""
    # A step follows a server round trip (a geocoder turn, a signature check): on a loaded
    # 2-core machine that can take longer than a single click's default wait.
    page.wait_for_selector(f'#join-step[data-step="{step}"]', state="attached", timeout=45_000)


def assert_inputs_labelled(page: Page) -> None:
    """Every visible input and select has a label a screen reader announces."""
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('main input, main select')]
            .filter(el => el.type !== 'hidden' && el.offsetParent !== null)
            .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
            .map(el => el.name || el.id)"""
    )
    assert unlabelled == []


def through_contact(page: Page, t: dict[str, str], name: str, phone: str, path: str) -> None:
    """Open the sign-up at ``path`` and pass the contact step as a resident."""
    page.goto(path)
    wait_for_step(page, "contact")
    page.get_by_label(t["contact.full_name"]).fill(name)
    page.get_by_label(t["contact.phone"]).fill(phone)
    page.get_by_role("button", name=t["app.continue"]).click()
    wait_for_step(page, "location")


def code_from_outbox(page: Page, phone_e164: str) -> str:
    """Read the newest verification code sent to ``phone_e164`` off the demo outbox page."""
    outbox = page.context.new_page()
    outbox.goto(page.url.split("/join")[0] + "/outbox")
    message = outbox.get_by_test_id("outbox-message").filter(has_text=phone_e164).first
    expect(message).to_be_visible()
    code = re.search(r"\b(\d{6})\b", message.inner_text()).group(1)
    outbox.close()
    return code


def sign_up(page: Page, t: dict[str, str], *, name: str, phone: str, street: str, zip_code: str):
    """Walk the whole flow with the labels of catalog ``t``."""
    wait_for_step(page, "contact")
    assert_inputs_labelled(page)
    page.get_by_label(t["contact.full_name"]).fill(name)
    page.get_by_label(t["contact.phone"]).fill(phone)
    page.get_by_label(t["contact.resident"]).check()
    page.get_by_role("button", name=t["app.continue"]).click()

    wait_for_step(page, "location")
    assert_inputs_labelled(page)
    page.get_by_label(t["location.street"]).fill(street)
    page.get_by_label(t["location.city"]).fill("Dallas")
    page.get_by_label(t["location.zip"]).fill(zip_code)
    page.get_by_role("button", name=t["location.find"]).click()

    wait_for_step(page, "pin")
    expect(page.get_by_text(t["pin.lead_ok"])).to_be_visible()
    expect(page.locator(".leaflet-container")).to_be_visible()
    before = page.get_by_test_id("pin-coordinates").inner_text()
    box = page.locator(".leaflet-container").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2 + 40, box["y"] + box["height"] / 2 + 20)
    expect(page.get_by_test_id("pin-coordinates")).not_to_have_text(before)
    moved = page.get_by_test_id("pin-coordinates").inner_text()
    page.reload()  # the moved pin is kept by the server, not only by the page
    wait_for_step(page, "pin")
    expect(page.get_by_test_id("pin-coordinates")).to_have_text(moved)
    page.get_by_role("button", name=t["pin.confirm"]).click()

    wait_for_step(page, "cameras")
    assert_inputs_labelled(page)
    page.get_by_label(t["cameras.kind"]).select_option("doorbell")
    page.get_by_label(t["cameras.count"]).fill("3")
    page.get_by_label(t["cameras.retention"]).fill("14")
    page.get_by_label(t["cameras.faces"]).select_option("street")
    page.get_by_label(t["cameras.recording"]).select_option("motion")
    page.get_by_role("button", name=t["app.continue"]).click()

    wait_for_step(page, "agreement")
    page.get_by_role("button", name=t["agreement.sign"]).click()
    expect(page.get_by_text(t["error.agreement_not_accepted"])).to_be_visible()
    page.get_by_label(t["agreement.accept"]).check()
    page.get_by_label(t["agreement.typed_name"]).fill(name)
    page.get_by_role("button", name=t["agreement.sign"]).click()

    wait_for_step(page, "verify")
    expect(page.get_by_text(t["verify.sms_terms"])).to_be_visible()
    page.get_by_role("button", name=t["verify.send"]).click()
    code_field = page.get_by_label(t["verify.code"])
    expect(code_field).to_be_visible()
    return code_field


def finish(page: Page, t: dict[str, str], code_field, phone_e164: str) -> None:
    """Enter the code from the outbox and reach the confirmation."""
    code_field.fill("000000" if code_from_outbox(page, phone_e164) != "000000" else "111111")
    page.get_by_role("button", name=t["verify.submit"]).click()
    expect(page.locator("#f-code-error")).to_contain_text(
        t["error.code_wrong_other"].split("{")[0].strip()
    )
    code_field.fill(code_from_outbox(page, phone_e164))
    page.get_by_role("button", name=t["verify.submit"]).click()
    wait_for_step(page, "done")
    expect(page.get_by_role("heading", name=t["step.done"])).to_be_visible()


def wait_until_sent(live_app, message_id: int, limit: float = 15) -> None:
    """The in-process dispatcher sends queued SMS within a few seconds."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        with Session(live_app.engine) as session:
            if session.get(OutboxMessage, message_id).status == "sent":
                return
        time.sleep(0.2)  # the dispatcher is another process: poll the database
    raise AssertionError(f"message {message_id} was not sent within {limit} s")


def wait_until_saved(live_app, field: str, value: str, limit: float = 15) -> None:
    """Wait until some draft keeps ``value`` as typed in ``field`` (saved on blur)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        with Session(live_app.engine) as session:
            for draft in session.scalars(select(RegistrationDraft)):
                if (draft.data or {}).get("raw", {}).get(field) == value:
                    return
        time.sleep(0.2)  # the app saves in another process: poll the database
    raise AssertionError(f"{field}={value!r} was not saved within {limit} s")


def registered(live_app, phone_e164: str):
    with Session(live_app.engine) as session:
        owner = session.scalar(select(Owner).where(Owner.phone_e164 == phone_e164))
        assert owner is not None
        sites = session.scalars(select(Site).where(Site.owner_id == owner.id)).all()
        cameras = session.scalars(select(Camera).where(Camera.site_id.in_([s.id for s in sites])))
        consent = session.scalar(select(Consent).where(Consent.owner_id == owner.id))
        messages = session.scalars(
            select(OutboxMessage).where(OutboxMessage.to_e164 == phone_e164)
        ).all()
        return owner, sites, list(cameras), consent, messages


def test_english_sign_up_from_a_qr_flyer(live_app, phone: Page):
    t = catalog("en")
    phone.goto(f"{live_app.url}/join/PARK25")
    code_field = sign_up(
        phone,
        t,
        name="María José O'Neill",
        phone="(214) 555-0142",
        street="1500 Marilla St",
        zip_code="75201",
    )
    finish(phone, t, code_field, "+12145550142")

    owner, sites, cameras, consent, messages = registered(live_app, "+12145550142")
    assert owner.full_name == "María José O'Neill"
    assert owner.language == "en"
    assert owner.status == "active"
    assert [s.zip_code for s in sites] == ["75201"]
    assert sites[0].location_source == "resident_pin"  # the resident moved the pin
    assert [(c.camera_kind, c.count, c.faces, c.recording, c.retention_days) for c in cameras] == [
        ("doorbell", 3, "street", "motion", 14)
    ]
    assert consent.typed_name == "María José O'Neill"
    assert consent.language == "en"
    receipt = [m for m in messages if m.purpose == "registration_receipt"]
    assert len(receipt) == 1
    assert "/manage/" in receipt[0].body
    wait_until_sent(live_app, receipt[0].id)
    with Session(live_app.engine) as session:
        draft = session.scalars(
            select(RegistrationDraft).where(RegistrationDraft.owner_id == owner.id)
        ).one()
        visits = session.scalars(
            select(Campaign.code)
            .join(CampaignVisit, CampaignVisit.campaign_id == Campaign.id)
            .where(CampaignVisit.draft_id == draft.id)
        ).all()
        assert visits == ["PARK25"]  # the scan is attributed to the flyer's campaign

    # The receipt's link opens a page that shows nothing about the owner.
    link = re.search(r"https?://\S+/manage/\S+", receipt[0].body).group(0)
    phone.goto(link.replace("http://localhost:3000", live_app.url))
    expect(phone.get_by_role("heading", name=t["manage.title"])).to_be_visible()
    page_text = phone.content()
    assert "O'Neill" not in page_text
    assert "555-0142" not in page_text


def test_spanish_sign_up(live_app, phone: Page):
    en, es = catalog("en"), catalog("es")
    phone.goto(f"{live_app.url}/join/PARK25")
    wait_for_step(phone, "contact")
    phone.get_by_role("button", name="Español").click()
    expect(phone.get_by_role("heading", name=es["step.contact"])).to_be_visible()
    code_field = sign_up(
        phone,
        es,
        name="Guadalupe Peña",
        phone="469 555 0199",
        street="2500 Elm St",
        zip_code="75226",
    )
    with Session(live_app.engine) as session:
        code_sms = session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.to_e164 == "+14695550199",
                OutboxMessage.purpose == "verification_code",
            )
        ).one()
        assert code_sms.language == "es"
        assert "STOP" in code_sms.body
        assert en["sms.code"].split(":")[1][:10] not in code_sms.body
    finish(phone, es, code_field, "+14695550199")
    owner, _sites, _cameras, consent, messages = registered(live_app, "+14695550199")
    assert owner.language == "es"
    assert consent.language == "es"
    receipt = [m for m in messages if m.purpose == "registration_receipt"]
    assert receipt
    assert receipt[0].language == "es"


def test_a_reload_keeps_what_was_typed(live_app, phone: Page):
    t = catalog("en")
    phone.goto(f"{live_app.url}/join/PARK25")
    wait_for_step(phone, "contact")
    phone.get_by_label(t["contact.full_name"]).fill("Reload Tester")
    phone.get_by_label(t["contact.phone"]).fill("214 555 0123")
    phone.get_by_label(t["contact.full_name"]).focus()  # leaving the phone field saves it
    wait_until_saved(live_app, "phone", "214 555 0123")
    phone.reload()
    wait_for_step(phone, "contact")
    expect(phone.get_by_label(t["contact.full_name"])).to_have_value("Reload Tester")
    expect(phone.get_by_label(t["contact.phone"])).to_have_value("214 555 0123")


def test_bad_input_keeps_what_was_typed_and_explains(live_app, phone: Page):
    t = catalog("en")
    phone.goto(f"{live_app.url}/join")
    wait_for_step(phone, "contact")
    phone.get_by_label(t["contact.full_name"]).fill("Sam Doe")
    phone.get_by_label(t["contact.phone"]).fill("800 555 0100")
    phone.get_by_role("button", name=t["app.continue"]).click()
    expect(phone.get_by_text(t["error.phone_not_mobile"])).to_be_visible()
    expect(phone.get_by_label(t["contact.full_name"])).to_have_value("Sam Doe")
    expect(phone.get_by_label(t["contact.phone"])).to_have_value("800 555 0100")
    expect(phone.get_by_label(t["contact.phone"])).to_have_attribute("aria-invalid", "true")


def test_installable_pwa(live_app, installed_profile_phone: Page):
    phone = installed_profile_phone
    phone.goto(f"{live_app.url}/join/PARK25")
    wait_for_step(phone, "contact")
    manifest_href = phone.locator('link[rel="manifest"]').get_attribute("href")
    manifest = json.loads(phone.request.get(live_app.url + manifest_href).text())
    assert {icon["sizes"] for icon in manifest["icons"]} >= {"192x192", "512x512"}
    assert any(icon.get("purpose") == "maskable" for icon in manifest["icons"])
    scope = phone.evaluate(
        "() => navigator.serviceWorker.ready.then(r => r.active && r.active.scriptURL)"
    )
    assert scope.endswith("/sw.js")
    cdp = phone.context.new_cdp_session(phone)
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    assert errors == []


def test_a_geocoder_outage_delays_the_check_but_keeps_the_sign_up(live_app, phone: Page):
    t = catalog("en")
    live_app.geocoder.mode = "error"
    try:
        through_contact(phone, t, "Outage Tester", "214 555 0177", f"{live_app.url}/join/PARK25")
        phone.get_by_label(t["location.street"]).fill("4100 Unknown Ave")
        phone.get_by_label(t["location.zip"]).fill("75219")
        phone.get_by_role("button", name=t["location.find"]).click()
        wait_for_step(phone, "pin")
        expect(phone.get_by_text(t["pin.lead_unavailable"])).to_be_visible()
        expect(phone.get_by_label(t["location.street"])).to_have_value("4100 Unknown Ave")
        # Without the map (keyboard, screen reader) the pin moves by buttons.
        before = phone.get_by_test_id("pin-coordinates").inner_text()
        phone.get_by_role("button", name=t["pin.nudge_north"]).click()
        expect(phone.get_by_test_id("pin-coordinates")).not_to_have_text(before)
        phone.get_by_role("button", name=t["pin.confirm"]).click()
        wait_for_step(phone, "cameras")
    finally:
        live_app.geocoder.mode = "normal"


def test_errors_take_the_focus_and_a_new_step_focuses_its_heading(live_app, phone: Page):
    t = catalog("en")
    phone.goto(f"{live_app.url}/join")
    wait_for_step(phone, "contact")
    phone.get_by_label(t["contact.phone"]).fill("214 555 0188")
    phone.get_by_role("button", name=t["app.continue"]).click()
    expect(phone.get_by_label(t["contact.full_name"])).to_be_focused()
    phone.get_by_label(t["contact.full_name"]).fill("Focus Tester")
    phone.get_by_role("button", name=t["app.continue"]).click()
    wait_for_step(phone, "location")
    expect(phone.get_by_role("heading", name=t["step.location"])).to_be_focused()


def test_the_receipt_link_leads_to_a_page_that_reveals_nothing(live_app, phone: Page):
    t = catalog("en")
    phone.goto(f"{live_app.url}/manage/not-a-real-token")
    expect(phone.get_by_role("heading", name=t["manage.title"])).to_be_visible()
    expect(phone.get_by_text(t["owner.link_invalid"])).to_be_visible()


def test_use_my_current_location_fills_the_address(live_app, browser):
    t = catalog("en")
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        geolocation={"latitude": 32.7831, "longitude": -96.7836},
        permissions=["geolocation"],
    )
    phone = context.new_page()
    try:
        through_contact(phone, t, "Device Tester", "214 555 0166", f"{live_app.url}/join/PARK25")
        phone.get_by_role("button", name=t["location.use_device"]).click()
        wait_for_step(phone, "pin")
        expect(phone.get_by_text(t["pin.lead_device"])).to_be_visible()
        expect(phone.get_by_label(t["location.street"])).to_have_value("2500 Elm Street")
        expect(phone.get_by_label(t["location.zip"])).to_have_value("75226")
        expect(phone.get_by_test_id("pin-coordinates")).to_have_text("32.78310, -96.78360")
    finally:
        context.close()


def test_correcting_the_address_on_the_pin_screen_looks_it_up_again(live_app, phone: Page):
    t = catalog("en")
    through_contact(phone, t, "Correction Tester", "214 555 0155", f"{live_app.url}/join/PARK25")
    phone.get_by_label(t["location.street"]).fill("1500 Marilla St")
    phone.get_by_label(t["location.zip"]).fill("75201")
    phone.get_by_role("button", name=t["location.find"]).click()
    wait_for_step(phone, "pin")
    expect(phone.get_by_test_id("pin-coordinates")).to_have_text("32.77670, -96.79700")

    phone.get_by_label(t["location.street"]).fill("2500 Elm St")
    phone.get_by_label(t["location.zip"]).fill("75226")
    phone.get_by_role("button", name=t["pin.confirm"]).click()

    expect(phone.get_by_text(t["error.address_changed"])).to_be_visible()
    expect(phone.get_by_test_id("pin-coordinates")).to_have_text("32.78310, -96.78360")
    wait_for_step(phone, "pin")


def add_location(page: Page, t: dict[str, str], street: str, zip_code: str, kind: str) -> None:
    """From the location step, place a location and describe one camera there."""
    wait_for_step(page, "location")
    page.get_by_label(t["location.street"]).fill(street)
    page.get_by_label(t["location.zip"]).fill(zip_code)
    page.get_by_role("button", name=t["location.find"]).click()
    wait_for_step(page, "pin")
    page.get_by_role("button", name=t["pin.confirm"]).click()
    wait_for_step(page, "cameras")
    page.get_by_label(t["cameras.kind"]).select_option(kind)
    page.get_by_label(t["cameras.faces"]).select_option("entrance")
    page.get_by_label(t["cameras.recording"]).select_option("continuous")
    page.get_by_role("button", name=t["app.continue"]).click()
    wait_for_step(page, "agreement")


def test_a_business_registers_two_locations_at_once(live_app, phone: Page):
    t = catalog("en")
    phone.goto(f"{live_app.url}/join/PARK25")
    wait_for_step(phone, "contact")
    phone.get_by_label(t["contact.full_name"]).fill("Rosa Delgado")
    phone.get_by_label(t["contact.phone"]).fill("214 555 0133")
    phone.get_by_label(t["contact.business"]).check()
    phone.get_by_label(t["contact.business_name"]).fill("Delgado Tacos")
    phone.get_by_role("button", name=t["app.continue"]).click()

    add_location(phone, t, "1500 Marilla St", "75201", "exterior")
    phone.get_by_role("button", name=t["agreement.add_location"]).click()
    expect(phone.get_by_text(t["pin.location_n"].format(n=2))).to_be_visible()
    add_location(phone, t, "2500 Elm St", "75226", "ptz")

    expect(phone.locator(".sites li")).to_have_count(2)
    phone.get_by_label(t["agreement.accept"]).check()
    phone.get_by_label(t["agreement.typed_name"]).fill("rosa delgado")  # case does not matter
    phone.get_by_role("button", name=t["agreement.sign"]).click()
    wait_for_step(phone, "verify")
    phone.get_by_role("button", name=t["verify.send"]).click()
    phone.get_by_label(t["verify.code"]).fill(code_from_outbox(phone, "+12145550133"))
    phone.get_by_role("button", name=t["verify.submit"]).click()
    wait_for_step(phone, "done")

    owner, sites, cameras, _consent, _messages = registered(live_app, "+12145550133")
    assert owner.owner_kind == "business"
    assert owner.business_name == "Delgado Tacos"
    assert sorted(s.zip_code for s in sites) == ["75201", "75226"]
    assert sorted(c.camera_kind for c in cameras) == ["exterior", "ptz"]
