"""Faults on the running topology: each part hurt in turn, the service comes back by itself.

Each test prints how long the service was degraded, and asserts only behaviour (what was
lost, what was sent twice, what users were told), never timings. Every test puts the
part it hurt back, so the next one finds the whole topology up.
"""

from __future__ import annotations

import os
import signal
import time
from collections import Counter

import httpx
from sqlalchemy import func, select, update

from camshare.models import OutboxMessage, Owner, utcnow
from camshare.services.messaging.outbox import enqueue_sms
from camshare.services.outreach.campaigns import create_campaign
from tests.support.asyncio_run import run as run_coroutine
from tests.support.waiting import wait_for
from tests.topology.conftest import Live, degraded
from tests.topology.sockets import hydrated_tab
from tests.topology.test_tabs_survive import CONTACT, JOIN

APP = "reflex___state____state.camshare___state___base____app_state"

FANOUT = 1000
# Fault 5's outage: short for the suite's budget; the issue's two-minute drill is
# TOPOLOGY_SMS_OUTAGE_SECONDS=120 pytest tests/topology/test_faults.py -k provider -s
SMS_OUTAGE_SECONDS = float(os.environ.get("TOPOLOGY_SMS_OUTAGE_SECONDS", "15"))


def queue(live: Live, count: int, label: str) -> set[str]:
    """``count`` messages to distinct numbers, as a fan-out queues them; their numbers."""
    numbers = {f"+121460{label}{n:04d}" for n in range(count)}
    with live.factory() as session, session.begin():
        for number in sorted(numbers):
            enqueue_sms(session, number, f"camshare {label}: a fan-out message", "test", "en")
    return numbers


def received(live: Live, numbers: set[str]) -> Counter:
    return Counter(m.to for m in list(live.topology.sms.messages) if m.to in numbers)


def ready(live: Live) -> bool:
    try:
        return live.client().get(live.url + "/readyz").status_code == 200
    except httpx.HTTPError:
        return False


def test_a_worker_killed_mid_fanout_loses_nothing_and_sends_at_most_one_twice(live: Live):
    numbers = queue(live, FANOUT, "1")
    wait_for(
        lambda: sum(received(live, numbers).values()) >= FANOUT // 4, 120, "a quarter delivered"
    )
    killed = live.topology.workers[0]
    with degraded("worker SIGKILL mid fan-out") as record:
        killed.kill(signal.SIGKILL)
        at_kill = sum(received(live, numbers).values())
        wait_for(
            lambda: sum(received(live, numbers).values()) > at_kill,
            60,
            "a delivery after the kill",
        )
        record["recovered"] = time.monotonic()
    # The other worker carries on; a message the dead one held under its lease is sent
    # again when the lease runs out (moved forward here instead of waiting two minutes).
    wait_for(lambda: len(received(live, numbers)) >= FANOUT - 1, 300, "all but one delivered")
    with live.factory() as session, session.begin():
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == "sending")
            .values(next_attempt_at=utcnow())
        )
    wait_for(lambda: len(received(live, numbers)) == FANOUT, 120, "every message delivered")
    killed.start()
    counts = received(live, numbers)
    twice = [number for number, count in counts.items() if count > 1]
    print(f"\n{FANOUT} SMS, {len(counts)} numbers reached, sent twice: {len(twice)}")
    assert set(counts) == numbers
    assert len(twice) <= 1
    assert max(counts.values()) <= 2


def test_the_provider_unavailable_for_a_while_then_the_outbox_drains_paced(live: Live):
    sms = live.topology.sms
    outage = SMS_OUTAGE_SECONDS
    metrics = f"http://127.0.0.1:{live.topology.workers[1].env['CAMSHARE_METRICS_PORT']}/metrics"
    sms.respond_with(*([503] * 100_000))
    with degraded(f"SMS provider answering 503 for {outage:.0f} s") as record:
        numbers = queue(live, 50, "2")
        ends = time.monotonic() + outage
        depth_seen = 0.0
        while time.monotonic() < ends:
            for line in httpx.get(metrics, timeout=5).text.splitlines():
                if line.startswith("camshare_outbox_depth "):
                    depth_seen = max(depth_seen, float(line.split()[1]))
            time.sleep(1)
        assert not received(live, numbers)
        sms.respond_normally()
        # After the outage each message waits out its back-off (5 s, 10 s, 20 s ...).
        wait_for(
            lambda: len(received(live, numbers)) == len(numbers),
            300 + outage,
            "every message delivered after the outage",
        )
        record["recovered"] = time.monotonic()
    print(f"outbox depth seen in the metrics during the outage: {depth_seen:.0f}")
    assert depth_seen >= len(numbers)
    assert set(received(live, numbers).values()) == {1}


async def _contact_while_postgres_is_down(live: Live) -> tuple[str, str, str]:
    """A Spanish resident presses Next with the database down, then again once it is up:
    what the page said, and the step each press led to."""
    tab = await hydrated_tab(
        live,
        "/join/PGDN26",
        params={"code": "PGDN26"},
        client_storage={f"{APP}.lang_choice": "es"},
    )
    await tab.wait_for(lambda t: t.get(JOIN, "loaded"), 30)
    live.topology.postgres.stop()
    await tab.send(f"{JOIN}.submit_contact", form=CONTACT)
    await tab.wait_for(lambda t: t.get(JOIN, "notice") == "error.unexpected", 60)
    said, step_down = tab.get(JOIN, "notice_text"), tab.get(JOIN, "step")
    live.topology.postgres.start()
    wait_for(lambda: ready(live), 120, "/readyz ready", every=0.25)
    await tab.send(f"{JOIN}.submit_contact", form=CONTACT)
    await tab.wait_for(lambda t: t.get(JOIN, "step") == "location", 60)
    await tab.close()
    return said, step_down, tab.get(JOIN, "step")


def test_postgresql_restarted_under_traffic_fails_clearly_and_resumes_without_restarts(
    live: Live,
):
    client = live.client()
    with live.factory() as session, session.begin():
        create_campaign(session, live.url, "Database outage", code="PGDN26")
    with live.factory() as session:
        owners_before = session.scalar(select(func.count()).select_from(Owner))
    said, step_down, step_after = run_coroutine(_contact_while_postgres_is_down(live))
    # What the resident was told, in their language, and nothing typed was lost.
    assert "intente de nuevo" in said
    assert (step_down, step_after) == ("contact", "location")
    answers: list[httpx.Response] = []
    with degraded("PostgreSQL restart") as record:
        live.topology.postgres.stop()
        for _ in range(5):
            answers.append(client.get(live.url + "/readyz"))
            answers.append(client.get(live.url + "/transparency/"))
        live.topology.postgres.start()
        wait_for(lambda: ready(live), 120, "/readyz ready", every=0.25)
        record["recovered"] = time.monotonic()
    not_ready = [a for a in answers if a.url.path == "/readyz"]
    assert all(a.status_code == 503 for a in not_ready)
    assert all(a.json()["checks"]["database"] == "unreachable" for a in not_ready)
    for answer in answers:
        assert "Traceback" not in answer.text
        assert 'File "' not in answer.text
    # The same processes serve again: none was restarted.
    assert all(service.running for service in live.topology.web + live.topology.workers)
    with live.factory() as session:
        assert session.scalar(select(func.count()).select_from(Owner)) == owners_before
    numbers = queue(live, 5, "3")
    wait_for(lambda: len(received(live, numbers)) == 5, 120, "five messages delivered")
