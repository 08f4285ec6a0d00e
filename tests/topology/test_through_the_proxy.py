"""What the app promises holds end to end through Caddy, on the HTTPS address."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from camshare.models import AuditEvent
from camshare.routes import campaign_file_path
from camshare.services.session_handoff import begin_handoff
from tests.integration.conftest import sign_in
from tests.support.asyncio_run import run as run_coroutine
from tests.topology.conftest import Live

# A second loopback address: the client's, so that it differs from Caddy's (127.0.0.1).
CLIENT_ADDRESS = "127.0.0.2"


def staff_token(live: Live, role: str) -> str:
    """A signed-in staff member of ``role`` in the topology's database: their cookie."""
    return sign_in(live.factory, role)[0]


def test_plain_http_is_sent_to_https(live: Live):
    answer = httpx.get(live.topology.http_url + "/join/PARK25", follow_redirects=False)
    assert answer.status_code in (301, 308)
    assert answer.headers["location"] == live.url + "/join/PARK25"


def test_the_apps_own_redirects_stay_on_the_public_https_address(live: Live):
    """Starlette's trailing-slash redirects are built by a node that speaks plain HTTP on
    its own port: through Caddy they point at the public https:// address, never http://
    nor the node (deploy/Caddyfile's header_down). /join is not one of them: the join
    shell serves it without a redirect (camshare/join_shell.py)."""
    nodes = [live.topology.node_url(index) for index in range(len(live.topology.web))]
    client = live.client(follow_redirects=False)
    for path in ("/transparency", "/staff?next=%2Fstaff%2Frequests", "/my"):
        answer = client.get(live.url + path)
        assert answer.status_code in (301, 307, 308), path
        location = answer.headers["location"]
        path_only, _, query = path.partition("?")
        assert location == f"{live.url}{path_only}/" + (f"?{query}" if query else ""), path
        assert not any(location.startswith(node) for node in nodes)


def test_the_apps_security_headers_arrive_through_the_proxy(live: Live):
    answer = live.client(follow_redirects=True).get(live.url + "/transparency")
    assert answer.status_code == 200
    assert str(answer.url).startswith(live.url)
    headers = answer.headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert f"wss://127.0.0.1:{live.url.rsplit(':', 1)[1]}" in headers["content-security-policy"]
    assert headers["strict-transport-security"].startswith("max-age=")
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "no-referrer"


def test_session_cookies_are_secure_and_httponly_on_https(live: Live):
    token = staff_token(live, "outreach")
    with live.factory() as session, session.begin():
        code = begin_handoff(session, "staff", token, live.settings)
    answer = live.client().post(
        live.url + "/api/session/staff",
        data={"code": code, "next": "/staff"},
        headers={"Origin": live.url},
    )
    assert answer.status_code == 303
    cookie = answer.headers["set-cookie"].lower()
    assert "camshare_staff=" in cookie
    for flag in ("secure", "httponly", "samesite=strict"):
        assert flag in cookie


def test_another_sites_page_gets_no_cors_grant_and_no_session(live: Live):
    client = live.client()
    preflight = {"Access-Control-Request-Method": "POST"}
    ours = client.options(
        live.url + "/api/session/staff", headers={"Origin": live.url, **preflight}
    )
    theirs = client.options(
        live.url + "/api/session/staff", headers={"Origin": "https://evil.example", **preflight}
    )
    assert ours.headers.get("access-control-allow-origin") == live.url
    assert "access-control-allow-origin" not in theirs.headers
    forged = client.post(
        live.url + "/api/session/staff",
        data={"code": "x"},
        headers={"Origin": "https://evil.example"},
    )
    assert forged.status_code == 403


def test_the_audit_log_records_the_clients_address_not_the_proxys_nor_a_spoofed_one(
    live: Live,
):
    from camshare.services.outreach.campaigns import create_campaign

    with live.factory() as session, session.begin():
        create_campaign(session, live.url, "Proxy check", code="PRXY26")
    cookie = staff_token(live, "outreach")
    transport = httpx.HTTPTransport(
        local_address=CLIENT_ADDRESS, verify=live.topology.ssl_context()
    )
    with httpx.Client(transport=transport, timeout=15) as client:
        answer = client.get(
            live.url + campaign_file_path("PRXY26", "qr.png"),
            headers={"Cookie": f"camshare_staff={cookie}", "X-Forwarded-For": "6.6.6.6"},
        )
    assert answer.status_code == 200
    with live.factory() as session:
        recorded = session.scalars(
            select(AuditEvent.ip_address).where(AuditEvent.action == "campaign.flyer_downloaded")
        ).all()
    assert recorded
    assert set(recorded) == {CLIENT_ADDRESS}


def test_a_page_hydrates_over_the_websocket_through_the_proxy(live: Live):
    from tests.topology.sockets import hydrated_tab

    async def run():
        tab = await hydrated_tab(live, "/transparency")
        await tab.close()
        return tab

    tab = run_coroutine(run())
    assert tab.state  # the server's answer came back through Caddy
