"""The work left for the worker when a file is received: previews and receipt SMS.

Written as rows in the same transaction as "received", so nothing in a web process's
memory is needed to finish them (a restart delays them, never drops them); retried after
a failure; never run twice by two workers at once; receipts of files sent together go in
one SMS, in the owner's language, with the receipt page's link.
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from camshare import db, runtime
from camshare.models import FootageFile, FootageJob, OutboxMessage
from camshare.services.footage import intake, jobs, panel
from camshare.settings import get_settings
from camshare.worker import Worker
from tests.support.access_builders import staff
from tests.support.fakes import MemoryFootageStorage
from tests.support.footage_builders import approved_owner
from tests.support.media import pattern_video
from tests.support.parallel import wide_factory
from tests.unit.builders import clock

NOW = clock()


def receive(factory, settings, storage, tmp_path, owner, n, *, avi=False, at=NOW):
    """An owner's file, begun and completed through intake as the tus hooks do."""
    name = f"clip{n}.avi" if avi else f"clip{n}.mp4"
    clip = tmp_path / name
    if avi:
        pattern_video(clip, seconds=1 + n, container="avi", codec="mpeg4")
    else:
        pattern_video(clip, seconds=1 + n)
    with factory() as session, session.begin():
        intake.begin_upload(
            session, settings, owner.token, f"{n:032x}", name, clip.stat().st_size, "", at
        )
    digest = hashlib.sha256(clip.read_bytes()).hexdigest()
    return intake.complete_upload(factory, settings, storage, f"{n:032x}", str(clip), digest, at)


def job_rows(factory, kind):
    with factory() as session:
        return session.scalars(
            select(FootageJob).where(FootageJob.kind == kind).order_by(FootageJob.id)
        ).all()


def receipts_sent(factory):
    with factory() as session:
        return session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.purpose == "footage_receipt")
            .order_by(OutboxMessage.id)
        ).all()


def shown(factory, request_id):
    with factory() as session, session.begin():
        supervisor = staff(session, "supervisor")
        return {r.file_id: r for r in panel.footage_panel(session, supervisor, request_id).changed}


def test_a_preview_is_a_job_that_outlives_the_web_process_and_the_panel_says_so(
    factory, settings, tmp_path
):
    storage = MemoryFootageStorage()
    with factory() as session, session.begin():
        owner = approved_owner(session, settings, NOW)
    done = receive(factory, settings, storage, tmp_path, owner, 1, avi=True)
    # Nothing runs in the process that received the file: the job row is all there is.
    (job,) = job_rows(factory, "preview")
    assert (job.file_id, job.status) == (done.file_id, "queued")
    row = shown(factory, owner.request_id)[done.file_id]
    assert (row.preview_pending, row.playable, row.needs_player) == (True, False, False)

    run = jobs.run_next_preview(factory, storage, intake.make_preview)
    assert (run.file_id, run.outcome) == (done.file_id, "made")
    assert jobs.run_next_preview(factory, storage, intake.make_preview) is None
    row = shown(factory, owner.request_id)[done.file_id]
    assert (row.preview_pending, row.playable, row.needs_player) == (False, True, False)
    with factory() as session:
        assert storage.objects[session.get(FootageFile, done.file_id).preview_key][4:8] == b"ftyp"


def test_a_failed_preview_is_retried_later_and_one_that_cannot_be_made_is_marked(
    factory, settings, tmp_path
):
    storage = MemoryFootageStorage()
    with factory() as session, session.begin():
        owner = approved_owner(session, settings, NOW)
    done = receive(factory, settings, storage, tmp_path, owner, 1, avi=True)
    with factory() as session:
        key = session.get(FootageFile, done.file_id).storage_key
    original = storage.objects.pop(key)  # the storage is out
    run = jobs.run_next_preview(factory, storage, intake.make_preview)
    assert run.outcome == "retry"
    (job,) = job_rows(factory, "preview")
    assert (job.status, job.attempts) == ("queued", 1)
    assert job.run_after > jobs.utcnow() + timedelta(seconds=30)
    assert shown(factory, owner.request_id)[done.file_id].preview_pending
    # Not due again yet; once it is (and the storage is back), it is made.
    assert jobs.run_next_preview(factory, storage, intake.make_preview) is None
    storage.objects[key] = original
    later = job.run_after + timedelta(seconds=1)
    assert jobs.run_next_preview(factory, storage, intake.make_preview, now=later).outcome == "made"

    broken = receive(factory, settings, storage, tmp_path, owner, 2, avi=True)
    run = jobs.run_next_preview(factory, storage, lambda *_: False)
    assert (run.file_id, run.outcome) == (broken.file_id, "not_convertible")
    row = shown(factory, owner.request_id)[broken.file_id]
    assert (row.preview_pending, row.playable, row.needs_player) == (False, False, True)


