"""Session cookies set and cleared by the server over HTTP, on each database.

A sign-in's hand-off code becomes an HttpOnly, SameSite=Strict (and, over HTTPS, Secure)
cookie once, within a minute, and is never itself a session; signing out revokes the
session and clears the cookie; a POST from another site's page is refused.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from camshare.models import utcnow
from camshare.services.errors import DomainError
from camshare.services.owners import account as owner_account
from camshare.services.owners.links import new_owner_link
from camshare.services.session_handoff import HANDOFF_SECONDS, begin_handoff, redeem_handoff
from camshare.services.staff.sessions import resolve_session
from camshare.session_cookies import read_cookie
from camshare.settings import get_settings
from tests.integration.conftest import PUBLIC_BASE, sign_in
from tests.support.access_builders import registered_owner

SAME_SITE = {"Origin": PUBLIC_BASE}


def owner_session(factory) -> str:
    """An owner signed in by their receipt's manage link: the session token."""
    with factory() as session, session.begin():
        owner = registered_owner(session, (32.79, -96.80))
        link = new_owner_link(session, owner, "manage", hours=1)
        return owner_account.sign_in_with_link(session, link, get_settings(), None)


def session_of(factory, kind: str) -> str:
    return sign_in(factory, "outreach")[0] if kind == "staff" else owner_session(factory)


def signed_in(factory, kind: str, token: str, settings) -> bool:
    with factory() as session:
        if kind == "staff":
            return resolve_session(session, token, settings=settings) is not None
        return owner_account.signed_in_owner(session, token, settings=settings) is not None


def handoff(factory, kind: str, token: str, settings, now=None) -> str:
    with factory() as session, session.begin():
        return begin_handoff(session, kind, token, settings, now=now)


def cookie_from(response, name: str) -> str:
    return read_cookie(response.headers.get("set-cookie", "").split(";")[0], name)


@pytest.mark.parametrize(
    ("kind", "name", "goes_to"),
    [("staff", "camshare_staff", "/staff/campaigns"), ("owner", "camshare_owner", "/my")],
)
def test_a_handoff_code_becomes_an_http_only_cookie_once(client, factory, kind, name, goes_to):
    settings = get_settings()
    first = session_of(factory, kind)
    code = handoff(factory, kind, first, settings)
    # The token the sign-in made has been swapped away, and the code opens no session.
    assert not signed_in(factory, kind, first, settings)
    assert not signed_in(factory, kind, code, settings)

    form = {"code": code, "next": "/staff/campaigns"}
    answer = client.post(
        f"/api/session/{kind}", data=form, headers=SAME_SITE, follow_redirects=False
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == goes_to
    flags = answer.headers["set-cookie"].lower()
    assert {"httponly", "secure", "samesite=strict", "path=/"} <= {
        part.strip() for part in flags.split(";")
    }
    token = cookie_from(answer, name)
    assert token
    assert token != code
    assert signed_in(factory, kind, token, settings)

    again = client.post(
        f"/api/session/{kind}", data=form, headers=SAME_SITE, follow_redirects=False
    )
    assert again.status_code == 303
    assert again.headers["location"] != goes_to
    assert "set-cookie" not in again.headers


def test_a_handoff_code_lasts_a_minute(factory, settings):
    token = sign_in(factory, "outreach")[0]
    late = utcnow() - timedelta(seconds=HANDOFF_SECONDS + 1)
    code = handoff(factory, "staff", token, settings, now=late)
    with factory() as session, session.begin():
        assert redeem_handoff(session, "staff", code, settings) is None


def test_a_half_signed_in_staff_session_gets_no_handoff(factory, settings):
    token = sign_in(factory, "police", signed_in=False)[0]
    with factory() as session, pytest.raises(DomainError):
        begin_handoff(session, "staff", token, settings)


def test_one_code_used_in_parallel_gives_one_session(factory, settings):
    code = handoff(factory, "staff", sign_in(factory, "outreach")[0], settings)

    def redeem(_):
        with factory() as session, session.begin():
            return redeem_handoff(session, "staff", code, settings)

    with ThreadPoolExecutor(max_workers=8) as pool:
        tokens = [t for t in pool.map(redeem, range(8)) if t is not None]
    assert len(tokens) == 1


@pytest.mark.parametrize(
    ("kind", "name", "sign_in_page"),
    [("staff", "camshare_staff", "/staff/sign-in"), ("owner", "camshare_owner", "/my/sign-in")],
)
def test_signing_out_revokes_the_session_and_clears_the_cookie(
    client, factory, kind, name, sign_in_page
):
    token = session_of(factory, kind)
    headers = {**SAME_SITE, "Cookie": f"{name}={token}"}
    answer = client.post(f"/api/session/{kind}/sign-out", headers=headers, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == sign_in_page
    cleared = answer.headers["set-cookie"].lower()
    assert cleared.startswith(f"{name}=")
    assert "max-age=0" in cleared
    assert "httponly" in cleared
    assert not signed_in(factory, kind, token, get_settings())


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://registry.example.gov.evil.test"},
        {"Origin": "http://registry.example.gov"},
        {"Origin": "null", "Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {},
    ],
)
def test_another_sites_page_can_neither_sign_in_nor_out(client, factory, headers):
    settings = get_settings()
    token = sign_in(factory, "outreach")[0]
    cookie = {"Cookie": f"camshare_staff={token}"}
    out = client.post(
        "/api/session/staff/sign-out", headers={**headers, **cookie}, follow_redirects=False
    )
    assert out.status_code == 403
    assert signed_in(factory, "staff", token, settings)

    code = handoff(factory, "staff", token, settings)
    refused = client.post(
        "/api/session/staff", data={"code": code}, headers=headers, follow_redirects=False
    )
    assert refused.status_code == 403
    assert "set-cookie" not in refused.headers
    # Our own page (a browser sends Origin: null under no-referrer) still gets in.
    ours = {"Origin": "null", "Sec-Fetch-Site": "same-origin"}
    taken = client.post(
        "/api/session/staff", data={"code": code}, headers=ours, follow_redirects=False
    )
    assert cookie_from(taken, "camshare_staff")
