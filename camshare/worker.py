"""Background jobs: send the SMS outbox, close expired requests, retry geocoding, upkeep,
footage receipts and previews.

The hourly upkeep (``upkeep``) asks owners to confirm their cameras once a year, holds back
those who stay silent, and applies the retention rules (``services.retention``).

Runs in the web process by default (CAMSHARE_SMS_DISPATCHER=inprocess) or on its own:
``python -m camshare.worker``.
"""

from __future__ import annotations

import argparse
import functools
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from camshare import runtime
from camshare.logs import configure_logging, new_request_id, request_id
from camshare.metrics import start_metrics_server
from camshare.models import utcnow
from camshare.routes import TWILIO_STATUS
from camshare.runtime import geocoder, in_session, session_factory, sms_gateway
from camshare.services import retention
from camshare.services.access.requests import expire_due_requests
from camshare.services.footage import intake as footage_intake
from camshare.services.footage import jobs as footage_jobs
from camshare.services.footage import retention as footage_retention
from camshare.services.footage.parts import delete_part_files
from camshare.services.geography.geocoding import purge_geocode_cache
from camshare.services.live import shares as live_shares
from camshare.services.live import viewing as live_viewing
from camshare.services.messaging.outbox import dispatch_due
from camshare.services.messaging.sms import SmsGateway
from camshare.services.operations.heartbeat import beat
from camshare.services.owners import account as owner_account
from camshare.services.owners import reconfirmation, reconsent_requests
from camshare.services.owners import standing as owner_standing
from camshare.services.registration.completion import retry_next_pending_geocode
from camshare.services.throttle import spaced
from camshare.settings import Settings, get_settings, settings_or_exit

log = logging.getLogger(__name__)
GEOCODE_RETRY_EVERY = 60.0
GEOCODE_RETRY_BATCH = 5
PURGE_EVERY = 600.0
# Re-confirmation and retention count in days and hours: an hourly run is on time enough,
# and each of its queries is an indexed one.
UPKEEP_EVERY = 3600.0
# /readyz calls a dispatcher gone after CAMSHARE_HEARTBEAT_STALE_SECONDS (60) without one.
HEARTBEAT_EVERY = 10.0
# Long enough to spare the geocoder repeated look-ups at one event, short enough that
# typed home addresses do not pile up.
GEOCODE_CACHE_KEPT = timedelta(days=30)
# Receipts are due a window after a file arrives; previews as soon as it is received.
FOOTAGE_EVERY = 2.0
# Finished footage jobs are kept this long for an operator's questions, then deleted.
FOOTAGE_JOBS_KEPT = timedelta(days=7)


def upkeep(
    factory: sessionmaker[Session],
    settings: Settings,
    now: datetime | None = None,
    footage_storage=None,
) -> dict[str, int]:
    """Keep the registry current and apply retention, each job in its own transaction.

    Commits part-way, by design: each job is committed before the next starts (a job that
    fails leaves the others done), so this takes the session factory rather than running
    in one ``runtime.in_session``.

    Re-confirmation asks in batches (``reconfirmation.ask_for_reconfirmation``'s limit):
    a backlog is worked off over the following hours. Returns what each job did.
    """
    done: dict[str, int] = {}
    with factory() as session, session.begin():
        done["reconfirm_asked"] = reconfirmation.ask_for_reconfirmation(session, settings, now)
    with factory() as session, session.begin():
        done["unconfirmed"] = reconfirmation.pause_unconfirmed(session, settings, now)
    with factory() as session, session.begin():
        done["pauses_ended"] = owner_account.resume_ended_pauses(session, settings, now)
    with factory() as session, session.begin():
        # After the jobs above (they audit their own changes): what a changed setting moved.
        done["standing_refreshed"] = owner_standing.refresh_held_back(
            session, settings, now or utcnow()
        )
    with factory() as session, session.begin():
        # A safety net: publishing asks owners in batches, a failed batch is caught up here.
        done["reconsent_asked"] = reconsent_requests.ask_owners_to_reconsent(
            session, settings, now, limit=500
        )
    with factory() as session, session.begin():
        done.update(retention.purge(session, settings, now))
    storage = footage_storage or runtime.footage_storage()
    with factory() as session, session.begin():
        # Uploads never finished: never shown to police, their parts deleted after a day.
        done["footage_incomplete"] = footage_intake.clean_incomplete(
            session,
            settings,
            functools.partial(delete_part_files, settings.footage_parts_dir),
            now or utcnow(),
            storage,
        )
    with factory() as session, session.begin():
        run = footage_retention.upkeep(session, storage, settings, now)
        done["footage_scheduled"], done["footage_deleted"] = run.scheduled, run.deleted
    with factory() as session, session.begin():
        done["footage_jobs_purged"] = footage_jobs.purge_finished(
            session, now or utcnow(), FOOTAGE_JOBS_KEPT
        )
    return done


