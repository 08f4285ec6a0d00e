"""Live view in Chromium: an owner allows it on their request page, the officer's board plays
it (the video's currentTime advances), "Stop sharing now" stops the player within 5 s and
the segment URLs it used are refused; on /my the owner sees the share and removes the
bridge; a share that reaches its end time stops by itself; outreach and a police member not
on the request get nothing. The live offer, the board's tile and /my's live section pass
axe at 360 px.

In the first tests the camera's side is real HLS pushed through the real push API
(ffmpeg's test pattern cut into 1 s MPEG-TS segments, sent one a second as a bridge would).
The last runs the real bridge (``python -m camshare_bridge``, paired with the code the owner
gets on /my) against the RTSP camera stand-in: the camera goes offline mid-share (the tile
says so, the share's clock runs on) and comes back (the tile plays again), and "Stop sharing
now" stops the bridge within 5 s.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
import subprocess
import threading
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pyotp
import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from camshare.cli import DEMO_STAFF, DEMO_STAFF_PASSWORD
from camshare.models import AccessRecipient, AccessRequest, LiveShare, StaffUser, utcnow
from camshare.routes import owner_answer_path
from camshare.services.access.requests import create_request
from camshare.services.live.shares import push_secret, start_shares
from camshare.services.permissions import Actor
from camshare.services.tokens import new_token, token_hash
from camshare.settings import load_settings
from camshare_bridge import protocol
from tests.e2e.conftest import running_app
from tests.e2e.test_access_request import desk_page, sign_in
from tests.e2e.test_my_registration import owner_signs_in
from tests.support import rtsp_camera as camera_standin
from tests.support.access_builders import draft, registered_owner
from tests.support.axe import axe_violations
from tests.support.bridge_program import bridge, running_bridge
from tests.support.live_builders import paired_bridge
from tests.support.waiting import wait_for

pytestmark = pytest.mark.e2e
PLAYING = "() => (document.querySelector(\"[data-share='SHARE'] video\")?.currentTime ?? 0) > 1.5"
expect.set_options(timeout=20_000)
NARROW = {"width": 360, "height": 740}


def axe_at_360(page) -> list[str]:
    """The rules the page breaks at the narrowest phone width."""
    page.set_viewport_size(NARROW)
    return axe_violations(page)


@dataclasses.dataclass
class LiveViewApp:
    url: str
    factory: sessionmaker
    request_id: int
    token: str
    owner_phone: str


def approved_request(session, settings, officer: StaffUser, owner, now) -> tuple[int, str]:
    """The officer's open request, which ``owner`` approved; its id and their answer token."""
    when = {"window_start": now - timedelta(hours=2), "window_end": now - timedelta(hours=1)}
    author = Actor(officer.id, officer.username, officer.role)
    created = create_request(session, author, draft(**when), set(), settings, now)
    recipient = session.scalar(
        select(AccessRecipient).where(
            AccessRecipient.request_id == created.request_id,
            AccessRecipient.owner_id == owner.id,
        )
    )
    token = new_token()
    recipient.token_sha256 = token_hash(token)
    recipient.answer, recipient.answered_at, recipient.answered_via = "approved", now, "link"
    return created.request_id, token


def another_staff(session, officer: StaffUser, username: str, role: str, totp_secret: str):
    """A staff member with the demo officer's password and the authenticator ``totp_secret``."""
    session.add(
        StaffUser(
            username=username,
            display_name=username.capitalize(),
            role=role,
            password_hash=officer.password_hash,
            totp_secret=totp_secret,
            totp_enabled_at=officer.totp_enabled_at,
        )
    )


@pytest.fixture(scope="module")
def live_view_app(tmp_path_factory):
    """The production build; an officer's open request; an owner who approved, with a bridge
    reporting their cameras ready; a second police member not on the request."""
    workdir = tmp_path_factory.mktemp("live-view")
    with running_app(workdir, CAMSHARE_LIVE_SEGMENTS_DIR=str(workdir / "live")) as app:
        factory = sessionmaker(bind=app.engine, expire_on_commit=False)
        settings = dataclasses.replace(load_settings({}), request_needs_approval=False)
        with factory() as session, session.begin():
            owner = registered_owner(session, (32.77706, -96.7970), name="Rosa Díaz")
            officer = session.scalar(select(StaffUser).where(StaffUser.username == "officer"))
            request_id, token = approved_request(session, settings, officer, owner, utcnow())
            paired_bridge(session, owner, utcnow())
            # Another police member, same password and authenticator as the demo officer.
            another_staff(session, officer, "officer2", "police", officer.totp_secret)
            assert session.get(AccessRequest, request_id).status == "open"
            owner_phone = owner.phone_e164
        yield LiveViewApp(app.url, factory, request_id, token, owner_phone)


