"""The real bridge (``python -m camshare_bridge``) against a real RTSP camera and the real API.

The camera is the RTSP stand-in (a password-protected RTSP server fed by ffmpeg's test
pattern); the API runs under uvicorn on loopback. The bridge pairs with a code, checks
its cameras (one read over TCP, the other over UDP with a wrong password), outlives a
restart of camshare, and pushes segments only while a share runs; when the share ends it
stops within 5 seconds.
"""

from __future__ import annotations

import stat
import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
import uvicorn
from sqlalchemy import select, text

from camshare import db, runtime
from camshare.api import create_api
from camshare.models import LiveCamera, LiveShare, utcnow
from camshare.services.live import devices
from camshare.settings import get_settings
from tests.support import rtsp_camera as camera_standin
from tests.support.bridge_program import bridge, running_bridge
from tests.support.live_bridge_builders import asked_owner, share
from tests.support.live_server import free_port
from tests.support.waiting import wait_for

pytestmark = pytest.mark.skipif(
    camera_standin.available() is not None, reason=str(camera_standin.available())
)


class Api:
    """The API under uvicorn on one loopback port; ``restart`` stops it and starts it again."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        # A held share poll is cut at once, as a restart of a real server cuts it.
        config = uvicorn.Config(
            create_api(),
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started and time.monotonic() < deadline:
            time.sleep(0.05)  # uvicorn sets a flag, no event to wait on
        assert self._server.started

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=30)

    def restart(self) -> None:
        self.stop()
        self.start()


@pytest.fixture
def server(monkeypatch, database_url, factory, tmp_path) -> Iterator[Api]:
    """The API on a loopback port, its public address its own; stopped after the test."""
    api = Api(free_port())
    monkeypatch.setenv("CAMSHARE_DATABASE_URL", database_url)
    monkeypatch.setenv("CAMSHARE_SECRET_KEY", "test-secret")
    monkeypatch.setenv("CAMSHARE_PUBLIC_BASE_URL", api.url)
    monkeypatch.setenv("CAMSHARE_LIVE_SEGMENTS_DIR", str(tmp_path / "live"))
    caches = (get_settings, db.get_engine, runtime.segment_store)
    for cache in caches:
        cache.cache_clear()
    api.start()
    yield api
    api.stop()
    for cache in caches:
        cache.cache_clear()


def test_the_bridge_pairs_checks_and_streams_only_during_a_share(server, factory, tmp_path):
    settings = get_settings()
    with factory() as session, session.begin():
        site = asked_owner(session, settings)
        code = devices.issue_pairing_code(session, site.owner_id, utcnow()).code
    config = tmp_path / "bridge" / "config.json"
    with camera_standin.rtsp_camera(tmp_path / "camera") as camera:
        paired = bridge(config, "pair", code, "--server", server.url, "--name", "Shop")
        assert paired.returncode == 0, paired.stdout + paired.stderr
        assert stat.S_IMODE(config.stat().st_mode) == 0o600
        assert bridge(config, "pair", code, "--server", server.url).returncode == 1
        front, yard = site.camera_ids[0], site.camera_ids[1]
        # The front door over TCP (the bridge's default: RTP inside the RTSP connection),
        # the yard over UDP.
        for camera_id, name, url, transport in (
            (front, "Front door", camera.url(), "tcp"),
            (yard, "Yard", camera.url(password="wrong-password"), "udp"),
        ):
            added = bridge(config, "add-camera", "--camera-id", str(camera_id), "--name", name,
                           "--url", url, "--transport", transport)  # fmt: skip
            assert added.returncode == 0, added.stderr
        checked = bridge(config, "check")
        assert checked.returncode == 1  # one camera refused its password
        assert '"Front door": works (h264, 640x360)' in checked.stdout
        assert '"Yard": the camera refused the user name or password' in checked.stdout
        assert camera.password not in checked.stdout + checked.stderr
        with factory() as session:
            found = {
                row.camera_id: (row.name, row.codec, row.width, row.height, row.status)
                for row in session.scalars(select(LiveCamera))
            }
            assert found == {
                front: ("Front door", "h264", 640, 360, "ready"),
                yard: ("Yard", None, None, None, "auth_failed"),
            }
            for table in ("live_camera", "live_device", "audit_event"):
                for row in session.execute(text(f"SELECT * FROM {table}")):  # noqa: S608
                    assert camera.password not in repr(tuple(row))
                    assert "rtsp://" not in repr(tuple(row))
            live_id = session.scalar(select(LiveCamera.id).where(LiveCamera.camera_id == front))

        log = tmp_path / "bridge.log"
        with running_bridge(config, log) as running:
            wait_for(lambda: "Reported" in log.read_text() or "Waiting" in log.read_text(),
                     60, "the bridge runs")  # fmt: skip
            # camshare restarts while the bridge waits: it polls again and goes on.
            server.restart()
            store = runtime.segment_store()
            with factory() as session, session.begin():
                share_id, _secret = share(session, settings, site, live_id, utcnow())
            assert store.playlist(share_id) is None  # nothing before the share began
            wait_for(lambda: store.playlist(share_id), 40, "the share's playlist arrives")
            names = [
                line for line in store.playlist(share_id).splitlines() if not line.startswith("#")
            ]
            segment = store.get(share_id, names[-1])
            assert segment[0] == 0x47  # MPEG-TS, copied as the camera sent it

            with factory() as session, session.begin():
                session.get(LiveShare, share_id).ended_at = utcnow()
            ended = time.monotonic()
            wait_for(lambda: f"share {share_id}: stopped" in log.read_text(), 5,
                     "the bridge stops the relay within 5 s of the share's end")  # fmt: skip
            assert time.monotonic() - ended <= 5
            assert running.poll() is None  # the bridge itself goes on waiting for shares
        output = log.read_text()
        assert camera.password not in output
    with factory() as session:
        row = session.get(LiveShare, share_id)
        assert row.last_segment_at is not None
        assert row.last_segment_at < row.ended_at + timedelta(seconds=5)
