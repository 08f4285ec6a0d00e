"""Faults 1 and 3: a resident's tab half-way through sign-up survives a web node's death
and a Redis restart. The draft lives in the database under a key the browser keeps
(``camshare_draft`` in localStorage); a tab that reconnects sends it with its first event,
as the page does, and the rebuilt state reloads the draft from the database.
"""

from __future__ import annotations

import signal
import time

from camshare.models import utcnow
from camshare.services.outreach.campaigns import create_campaign
from tests.support.asyncio_run import run as run_coroutine
from tests.support.waiting import wait_for
from tests.topology.conftest import Live, degraded
from tests.topology.sockets import hydrated_tab

JOIN = (
    "reflex___state____state.camshare___state___base____app_state"
    ".camshare___state___join____join_state"
)
CONTACT = {
    "full_name": "Rosa Fault",
    "phone": "(214) 555-0177",
    "email": "",
    "owner_kind": "resident",
    "business_name": "",
}


def campaign(live: Live, code: str) -> None:
    with live.factory() as session, session.begin():
        create_campaign(session, live.url, f"Fault {code} {utcnow():%H%M%S}", code=code)


async def half_signed_up(live: Live, code: str):
    """A tab on /join/<code> whose contact step is done: it is on the location step."""
    tab = await hydrated_tab(live, f"/join/{code}", params={"code": code})
    await tab.wait_for(lambda t: t.get(JOIN, "loaded"), 30)  # the page's on_load is done
    await tab.send(f"{JOIN}.submit_contact", form=CONTACT)
    try:
        await tab.wait_for(
            lambda t: t.get(JOIN, "step") == "location" and t.get(JOIN, "draft_key"), 30
        )
    except TimeoutError:
        raise AssertionError(f"the tab's state: {tab.state}") from None
    return tab


async def reopened(live: Live, tab, code: str):
    """The same tab (same token) reconnecting, sending what its localStorage holds."""
    again = await hydrated_tab(
        live,
        f"/join/{code}",
        params={"code": code},
        token=tab.token,
        client_storage={f"{JOIN}.draft_key": tab.get(JOIN, "draft_key")},
    )
    try:
        await again.wait_for(lambda t: t.get(JOIN, "step") == "location", 30)
    except TimeoutError:
        raise AssertionError(f"reopened tab's state: {again.state}") from None
    # The resident's next action: back to the contact step, what they typed is there.
    await again.send(f"{JOIN}.go_to", step="contact")
    await again.wait_for(lambda t: t.get(JOIN, "step") == "contact", 30)
    return again


def test_a_web_node_killed_mid_sign_up_the_tab_goes_on_through_the_other(live: Live):
    campaign(live, "FAXT26")

    async def run():
        tab = await half_signed_up(live, "FAXT26")
        nodes = live.topology.web
        with degraded("web node SIGKILL mid sign-up") as record:
            # Whichever node holds the tab's socket dies; the other is untouched.
            for victim in nodes:
                victim.kill(signal.SIGKILL)
                try:
                    await tab.wait_for(lambda t: not t.connected, 3)
                    break
                except TimeoutError:
                    victim.start(limit=180)  # not that one: it comes back
            assert not tab.connected
            again = await reopened(live, tab, "FAXT26")
            record["recovered"] = time.monotonic()
        typed = again.get(JOIN, "typed") or {}
        await again.close()
        await tab.close()
        return victim, again, typed

    victim, again, typed = run_coroutine(run())
    victim.start(limit=180)
    assert again.get(JOIN, "draft_key")
    assert typed.get("full_name") == CONTACT["full_name"]


def test_redis_restarted_the_tab_rebuilds_its_state_from_the_database(live: Live):
    campaign(live, "REDS26")

    async def run():
        tab = await half_signed_up(live, "REDS26")
        with degraded("Redis restart") as record:
            live.topology.redis.restart()
            await tab.close()
            again = await reopened(live, tab, "REDS26")
            record["recovered"] = time.monotonic()
        typed = again.get(JOIN, "typed") or {}
        await again.close()
        return again, typed

    again, typed = run_coroutine(run())
    wait_for(lambda: live.client().get(live.url + "/readyz").status_code == 200, 60, "/readyz 200")
    assert again.get(JOIN, "draft_key")
    assert typed.get("full_name") == CONTACT["full_name"]