def hls_segments(folder: Path) -> list[bytes]:
    """30 one-second MPEG-TS segments of ffmpeg's test pattern (H.264), in order."""
    folder.mkdir(exist_ok=True)
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=15",
         "-t", "30", "-c:v", "libx264", "-preset", "ultrafast", "-g", "15", "-pix_fmt", "yuv420p",
         "-f", "hls", "-hls_time", "1", "-hls_list_size", "0",
         "-hls_segment_filename", str(folder / "seg%d.ts"), str(folder / "index.m3u8")],
        check=True,
    )  # fmt: skip
    return [p.read_bytes() for p in sorted(folder.glob("seg*.ts"), key=lambda p: int(p.stem[3:]))]


class Camera(threading.Thread):
    """Pushes one segment a second and a 4-segment live playlist, as the bridge's ffmpeg
    does, until told to stop or refused (410: the share ended)."""

    def __init__(self, base: str, share_id: int, secret: str, segments: list[bytes]) -> None:
        super().__init__(daemon=True)
        self.base, self.share_id, self.segments = base, share_id, segments
        self.headers = protocol.bearer(secret)
        self.stop = threading.Event()
        self.refused: int | None = None

    def run(self) -> None:
        with httpx.Client(base_url=self.base, headers=self.headers, timeout=10) as client:
            for number, data in enumerate(self.segments):
                if self.stop.is_set():
                    return
                answer = client.put(
                    protocol.push_path(self.share_id, f"seg{number}.ts"), content=data
                )
                if answer.status_code != 204:
                    self.refused = answer.status_code
                    return
                first = max(0, number - 3)
                lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-TARGETDURATION:2",
                         f"#EXT-X-MEDIA-SEQUENCE:{first}"]  # fmt: skip
                for shown in range(first, number + 1):
                    lines += ["#EXTINF:1.000,", f"seg{shown}.ts"]
                client.put(
                    protocol.push_path(self.share_id, "index.m3u8"),
                    content=("\n".join(lines) + "\n").encode(),
                )
                # A camera's pace, not a wait for a condition: one second of video a second.
                time.sleep(1.0)


def watching(browser, base: str, username: str, board: str, share_id: int, totp_secret=None):
    """A desk browser signed in as ``username`` on ``board``, its player of ``share_id``
    playing; and the list of the watch URLs it fetches."""
    page = desk_page(browser)
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url) if "/api/live/watch/" in r.url else None)
    if totp_secret:
        sign_in_as(page, base, username, totp_secret, board)
    else:
        sign_in(page, base, username, board)
    page.wait_for_function(PLAYING.replace("SHARE", str(share_id)), timeout=30_000)
    return page, fetched


# Whether a player's currentTime moved 1.5 s on since first asked (a restarted player's
# clock starts again from 0: it then counts from there).
ADVANCES = """([selector, key]) => {
  const time = document.querySelector(selector)?.currentTime ?? 0;
  const seen = (window[key] ??= { base: time, last: time });
  if (time < seen.last) seen.base = time;
  seen.last = time;
  return time > seen.base + 1.5;
}"""


def plays_on(page, share_id: int, timeout_ms: int) -> None:
    """The player of ``share_id`` shows new pictures: its currentTime moves 1.5 s on."""
    selector, key = f"[data-share='{share_id}'] video", f"plays{time.monotonic_ns()}"
    page.wait_for_function(ADVANCES, arg=[selector, key], polling=200, timeout=timeout_ms)


def stopped(page, share_id: int, fetched: list[str], says: str, within_ms: int) -> None:
    """The player of ``share_id`` stops within ``within_ms``, its tile ``says`` why, and the
    last segment it fetched is refused (410)."""
    playing = page.locator(f"[data-share='{share_id}'] video:not([data-ended=true])")
    expect(playing).to_have_count(0, timeout=within_ms)
    expect(page.locator(f"[data-share='{share_id}']")).to_contain_text(says)
    segment_urls = [u for u in fetched if u.endswith(".ts")]
    assert segment_urls
    assert httpx.get(segment_urls[-1]).status_code == 410


def sign_in_as(page, base: str, username: str, totp_secret: str, path: str) -> None:
    """Sign in as a staff member this module added (``sign_in`` knows the demo ones only)."""
    page.goto(f"{base}{path}")
    page.fill("#f-username", username)
    page.fill("#f-password", DEMO_STAFF_PASSWORD)
    page.click("#password-form button[type=submit]")
    page.fill("#f-code", pyotp.TOTP(totp_secret).now())
    page.click("#code-form button[type=submit]")
    page.wait_for_url(lambda url: url.rstrip("/").endswith(path))