def test_a_preview_is_left_to_another_worker_only_once_its_lease_is_not_renewed(
    factory, settings, tmp_path
):
    storage = MemoryFootageStorage()
    with factory() as session, session.begin():
        owner = approved_owner(session, settings, NOW)
    receive(factory, settings, storage, tmp_path, owner, 1, avi=True)
    now = jobs.utcnow()
    died_holding = jobs._claim_preview(factory, now)
    assert died_holding.status == "running"
    made = Counter()

    def make(*args):
        made[args[2]] += 1
        return intake.make_preview(*args)

    assert jobs.run_next_preview(factory, storage, make, now=now + timedelta(minutes=1)) is None
    # A worker still converting renews its lease: not taken over while it is alive.
    renewed_at = now + jobs.PREVIEW_LEASE - timedelta(seconds=1)
    assert jobs.renew_lease(factory, died_holding, renewed_at)
    assert (
        jobs.run_next_preview(factory, storage, make, now=renewed_at + timedelta(seconds=2)) is None
    )
    taken_over = renewed_at + jobs.PREVIEW_LEASE + timedelta(seconds=1)
    assert jobs.run_next_preview(factory, storage, make, now=taken_over).outcome == "made"
    assert list(made.values()) == [1]
    # The first worker, back from its conversion, finds the job no longer its own.
    assert not jobs.renew_lease(factory, died_holding, taken_over)


def test_two_workers_never_make_the_same_preview(database_url, factory, settings, tmp_path):
    storage = MemoryFootageStorage()
    with wide_factory(database_url) as wide:
        with wide() as session, session.begin():
            owner = approved_owner(session, settings, NOW)
        for n in range(4):
            receive(wide, settings, storage, tmp_path, owner, n, avi=True)
        made, lock = Counter(), threading.Lock()
        start = threading.Barrier(2)

        def make(*args):
            with lock:
                made[args[2]] += 1
            return intake.make_preview(*args)

        def worker():
            start.wait(timeout=30)
            return jobs.run_due_previews(wide, storage, make)

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert sorted(made.values()) == [1, 1, 1, 1]
        assert {j.status for j in job_rows(wide, "preview")} == {"done"}


def test_files_sent_together_get_one_receipt_sms_in_the_owners_language(
    factory, settings, tmp_path
):
    storage = MemoryFootageStorage()
    with factory() as session, session.begin():
        owner = approved_owner(session, settings, NOW, language="es")
    for n in range(3):
        receive(factory, settings, storage, tmp_path, owner, n, at=NOW + timedelta(seconds=n * 20))
    window = timedelta(seconds=settings.footage_receipt_window_seconds)
    assert jobs.send_due_receipts(factory, settings, NOW + window - timedelta(seconds=1)) == 0
    assert receipts_sent(factory) == []
    assert jobs.send_due_receipts(factory, settings, NOW + window) == 1
    (sms,) = receipts_sent(factory)
    assert "recibimos sus 3 archivos" in sms.body
    assert f"/f/{owner.token}" in sms.body
    assert owner.token not in sms.body_redacted
    assert {j.status for j in job_rows(factory, "receipt")} == {"done"}
    # A file sent later gets a receipt of its own, naming it.
    later = NOW + window * 3
    receive(factory, settings, storage, tmp_path, owner, 5, at=later)
    assert jobs.send_due_receipts(factory, settings, later + window) == 1
    last = receipts_sent(factory)[-1]
    assert "recibimos su archivo clip5.mp4" in last.body


def test_two_workers_sending_receipts_at_once_send_one_sms(
    database_url, factory, settings, tmp_path
):
    storage = MemoryFootageStorage()
    with wide_factory(database_url) as wide:
        with wide() as session, session.begin():
            owner = approved_owner(session, settings, NOW)
        for n in range(3):
            receive(wide, settings, storage, tmp_path, owner, n)
        due = NOW + timedelta(seconds=settings.footage_receipt_window_seconds)
        start = threading.Barrier(2)
        sent = []

        def worker():
            start.wait(timeout=30)
            sent.append(jobs.send_due_receipts(wide, settings, due))

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sorted(sent) == [0, 1]
        (sms,) = receipts_sent(wide)
        assert "your 3 files" in sms.body


@pytest.fixture
def worker_env(monkeypatch, database_url, tmp_path):
    monkeypatch.setenv("CAMSHARE_DATABASE_URL", database_url)
    monkeypatch.setenv("CAMSHARE_FOOTAGE_DIR", str(tmp_path / "footage"))
    monkeypatch.setenv("CAMSHARE_FOOTAGE_RECEIPT_WINDOW_SECONDS", "0")
    caches = (get_settings, db.get_engine, runtime.footage_storage)
    for cache in caches:
        cache.cache_clear()
    yield
    for cache in caches:
        cache.cache_clear()


def test_the_worker_makes_previews_and_sends_receipts_in_its_turns(worker_env, factory, tmp_path):
    settings = get_settings()
    storage = runtime.footage_storage()
    with factory() as session, session.begin():
        owner = approved_owner(session, settings, jobs.utcnow())
    done = receive(factory, settings, storage, tmp_path, owner, 1, avi=True, at=jobs.utcnow())
    worker = Worker()
    try:
        worker.tick()
        worker.wait_for_previews(timeout=120)
    finally:
        worker.close()
    with factory() as session:
        assert session.get(FootageFile, done.file_id).preview_key
    (sms,) = receipts_sent(factory)
    assert "clip1.avi" in sms.body
