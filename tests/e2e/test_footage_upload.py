"""An owner on a 360 px phone approves a request, sends a short MP4 (FFmpeg's libraries make
a test pattern), loses the connection half-way (CDP offline) and gets it back: the upload
goes on where it stopped and the receipt shows the server's SHA-256 of the file."""

from __future__ import annotations

import hashlib
import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from camshare.models import AccessRecipient, FootageFile, utcnow
from camshare.services.tokens import new_token, token_hash
from camshare.settings import load_settings
from tests.support.access_builders import INCIDENT, registered_owner, sent_request, staff
from tests.support.axe import axe_violations
from tests.support.media import pattern_video

pytestmark = pytest.mark.e2e
expect.set_options(timeout=30_000)
NARROW_PHONE = {"width": 360, "height": 740}


def answer_link_of(live_app, language: str) -> str:
    """A sent request reaching one owner (who reads ``language``): their answer link."""
    token = new_token()
    factory = sessionmaker(bind=live_app.engine, expire_on_commit=False)
    settings = load_settings({"CAMSHARE_SECRET_KEY": "x", "CAMSHARE_GEOCODER_MIN_DELAY": "0"})
    with factory() as session, session.begin():
        owner = registered_owner(session, INCIDENT, language=language)
        at = utcnow() - timedelta(minutes=5)
        request_id = sent_request(
            session, settings, staff(session, "police"), staff(session, "supervisor"), at
        )
        recipient = session.scalar(
            select(AccessRecipient).where(
                AccessRecipient.request_id == request_id, AccessRecipient.owner_id == owner.id
            )
        )
        recipient.token_sha256 = token_hash(token)
    return f"{live_app.url}/r/{token}"


@pytest.fixture
def answer_link(live_app) -> str:
    """A sent request reaching one owner, and that owner's answer link."""
    return answer_link_of(live_app, "en")


def test_an_owner_sends_footage_through_a_dropped_connection(
    live_app, browser, answer_link, tmp_path
):
    clip = pattern_video(tmp_path / "porch.mp4", seconds=3)
    with clip.open("ab") as padded:  # a trailing free box: big enough to cut, still whole
        padding = 12 * 1024 * 1024
        padded.write(padding.to_bytes(4, "big") + b"free" + os.urandom(padding - 8))
    expected = hashlib.sha256(clip.read_bytes()).hexdigest()

    context = browser.new_context(viewport=NARROW_PHONE, is_mobile=True, locale="en-US")
    page = context.new_page()
    page.goto(answer_link)
    page.get_by_role("button", name="Approve").click()
    expect(page.locator("#send-footage")).to_be_visible()
    page.locator("#send-footage").click()
    page.wait_for_url(re.compile(r".*/f/[0-9]+\.[A-Za-z0-9_-]+$"))
    expect(page.get_by_text("not passed on to other agencies")).to_be_visible()
    assert axe_violations(page) == []

    cdp = context.new_cdp_session(page)
    # Slow enough to be cut in the middle: about 3 MB/s up.
    slow = {"latency": 20, "downloadThroughput": -1, "uploadThroughput": 3 * 1024 * 1024}
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, **slow})
    page.set_input_files("[data-testid=footage-files]", str(clip))
    page.fill("input[id^=caption-]", "Front porch camera")
    page.click("#footage-send")
    percent = page.locator("[data-testid=footage-percent]")
    expect(percent).to_have_text(re.compile(r"^([1-9]\d?)%$"))
    cdp.send("Network.emulateNetworkConditions", {"offline": True, **slow})
    context.set_offline(True)
    expect(page.locator("[data-testid=footage-problem]")).to_be_visible()
    with sessionmaker(bind=live_app.engine)() as session:
        assert session.scalar(select(FootageFile.status)) == "receiving"
    context.set_offline(False)
    cdp.send("Network.emulateNetworkConditions", {"offline": False, **slow})

    expect(page.locator("[data-testid=footage-sha256]")).to_have_text(expected, timeout=90_000)
    expect(page.locator("[data-testid=footage-server-receipt]")).to_contain_text(expected)
    with sessionmaker(bind=live_app.engine)() as session:
        row = session.scalar(select(FootageFile))
        assert (row.status, row.sha256, row.caption) == ("received", expected, "Front porch camera")
    assert axe_violations(page) == []
    context.close()


def test_a_spanish_speaking_owner_sends_footage_and_reads_everything_in_spanish(
    live_app, browser, tmp_path
):
    clip = pattern_video(tmp_path / "patio.mp4", seconds=2)
    expected = hashlib.sha256(clip.read_bytes()).hexdigest()
    program = tmp_path / "video.mp4"  # a program renamed: refused by its bytes, in Spanish
    program.write_bytes(Path("/bin/ls").read_bytes()[:100_000])
    context = browser.new_context(viewport=NARROW_PHONE, is_mobile=True, locale="es-US")
    page = context.new_page()
    page.goto(answer_link_of(live_app, "es"))
    page.get_by_role("button", name="Aprobar").click()
    page.locator("#send-footage").click()
    page.wait_for_url(re.compile(r".*/f/[0-9]+\.[A-Za-z0-9_-]+$"))
    expect(page).to_have_title(re.compile(r"^Envíe su video"))
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_text("no se entrega a otras agencias")).to_be_visible()

    page.set_input_files("[data-testid=footage-files]", [str(clip), str(program)])
    page.click("#footage-send")
    expect(page.locator("[data-testid=footage-sha256]")).to_have_text(expected)
    expect(page.locator("[data-testid=footage-problem]")).to_have_text(
        "Este archivo es un programa, no un video ni una imagen, así que no lo guardamos."
    )
    receipts = page.locator("[data-testid=footage-server-receipt]")
    expect(receipts.filter(has_text="patio.mp4")).to_contain_text("Huella (SHA-256)")
    expect(receipts.filter(has_text="patio.mp4")).to_contain_text(expected)
    expect(page.get_by_role("heading", name="Archivos que recibimos")).to_be_visible()
    assert axe_violations(page) == []
    context.close()