def test_an_owner_shares_live_the_officer_watches_and_the_owner_stops_it(
    live_view_app, browser, phone, tmp_path
):
    app = live_view_app
    # The owner, on their phone: allow live view of their ready cameras (all preselected).
    phone.goto(app.url + owner_answer_path(app.token))
    offer = phone.locator("#live-offer")
    expect(offer).to_contain_text("Also allow live view")
    expect(offer.locator("input[type=checkbox]:checked")).to_have_count(2)
    assert axe_at_360(phone) == []
    phone.click("#live-allow")
    expect(offer.get_by_test_id("live-running")).to_be_visible()
    assert axe_at_360(phone) == []

    with app.factory() as session:
        share_id = session.scalars(
            select(LiveShare.id).where(LiveShare.request_id == app.request_id)
        ).first()
    secret = push_secret(load_settings({}).secret_key, share_id)
    camera = Camera(app.url, share_id, secret, hls_segments(tmp_path / "hls"))
    camera.start()
    try:
        board = f"/staff/requests/{app.request_id}"
        officer, fetched = watching(browser, app.url, "officer", board, share_id)
        assert axe_at_360(officer) == []

        phone.click("#live-stop")
        expect(offer).to_contain_text("Live view stopped")
        # Within 5 s the officer's player stops, and what it fetched is refused.
        # (The player either stops on the server's refusal or leaves with the board's tick.)
        stopped(officer, share_id, fetched, "owner stopped", 5_000)
    finally:
        camera.stop.set()
        camera.join(timeout=10)
    assert camera.refused in (None, 410)

    # On /my the owner sees the share, stopped, and who watched; then removes the bridge.
    phone.goto(app.url + "/my")
    phone.wait_for_url(re.compile(r".*/my/sign-in"))
    owner_signs_in(phone, app.url, app.owner_phone)
    section = phone.get_by_test_id("my-live")
    expect(section.get_by_test_id("my-live-share").first).to_contain_text("you stopped it")
    watched = section.get_by_test_id("my-live-watched").filter(has_text="an officer")
    expect(watched.first).to_be_visible()
    bridge = section.get_by_test_id("my-live-bridge")
    expect(bridge).to_have_count(1)
    assert axe_at_360(phone) == []
    bridge.get_by_role("button", name="Remove this device").click()
    expect(bridge.get_by_role("group")).to_contain_text("Remove this device?")
    assert axe_at_360(phone) == []
    bridge.get_by_role("button", name="Yes, remove it").click()
    expect(section.get_by_test_id("my-live-bridge")).to_have_count(0)
    expect(section.get_by_test_id("my-live-camera")).to_have_count(0)


def test_outreach_and_police_not_on_the_request_get_nothing(live_view_app, browser):
    app = live_view_app
    board = f"/staff/requests/{app.request_id}"
    outreach = desk_page(browser)
    sign_in(outreach, app.url, "outreach", "/staff")
    outreach.goto(app.url + board)
    expect(outreach.locator("main")).to_contain_text("does not allow")
    expect(outreach.locator(".live-tile video")).to_have_count(0)
    other = desk_page(browser)
    secret = next(s for name, _, _, s in DEMO_STAFF if name == "officer")
    sign_in_as(other, app.url, "officer2", secret, board)
    expect(other.locator("main")).to_contain_text("does not allow")
    expect(other.locator(".live-tile video")).to_have_count(0)


def test_a_share_that_reaches_its_end_time_stops_by_itself(live_view_app, browser, tmp_path):
    app = live_view_app
    settings = dataclasses.replace(load_settings({}), request_needs_approval=False)
    with app.factory() as session, session.begin():
        owner = registered_owner(session, (32.77706, -96.7970), name="Ana Ruiz")
        officer = session.scalar(select(StaffUser).where(StaffUser.username == "officer"))
        request_id, token = approved_request(session, settings, officer, owner, utcnow())
        cameras = paired_bridge(session, owner, utcnow())
        started = start_shares(session, settings, token, cameras[:1], 60, utcnow())
        [share_id] = started.share_ids
    secret = push_secret(settings.secret_key, share_id)
    camera = Camera(app.url, share_id, secret, hls_segments(tmp_path / "hls"))
    camera.start()
    try:
        # A supervisor watches (the officer's code was just used: a code works once).
        board = f"/staff/requests/{request_id}"
        supervisor, fetched = watching(browser, app.url, "supervisor", board, share_id)
        # The share's time runs out (brought forward to now: nobody presses anything).
        with app.factory() as session, session.begin():
            session.get(LiveShare, share_id).ends_at = utcnow()
        stopped(supervisor, share_id, fetched, "The share ended", 10_000)
    finally:
        camera.stop.set()
        camera.join(timeout=10)
    assert camera.refused in (None, 410)


