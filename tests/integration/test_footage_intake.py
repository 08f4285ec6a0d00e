"""The intake use cases with the storage faked: link rules, limits under concurrency,
what completion keeps or refuses, and the clean-up of uploads never finished."""

from __future__ import annotations

import hashlib
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from camshare.models import AccessRequest, AuditEvent, FootageFile
from camshare.services.errors import DomainError
from camshare.services.footage import intake
from camshare.services.footage.links import live_upload_link
from tests.support.fakes import MemoryFootageStorage
from tests.support.footage_builders import approved_owner
from tests.support.media import pattern_video
from tests.support.parallel import all_at_once, tally, wide_factory
from tests.unit.builders import clock

NOW = clock()


def begin(session, settings, token, n=0, size=1000, name="clip.mp4", caption="", now=NOW):
    return intake.begin_upload(session, settings, token, f"{n:032x}", name, size, caption, now)


def test_the_link_works_only_after_approval_until_close_and_at_most_the_set_days(session, settings):
    owner = approved_owner(session, settings, NOW)
    assert live_upload_link(session, settings, owner.token, NOW).recipient_id == owner.recipient_id
    declined = approved_owner(session, settings, NOW, answer="declined")
    with pytest.raises(DomainError, match=r"footage.link_not_approved"):
        live_upload_link(session, settings, declined.token, NOW)
    for forged in (
        "",
        "abc",
        f"{owner.recipient_id}.{'x' * 43}",
        declined.token.replace(f"{declined.recipient_id}.", f"{owner.recipient_id}."),
    ):
        with pytest.raises(DomainError, match=r"footage.link_invalid"):
            live_upload_link(session, settings, forged, NOW)
    request = session.get(AccessRequest, owner.request_id)
    with pytest.raises(DomainError, match=r"footage.link_closed"):
        live_upload_link(session, settings, owner.token, request.expires_at)
    request.expires_at = NOW + timedelta(days=30)
    later = NOW + timedelta(days=settings.footage_link_days)
    with pytest.raises(DomainError, match=r"footage.link_closed"):
        live_upload_link(session, settings, owner.token, later)
    request.status = "closed"
    with pytest.raises(DomainError, match=r"footage.link_closed"):
        live_upload_link(session, settings, owner.token, NOW)


def test_names_are_cleaned_and_captions_and_sizes_checked(session, settings):
    owner = approved_owner(session, settings, NOW)
    begin(
        session, settings, owner.token, 1, name="C:\\DCIM\\../evil\x00\x1b[31m" + "a" * 300 + ".mp4"
    )
    row = session.scalar(select(FootageFile))
    assert row.original_name.endswith(".mp4")
    assert len(row.original_name) == 200
    assert "/" not in row.original_name
    assert "\\" not in row.original_name
    assert "\x00" not in row.original_name
    assert "\x1b" not in row.original_name
    with pytest.raises(DomainError, match=r"footage.caption_too_long"):
        begin(session, settings, owner.token, 2, caption="x" * 501)
    with pytest.raises(DomainError, match=r"footage.refused.empty"):
        begin(session, settings, owner.token, 3, size=0)
    with pytest.raises(DomainError, match=r"footage.too_large"):
        begin(session, settings, owner.token, 4, size=settings.footage_max_file_bytes + 1)
    with pytest.raises(DomainError, match=r"footage.length_required"):
        begin(session, settings, owner.token, 5, size=None)


def test_at_most_the_set_number_of_files_even_when_they_start_together(
    database_url, factory, settings
):
    with factory() as session, session.begin():
        owner = approved_owner(session, settings, NOW)
    with wide_factory(database_url) as wide:
        results = all_at_once(
            wide, lambda s, n: begin(s, settings, owner.token, n).file_id and "ok", times=30
        )
    assert tally(results) == {"ok": settings.footage_max_files, "footage.too_many": 5}


def complete(factory, settings, storage, tmp_path, owner, source, n, name="clip.mp4"):
    part = tmp_path / f"{n:032x}"
    shutil.copyfile(source, part)
    with factory() as session, session.begin():
        begin(session, settings, owner.token, n, size=part.stat().st_size, name=name)
    digest = hashlib.sha256(part.read_bytes()).hexdigest()
    return intake.complete_upload(factory, settings, storage, f"{n:032x}", str(part), digest, NOW)


def test_a_complete_video_is_kept_bit_for_bit_with_its_thumbnail(factory, settings, tmp_path):
    storage = MemoryFootageStorage()
    with factory() as session, session.begin():
        owner = approved_owner(session, settings, NOW)
    clip = pattern_video(tmp_path / "clip.mp4")
    done = complete(factory, settings, storage, tmp_path, owner, clip, 1)
    assert done.status == "received"
    assert not done.needs_preview
    with factory() as session:
        row = session.get(FootageFile, done.file_id)
        assert storage.objects[row.storage_key] == clip.read_bytes()
        assert storage.objects[row.thumbnail_key][:3] == b"\xff\xd8\xff"
        assert row.recorded_at.isoformat() == "2026-12-01T21:15:00+00:00"
        assert (
            session.scalar(
                select(AuditEvent.action).where(AuditEvent.subject == f"footage:{row.id}")
            )
            == "footage.received"
        )


