"""Browser security of the production build, as an attacker's page and a real browser see it.

Headers on real responses (pages, assets, /api), the session cookies after a real staff and
owner sign-in (HttpOnly, SameSite, never readable by script nor seen in the event socket's
frames), a page on another loopback port that can neither frame /r/<token> nor read /api
or open the event socket with the user's cookies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from camshare.i18n import catalog
from camshare.models import OutboxMessage, StaffSession
from camshare.services.access import requests
from camshare.services.tokens import token_hash
from camshare.settings import load_settings
from tests.e2e.test_access_request import sign_in
from tests.e2e.test_my_registration import owner_signs_in
from tests.support.access_builders import NOW, draft, point_at, registered_owner, staff
from tests.support.loopback_server import LoopbackServer

pytestmark = pytest.mark.e2e
expect.set_options(timeout=15_000)

PRIVATE_PAGES = ["/my", "/my/sign-in", "/staff", "/staff/sign-in", "/outbox", "/api/my/data.json"]
TOKEN_PAGES = ["/r/not-a-real-token", "/a/not-a-real-token", "/c/not-a-real-token", "/manage/x"]
PUBLIC_PAGES = ["/", "/join/PARK25", "/transparency", "/manifest.webmanifest", "/api/health"]


@dataclass
class ForeignSite(LoopbackServer):
    """Another site on this machine (another loopback port): serves one page of its own."""

    html: str = ""
    max_lifetime: float = 300.0

    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = self.server.owner.html.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        return Handler

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def first_script(base: str) -> str:
    """The path of a compiled JavaScript file the start page loads."""
    html = httpx.get(base + "/").text
    return re.search(r'"(/assets/[^"]+\.js)"', html).group(1)


def test_every_response_carries_the_security_headers(live_app):
    base = live_app.url
    paths = PRIVATE_PAGES + TOKEN_PAGES + PUBLIC_PAGES + [first_script(base), "/sw-register.js"]
    for path in paths:
        response = httpx.get(base + path)
        headers = response.headers
        policy = headers.get("content-security-policy", "")
        assert "frame-ancestors 'none'" in policy, path
        assert "object-src 'none'" in policy, path
        assert "default-src 'self'" in policy, path
        # Only the build's own inline scripts run (by hash), not any inline script.
        scripts = policy.split("script-src")[1].split(";")[0]
        assert "'sha256-" in scripts, path
        assert "'unsafe-inline'" not in scripts, path
        assert headers.get("x-frame-options") == "DENY", path
        assert headers.get("x-content-type-options") == "nosniff", path
        assert headers.get("referrer-policy") == "no-referrer", path
        # Served over plain http here: HSTS would be meaningless (and is not sent).
        assert "strict-transport-security" not in headers, path
        no_store = "no-store" in headers.get("cache-control", "")
        assert no_store == (path in PRIVATE_PAGES + TOKEN_PAGES), path


def test_another_origin_gets_no_cors_grant_and_no_event_socket(live_app, browser):
    base = live_app.url
    with ForeignSite(html="<h1>elsewhere</h1>") as foreign:
        for origin, granted in ((foreign.url, False), (base, True)):
            got = httpx.get(base + "/api/my/data.json", headers={"Origin": origin})
            assert (got.headers.get("access-control-allow-origin") == origin) is granted
            preflight = httpx.options(
                base + "/api/my/data.json",
                headers={"Origin": origin, "Access-Control-Request-Method": "GET"},
            )
            assert (preflight.headers.get("access-control-allow-origin") == origin) is granted
        page = browser.new_page()
        open_socket = """(url) => new Promise((resolve) => {
            const socket = new WebSocket(url);
            socket.onopen = () => { socket.close(); resolve("open"); };
            socket.onerror = () => resolve("refused");
        })"""
        socket_url = base.replace("http://", "ws://") + "/_event/?EIO=4&transport=websocket"
        page.goto(foreign.url)
        assert page.evaluate(open_socket, socket_url) == "refused"
        page.goto(base + "/transparency")
        assert page.evaluate(open_socket, socket_url) == "open"
        page.context.close()


def watch_socket(page: Page) -> list[str]:
    """Every frame the page's event sockets send or receive, as text."""
    frames: list[str] = []

    def on_socket(socket) -> None:
        socket.on("framesent", lambda payload: frames.append(str(payload)))
        socket.on("framereceived", lambda payload: frames.append(str(payload)))

    page.on("websocket", on_socket)
    return frames


def session_cookie(page: Page, name: str) -> dict:
    (cookie,) = [c for c in page.context.cookies() if c["name"] == name]
    return cookie