@pytest.mark.skipif(camera_standin.available() is not None, reason=str(camera_standin.available()))
def test_the_real_bridge_streams_a_camera_that_drops_out_and_back_until_the_owner_stops(
    live_view_app, browser, phone, tmp_path
):
    """The owner pairs the real bridge from /my; it reports the RTSP stand-in; the officer's
    board plays it; the camera goes off (the tile says so, the share's clock runs on) and
    comes back (the tile plays again); "Stop sharing now" stops the bridge within 5 s."""
    app = live_view_app
    settings = dataclasses.replace(load_settings({}), request_needs_approval=False)
    watcher_secret = pyotp.random_base32()
    with app.factory() as session, session.begin():
        owner = registered_owner(session, (32.77706, -96.7970), name="Lucía Gómez")
        officer = session.scalar(select(StaffUser).where(StaffUser.username == "officer"))
        request_id, token = approved_request(session, settings, officer, owner, utcnow())
        camera_id = min(c.id for site in owner.sites for c in site.cameras)
        # A supervisor with an authenticator of their own (a TOTP code works once).
        another_staff(session, officer, "supervisor3", "supervisor", watcher_secret)
        owner_phone = owner.phone_e164

    # On /my the owner asks for a pairing code and types it into the bridge.
    phone.goto(app.url + "/my")
    phone.wait_for_url(re.compile(r".*/my/sign-in"))
    owner_signs_in(phone, app.url, owner_phone)
    phone.click("#live-add-device")
    code = phone.get_by_test_id("pairing-code").inner_text().strip()
    config = tmp_path / "bridge" / "config.json"
    paired = bridge(config, "pair", code, "--server", app.url, "--name", "Shop")
    assert paired.returncode == 0, paired.stdout + paired.stderr

    with contextlib.ExitStack() as running:
        # The camera, as its own stack: it is switched off mid-share, the bridge runs on.
        switched_on = contextlib.ExitStack()
        running.enter_context(switched_on)
        camera = switched_on.enter_context(camera_standin.rtsp_camera(tmp_path / "camera"))
        # Over TCP, the bridge's default (RTP inside the RTSP connection).
        added = bridge(config, "add-camera", "--camera-id", str(camera_id), "--name", "Door",
                       "--url", camera.url())  # fmt: skip
        assert added.returncode == 0, added.stderr
        checked = bridge(config, "check")
        assert checked.returncode == 0, checked.stdout + checked.stderr
        phone.reload()
        expect(phone.get_by_test_id("my-live-camera")).to_contain_text("Door")
        log = tmp_path / "bridge.log"
        running.enter_context(running_bridge(config, log))

        # The owner allows live view of the camera the bridge reported ready.
        phone.goto(app.url + owner_answer_path(token))
        offer = phone.locator("#live-offer")
        expect(offer.locator("input[type=checkbox]:checked")).to_have_count(1)
        phone.click("#live-allow")
        expect(offer.get_by_test_id("live-running")).to_be_visible()
        with app.factory() as session:
            share = session.scalars(
                select(LiveShare).where(LiveShare.request_id == request_id)
            ).one()
        board = f"/staff/requests/{request_id}"
        watcher, fetched = watching(
            browser, app.url, "supervisor3", board, share.id, watcher_secret
        )
        tile = watcher.locator(f"[data-share='{share.id}']")
        until = tile.locator("p.muted").inner_text()

        # The camera goes off mid-share: the tile says so; the share's clock runs on.
        switched_on.close()
        expect(tile).to_contain_text("Camera offline", timeout=40_000)
        expect(tile.locator("p.muted")).to_have_text(until)
        with app.factory() as session:
            row = session.get(LiveShare, share.id)
            assert (row.ended_at, row.ends_at) == (None, share.ends_at)
        assert f"share {share.id}: stopped" not in log.read_text()

        # It comes back at the same address: the bridge's relay reconnects, the tile plays.
        running.enter_context(camera_standin.rtsp_camera(tmp_path / "camera", port=camera.port))
        expect(tile).not_to_contain_text("Camera offline", timeout=60_000)
        plays_on(watcher, share.id, 30_000)

        # "Stop sharing now": within 5 s the bridge stops pushing and the player stops.
        phone.click("#live-stop")
        expect(offer).to_contain_text("Live view stopped")
        pressed = time.monotonic()
        wait_for(lambda: f"share {share.id}: stopped" in log.read_text(), 5,
                 "the bridge stops within 5 s of the owner's press")  # fmt: skip
        assert time.monotonic() - pressed <= 5
        stopped(watcher, share.id, fetched, "owner stopped", 5_000)
        output = log.read_text()
    assert camera.password not in output
    with app.factory() as session:
        row = session.get(LiveShare, share.id)
        assert row.last_segment_at < row.ended_at + timedelta(seconds=5)
