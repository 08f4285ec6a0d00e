"""An owner on a phone: signs in by SMS code, edits a camera, pauses, resumes, withdraws."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from camshare.i18n import catalog
from camshare.models import Owner
from tests.support.access_builders import registered_owner

pytestmark = pytest.mark.e2e
expect.set_options(timeout=15_000)


def newest_code(page: Page, base: str, phone_e164: str) -> str:
    outbox = page.context.new_page()
    outbox.goto(f"{base}/outbox")
    message = outbox.get_by_test_id("outbox-message").filter(has_text=phone_e164).first
    expect(message).to_be_visible()
    code = re.search(r"\b(\d{6})\b", message.inner_text()).group(1)
    outbox.close()
    return code


def owner_signs_in(phone: Page, base: str, number: str) -> None:
    """Sign in on /my/sign-in (already open) with the code texted to ``number``."""
    t = catalog("en")
    phone.get_by_label(t["contact.phone"]).fill(number[2:])
    phone.get_by_role("button", name=t["my.send_code"]).click()
    phone.get_by_label(t["verify.code"]).fill(newest_code(phone, base, number))
    phone.get_by_role("button", name=t["my.sign_in"]).click()
    phone.wait_for_url(re.compile(r".*/my/?$"))


def test_an_owner_signs_in_by_code_edits_a_camera_moves_it_pauses_resumes_and_withdraws(
    police_app,
    phone: Page,
):
    factory = sessionmaker(bind=police_app.engine)
    with factory() as session, session.begin():
        owner = registered_owner(session, (32.79, -96.80), name="Dora Quintero")
        number = owner.phone_e164
    t = catalog("en")
    phone.goto(f"{police_app.url}/my")
    phone.wait_for_url(re.compile(r".*/my/sign-in"))
    owner_signs_in(phone, police_app.url, number)
    expect(phone.get_by_test_id("sharing-status")).to_have_text(t["my.status.active"])

    # Edit a camera: two doorbells instead of one.
    phone.get_by_role("button", name=t["my.edit_cameras"]).click()
    phone.locator("#my-cam-count-0").fill("2")
    phone.locator("#my-cam-count-0").blur()
    phone.click("#save-cameras")
    expect(phone.get_by_role("status")).to_have_text(t["my.cameras_saved"])
    expect(phone.get_by_test_id("site-cameras")).to_contain_text("2 \u00d7 Doorbell camera")

    # Move the cameras to another address: looked up, the pin confirmed, saved.
    phone.get_by_role("button", name=t["mylocations.change"]).click()
    phone.get_by_label(t["location.street"]).fill("2500 Elm St")
    phone.get_by_label(t["location.zip"]).fill("75226")
    phone.get_by_label(t["location.zip"]).blur()
    phone.click("#location-find")
    expect(phone.get_by_test_id("location-found")).to_contain_text("2500")
    phone.click("#location-save")
    expect(phone.locator(".site-address").first).to_contain_text("2500 Elm St")

    phone.click("#pause")
    expect(phone.get_by_test_id("sharing-status")).to_have_text(t["my.status.paused"])
    phone.reload()
    expect(phone.get_by_test_id("sharing-status")).to_have_text(t["my.status.paused"])
    phone.click("#resume")
    expect(phone.get_by_test_id("sharing-status")).to_have_text(t["my.status.active"])

    phone.click("#withdraw")
    expect(phone.get_by_text(t["my.withdraw_confirm_needed"])).to_be_visible()
    phone.get_by_label(t["my.withdraw_confirm"]).check()
    phone.click("#withdraw")
    expect(phone.get_by_test_id("withdrawn")).to_be_visible()
    with factory() as session:
        assert session.scalar(select(Owner).where(Owner.phone_e164 == number)) is None
