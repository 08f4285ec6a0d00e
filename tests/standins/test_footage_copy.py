"""deploy/footage_copy.py (what backup.sh and restore.sh run for the footage) against a
real S3 server (SeaweedFS) and a local footage folder: out to a folder and back, the same
bytes; a backup whose bytes changed is refused before anything is put back."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import pytest

from camshare.settings import load_settings
from deploy import footage_copy

OBJECTS = {
    "2026/12/aa/original.mp4": b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 4000,
    "2026/12/aa/preview.jpg": b"\xff\xd8\xff\xe0" + b"jpeg" * 999,
    "2026/12/bb/clip.dav": b"DHAV" + b"\x01" * 3_000_000,  # more than one read block
    "drill/empty-name-parts/x": b"x",
}


def sums(objects: dict[str, bytes]) -> dict[str, str]:
    return {key: hashlib.sha256(body).hexdigest() for key, body in objects.items()}


@pytest.fixture
def s3_settings(seaweed):
    bucket = f"copy-{uuid.uuid4().hex[:12]}"
    settings = load_settings(
        {
            "CAMSHARE_FOOTAGE_STORAGE": "s3",
            "CAMSHARE_FOOTAGE_S3_BUCKET": bucket,
            "CAMSHARE_FOOTAGE_S3_ENDPOINT": seaweed.endpoint_url,
            "CAMSHARE_FOOTAGE_S3_REGION": seaweed.region,
            "CAMSHARE_FOOTAGE_S3_ACCESS_KEY": seaweed.access_key,
            "CAMSHARE_FOOTAGE_S3_SECRET_KEY": seaweed.secret_key,
        }
    )
    client = seaweed.client()
    client.create_bucket(Bucket=bucket)
    yield settings, client, bucket
    for key in in_bucket(client, bucket):
        client.delete_object(Bucket=bucket, Key=key)
    client.delete_bucket(Bucket=bucket)


def in_bucket(client, bucket: str) -> dict[str, str]:
    found = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            body = client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
            found[item["Key"]] = hashlib.sha256(body).hexdigest()
    return found


def test_the_bucket_copied_to_a_folder_and_back_holds_the_same_bytes(s3_settings, tmp_path):
    settings, client, bucket = s3_settings
    for key, body in OBJECTS.items():
        client.put_object(Bucket=bucket, Key=key, Body=body)
    backup = tmp_path / "backup"

    assert footage_copy.dump(settings, backup) == len(OBJECTS)
    lines = (backup / "SHA256SUMS").read_text().splitlines()
    written = dict(line.split("  ")[::-1] for line in lines)
    assert written == sums(OBJECTS)
    for key in OBJECTS:
        client.delete_object(Bucket=bucket, Key=key)
    assert not in_bucket(client, bucket)

    assert footage_copy.load(settings, backup) == len(OBJECTS)
    assert in_bucket(client, bucket) == sums(OBJECTS)


def test_a_backup_whose_bytes_changed_is_refused_and_nothing_is_put_back(s3_settings, tmp_path):
    settings, client, bucket = s3_settings
    for key, body in OBJECTS.items():
        client.put_object(Bucket=bucket, Key=key, Body=body)
    backup = tmp_path / "backup"
    footage_copy.dump(settings, backup)
    for key in OBJECTS:
        client.delete_object(Bucket=bucket, Key=key)
    (backup / "objects" / "2026/12/bb/clip.dav").write_bytes(b"DHAV" + b"\x02" * 3_000_000)

    with pytest.raises(SystemExit, match=r"clip\.dav"):
        footage_copy.load(settings, backup)
    assert not in_bucket(client, bucket)


def test_a_local_footage_folder_copied_out_and_back_holds_the_same_bytes(tmp_path):
    store = tmp_path / "footage"
    for key, body in OBJECTS.items():
        (store / key).parent.mkdir(parents=True, exist_ok=True)
        (store / key).write_bytes(body)
    settings = load_settings(
        {"CAMSHARE_FOOTAGE_STORAGE": "local", "CAMSHARE_FOOTAGE_DIR": str(store)}
    )
    backup = tmp_path / "backup"
    assert footage_copy.dump(settings, backup) == len(OBJECTS)
    for key in OBJECTS:
        (store / key).unlink()

    assert footage_copy.load(settings, backup) == len(OBJECTS)
    restored = {
        path.relative_to(store).as_posix(): path.read_bytes()
        for path in Path(store).rglob("*")
        if path.is_file()
    }
    assert sums(restored) == sums(OBJECTS)
