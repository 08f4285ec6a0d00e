"""Both live-segment stores keep a short window per share, refuse replayed names, drop a share.

Redis is a redis-server of this test's own on a free loopback port (or, without the
program, the machine's shared Redis under a key prefix of this run).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator

import pytest

from camshare.services.live.segments import (
    WINDOW_SECONDS,
    LocalFolderSegments,
    RedisSegments,
    SegmentReplayed,
    make_segment_store,
)
from camshare.settings import load_settings
from tests.support.live_bridge_builders import TS_SEGMENT
from tests.support.live_server import free_port

SHARED_REDIS = "redis://127.0.0.1:6379/0"


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory) -> Iterator[str]:
    """A Redis for this module: its own server when the program exists."""
    import redis

    binary = shutil.which("redis-server")
    if binary is None:
        try:
            redis.Redis.from_url(SHARED_REDIS).ping()
        except redis.RedisError:
            pytest.skip("no redis-server program and no Redis on 127.0.0.1:6379")
        yield SHARED_REDIS
        return
    port = free_port()
    folder = tmp_path_factory.mktemp("redis")
    command = ["timeout", "600", binary, "--port", str(port), "--bind", "127.0.0.1"]
    command += ["--save", "", "--appendonly", "no", "--dir", str(folder)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, start_new_session=True)
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 20
    while True:
        try:
            redis.Redis.from_url(url).ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline or process.poll() is not None:
                raise
            time.sleep(0.05)  # another process starting: nothing to wait on
    yield url
    os.killpg(process.pid, 15)
    process.wait(timeout=10)


@pytest.fixture(params=["local", "redis"])
def store(request, tmp_path):
    if request.param == "local":
        return LocalFolderSegments(tmp_path / "live")
    import redis

    client = redis.Redis.from_url(request.getfixturevalue("redis_url"))
    return RedisSegments(client, prefix=f"camshare-test:{uuid.uuid4().hex}:")


def test_a_segment_is_kept_for_the_window_and_served_by_name(store):
    store.put(7, "seg100.ts", TS_SEGMENT)
    store.put_playlist(7, "#EXTM3U\nseg100.ts\n")
    assert store.get(7, "seg100.ts") == TS_SEGMENT
    assert store.playlist(7) == "#EXTM3U\nseg100.ts\n"
    assert store.get(7, "seg101.ts") is None
    assert store.get(8, "seg100.ts") is None  # another share's window is its own


def test_a_name_stored_once_is_refused_again_even_after_it_expired(store):
    store.put(7, "seg100.ts", TS_SEGMENT)
    with pytest.raises(SegmentReplayed):
        store.put(7, "seg100.ts", b"\x47" * 188)
    assert store.get(7, "seg100.ts") == TS_SEGMENT
    store.put(8, "seg100.ts", TS_SEGMENT)  # the same name in another share is fine


def test_dropping_a_share_forgets_its_stream_at_once(store):
    store.put(7, "seg100.ts", TS_SEGMENT)
    store.put_playlist(7, "#EXTM3U\n")
    store.put(70, "seg100.ts", TS_SEGMENT)
    store.drop(7)
    assert store.get(7, "seg100.ts") is None
    assert store.playlist(7) is None
    assert store.get(70, "seg100.ts") == TS_SEGMENT


def test_segments_expire_after_the_window(store, tmp_path):
    store.put(7, "seg100.ts", TS_SEGMENT)
    if isinstance(store, RedisSegments):
        ttl = store.redis.ttl(store._key(7, "seg100.ts"))
        assert 0 < ttl <= WINDOW_SECONDS
        return
    path = tmp_path / "live" / "7" / "seg100.ts"
    stale = time.time() - WINDOW_SECONDS - 1
    os.utime(path, (stale, stale))
    assert store.get(7, "seg100.ts") is None
    store.put(7, "seg101.ts", TS_SEGMENT)  # a new push sweeps the expired files away
    assert not path.exists()


def test_settings_choose_the_store(redis_url, tmp_path):
    local = load_settings({"CAMSHARE_LIVE_SEGMENTS_DIR": str(tmp_path)})
    assert isinstance(make_segment_store(local), LocalFolderSegments)
    shared = load_settings({"CAMSHARE_LIVE_SEGMENTS": "redis", "REFLEX_REDIS_URL": redis_url})
    assert isinstance(make_segment_store(shared), RedisSegments)