def test_a_video_browsers_cannot_play_gets_an_h264_preview(factory, settings, tmp_path):
    storage = MemoryFootageStorage()
    with factory() as session, session.begin():
        owner = approved_owner(session, settings, NOW)
    clip = pattern_video(tmp_path / "old.avi", container="avi", codec="mpeg4")
    done = complete(factory, settings, storage, tmp_path, owner, clip, 1, name="old.avi")
    assert done.needs_preview
    assert intake.make_preview(factory, storage, done.file_id, None)
    with factory() as session:
        row = session.get(FootageFile, done.file_id)
        assert row.video_codec == "mpeg4"
        assert storage.objects[row.preview_key][4:8] == b"ftyp"
        assert storage.objects[row.storage_key] == clip.read_bytes()  # original untouched


def test_a_recorder_file_nothing_here_decodes_is_kept_and_marked(factory, settings, tmp_path):
    storage = MemoryFootageStorage()
    with factory() as session, session.begin():
        owner = approved_owner(session, settings, NOW)
    export = tmp_path / "ch01.dav"
    export.write_bytes(b"DHAV" + bytes(range(256)) * 400)
    done = complete(factory, settings, storage, tmp_path, owner, export, 1, name="ch01.dav")
    assert done.status == "received"
    with factory() as session:
        row = session.get(FootageFile, done.file_id)
        assert (row.kind, row.thumbnail_key) == ("recorder", None)
        assert storage.objects[row.storage_key] == export.read_bytes()


def test_the_same_file_twice_is_stored_once(factory, settings, tmp_path):
    storage = MemoryFootageStorage()
    with factory() as session, session.begin():
        owner = approved_owner(session, settings, NOW)
    clip = pattern_video(tmp_path / "clip.mp4")
    first = complete(factory, settings, storage, tmp_path, owner, clip, 1)
    second = complete(factory, settings, storage, tmp_path, owner, clip, 2)
    assert (second.status, second.refusal_reason, second.duplicate_of) == (
        "refused",
        "footage.refused.duplicate",
        first.file_id,
    )
    assert len([k for k in storage.objects if k.endswith("original.mp4")]) == 1


def test_uploads_never_finished_are_deleted_after_a_day(factory, settings, tmp_path):
    deleted = []
    storage = MemoryFootageStorage()
    with factory() as session, session.begin():
        owner = approved_owner(session, settings, NOW)
        begin(session, settings, owner.token, 1)
        begin(session, settings, owner.token, 2, now=NOW + timedelta(hours=20))
    # The first one's completion died after moving the original in, before "received".
    original, _ = intake.stored_keys(owner.request_id, f"{1:032x}", "clip.mp4")
    (tmp_path / "bytes").write_bytes(b"half-finished completion")
    storage.put_file(original, tmp_path / "bytes")
    with factory() as session, session.begin():
        later = NOW + timedelta(hours=25)
        assert intake.clean_incomplete(session, settings, deleted.append, later, storage) == 1
    assert deleted == [f"{1:032x}"]
    assert storage.objects == {}
    with factory() as session:
        statuses = dict(session.execute(select(FootageFile.upload_id, FootageFile.status)).all())
        assert statuses == {f"{1:032x}": "deleted", f"{2:032x}": "receiving"}
        assert (
            session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "footage.deleted")
            )
            == 1
        )


def test_two_tabs_finishing_the_same_file_at_once_keep_it_once(
    database_url, factory, settings, tmp_path
):
    storage = MemoryFootageStorage()
    with factory() as session, session.begin():
        owner = approved_owner(session, settings, NOW)
    clip = pattern_video(tmp_path / "clip.mp4")
    digest = hashlib.sha256(clip.read_bytes()).hexdigest()
    for n in (1, 2):
        shutil.copyfile(clip, tmp_path / f"{n:032x}")
        with factory() as session, session.begin():
            begin(session, settings, owner.token, n, size=clip.stat().st_size)
    start = threading.Barrier(2)

    def finish(n: int):
        start.wait(timeout=30)
        return intake.complete_upload(
            factory, settings, storage, f"{n:032x}", str(tmp_path / f"{n:032x}"), digest, NOW
        )

    with ThreadPoolExecutor(max_workers=2) as pool:
        done = list(pool.map(finish, (1, 2)))
    assert sorted(d.status for d in done) == ["received", "refused"]
    assert [d.refusal_reason for d in done if d.status == "refused"] == [
        "footage.refused.duplicate"
    ]
    assert len([k for k in storage.objects if "/original" in k]) == 1
