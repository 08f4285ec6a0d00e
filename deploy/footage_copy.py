"""Copy the footage store to a backup folder and back, with a SHA-256 of each object.

    python -m deploy.footage_copy dump FOLDER    # every object, and FOLDER/SHA256SUMS
    python -m deploy.footage_copy load FOLDER    # checks SHA256SUMS, then puts them back

Reads ``CAMSHARE_FOOTAGE_STORAGE`` and its settings like camshare does: the S3 bucket
(through boto3) or the local folder. Used by ``deploy/backup.sh`` and ``restore.sh``.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

from camshare.settings import Settings, settings_or_exit

SUMS = "SHA256SUMS"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as data:
        for block in iter(lambda: data.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _bucket(settings: Settings):
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=settings.footage_s3_endpoint or None,
        region_name=settings.footage_s3_region,
        aws_access_key_id=settings.footage_s3_access_key or None,
        aws_secret_access_key=settings.footage_s3_secret_key or None,
    )


def _keys(client, bucket: str) -> Iterator[str]:
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            yield item["Key"]


def dump(settings: Settings, folder: Path) -> int:
    """Copy every object into ``folder/objects`` and write their sums; how many."""
    objects = folder / "objects"
    objects.mkdir(parents=True, exist_ok=True)
    if settings.footage_storage == "s3":
        client = _bucket(settings)
        for key in _keys(client, settings.footage_s3_bucket):
            target = objects / key
            target.parent.mkdir(parents=True, exist_ok=True)
            client.download_file(settings.footage_s3_bucket, key, str(target))
    elif Path(settings.footage_dir).exists():
        shutil.copytree(settings.footage_dir, objects, dirs_exist_ok=True)
    files = sorted(p for p in objects.rglob("*") if p.is_file())
    lines = [f"{_sha256(p)}  {p.relative_to(objects).as_posix()}" for p in files]
    (folder / SUMS).write_text("".join(line + "\n" for line in lines))
    return len(files)


def load(settings: Settings, folder: Path) -> int:
    """Check the sums, then put every object back where it was; how many."""
    objects = folder / "objects"
    expected = {}
    for line in (folder / SUMS).read_text().splitlines():
        digest, key = line.split("  ", 1)
        expected[key] = digest
    for key, digest in expected.items():
        if _sha256(objects / key) != digest:
            raise SystemExit(f"{key}: its SHA-256 is not the one backed up; nothing restored")
    if settings.footage_storage == "s3":
        client = _bucket(settings)
        for key in expected:
            client.upload_file(str(objects / key), settings.footage_s3_bucket, key)
    else:
        for key in expected:
            target = Path(settings.footage_dir) / key
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(objects / key, target)
    return len(expected)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m deploy.footage_copy", description=__doc__)
    parser.add_argument("command", choices=("dump", "load"))
    parser.add_argument("folder", type=Path)
    args = parser.parse_args(argv)
    settings = settings_or_exit(serving=False)
    count = (dump if args.command == "dump" else load)(settings, args.folder)
    print(f"footage: {count} objects {'backed up' if args.command == 'dump' else 'restored'}")


if __name__ == "__main__":
    sys.exit(main())
