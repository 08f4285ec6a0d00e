"""Where live segments wait for viewers: a short rolling window per share, then gone.

One protocol, two backends chosen by ``CAMSHARE_LIVE_SEGMENTS``: a local folder (the
one-process default) and Redis (every web worker serves every share). Segments and the
playlist expire ``WINDOW_SECONDS`` after they were pushed: live view is not recorded by
camshare. The names a share was pushed are remembered until the share is dropped, so a
name stored once is refused ever after (a replayed push), also once its bytes expired.
A media server (MediaMTX, go2rtc) could take this role behind the same protocol; the
README says how.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from pathlib import Path
from typing import Protocol

from camshare.settings import Settings

# How long a pushed segment or playlist is served (about 10 one-second segments: what
# hls.js asks for while it catches up, and no more).
WINDOW_SECONDS = 30
# How long the names a share was pushed are remembered (a share lasts at most
# CAMSHARE_LIVE_MAX_HOURS; this outlives the longest one allowed).
NAMES_SECONDS = 2 * 24 * 3600


class SegmentReplayed(Exception):
    """This share already had a file of this name: a replayed push."""


class SegmentStore(Protocol):
    """The rolling window of each share's stream, by share id and file name."""

    def put(self, share_id: int, name: str, data: bytes) -> None:
        """Keep a segment for the window; ``SegmentReplayed`` if the name came before."""

    def put_playlist(self, share_id: int, text: str) -> None:
        """Keep the share's newest playlist (it replaces the previous one)."""

    def get(self, share_id: int, name: str) -> bytes | None:
        """A segment still in the window, or None."""

    def playlist(self, share_id: int) -> str | None:
        """The newest playlist still in the window, or None."""

    def drop(self, share_id: int) -> None:
        """Forget the share's stream at once (it ended)."""


class LocalFolderSegments:
    """A folder on this machine: ``<folder>/<share>/<name>``, names kept in ``.names/``."""

    def __init__(self, folder: str | Path, window_seconds: float = WINDOW_SECONDS) -> None:
        self.folder = Path(folder)
        self.window = window_seconds

    def _share(self, share_id: int) -> Path:
        return self.folder / str(int(share_id))

    def _write(self, path: Path, data: bytes) -> None:
        temporary = path.with_name(f".{path.name}.{os.getpid()}.part")
        temporary.write_bytes(data)
        os.replace(temporary, path)  # readers see the whole file or none

    def _fresh(self, path: Path) -> bytes | None:
        try:
            if time.time() - path.stat().st_mtime > self.window:
                return None
            return path.read_bytes()
        except FileNotFoundError:
            return None

    def _expire(self, folder: Path) -> None:
        limit = time.time() - self.window
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_file() and entry.stat().st_mtime < limit:
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(entry.path)

    def put(self, share_id: int, name: str, data: bytes) -> None:
        folder = self._share(share_id)
        names = folder / ".names"
        names.mkdir(parents=True, exist_ok=True)
        try:
            # O_EXCL: of two pushes of one name, in any process, exactly one gets here.
            os.close(os.open(names / name, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        except FileExistsError:
            raise SegmentReplayed(name) from None
        self._write(folder / name, data)
        self._expire(folder)

    def put_playlist(self, share_id: int, text: str) -> None:
        folder = self._share(share_id)
        folder.mkdir(parents=True, exist_ok=True)
        self._write(folder / "index.m3u8", text.encode("utf-8"))

    def get(self, share_id: int, name: str) -> bytes | None:
        if name.startswith(".") or "/" in name:
            return None
        return self._fresh(self._share(share_id) / name)

    def playlist(self, share_id: int) -> str | None:
        data = self._fresh(self._share(share_id) / "index.m3u8")
        return None if data is None else data.decode("utf-8")

    def drop(self, share_id: int) -> None:
        shutil.rmtree(self._share(share_id), ignore_errors=True)


class RedisSegments:
    """Redis, shared by every web worker: each file a key with an expiry (``SET EX``)."""

    def __init__(
        self, client, prefix: str = "camshare:live:", window_seconds: int = WINDOW_SECONDS
    ):
        self.redis = client
        self.prefix = prefix
        self.window = int(window_seconds)

    def _key(self, share_id: int, name: str) -> str:
        return f"{self.prefix}{int(share_id)}:{name}"

    def put(self, share_id: int, name: str, data: bytes) -> None:
        names = self._key(share_id, ".names")
        # SADD answers 0 for a member already there: the replay check, atomic in Redis.
        added, _ = self.redis.pipeline().sadd(names, name).expire(names, NAMES_SECONDS).execute()
        if not added:
            raise SegmentReplayed(name)
        self.redis.set(self._key(share_id, name), data, ex=self.window)

    def put_playlist(self, share_id: int, text: str) -> None:
        self.redis.set(self._key(share_id, "index.m3u8"), text.encode("utf-8"), ex=self.window)

    def get(self, share_id: int, name: str) -> bytes | None:
        if name.startswith("."):
            return None
        return self.redis.get(self._key(share_id, name))

    def playlist(self, share_id: int) -> str | None:
        data = self.redis.get(self._key(share_id, "index.m3u8"))
        return None if data is None else data.decode("utf-8")

    def drop(self, share_id: int) -> None:
        keys = list(self.redis.scan_iter(match=self._key(share_id, "*"), count=500))
        if keys:
            self.redis.delete(*keys)


def make_segment_store(settings: Settings) -> SegmentStore:
    """The store ``CAMSHARE_LIVE_SEGMENTS`` names: by default Redis when the installation
    has one (``REFLEX_REDIS_URL``: several web workers), a local folder otherwise."""
    if settings.live_segments == "redis" or (
        settings.live_segments == "auto" and settings.redis_url
    ):
        import redis

        return RedisSegments(redis.Redis.from_url(settings.redis_url))
    return LocalFolderSegments(settings.live_segments_dir)
