"""Outreach end to end: a campaign created on the web, its QR code downloaded, a phone
signing up through it, the dashboard's counts moving and the transparency page updating."""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from camshare.i18n import catalog
from camshare.models import AgreementVersion
from tests.e2e.test_access_request import desk_page, sign_in
from tests.e2e.test_sign_up import finish, sign_up
from tests.support.access_builders import registered_owner

pytestmark = pytest.mark.e2e
expect.set_options(timeout=15_000)


def registered_locations(app) -> int:
    from sqlalchemy import func, select

    from camshare.models import Site

    with sessionmaker(bind=app.engine)() as session:
        return session.scalar(select(func.count(Site.id)))


def funnel_count(page: Page, step_label: str) -> str:
    row = page.get_by_test_id("funnel").locator("li").filter(has_text=step_label)
    return row.locator(".bar-count").inner_text()


def test_a_campaign_from_creation_to_a_sign_up_on_the_dashboard(police_app, browser, phone):
    from PIL import Image
    from pyzbar.pyzbar import decode

    outreach = desk_page(browser)
    sign_in(outreach, police_app.url, "outreach", "/staff/campaigns")
    outreach.fill("#f-name", "Library day")
    outreach.locator("#f-name").blur()
    outreach.select_option("#f-flyer_language", "both")
    outreach.click("#save-campaign")
    card = outreach.get_by_test_id("campaign").filter(has_text="Library day")
    expect(card).to_have_count(1)
    code = card.get_by_test_id("campaign-code").inner_text()
    join_url = card.get_by_test_id("join-url").inner_text()
    assert join_url == f"{police_app.url}/join/{code}"

    with outreach.expect_download() as download:
        card.get_by_test_id("download-png").click()
    png = download.value.path().read_bytes()
    assert [symbol.data.decode() for symbol in decode(Image.open(io.BytesIO(png)))] == [join_url]

    # Five registered locations in all, so the public total is shown, not "fewer than 5".
    factory = sessionmaker(bind=police_app.engine)
    with factory() as session, session.begin():
        # Consenting to the agreement in force: only then are they counted as registered.
        in_force = session.scalars(
            select(AgreementVersion).order_by(AgreementVersion.published_at.desc())
        ).first()
        for n in range(5 - registered_locations(police_app)):
            registered_owner(
                session, (32.78 + n / 1000, -96.80), name=f"Neighbour {n}", consent_to=in_force
            )
    public = browser.new_page()
    public.goto(f"{police_app.url}/transparency")
    total = public.get_by_test_id("registrations").locator("dd").first
    expect(total).to_have_text("5")

    outreach.goto(f"{police_app.url}/staff/dashboard")
    expect(outreach.get_by_test_id("funnel")).to_be_visible()
    before = int(funnel_count(outreach, "Registered"))

    t = catalog("en")
    phone.goto(join_url)
    code_field = sign_up(
        phone, t, name="Lupe Ortiz", phone="(214) 555-0177", street="2500 Elm St", zip_code="75226"
    )
    finish(phone, t, code_field, "+12145550177")

    outreach.click("#apply-filters")
    expect(
        outreach.get_by_test_id("funnel")
        .locator("li")
        .filter(has_text="Registered")
        .locator(".bar-count")
    ).to_have_text(str(before + 1))
    row = outreach.get_by_test_id("campaign-row").filter(has_text=code)
    expect(row).to_contain_text("Library day")

    public.reload()
    expect(total).to_have_text("6")
    public.close()
    outreach.context.close()
    assert re.fullmatch(r"[2-9A-HJ-NP-Z]{6}", code)
