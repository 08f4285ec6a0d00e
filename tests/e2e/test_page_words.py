"""A page receives its own words in the visitor's language, and a returning phone loads the
build from its cache while each page is checked with the server."""

from __future__ import annotations

import json
import re
import string
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

import camshare.camshare  # noqa: F401 - registers the pages whose words are looked up
from camshare import routes
from camshare.i18n import catalog
from camshare.models import OutboxMessage
from camshare.security_headers import HASHED_ASSET
from camshare.settings import load_settings
from camshare.state.page_words import page_keys
from tests.support.access_builders import point_at, registered_owner, sent_request, staff

pytestmark = pytest.mark.e2e
WORDS = "t_rx_state_"  # AppState.t in the deltas


def answer_link(live_app) -> str:
    """A request just sent to an English-reading owner near the incident: their page."""
    with Session(live_app.engine) as session, session.begin():
        owner = registered_owner(session, point_at(45), language="en", name="Ann Example")
        police, supervisor = staff(session, "police"), staff(session, "supervisor")
        sent_request(session, load_settings(), police, supervisor, at=datetime.now(UTC))
        body = session.scalars(
            select(OutboxMessage.body).where(OutboxMessage.to_e164 == owner.phone_e164)
        ).one()
    return re.search(r"/r/[A-Za-z0-9_-]+", body).group(0)


def words_received(page: Page) -> list[dict[str, str]]:
    """Each value of ``AppState.t`` the page receives over the event socket, from now on."""
    received: list[dict[str, str]] = []

    def on_frame(payload) -> None:
        found = re.match(r"42(?:/[^,\[]*,)?", payload if isinstance(payload, str) else "")
        if found is None:
            return
        name, body = json.loads(payload[found.end() :])[:2]
        for changes in (body.get("delta") or {}).values() if name == "event" else []:
            if WORDS in changes:
                received.append(changes[WORDS])

    page.on("websocket", lambda ws: ws.on("framereceived", on_frame))
    return received


def plain(message: str) -> str:
    """The longest stretch of a message that has no placeholder in it."""
    return max((text for text, *_ in string.Formatter().parse(message)), key=len).strip()


def test_switching_to_spanish_shows_the_answer_page_in_spanish_with_only_its_words(
    live_app, phone: Page
):
    link = answer_link(live_app)
    received = words_received(phone)
    phone.goto(live_app.url + link)
    expect(phone.locator("#approve")).to_be_visible()
    english, spanish = catalog("en"), catalog("es")
    expect(phone.locator("h1")).to_have_text(english["answer.title"])
    # English is built into the page: no words are sent for it.
    assert all(words == {} for words in received)

    del received[:]
    phone.click(".lang-button[lang=es]")
    expect(phone.locator("h1")).to_have_text(spanish["answer.title"])
    expect(phone.locator("#approve .button-label")).to_have_text(spanish["answer.approve"])
    expect(phone.locator("footer")).to_contain_text(spanish["app.footer"])
    shown = phone.locator("body").inner_text()
    keys = page_keys(link)
    assert "answer.approve" in keys
    left_in_english = [
        key
        for key in keys
        if plain(english[key]) != plain(spanish[key]) and len(plain(english[key])) > 3
        if plain(english[key]) in shown
    ]
    assert left_in_english == []
    assert len(received) == 1
    assert set(received[0]) == keys
    assert not set(received[0]) & (page_keys(routes.JOIN) - keys)

    del received[:]
    phone.click(".lang-button[lang=en]")
    expect(phone.locator("h1")).to_have_text(english["answer.title"])
    assert received == [{}]


def test_a_returning_phone_loads_the_build_from_its_cache_and_asks_again_for_the_page(
    live_app, browser
):
    context = browser.new_context(service_workers="block")  # the HTTP cache on its own
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    responses: dict[str, dict] = {}
    from_cache: set[str] = set()
    cdp.on(
        "Network.responseReceived",
        lambda event: responses.__setitem__(event["requestId"], event["response"]),
    )
    cdp.on("Network.requestServedFromCache", lambda event: from_cache.add(event["requestId"]))
    url = live_app.url + "/join/PARK25"
    try:
        first, _ = visit(page, url, responses, from_cache)
        page.goto("about:blank")
        again, page_again = visit(page, url, responses, from_cache)
    finally:
        context.close()

    hashed = [r for r in first if HASHED_ASSET.fullmatch(r["path"])]
    assert len(hashed) >= 5
    assert {r["cache_control"] for r in hashed} == {"public, max-age=31536000, immutable"}
    assert not any(r["cached"] for r in first)
    hashed_again = [r for r in again if HASHED_ASSET.fullmatch(r["path"])]
    assert {r["path"] for r in hashed_again} == {r["path"] for r in hashed}
    assert all(r["cached"] for r in hashed_again)
    # The page itself must be asked for again (a new build is seen at once).
    assert page_again.headers["cache-control"] == "no-cache"
    assert page_again.status in (200, 304)


def visit(page: Page, url: str, responses: dict, from_cache: set):
    """Load ``url``: each response of the load (its path, caching header, whether it came
    from the cache), and the page's own response."""
    responses.clear()
    from_cache.clear()
    document = page.goto(url)
    page.wait_for_selector('#join-step[data-step="contact"]', state="attached", timeout=45_000)
    page.wait_for_load_state("networkidle")
    return [
        {
            "path": urlsplit(r["url"]).path,
            "cache_control": {k.lower(): v for k, v in r["headers"].items()}.get(
                "cache-control", ""
            ),
            "cached": request_id in from_cache or bool(r.get("fromDiskCache")),
        }
        for request_id, r in list(responses.items())
        if urlsplit(r["url"]).netloc == urlsplit(url).netloc
    ], document
