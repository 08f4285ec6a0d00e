"""Uploads being received: tus parts on local disk, hashed (SHA-256) as the bytes arrive.

A ``tuspyserver`` storage backend. Each PATCH's bytes are written straight to the part
file in pieces of at most ``BUFFER`` (never the whole body in memory) and fed to the
upload's hasher. The hasher lives in this process's memory only: after a restart (or
when bytes reached the file another way) the part is hashed again from disk before new
bytes are added, so the digest is always that of exactly the bytes on disk.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os

from tuspyserver.storage.local import LocalFileStorage

BUFFER = 1024 * 1024
READ_PIECE = 4 * 1024 * 1024


class HashingPartStorage(LocalFileStorage):
    """``<folder>/<upload id>`` data and ``.info`` sidecar, with a running SHA-256 each."""

    def __init__(self, files_dir: str) -> None:
        super().__init__(files_dir)
        self._hashers: dict[str, tuple[hashlib._Hash, int]] = {}

    def part_path(self, uid: str) -> str:
        """Where the part's bytes are on disk."""
        return self._path(uid)

    async def append(self, uid: str, chunk: bytes) -> None:
        pending = self._pending[uid]
        pending.extend(chunk)
        if len(pending) >= BUFFER:
            await self._write(uid, durable=False)

    async def flush(self, uid: str) -> None:
        await self._write(uid, durable=True)

    async def delete(self, uid: str) -> None:
        self._hashers.pop(uid, None)
        await super().delete(uid)

    @contextlib.asynccontextmanager
    async def lock(self, uid: str):
        async with super().lock(uid):
            # Bytes left from a PATCH that ended in an error were never counted in the
            # offset: they must not reach the file with the next one.
            self._pending.pop(uid, None)
            try:
                yield
            finally:
                self._pending.pop(uid, None)

    async def _write(self, uid: str, *, durable: bool) -> None:
        data = bytes(self._pending.pop(uid, b""))
        await asyncio.to_thread(self._write_and_hash, uid, data, durable)

    def _write_and_hash(self, uid: str, data: bytes, durable: bool) -> None:
        path = self._path(uid)
        hasher = self._hasher_matching_disk(uid, path)
        if data:
            with open(path, "ab") as part:
                part.write(data)
                if durable:
                    part.flush()
                    os.fsync(part.fileno())
            hasher.update(data)
        self._hashers[uid] = (hasher, os.path.getsize(path))

    def _hasher_matching_disk(self, uid: str, path: str) -> hashlib._Hash:
        size = os.path.getsize(path) if os.path.exists(path) else 0
        known = self._hashers.get(uid)
        if known is not None and known[1] == size:
            return known[0]
        hasher = hashlib.sha256()
        with contextlib.suppress(FileNotFoundError), open(path, "rb") as part:
            while piece := part.read(READ_PIECE):
                hasher.update(piece)
        return hasher

    def sha256(self, uid: str) -> str:
        """The SHA-256 of the part's bytes on disk now (blocking: call it off the loop)."""
        path = self._path(uid)
        hasher = self._hasher_matching_disk(uid, path)
        self._hashers[uid] = (hasher, os.path.getsize(path))
        return hasher.copy().hexdigest()

    def forget(self, uid: str) -> None:
        """Drop the part's hasher (the part itself was moved or deleted)."""
        self._hashers.pop(uid, None)


def delete_part_files(folder: str, uid: str) -> None:
    """Remove an upload's part and sidecar from ``folder`` (blocking; for the worker)."""
    if not uid.isalnum():
        return
    for path in (os.path.join(folder, uid), os.path.join(folder, f"{uid}.info")):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
