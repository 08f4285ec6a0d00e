"""Dispatchers as real processes: one killed mid-batch, two side by side, one rate for all.

``python -m camshare.worker`` runs against the test database and sends through the real
``twilio`` client to ``TwilioStandin`` on 127.0.0.1. A worker is SIGKILLed while the
stand-in holds one of its requests (``delay``): no message is lost and only that one may
arrive twice. Two workers started together send every message exactly once, and their
sends keep the configured spacing between them, not each on its own.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from itertools import pairwise
from pathlib import Path
from statistics import median

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from camshare.models import OutboxMessage, utcnow
from camshare.services.messaging import outbox
from camshare.services.messaging.sms import SendReceipt, TwilioGateway
from camshare.settings import load_settings
from tests.support.twilio_standin import TwilioStandin
from tests.support.waiting import wait_for

ROOT = Path(__file__).resolve().parents[2]
ACCOUNT_SID = "AC" + "2" * 32
AUTH_TOKEN = "killed-dispatcher-token"
FROM_NUMBER = "+12145550000"
# No test here should take long; a worker still running after this is stopped.
PROCESS_LIMIT = 60.0
POLL = 0.01


@pytest.fixture(autouse=True)
def _no_twilio_routing(monkeypatch: pytest.MonkeyPatch) -> None:
    """TWILIO_EDGE/TWILIO_REGION in the environment would rewrite the stand-in's host."""
    monkeypatch.delenv("TWILIO_EDGE", raising=False)
    monkeypatch.delenv("TWILIO_REGION", raising=False)


@pytest.fixture
def twilio() -> Iterator[TwilioStandin]:
    with TwilioStandin(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, max_lifetime=120) as s:
        yield s


def twilio_settings(server: TwilioStandin) -> dict[str, str]:
    return {
        "CAMSHARE_SMS_BACKEND": "twilio",
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM_NUMBER": FROM_NUMBER,
        "CAMSHARE_TWILIO_API_BASE_URL": server.base_url,
        "CAMSHARE_SECRET_KEY": "killed-dispatcher-secret",
    }


@contextmanager
def worker_process(
    database_url: str, server: TwilioStandin, log: Path, *args: str, **settings: str
) -> Iterator[subprocess.Popen]:
    """``python -m camshare.worker`` for Twilio at the stand-in; killed if still running.

    ``timeout`` stops it after ``PROCESS_LIMIT`` even if this test run dies first; it runs
    the worker in a process group of its own, which ``kill_worker`` kills.
    """
    env = {
        **os.environ,
        **twilio_settings(server),
        "CAMSHARE_DATABASE_URL": database_url,
        # Nothing listens on port 9: the geocoder is never needed here.
        "CAMSHARE_GEOCODER_SCHEME": "http",
        "CAMSHARE_GEOCODER_DOMAIN": "127.0.0.1:9",
        **settings,
    }
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                "timeout",
                "-s",
                "KILL",
                str(PROCESS_LIMIT),
                sys.executable,
                "-m",
                "camshare.worker",
                *args,
            ],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            yield process
        finally:
            if process.poll() is None:
                kill_worker(process)
            process.wait(timeout=10)


def kill_worker(process: subprocess.Popen) -> None:
    """SIGKILL the worker (and its ``timeout``): no handler runs, nothing is cleaned up."""
    os.killpg(process.pid, signal.SIGKILL)


def until(
    condition: Callable[[], bool], what: str, *processes: subprocess.Popen, log: Path
) -> None:
    """``wait_for`` ``condition``, failing at once if a worker exits; the log on failure."""

    def done() -> bool:
        for process in processes:
            if process.poll() is not None:
                raise AssertionError(f"the worker exited before {what}:\n{log.read_text()}")
        return condition()

    try:
        wait_for(done, PROCESS_LIMIT, what, every=POLL)
    except AssertionError as failure:
        raise AssertionError(f"{failure}\n{log.read_text()}") from None


def queue(factory: sessionmaker[Session], count: int) -> list[str]:
    bodies = [f"message {n}" for n in range(count)]
    with factory() as session, session.begin():
        for n, body in enumerate(bodies):
            outbox.enqueue_sms(session, f"+1214555{n:04d}", body, "test", "en")
    return bodies


def rows(factory: sessionmaker[Session]) -> list[OutboxMessage]:
    with factory() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_a_dispatcher_killed_mid_batch_loses_nothing_and_resends_at_most_one(
    database_url, factory, twilio, tmp_path
):
    bodies = queue(factory, 12)
    twilio.delay = 0.3  # each send waits on the provider: the kill lands during one
    log = tmp_path / "worker.log"
    with worker_process(database_url, twilio, log, CAMSHARE_SMS_PER_SECOND="1000") as worker:
        until(
            lambda: len(twilio.messages) >= 3 and twilio.in_flight == 1,
            "three messages sent and a fourth in flight",
            worker,
            log=log,
        )
        kill_worker(worker)  # the request it waits on is left unanswered
        assert worker.wait(timeout=10) == -signal.SIGKILL
    twilio.delay = 0.0

    # Killed mid-batch: the message it was waiting on is still leased, the rest untouched.
    after_kill = Counter(m.status for m in rows(factory))
    assert after_kill["sending"] == 1
    assert after_kill["queued"] >= 1
    [in_flight] = [m for m in rows(factory) if m.status == "sending"]

    # A second dispatcher sends what was queued at once, and the leased one only once the
    # lease has run out: ``now`` stands for a dispatcher running two minutes later.
    gateway = TwilioGateway(load_settings(twilio_settings(twilio)))
    outbox.dispatch_due(factory, gateway, limit=100)
    assert Counter(m.status for m in rows(factory)) == {"sent": 11, "sending": 1}
    later = utcnow() + outbox.SEND_LEASE + timedelta(seconds=1)
    assert outbox.dispatch_due(factory, gateway, limit=100, now=later) == 1

    # The stand-in answers the request the dead worker left behind, then counts.
    until(lambda: twilio.in_flight == 0, "answer to the orphaned request", log=log)
    delivered = Counter(m.body for m in twilio.messages)
    assert set(delivered) == set(bodies)  # none lost
    twice = [body for body, times in delivered.items() if times > 1]
    assert twice in ([], [in_flight.body])  # only the one in flight, and only twice
    assert max(delivered.values()) <= 2
    final = rows(factory)
    assert {m.status for m in final} == {"sent"}
    assert next(m for m in final if m.id == in_flight.id).attempts == 2


