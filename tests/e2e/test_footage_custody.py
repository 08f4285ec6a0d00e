"""Footage custody in Chromium: the officer's board shows an owner's file without a reload,
the video plays (its currentTime advances), the download's SHA-256 equals the receipt's,
and the case-file export's custody PDF carries the hash.

The file is seeded as intake leaves a complete upload (a row "received" and its bytes in the
local footage folder); the owner's upload itself is intake's browser test.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from pdfminer.high_level import extract_text
from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from camshare.models import AccessRequest, FootageFile, FootageGrant, StaffUser, utcnow
from camshare.services.access.requests import create_request
from camshare.services.footage.probe import write_thumbnail
from camshare.services.footage.storage import LocalFolderStorage
from camshare.services.permissions import Actor
from camshare.settings import load_settings
from tests.e2e.conftest import PHONE, running_app
from tests.e2e.test_access_request import desk_page, sign_in
from tests.support.access_builders import draft, registered_owner
from tests.support.axe import axe_violations
from tests.support.media import pattern_video

pytestmark = pytest.mark.e2e
expect.set_options(timeout=20_000)


@dataclasses.dataclass
class CustodyApp:
    url: str
    factory: sessionmaker
    storage: LocalFolderStorage
    request_id: int
    recipient_id: int
    owner_id: int


@pytest.fixture(scope="module")
def custody_app(tmp_path_factory):
    """The production build, one open request the officer made, one owner who approved."""
    workdir = tmp_path_factory.mktemp("custody")
    folder = workdir / "footage"
    with running_app(workdir, CAMSHARE_FOOTAGE_DIR=str(folder)) as app:
        factory = sessionmaker(bind=app.engine, expire_on_commit=False)
        settings = dataclasses.replace(load_settings({}), request_needs_approval=False)
        with factory() as session, session.begin():
            owner = registered_owner(session, (32.77706, -96.7970), name="Rosa Díaz")
            user = session.scalar(select(StaffUser).where(StaffUser.username == "officer"))
            officer = Actor(user.id, user.username, user.role)
            now = utcnow()
            when = {
                "window_start": now - timedelta(hours=2),
                "window_end": now - timedelta(hours=1),
            }
            created = create_request(session, officer, draft(**when), set(), settings, now)
            request = session.get(AccessRequest, created.request_id)
            recipient = request.recipients[0]
            recipient.answer, recipient.answered_at = "approved", now
            ids = request.id, recipient.id, owner.id
        yield CustodyApp(app.url, factory, LocalFolderStorage(folder), *ids)


def seed_received_file(app: CustodyApp, workdir: Path) -> tuple[int, str]:
    """A complete MP4 of the test pattern, as intake stores it: (file id, its SHA-256)."""
    video = pattern_video(workdir / "clip.mp4", seconds=4)
    thumb = workdir / "thumb.jpg"
    assert write_thumbnail(video, thumb)
    sha256 = hashlib.sha256(video.read_bytes()).hexdigest()
    key = f"request/{app.request_id}/original-{sha256[:12]}.mp4"
    app.storage.put_file(key, video)
    app.storage.put_file(f"{key}.thumb.jpg", thumb)
    with app.factory() as session, session.begin():
        file = FootageFile(
            request_id=app.request_id,
            recipient_id=app.recipient_id,
            owner_id=app.owner_id,
            upload_id=f"e2e-{sha256[:16]}",
            original_name="Cámara patio.mp4",
            caption="Back yard, facing the alley",
            size_bytes=video.stat().st_size,
            sha256=sha256,
            status="received",
            kind="video",
            media_type="video/mp4",
            duration_seconds=4.0,
            width=320,
            height=240,
            storage_key=key,
            thumbnail_key=f"{key}.thumb.jpg",
            received_at=utcnow(),
        )
        session.add(file)
        session.flush()
        return file.id, sha256


def test_the_officer_sees_plays_downloads_accepts_and_exports(custody_app, browser, tmp_path):
    app = custody_app
    officer = desk_page(browser)
    board = f"/staff/requests/{app.request_id}"
    sign_in(officer, app.url, "officer", board)
    expect(officer.get_by_test_id("footage-panel")).to_be_attached()
    listed = officer.locator(".footage-list > [data-testid=footage-file]")
    expect(listed).to_have_count(0)

    # An owner's file arrives while the board is open: it shows up without a reload.
    file_id, sha256 = seed_received_file(app, tmp_path)
    row = listed.first
    expect(listed).to_have_count(1)
    expect(row.get_by_test_id("footage-sha256")).to_have_text(sha256)
    thumbnail = row.get_by_test_id("footage-thumbnail")
    expect(thumbnail).to_be_visible()
    officer.wait_for_function(
        "el => el.complete && el.naturalWidth > 0", arg=thumbnail.element_handle()
    )

    # Play: the video starts and its time advances.
    row.get_by_test_id("play").click()
    player = officer.get_by_test_id("footage-player")
    expect(player).to_be_visible()
    player.evaluate("v => { v.muted = true; return v.play(); }")
    officer.wait_for_function("v => v.currentTime > 0.5", arg=player.element_handle())

    # Download: the original, bit for bit.
    with officer.expect_download() as started:
        row.get_by_test_id("download").click()
    downloaded = Path(started.value.path())
    assert hashlib.sha256(downloaded.read_bytes()).hexdigest() == sha256

    # Accept, then export: the custody PDF names the hash.
    row.get_by_test_id("accept").click()
    expect(row).to_have_attribute("data-status", "accepted")
    with officer.expect_download() as started:
        officer.get_by_test_id("export").click()
    archive = zipfile.ZipFile(started.value.path())
    pdf = extract_text(io.BytesIO(archive.read("chain-of-custody.pdf")))
    assert sha256 in pdf.replace("\n", "")
    (original,) = [n for n in archive.namelist() if n.endswith(".mp4")]
    assert hashlib.sha256(archive.read(original)).hexdigest() == sha256

    with app.factory() as session:
        assert session.get(FootageFile, file_id).status == "accepted"

    # Pickup: the officer sends an export the owner handed over, through the same tus path.
    officer.get_by_test_id("pickup").locator("summary").click()
    officer.get_by_test_id("pickup-owner").select_option(str(app.recipient_id))
    export_clip = pattern_video(tmp_path / "DVR export.mp4", seconds=2)
    officer.get_by_test_id("footage-files").set_input_files(str(export_clip))
    officer.click("#footage-send")
    expect(listed).to_have_count(2)
    with app.factory() as session:
        picked = session.scalar(select(FootageFile).where(FootageFile.id != file_id))
        officer_id = session.scalar(select(StaffUser.id).where(StaffUser.username == "officer"))
        assert picked.uploaded_by_id == officer_id
        assert picked.sha256 == hashlib.sha256(export_clip.read_bytes()).hexdigest()


def test_staff_added_to_a_request_find_it_under_footage_shared_with_them(custody_app, browser):
    """In Spanish, at phone size: the grant is listed and opens the request's footage."""
    app = custody_app
    settings = dataclasses.replace(load_settings({}), request_needs_approval=False)
    with app.factory() as session, session.begin():
        users = {u.username: u for u in session.scalars(select(StaffUser))}
        # The officer signed in a moment ago (the test above): as if that were long ago,
        # so the authenticator's current code is not refused as a replay.
        users["officer"].totp_last_step = None
        author = Actor(users["supervisor"].id, "supervisor", "supervisor")
        now = utcnow()
        when = {"window_start": now - timedelta(hours=2), "window_end": now - timedelta(hours=1)}
        created = create_request(
            session, author, draft(case_number="24-555001", **when), set(), settings, now
        )
        session.add(
            FootageGrant(
                request_id=created.request_id,
                staff_user_id=users["officer"].id,
                level="view",
                granted_by_id=author.user_id,
            )
        )
    context = browser.new_context(viewport=PHONE, locale="es-US")
    officer = context.new_page()
    sign_in(officer, app.url, "officer", "/staff/footage")
    expect(officer.locator("h1")).to_have_text("Grabaciones compartidas con usted")
    entry = officer.get_by_test_id("shared-request")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("24-555001")
    expect(officer.locator(".request-item")).to_contain_text("Solo ver")
    assert axe_violations(officer) == []
    entry.click()
    officer.wait_for_url(f"**/staff/requests/{created.request_id}/footage")
    expect(officer.get_by_test_id("footage-panel")).to_contain_text("Todavía no hay grabaciones")
    context.close()

    # Outreach has no footage: the page refuses on the server, whatever the link.
    outreach = desk_page(browser)
    sign_in(outreach, app.url, "outreach", "/staff/footage")
    expect(outreach.get_by_test_id("shared-request")).to_have_count(0)
    expect(outreach.locator("p.notice[role=alert]")).to_be_visible()
