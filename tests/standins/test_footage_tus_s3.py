"""An owner's upload through tus with the S3 footage store (a real SeaweedFS): the parts
arrive on the web node's disk, then the complete original (and its thumbnail) is one
object in the bucket, bit for bit, and no part is left behind."""

from __future__ import annotations

import hashlib
import os

import pytest
from sqlalchemy import select

from camshare import runtime
from camshare.models import FootageFile, utcnow
from camshare.services.footage.storage import S3Storage
from camshare.settings import get_settings
from tests.integration.test_footage_tus import receipt, serving_api, uploader
from tests.support.footage_builders import approved_owner
from tests.support.media import pattern_video

CHUNK = 1024 * 1024


@pytest.fixture
def s3_server(monkeypatch, database_url, factory, tmp_path, seaweed, bucket):
    """The API storing footage in the session's SeaweedFS bucket; parts in ``tmp_path``."""
    monkeypatch.setenv("CAMSHARE_DATABASE_URL", database_url)
    monkeypatch.setenv("CAMSHARE_SECRET_KEY", "test-secret")
    monkeypatch.setenv("CAMSHARE_FOOTAGE_STORAGE", "s3")
    monkeypatch.setenv("CAMSHARE_FOOTAGE_S3_BUCKET", bucket.bucket)
    monkeypatch.setenv("CAMSHARE_FOOTAGE_S3_ENDPOINT", seaweed.endpoint_url)
    monkeypatch.setenv("CAMSHARE_FOOTAGE_S3_REGION", seaweed.region)
    monkeypatch.setenv("CAMSHARE_FOOTAGE_S3_ACCESS_KEY", seaweed.access_key)
    monkeypatch.setenv("CAMSHARE_FOOTAGE_S3_SECRET_KEY", seaweed.secret_key)
    monkeypatch.setenv("CAMSHARE_FOOTAGE_PARTS_DIR", str(tmp_path / "parts"))
    with serving_api() as base:
        yield base


def test_an_upload_to_s3_goes_through_parts_then_one_object(s3_server, factory, tmp_path, bucket):
    with factory() as session, session.begin():
        owner = approved_owner(session, get_settings(), utcnow())
    clip = pattern_video(tmp_path / "garage.mp4", seconds=3)
    with clip.open("ab") as padded:  # a trailing free box: several chunks, still whole
        padding = 3 * CHUNK
        padded.write(padding.to_bytes(4, "big") + b"free" + os.urandom(padding - 8))
    expected = hashlib.sha256(clip.read_bytes()).hexdigest()
    parts = tmp_path / "parts"

    upload = uploader(s3_server, owner.token, clip, chunk_size=CHUNK)
    upload.upload_chunk()
    upload.upload_chunk()
    # Part-way: the bytes so far are a part on this node's disk, nothing is in the bucket.
    upload_id = upload.url.rsplit("/", 1)[1]
    assert (parts / upload_id).stat().st_size == 2 * CHUNK
    assert (
        runtime.footage_storage()
        .client.list_objects_v2(
            Bucket=bucket.bucket, Prefix=f"request/{owner.request_id}/{upload_id}/"
        )
        .get("KeyCount", 0)
        == 0
    )

    upload.upload()
    assert receipt(s3_server, owner.token, upload)["sha256"] == expected
    with factory() as session:
        row = session.scalar(select(FootageFile))
    store = runtime.footage_storage()
    assert isinstance(store, S3Storage)
    with store.open(row.storage_key) as original:
        assert hashlib.sha256(original.read()).hexdigest() == expected
    assert store.size(row.storage_key) == clip.stat().st_size
    assert row.storage_key.startswith(f"request/{owner.request_id}/{upload_id}/")
    assert store.exists(row.thumbnail_key)
    assert sorted(os.listdir(parts)) in ([], [".locks"])