def test_two_dispatcher_processes_send_each_message_once_at_the_shared_rate(
    database_url, factory, twilio, tmp_path
):
    bodies = queue(factory, 12)
    rate = 10.0  # messages a second, for the two processes together
    # The stand-in holds the first requests until both workers have one in flight, so
    # both surely take part however unevenly the two start up.
    twilio.hold = threading.Event()
    logs = [tmp_path / "worker-a.log", tmp_path / "worker-b.log"]
    # Each reports a status callback of its own, so the stand-in tells who sent what.
    bases = ["https://worker-a.camshare.test", "https://worker-b.camshare.test"]
    with (
        worker_process(
            database_url,
            twilio,
            logs[0],
            "--once",
            CAMSHARE_SMS_PER_SECOND=str(rate),
            CAMSHARE_PUBLIC_BASE_URL=bases[0],
        ) as first,
        worker_process(
            database_url,
            twilio,
            logs[1],
            "--once",
            CAMSHARE_SMS_PER_SECOND=str(rate),
            CAMSHARE_PUBLIC_BASE_URL=bases[1],
        ) as second,
    ):
        until(lambda: twilio.in_flight == 2, "a request from each", first, second, log=logs[0])
        twilio.hold.set()
        for process, log in ((first, logs[0]), (second, logs[1])):
            assert process.wait(timeout=PROCESS_LIMIT) == 0, log.read_text()

    assert sorted(m.body for m in twilio.messages) == sorted(bodies)  # each exactly once
    assert {m.status for m in rows(factory)} == {"sent"}
    senders = Counter(m.status_callback.split("/api/")[0] for m in twilio.messages)
    assert set(senders) == set(bases), senders  # both took part
    # One rate for both: the sends are spaced as configured, not twice as fast. Booked
    # moments are exactly 1/rate apart; a send may lag its moment by a few milliseconds
    # (a busy machine, a database lock), so single gaps vary but not the overall pace.
    arrivals = sorted(r.received_at for r in twilio.requests)
    gaps = [b - a for a, b in pairwise(arrivals)]
    assert median(gaps) >= 0.8 / rate, gaps
    assert arrivals[-1] - arrivals[0] >= 0.9 * len(gaps) / rate, gaps


class CountingGateway:
    """Takes every message at once; ``sent`` lists what it got, in order."""

    name = "counting"
    keeps_record = False

    def __init__(self) -> None:
        self.sent: list[str] = []

    def send(self, to: str, body: str, status_callback: str | None = None) -> SendReceipt:
        self.sent.append(body)
        return SendReceipt(sid=f"SM{len(self.sent):032d}", status="queued")


def test_the_turn_is_taken_after_the_claim_and_before_the_provider(factory):
    queue(factory, 2)
    with factory() as session, session.begin():
        session.add(
            OutboxMessage(
                to_e164="+12145559999",
                body="too late",
                purpose="test",
                language="en",
                next_attempt_at=utcnow() - timedelta(minutes=5),
                expires_at=utcnow() - timedelta(minutes=1),
            )
        )
    gateway = CountingGateway()
    turns: list[tuple[str, list[str]]] = []

    def pace() -> None:
        [leased] = [m for m in rows(factory) if m.status == "sending"]
        turns.append((leased.body, list(gateway.sent)))

    assert outbox.dispatch_due(factory, gateway, pace=pace) == 3
    # One turn per message handed to the provider, none for the expired one, each taken
    # while its message is leased and before the provider has it.
    assert turns == [("message 0", []), ("message 1", ["message 0"])]
    assert gateway.sent == ["message 0", "message 1"]
    assert [m.status for m in rows(factory)] == ["sent", "sent", "expired"]


def test_a_wait_that_outlasts_the_lease_leaves_the_message_to_its_new_holder(factory, monkeypatch):
    queue(factory, 1)
    gateway = CountingGateway()
    monkeypatch.setattr(outbox, "PACE_RECHECK", timedelta(0))  # every wait counts as long
    taken_over = []

    def slow_turn() -> None:
        if not taken_over:
            # Meanwhile the lease runs out and another dispatcher claims the message; and
            # a new message is queued.
            taken_over.append(outbox._claim(factory, utcnow() + outbox.SEND_LEASE))
            with factory() as session, session.begin():
                outbox.enqueue_sms(session, "+12145550001", "message 1", "test", "en")

    sent = outbox.send_one(factory, gateway, pace=slow_turn)

    assert taken_over[0].body == "message 0"
    assert sent.body == "message 1"  # it left message 0 alone and went on with the next
    assert gateway.sent == ["message 1"]
    first = rows(factory)[0]
    assert (first.status, first.attempts) == ("sending", 2)  # the new holder's claim
