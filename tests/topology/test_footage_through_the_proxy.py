"""A tus footage upload through Caddy, and one resumed on the other web node.

Uploads in progress are parts files in CAMSHARE_FOOTAGE_PARTS_DIR, a folder every web node
shares (here one folder; on several machines a shared mount), so whichever node a PATCH
reaches knows the upload; the finished file goes to the S3 bucket (SeaweedFS here).
"""

from __future__ import annotations

import hashlib
import os

import requests
from tusclient import client as tus

from camshare.models import utcnow
from deploy.topology import BUCKET
from tests.support.footage_builders import approved_owner
from tests.support.media import pattern_video
from tests.topology.conftest import Live

TUS = "/api/footage/uploads"
CHUNK = 1024 * 1024


def clip_of(path, padding_mib: int):
    clip = pattern_video(path, seconds=2, size=(320, 240))
    with clip.open("ab") as padded:  # an MP4's trailing free box: bigger, still whole
        padding = padding_mib * CHUNK
        padded.write(padding.to_bytes(4, "big") + b"free" + os.urandom(padding - 8))
    return clip


def uploader(base: str, token: str, path, **kw):
    client = tus.TusClient(base + TUS, headers={"Footage-Link": token})
    metadata = {"filename": os.path.basename(path), "filetype": "video/mp4"}
    return client.uploader(str(path), metadata=metadata, chunk_size=CHUNK, **kw)


def receipt(base: str, token: str, url: str) -> dict:
    upload_id = url.rsplit("/", 1)[1]
    answer = requests.get(
        f"{base}{TUS}/{upload_id}/receipt", headers={"Footage-Link": token}, timeout=30
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def owner_link(live: Live) -> str:
    with live.factory() as session, session.begin():
        return approved_owner(session, live.settings, utcnow()).token


def test_an_upload_in_chunks_through_the_proxy_arrives_whole(live: Live, tmp_path):
    token = owner_link(live)
    clip = clip_of(tmp_path / "porch.mp4", padding_mib=3)
    upload = uploader(live.url, token, clip)
    upload.upload()  # several PATCHes, each to whichever node Caddy picks
    assert upload.url.startswith(live.url)
    got = receipt(live.url, token, upload.url)
    assert got["status"] == "received"
    assert got["sha256"] == hashlib.sha256(clip.read_bytes()).hexdigest()


def test_an_upload_started_on_one_node_resumes_on_the_other(live: Live, tmp_path):
    token = owner_link(live)
    clip = clip_of(tmp_path / "driveway.mp4", padding_mib=2)
    first_node, other_node = live.topology.node_url(0), live.topology.node_url(1)
    first = uploader(first_node, token, clip)
    first.upload_chunk()
    assert first.offset == CHUNK
    upload_path = first.url.split(TUS, 1)[1]
    again = uploader(other_node, token, clip, url=other_node + TUS + upload_path)
    assert again.offset == CHUNK  # the other node knows where it stopped
    again.upload()
    got = receipt(live.url, token, again.url)
    assert got["status"] == "received"
    assert got["sha256"] == hashlib.sha256(clip.read_bytes()).hexdigest()
    assert live.topology.s3.client().list_objects_v2(Bucket=BUCKET)["KeyCount"] >= 2
