"""The real tus client (tuspy) against the app's API served on loopback by uvicorn.

The upload is cut part-way and resumed; the server's SHA-256 matches the file's; what the
server refuses (someone else's link, an executable, the 26th file) says why.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
import requests
import uvicorn
from sqlalchemy import select
from tusclient import client as tus
from tusclient.exceptions import TusCommunicationError

from camshare import api_footage, db, runtime
from camshare.api import create_api
from camshare.models import FootageFile, OutboxMessage, utcnow
from camshare.services.footage import jobs
from camshare.settings import get_settings
from tests.support.footage_builders import approved_owner
from tests.support.live_server import free_port
from tests.support.media import pattern_video

TUS = "/api/footage/uploads"


CACHES = (get_settings, db.get_engine, runtime.footage_storage, api_footage.footage_parts)


@contextmanager
def serving_api():
    """The API (tus included) on a loopback port, configured from the environment now."""
    for cache in CACHES:
        cache.cache_clear()
    port = free_port()
    config = uvicorn.Config(create_api(), host="127.0.0.1", port=port, log_level="warning")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started and time.monotonic() < deadline:
        time.sleep(0.05)  # uvicorn sets a flag, no event to wait on
    assert running.started
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        running.should_exit = True
        thread.join(timeout=10)
        for cache in CACHES:
            cache.cache_clear()


@pytest.fixture
def server(monkeypatch, database_url, factory, tmp_path):
    """The API on a loopback port with footage in ``tmp_path``; stopped after the test."""
    monkeypatch.setenv("CAMSHARE_DATABASE_URL", database_url)
    monkeypatch.setenv("CAMSHARE_SECRET_KEY", "test-secret")
    monkeypatch.setenv("CAMSHARE_FOOTAGE_DIR", str(tmp_path / "footage"))
    monkeypatch.setenv("CAMSHARE_FOOTAGE_PARTS_DIR", str(tmp_path / "parts"))
    monkeypatch.setenv("CAMSHARE_FOOTAGE_MAX_FILES", "3")
    with serving_api() as base:
        yield base


@pytest.fixture
def owner(factory):
    with factory() as session, session.begin():
        return approved_owner(session, get_settings(), utcnow())


def uploader(base: str, token: str, path, **kw):
    client = tus.TusClient(base + TUS, headers={"Footage-Link": token})
    metadata = {"filename": os.path.basename(path), "filetype": "video/mp4", **kw.pop("meta", {})}
    return client.uploader(str(path), metadata=metadata, **kw)


def receipt(base: str, token: str, uploader) -> dict:
    upload_id = uploader.url.rsplit("/", 1)[1]
    answer = requests.get(
        f"{base}{TUS}/{upload_id}/receipt", headers={"Footage-Link": token}, timeout=10
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_an_upload_cut_part_way_resumes_where_it_stopped_and_the_hash_matches(
    server, owner, tmp_path, factory
):
    clip = pattern_video(tmp_path / "front door.mp4", seconds=4, size=(640, 360))
    with clip.open("ab") as padded:  # an MP4's trailing free box: bigger, still whole
        padding = 3 * 1024 * 1024
        padded.write(padding.to_bytes(4, "big") + b"free" + os.urandom(padding - 8))
    expected = hashlib.sha256(clip.read_bytes()).hexdigest()
    first = uploader(server, owner.token, clip, chunk_size=1024 * 1024, meta={"caption": "porch"})
    first.upload_chunk()
    first.upload_chunk()
    assert first.offset == 2 * 1024 * 1024
    # A new client (another network, a reload) asks the server where to go on.
    again = uploader(server, owner.token, clip, chunk_size=1024 * 1024, url=first.url)
    assert again.offset == 2 * 1024 * 1024
    again.upload()
    got = receipt(server, owner.token, again)
    assert got["status"] == "received"
    assert got["sha256"] == expected
    assert got["size_bytes"] == clip.stat().st_size
    assert got["name"] == "front door.mp4"
    assert got["caption"] == "porch"
    with factory() as session:
        row = session.scalar(select(FootageFile))
        assert (row.kind, row.video_codec, row.width, row.height) == ("video", "h264", 640, 360)
        assert row.duration_seconds == pytest.approx(4, abs=0.2)
        stored = runtime.footage_storage()
        with stored.open(row.storage_key) as original:
            assert hashlib.sha256(original.read()).hexdigest() == expected
        assert stored.exists(row.thumbnail_key)
    # The receipt SMS is the worker's, a short window later (files sent together share one).
    window = timedelta(seconds=get_settings().footage_receipt_window_seconds)
    assert jobs.send_due_receipts(factory, get_settings(), utcnow() + window) == 1
    with factory() as session:
        sms = session.scalars(
            select(OutboxMessage).where(OutboxMessage.purpose == "footage_receipt")
        ).all()
        assert len(sms) == 1
        assert expected[:12] in sms[0].body
    assert os.listdir(get_settings().footage_parts_dir) in ([], [".locks"])


def test_the_same_file_twice_is_kept_once_and_said_so(server, owner, tmp_path):
    clip = pattern_video(tmp_path / "clip.mp4")
    uploader(server, owner.token, clip).upload()
    second = uploader(server, owner.token, clip)
    with pytest.raises(TusCommunicationError) as refused:
        second.upload()
    assert "footage.refused.duplicate" in str(refused.value.response_content)


def test_someone_elses_or_a_forged_link_gets_nothing(server, owner, tmp_path, factory):
    clip = pattern_video(tmp_path / "clip.mp4")
    started = uploader(server, owner.token, clip, chunk_size=1024)
    started.upload_chunk()
    with factory() as session, session.begin():
        other = approved_owner(session, get_settings(), utcnow())
    for token in (other.token, owner.token[:-2] + "xx", ""):
        with pytest.raises(TusCommunicationError) as refused:
            uploader(server, token, clip, url=started.url).upload()
        assert refused.value.status_code in (403, 404)


def test_bad_files_are_refused_with_a_reason_and_nothing_kept(server, owner, tmp_path, factory):
    program = tmp_path / "video.mp4"
    program.write_bytes(Path("/bin/ls").read_bytes()[:200_000])
    with pytest.raises(TusCommunicationError) as refused:
        uploader(server, owner.token, program).upload()
    assert "footage.refused.executable" in str(refused.value.response_content)
    clip = pattern_video(tmp_path / "cut.mp4").read_bytes()
    (tmp_path / "cut.mp4").write_bytes(clip[: len(clip) // 2])
    with pytest.raises(TusCommunicationError) as refused:
        uploader(server, owner.token, tmp_path / "cut.mp4").upload()
    assert "footage.refused.truncated" in str(refused.value.response_content)
    with factory() as session:
        rows = session.scalars(select(FootageFile).order_by(FootageFile.id)).all()
        assert [(r.status, r.storage_key) for r in rows] == [("refused", None)] * 2
    assert os.listdir(get_settings().footage_parts_dir) in ([], [".locks"])


def test_limits_are_refused_at_creation(server, owner, tmp_path):
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    answer = requests.post(
        server + TUS,
        headers={
            "Footage-Link": owner.token,
            "Tus-Resumable": "1.0.0",
            "Upload-Length": "0",
            "Upload-Metadata": "filename ZS5tcDQ=,filetype dmlkZW8vbXA0",
        },
        timeout=10,
    )
    assert answer.status_code == 422
    assert answer.json()["detail"]["key"] == "footage.refused.empty"
    too_big = requests.post(
        server + TUS,
        headers={
            "Footage-Link": owner.token,
            "Tus-Resumable": "1.0.0",
            "Upload-Length": str(5 * 1024**3),
            "Upload-Metadata": "filename ZS5tcDQ=,filetype dmlkZW8vbXA0",
        },
        timeout=10,
    )
    assert too_big.status_code == 413
    assert too_big.json()["detail"]["key"] == "footage.too_large"
    for n in range(3):
        pattern_video(tmp_path / f"{n}.mp4", seconds=1 + n)
        uploader(server, owner.token, tmp_path / f"{n}.mp4").upload()
    pattern_video(tmp_path / "4.mp4", seconds=5)
    with pytest.raises(TusCommunicationError) as refused:
        uploader(server, owner.token, tmp_path / "4.mp4").upload()
    assert refused.value.status_code == 429
