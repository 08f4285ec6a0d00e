"""A long fan-out never holds the worker's other jobs back: they keep their schedule."""

from __future__ import annotations

from collections import defaultdict
from itertools import pairwise

import pytest

from camshare import db, runtime
from camshare.services.messaging.sms import SendReceipt
from camshare.settings import get_settings
from camshare.worker import GEOCODE_RETRY_EVERY, OUTBOX_TURN_SECONDS, Worker
from tests.integration.test_outbox_dispatch import queue, rows


def gaps(times: list[float]) -> list[float]:
    return [later - earlier for earlier, later in pairwise(times)]


class SteadyClock:
    """The worker's clock, moved only by the provider below: no sleeps, no real time."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class OneASecondProvider:
    """A provider that takes a second per message, as a US long code does."""

    name = "steady"
    keeps_record = False

    def __init__(self, clock: SteadyClock) -> None:
        self.clock = clock
        self.sent: list[str] = []

    def send(self, to: str, body: str, status_callback: str | None = None) -> SendReceipt:
        self.clock.now += 1.0
        self.sent.append(body)
        return SendReceipt(sid=f"SM{len(self.sent):032d}", status="queued")


@pytest.fixture
def worker_env(monkeypatch, database_url):
    monkeypatch.setenv("CAMSHARE_DATABASE_URL", database_url)
    monkeypatch.setenv("CAMSHARE_SMS_PER_SECOND", "0")  # the provider above keeps the pace
    monkeypatch.setenv("CAMSHARE_GEOCODER_SCHEME", "http")
    monkeypatch.setenv("CAMSHARE_GEOCODER_DOMAIN", "127.0.0.1:9")  # never needed here
    caches = (get_settings, db.get_engine, runtime.geocoder)
    for cache in caches:
        cache.cache_clear()
    yield
    for cache in caches:
        cache.cache_clear()


def test_jobs_run_on_time_while_a_fan_out_of_300_drains_and_each_message_goes_once(
    worker_env, factory
):
    queue(factory, 300)
    clock = SteadyClock()
    provider = OneASecondProvider(clock)
    worker = Worker(gateway=provider, clock=clock)
    ran: dict[str, list[float]] = defaultdict(list)
    for job in worker.jobs:
        job.run = (lambda name, run: lambda: (ran[name].append(clock.now), run())[1])(
            job.name, job.run
        )

    for _ in range(200):
        worker.tick()
        if not worker.backlog:
            break

    assert sorted(provider.sent) == sorted(f"message {n}" for n in range(300))
    assert {m.status for m in rows(factory)} == {"sent"}
    # The hourly upkeep ran at the start, not after the ~5 minutes the backlog took.
    assert ran["upkeep"][0] <= OUTBOX_TURN_SECONDS
    # Expiry after every turn; geocode retries every minute, at most a turn late.
    assert max(gaps(ran["expire_requests"])) <= OUTBOX_TURN_SECONDS
    assert len(ran["geocode_retry"]) >= 300 // (GEOCODE_RETRY_EVERY + OUTBOX_TURN_SECONDS)
    assert max(gaps(ran["geocode_retry"])) <= GEOCODE_RETRY_EVERY + OUTBOX_TURN_SECONDS