# One turn at the outbox lasts at most this long (by the worker's clock) or this many
# messages; then every job that is due runs before the next turn. At 1 SMS/s a 1,000-owner
# fan-out takes ~17 minutes: expiry, re-confirmation, retention and geocode retries must
# not wait for it.
OUTBOX_TURN_SECONDS = 5.0
OUTBOX_TURN_MESSAGES = 50


@dataclass
class Job:
    """A scheduled job: ``run`` every ``every`` seconds (0: after each outbox turn)."""

    name: str
    every: float
    run: Callable[[], object]
    last_run: float | None = None

    def due(self, now: float) -> bool:
        """Whether the job should run at ``now`` (the first time: at once)."""
        return self.last_run is None or now - self.last_run >= self.every


class Worker:
    """Turns at the outbox interleaved with the scheduled jobs, so neither starves.

    ``clock`` (seconds, monotonic) decides both a turn's length and when jobs are due;
    tests pass one they control.
    """

    def __init__(
        self,
        gateway: SmsGateway | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = get_settings()
        self.factory = session_factory()
        self.gateway = gateway or sms_gateway()
        self.clock = clock
        # Whether the last turn left due messages behind (then the next tick comes at once).
        self.backlog = False
        self.name = f"{socket.gethostname()}:{os.getpid()}"
        self.jobs = [
            Job("heartbeat", HEARTBEAT_EVERY, lambda: in_session(beat, self.name)),
            # Cheap (an indexed query) and time-critical: answers stop at expiry.
            Job("expire_requests", 0.0, lambda: in_session(expire_due_requests)),
            # As time-critical: a share ends when its time is up or its request closes.
            Job("live_shares", 0.0, self.keep_live_shares),
            Job("geocode_retry", GEOCODE_RETRY_EVERY, self.retry_geocodes),
            Job(
                "geocode_cache_purge",
                PURGE_EVERY,
                lambda: in_session(purge_geocode_cache, GEOCODE_CACHE_KEPT),
            ),
            Job("upkeep", UPKEEP_EVERY, lambda: upkeep(self.factory, self.settings)),
            Job("footage", FOOTAGE_EVERY, self.footage_work),
        ]
        # Previews take minutes for a long video: they get a thread of their own, so the
        # outbox and the other jobs go on meanwhile. One at a time per worker; a daemon, so
        # stopping the process never waits for a conversion (its lease lets another
        # worker take it over).
        self._previews: threading.Thread | None = None
        self._stopping = threading.Event()

    def status_callback(self) -> str | None:
        """Where Twilio reports delivery, when it can reach us."""
        if self.settings.sms_backend != "twilio":
            return None
        return self.settings.public_url(TWILIO_STATUS)

    def pace(self) -> Callable[[], None] | None:
        """What waits for the next turn to send under ``sms_per_second``; None: no waiting.

        The limit is the provider's (a US long code takes one message a second) and binds
        the whole installation: the worker process and every web process that dispatches
        in-process book turns from one database row (the throttle slot "sms"), so two
        dispatchers together still send at the configured rate. The on-screen outbox sends
        nothing and needs no pacing.
        """
        if self.gateway.name == "outbox" or self.settings.sms_per_second <= 0:
            return None
        return spaced(self.factory, "sms", 1.0 / self.settings.sms_per_second)

    def send_turn(self) -> int:
        """Send due messages (paced app-wide) for one bounded turn; returns how many."""
        sent, started, pace = 0, self.clock(), self.pace()
        self.backlog = False
        while sent < OUTBOX_TURN_MESSAGES and self.clock() - started < OUTBOX_TURN_SECONDS:
            tried = dispatch_due(
                self.factory,
                self.gateway,
                limit=1,
                status_callback=self.status_callback(),
                retry_for=timedelta(hours=self.settings.sms_retry_hours),
                pace=pace,
            )
            if not tried:
                return sent
            sent += tried
        self.backlog = True
        return sent

    def keep_live_shares(self) -> None:
        """Start the shares standing consents give for new emergencies; end those that ran
        out (or lost their request or owner), then the viewing sessions nobody continued."""
        in_session(live_shares.apply_standing_consents, self.settings, utcnow())
        in_session(live_shares.end_expired, self.settings, utcnow())
        in_session(live_viewing.end_stale_viewings, self.settings, utcnow())

    def retry_geocodes(self) -> None:
        """A few addresses saved while the geocoder was down, each in its own transaction.

        A few only: the geocoder allows one call a second, and this thread also sends SMS.
        """
        for _ in range(GEOCODE_RETRY_BATCH):
            if in_session(retry_next_pending_geocode, geocoder()) in (None, "unavailable"):
                break

    def footage_work(self) -> None:
        """Receipt SMS that are due (at once), then previews (in their own thread)."""
        footage_jobs.send_due_receipts(self.factory, self.settings)
        if self._previews is None or not self._previews.is_alive():
            self._previews = threading.Thread(
                target=self.make_previews, name="camshare-preview", daemon=True
            )
            self._previews.start()

    def make_previews(self) -> None:
        """Every preview that is due, one after another, until none is (or ``close``)."""
        try:
            footage_jobs.run_due_previews(
                self.factory,
                runtime.footage_storage(),
                footage_intake.make_preview,
                self._stopping.is_set,
            )
        except Exception:
            log.exception("footage previews failed; they run again at the next turn")

    def wait_for_previews(self, timeout: float | None = None) -> None:
        """Block until the previews started so far are made (tests, ``--once``)."""
        if self._previews is not None:
            self._previews.join(timeout)

    def close(self) -> None:
        """Start no other preview (the one in hand finishes, or its lease runs out)."""
        self._stopping.set()

    def run_due_jobs(self) -> None:
        """Run every job that is due; one that fails is logged and the others still run."""
        now = self.clock()
        for job in self.jobs:
            if job.due(now):
                job.last_run = now
                # Each run is its own "request" in the logs.
                run_id = request_id.set(f"{job.name}-{new_request_id()[:12]}")
                try:
                    job.run()
                except Exception:
                    log.exception("worker job %s failed; it runs again when next due", job.name)
                finally:
                    request_id.reset(run_id)

    def tick(self) -> int:
        """One turn at the outbox, then the jobs that are due; returns messages tried."""
        sent = self.send_turn()
        self.run_due_jobs()
        return sent

    def run(self, stop: threading.Event, interval: float = 1.0) -> None:
        """Tick until ``stop`` is set (at once again while a backlog drains); errors are
        logged and the loop goes on."""
        while not stop.is_set():
            try:
                self.tick()
            except Exception:
                log.exception("worker tick failed; retrying")
                self.backlog = False
            if not self.backlog:
                stop.wait(interval)


def main() -> None:
    """Run the worker as its own process."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--once", action="store_true", help="run one tick and exit")
    args = parser.parse_args()
    settings = settings_or_exit()
    configure_logging(settings)
    start_metrics_server(settings, session_factory())
    worker = Worker()
    if args.once:
        worker.tick()
        worker.wait_for_previews()
        worker.close()
        return
    stop = threading.Event()
    try:
        worker.run(stop)
    except KeyboardInterrupt:
        stop.set()
    finally:
        worker.close()


if __name__ == "__main__":
    main()
