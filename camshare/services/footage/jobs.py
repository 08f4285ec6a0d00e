"""Work on a received file that the worker does later: previews and receipt SMS.

The row is written in the same transaction as the file's "received" (``intake``), so a web
process that restarts, or a worker that is down, delays the work and never drops it.
``worker.py`` runs them in its turns: receipts at once (one transaction each), previews in
a thread of their own (a long video takes minutes to convert; the SMS must not wait).

A job is claimed like an outbox message: one conditional UPDATE moves it to "running"
under a lease (``run_after``, renewed while a long conversion runs), so two workers never
run it together; a worker that dies leaves it to another once the lease runs out. A try
that fails is retried with a growing back-off; a video that cannot be converted is done,
without a preview ("needs the recorder's player").

Receipts are batched: each received file queues one receipt job due
``footage_receipt_window_seconds`` later; when the first is due, every receipt still
queued for that owner and request goes in one SMS ("3 files received", the receipt page).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from camshare.i18n import translate
from camshare.models import AccessRecipient, FootageFile, FootageJob, Owner, utcnow
from camshare.services.footage.links import upload_token
from camshare.services.messaging.outbox import enqueue_sms

log = logging.getLogger(__name__)
PENDING = ("queued", "running")
# A worker that died holding a preview leaves it to another after this. A conversion can
# take far longer (bench/footage_preview.py: 7 to 24 min per hour of 720p on 2 shared
# cores, by load), so the worker making it renews the lease every LEASE_RENEWAL meanwhile.
PREVIEW_LEASE = timedelta(minutes=10)
LEASE_RENEWAL = timedelta(minutes=2)
# Tries before a preview is given up (the back-off reaches an hour: about half a day).
MAX_ATTEMPTS = 16
NOT_CONVERTIBLE = "not_convertible"


def retry_after(attempts: int) -> timedelta:
    """Back-off after ``attempts`` failed tries: 1 min, 2, 4 … at most an hour."""
    return timedelta(seconds=min(60 * 2 ** max(attempts - 1, 0), 3600))


def queue_preview(session: Session, file: FootageFile, now: datetime) -> None:
    """The file's browser-playable copy, made later by the worker (caller's transaction)."""
    session.add(FootageJob(kind="preview", file_id=file.id, run_after=now, created_at=now))


def queue_receipt(session: Session, settings, file: FootageFile, now: datetime) -> None:
    """The owner's receipt for ``file``, sent with the others of the next few moments."""
    if file.owner_id is None:
        return
    due = now + timedelta(seconds=settings.footage_receipt_window_seconds)
    session.add(
        FootageJob(
            kind="receipt",
            file_id=file.id,
            recipient_id=file.recipient_id,
            run_after=due,
            created_at=now,
        )
    )


def previews_pending(session: Session, file_ids: Iterable[int]) -> set[int]:
    """Which of ``file_ids`` have a preview still to be made (queued or being made)."""
    ids = list(file_ids)
    if not ids:
        return set()
    return set(
        session.scalars(
            select(FootageJob.file_id).where(
                FootageJob.kind == "preview",
                FootageJob.status.in_(PENDING),
                FootageJob.file_id.in_(ids),
            )
        )
    )


# ---- receipts --------------------------------------------------------------------------


def send_due_receipts(
    factory: sessionmaker[Session], settings, now: datetime | None = None, limit: int = 50
) -> int:
    """Send every receipt SMS that is due, one per owner and request; how many were sent."""
    now = now or utcnow()
    sent = 0
    for _ in range(limit):
        try:
            with factory() as session, session.begin():
                outcome = _send_one_receipt(session, settings, now)
        except _Raced:
            continue  # rolled back: another worker sent these
        if outcome is None:
            break
        sent += outcome
    return sent


class _Raced(Exception):
    """Another worker swept (some of) the same receipts first."""