def assert_credential_kept_from_scripts(page: Page, name: str, frames: list[str]) -> str:
    cookie = session_cookie(page, name)
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Strict"
    assert cookie["secure"] is False  # plain http on loopback; https makes it Secure
    assert name not in page.evaluate("document.cookie")
    assert frames, "the page's event socket was not watched"
    assert not [frame for frame in frames if cookie["value"] in frame]
    return cookie["value"]


def test_a_staff_session_is_an_http_only_cookie_never_seen_by_the_page(live_app, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(20_000)
    frames = watch_socket(page)
    # A police account: password, then the TOTP code (the step between stays on the server).
    sign_in(page, live_app.url, "officer", "/staff/requests")
    expect(page.get_by_test_id("staff-who")).to_have_text("officer")
    page.reload()
    expect(page.get_by_test_id("staff-who")).to_have_text("officer")
    token = assert_credential_kept_from_scripts(page, "camshare_staff", frames)

    page.get_by_role("button", name=catalog("en")["staff.sign_out"]).click()
    page.wait_for_url(re.compile(r".*/staff/sign-in"))
    assert not [c for c in context.cookies() if c["name"] == "camshare_staff"]
    with sessionmaker(bind=live_app.engine)() as session:
        mine = StaffSession.token_sha256 == token_hash(token)
        assert session.scalar(select(StaffSession.revoked_at).where(mine)) is not None
    page.goto(live_app.url + "/staff/requests")
    page.wait_for_url(re.compile(r".*/staff/sign-in"))
    context.close()


def test_an_owner_session_is_an_http_only_cookie_another_site_cannot_use(live_app, phone):
    factory = sessionmaker(bind=live_app.engine)
    with factory() as session, session.begin():
        number = registered_owner(session, (32.79, -96.80), name="Iris Okafor").phone_e164
    t = catalog("en")
    frames = watch_socket(phone)
    phone.goto(f"{live_app.url}/my/sign-in")
    owner_signs_in(phone, live_app.url, number)
    expect(phone.get_by_test_id("sharing-status")).to_have_text(t["my.status.active"])
    assert_credential_kept_from_scripts(phone, "camshare_owner", frames)

    read = """(url) => fetch(url, {credentials: "include"})
        .then((r) => r.text()).catch(() => "refused")"""
    data_url = live_app.url + "/api/my/data.json"
    assert "Iris Okafor" in phone.evaluate(read, data_url)
    with ForeignSite(html="<h1>elsewhere</h1>") as foreign:
        phone.goto(foreign.url)
        assert phone.evaluate(read, data_url) == "refused"

    phone.goto(f"{live_app.url}/my")
    phone.get_by_role("button", name=t["my.sign_out"]).click()
    phone.wait_for_url(re.compile(r".*/my/sign-in"))
    assert not [c for c in phone.context.cookies() if c["name"] == "camshare_owner"]


def answer_link(live_app) -> str:
    """A real /r/<token> link: a request sent to an owner near the incident."""
    settings = load_settings({"CAMSHARE_PUBLIC_BASE_URL": live_app.url})
    factory = sessionmaker(bind=live_app.engine, expire_on_commit=False)
    with factory() as session, session.begin():
        registered_owner(session, point_at(40), name="Lena Framed")
        police, supervisor = staff(session, "police"), staff(session, "supervisor")
        created = requests.create_request(session, police, draft(), set(), settings, NOW)
        requests.approve_request(session, supervisor, created.request_id, settings, NOW)
        body = session.scalars(select(OutboxMessage.body).order_by(OutboxMessage.id.desc())).first()
    return live_app.url + re.search(r"/r/[A-Za-z0-9_-]+", body).group(0)


def test_an_answer_page_does_not_render_inside_another_sites_frame(
    live_app, browser, expected_csp_violations
):
    link = answer_link(live_app)
    page = browser.new_page()
    page.goto(link)
    expect(page.locator("main")).to_be_visible()  # on its own, the page shows
    expected_csp_violations.append("frame-ancestors")  # the refusal this test provokes
    html = (
        f'<iframe id="trap" src="{link}" width="360" height="640"'
        " onload=\"document.title = 'frame done'\"></iframe>"
    )
    with ForeignSite(html=html) as foreign:
        # The policy refusing the frame says so in the console: the proof that it acted.
        with page.expect_console_message(lambda m: "frame-ancestors" in m.text):
            page.goto(foreign.url)
        expect(page).to_have_title("frame done")
        # Chromium puts its own error page where a refused frame would be: none of ours.
        (child,) = page.main_frame.child_frames
        assert not child.url.startswith(live_app.url)
        expect(page.locator("#trap").content_frame.locator("main")).to_have_count(0)
    page.context.close()
