"""An upgrade keeps serving: migrate, then restart the web nodes one at a time behind Caddy.

The README's upgrade procedure on the running topology, with traffic throughout: page
loads through the proxy, and a resident half-way through sign-up who goes on afterwards.
The migrations run once, under the lock, while both nodes serve; then each node is stopped
(SIGTERM: it finishes what it is doing), started again, and waits until /readyz says it
can serve before the next one goes. Caddy sends everything to the other node meanwhile.

The nodes restart on the same checkout: both run this release's code. That the previous
release's code keeps working on this release's schema while the nodes wait for their turn
(the other half of an upgrade) is tests/integration/test_upgrade_from_previous_release.py.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

import httpx

from deploy.topology import ROOT
from tests.support.asyncio_run import run as run_coroutine
from tests.topology.conftest import Live
from tests.topology.test_tabs_survive import CONTACT, JOIN, campaign, half_signed_up, reopened

PAGES = ("/join/UPGR26", "/transparency/")


@dataclass
class Traffic:
    """Page loads through the proxy, one after another, until stopped."""

    live: Live
    answered: int = 0
    failures: list[tuple[float, str]] = field(default_factory=list)
    last_failure_cleared: float | None = None  # the first success after the last failure
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        client = self.live.client()
        while not self.stop.is_set():
            for path in PAGES:
                try:
                    status = client.get(self.live.url + path).status_code
                    failed = None if status == 200 else f"{path}: {status}"
                except httpx.HTTPError as error:
                    failed = f"{path}: {type(error).__name__}"
                if failed:
                    self.failures.append((time.monotonic(), failed))
                    self.last_failure_cleared = None
                else:
                    self.answered += 1
                    if self.failures and self.last_failure_cleared is None:
                        self.last_failure_cleared = time.monotonic()
            self.stop.wait(0.05)  # pacing only: a steady trickle of page loads

    def seconds_degraded(self) -> float:
        if not self.failures:
            return 0.0
        ended = self.last_failure_cleared or time.monotonic()
        return ended - self.failures[0][0]


def migrate(live: Live) -> None:
    subprocess.run(
        [sys.executable, "-m", "camshare.cli", "migrate"],
        cwd=ROOT,
        env=live.topology.env,
        check=True,
        capture_output=True,
        timeout=300,
    )


def test_migrate_then_restart_the_nodes_one_at_a_time_and_the_proxy_keeps_serving(
    live: Live,
):
    campaign(live, "UPGR26")
    traffic = Traffic(live)
    loads = threading.Thread(target=traffic.run, daemon=True)

    async def upgrade():
        tab = await half_signed_up(live, "UPGR26")
        loads.start()
        started = time.monotonic()
        await asyncio.to_thread(migrate, live)
        for node in live.topology.web:
            await asyncio.to_thread(node.restart, 180)
        print(f"\nmigrated and both nodes restarted in {time.monotonic() - started:.1f} s")
        # Both nodes restarted, so the tab's socket went with one of them: it reconnects
        # and the resident goes on where they were.
        again = await reopened(live, tab, "UPGR26")
        typed = again.get(JOIN, "typed") or {}
        await again.close()
        await tab.close()
        return again, typed

    try:
        again, typed = run_coroutine(upgrade())
    finally:
        traffic.stop.set()
        loads.join(timeout=60)
    print(
        f"page loads during the upgrade: {traffic.answered} answered, "
        f"{len(traffic.failures)} failed; service degraded for {traffic.seconds_degraded():.2f} s"
    )
    assert traffic.answered > 0
    assert not traffic.failures, traffic.failures[:10]
    assert again.get(JOIN, "draft_key")
    assert typed.get("full_name") == CONTACT["full_name"]
    assert all(node.running for node in live.topology.web)