def _send_one_receipt(session: Session, settings, now: datetime) -> int | None:
    """The oldest due receipt, swept up with its owner's others (None: nothing due)."""
    first = session.scalar(
        select(FootageJob)
        .where(
            FootageJob.kind == "receipt",
            FootageJob.status == "queued",
            FootageJob.run_after <= now,
        )
        .order_by(FootageJob.run_after, FootageJob.id)
        .limit(1)
    )
    if first is None:
        return None
    together = select(FootageJob.id, FootageJob.file_id).where(
        FootageJob.kind == "receipt", FootageJob.status == "queued"
    )
    if first.recipient_id is None:
        together = together.where(FootageJob.id == first.id)
    else:
        together = together.where(FootageJob.recipient_id == first.recipient_id)
    jobs = dict(session.execute(together).all())
    # The claim: another worker that swept the same jobs first leaves this one nothing.
    claimed = session.execute(
        update(FootageJob)
        .where(FootageJob.id.in_(jobs), FootageJob.status == "queued")
        .values(status="done", done_at=now, attempts=FootageJob.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != len(jobs):
        raise _Raced()
    files = session.scalars(
        select(FootageFile).where(FootageFile.id.in_(jobs.values())).order_by(FootageFile.id)
    ).all()
    return 1 if _receipt_sms(session, settings, first.recipient_id, files) else 0


def _receipt_sms(session: Session, settings, recipient_id, files) -> bool:
    # Withdrawn meanwhile (the file lost its owner), or refused/deleted since: no receipt.
    kept = [f for f in files if f.owner_id is not None and f.sha256 is not None]
    owner = session.get(Owner, kept[0].owner_id) if kept else None
    if owner is None or recipient_id is None:
        return False
    recipient = session.get(AccessRecipient, recipient_id)
    if recipient is None:
        return False
    lang = owner.language
    # All picked up by an officer (from an export they collected): the SMS says so.
    pickup = all(f.uploaded_by_id is not None for f in kept)
    key = "sms.footage_pickup_receipt" if pickup else "sms.footage_receipt"
    values = {"program": settings.program(lang), "count": len(kept)}
    if len(kept) == 1:
        values.update(name=kept[0].original_name[:40], sha=kept[0].sha256[:12])
    else:
        key += "s"

    def body(link: str) -> str:
        return translate(lang, key, link=link, **values)

    token = upload_token(settings.secret_key, recipient.id)
    enqueue_sms(
        session,
        owner.phone_e164,
        body(settings.links.footage_upload(token)),
        "footage_receipt",
        lang,
        owner.id,
        redacted_body=body(settings.links.footage_upload("…")),
    )
    return True


# ---- previews --------------------------------------------------------------------------


@dataclass(frozen=True)
class PreviewRun:
    """What one preview job came to."""

    job_id: int
    file_id: int
    outcome: str  # made | not_convertible | nothing_to_do | retry | failed


def _claim_preview(factory: sessionmaker[Session], now: datetime) -> FootageJob | object | None:
    """Take the oldest due preview under a lease (a dead worker's too, once it ran out)."""
    with factory() as session, session.begin():
        due = (
            select(FootageJob.id)
            .where(
                FootageJob.kind == "preview",
                FootageJob.status.in_(PENDING),
                FootageJob.run_after <= now,
            )
            .order_by(FootageJob.run_after, FootageJob.id)
            .limit(1)
        )
        if session.get_bind().dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        job_id = session.scalar(due)
        if job_id is None:
            return None
        claimed = session.execute(
            update(FootageJob)
            .where(
                FootageJob.id == job_id,
                FootageJob.status.in_(PENDING),
                FootageJob.run_after <= now,
            )
            .values(
                status="running",
                run_after=now + PREVIEW_LEASE,
                attempts=FootageJob.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:
            return _LOST_RACE
        job = session.get(FootageJob, job_id)
        session.refresh(job)
        return job


# A claim another worker won: try the next job.
_LOST_RACE = object()


def _finish(
    factory: sessionmaker[Session], job: FootageJob, now: datetime, error: str | None
) -> str:
    """Record a try's outcome, if the job is still this worker's (same claim)."""
    if error is None or error == NOT_CONVERTIBLE:
        values = {"status": "done", "done_at": now, "last_error": error}
        outcome = "made" if error is None else NOT_CONVERTIBLE
    elif job.attempts >= MAX_ATTEMPTS:
        values = {"status": "failed", "done_at": now, "last_error": error[:200]}
        outcome = "failed"
    else:
        values = {
            "status": "queued",
            "run_after": now + retry_after(job.attempts),
            "last_error": error[:200],
        }
        outcome = "retry"
    with factory() as session, session.begin():
        session.execute(
            update(FootageJob)
            .where(
                FootageJob.id == job.id,
                FootageJob.status == "running",
                FootageJob.attempts == job.attempts,
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
    return outcome


def renew_lease(factory: sessionmaker[Session], job: FootageJob, now: datetime) -> bool:
    """Keep ``job`` this worker's for another lease; False if another worker took it over."""
    with factory() as session, session.begin():
        renewed = session.execute(
            update(FootageJob)
            .where(
                FootageJob.id == job.id,
                FootageJob.status == "running",
                FootageJob.attempts == job.attempts,
            )
            .values(run_after=now + PREVIEW_LEASE)
            .execution_options(synchronize_session=False)
        )
    return renewed.rowcount == 1


def _keep_leased(factory: sessionmaker[Session], job: FootageJob, done: threading.Event) -> None:
    while not done.wait(LEASE_RENEWAL.total_seconds()):
        try:
            if not renew_lease(factory, job, utcnow()):
                return
        except Exception:  # the database away for a moment: the next renewal may reach it
            log.warning("could not renew the lease of footage job %s", job.id, exc_info=True)


def run_next_preview(
    factory: sessionmaker[Session],
    storage,
    make: Callable[..., bool | None],
    now: datetime | None = None,
) -> PreviewRun | None:
    """Claim the oldest due preview and make it; None when none is due.

    ``make(factory, storage, file_id)`` writes the preview: True when made, False when the
    video cannot be converted, None when there was nothing to do (deleted, already made);
    an exception (storage down, say) is retried later.
    """
    now = now or utcnow()
    job = _claim_preview(factory, now)
    while job is _LOST_RACE:
        job = _claim_preview(factory, now)
    if job is None:
        return None
    done = threading.Event()
    keeper = threading.Thread(target=_keep_leased, args=(factory, job, done), daemon=True)
    keeper.start()
    try:
        made = make(factory, storage, job.file_id)
    except Exception as exc:  # any failure is retried, never lost
        log.warning("preview of footage %s failed; retried later", job.file_id, exc_info=True)
        outcome = _finish(factory, job, utcnow(), f"{type(exc).__name__}: {exc}")
        return PreviewRun(job.id, job.file_id, outcome)
    finally:
        done.set()
    error = NOT_CONVERTIBLE if made is False else None
    outcome = _finish(factory, job, utcnow(), error)
    return PreviewRun(job.id, job.file_id, "nothing_to_do" if made is None else outcome)


def run_due_previews(
    factory: sessionmaker[Session], storage, make, stop: Callable[[], bool] = lambda: False
) -> int:
    """Make previews until none is due (or ``stop()``); how many jobs ran."""
    ran = 0
    while not stop():
        run = run_next_preview(factory, storage, make)
        if run is None:
            return ran
        ran += 1
    return ran


def purge_finished(session: Session, now: datetime, kept: timedelta) -> int:
    """Delete jobs done or failed longer ago than ``kept`` (the audit log keeps the story)."""
    result = session.execute(
        delete(FootageJob)
        .where(FootageJob.status.in_(("done", "failed")), FootageJob.done_at < now - kept)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)
