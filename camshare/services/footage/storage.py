"""Where footage bytes live: one protocol, a local folder and S3-compatible storage.

Objects are never public. Reads go through camshare: ``open`` streams an object (from a
byte offset, for seekable playback), ``presigned_url`` gives a short-lived link that only
the S3 backend can make (the local one answers None: the caller streams with ``open``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path
from typing import BinaryIO, Protocol


class FootageStorage(Protocol):
    """The bytes of originals and derived copies, by key (``request/<id>/<name>``)."""

    def put_file(self, key: str, path: str | Path, *, move: bool = False) -> None:
        """Store the file at ``path`` under ``key`` (``move``: the local file may be taken)."""

    def open(self, key: str, start: int = 0) -> BinaryIO:
        """A readable stream of the object from byte ``start``; a context manager."""

    def size(self, key: str) -> int:
        """The object's length in bytes."""

    def exists(self, key: str) -> bool:
        """Whether an object is stored under ``key``."""

    def delete(self, key: str) -> None:
        """Remove the object; nothing happens if it is not there."""

    def presigned_url(
        self, key: str, seconds: int, *, download_name: str | None = None
    ) -> str | None:
        """A link that reads the object for ``seconds``, or None when the store has none."""


def _checked_key(key: str) -> str:
    parts = key.split("/")
    if not key or key.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"bad storage key: {key!r}")
    return key


class LocalFolderStorage:
    """A folder on this machine (the embedded default)."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    def _path(self, key: str) -> Path:
        return self.folder / _checked_key(key)

    def put_file(self, key: str, path: str | Path, *, move: bool = False) -> None:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(target.name + ".part")
        if move:
            shutil.move(str(path), temporary)
        else:
            shutil.copyfile(path, temporary)
        os.replace(temporary, target)  # never a half-written object under its key
        # Readable by this service only: objects are never public.
        target.chmod(0o600)

    def open(self, key: str, start: int = 0) -> BinaryIO:
        handle = self._path(key).open("rb")
        if start:
            handle.seek(start)
        return handle

    def size(self, key: str) -> int:
        return self._path(key).stat().st_size

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._path(key).unlink()

    def presigned_url(
        self, key: str, seconds: int, *, download_name: str | None = None
    ) -> str | None:
        return None


class S3Storage:
    """An S3-compatible bucket through boto3 (the city's S3, MinIO, SeaweedFS)."""

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        region: str = "us-east-1",
        access_key: str | None = None,
        secret_key: str | None = None,
    ) -> None:
        import boto3
        from botocore.config import Config

        self.bucket = bucket
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint_url or None,
            region_name=region,
            aws_access_key_id=access_key or None,
            aws_secret_access_key=secret_key or None,
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
        )

    def put_file(self, key: str, path: str | Path, *, move: bool = False) -> None:
        # upload_file sends large files in parts, streamed from disk.
        self.client.upload_file(str(path), self.bucket, _checked_key(key))
        if move:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)

    def open(self, key: str, start: int = 0) -> BinaryIO:
        extra = {"Range": f"bytes={start}-"} if start else {}
        answer = self.client.get_object(Bucket=self.bucket, Key=_checked_key(key), **extra)
        return answer["Body"]

    def size(self, key: str) -> int:
        head = self.client.head_object(Bucket=self.bucket, Key=_checked_key(key))
        return int(head["ContentLength"])

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=_checked_key(key))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=_checked_key(key))

    def presigned_url(
        self, key: str, seconds: int, *, download_name: str | None = None
    ) -> str | None:
        params = {"Bucket": self.bucket, "Key": _checked_key(key)}
        if download_name:
            params["ResponseContentDisposition"] = f'attachment; filename="{download_name}"'
        return self.client.generate_presigned_url("get_object", Params=params, ExpiresIn=seconds)


def make_footage_storage(settings) -> FootageStorage:
    """The store ``CAMSHARE_FOOTAGE_STORAGE`` names: ``local`` (default) or ``s3``."""
    if settings.footage_storage == "s3":
        return S3Storage(
            settings.footage_s3_bucket,
            endpoint_url=settings.footage_s3_endpoint,
            region=settings.footage_s3_region,
            access_key=settings.footage_s3_access_key,
            secret_key=settings.footage_s3_secret_key,
        )
    if settings.footage_storage == "local":
        return LocalFolderStorage(settings.footage_dir)
    raise ValueError(
        f"CAMSHARE_FOOTAGE_STORAGE must be local or s3, not {settings.footage_storage!r}"
    )
