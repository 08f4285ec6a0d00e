"""A password-protected RTSP camera on loopback: a real RTSP server fed by ffmpeg's test pattern.

The server is npm's ``rtsp-streaming-server`` (installed into ``.tooling`` by
``scripts/setup.sh --dev``, run by ``tests/support/rtsp_camera.js``); ffmpeg publishes
``testsrc`` encoded as H.264 to it, the way a recorder serves its cameras. A viewer with the
wrong password gets 401. Both run under ``timeout`` in their own process group, killed when
the context ends. Viewers get RTP over UDP or, as the bridge asks by default, interleaved
in their RTSP connection over TCP (the package has UDP only; ``rtsp_camera.js`` adds TCP).
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from deploy.processes import free_port, stop_group

PROJECT = Path(__file__).resolve().parents[2]
NODE_MODULES = PROJECT / ".tooling" / "node_modules"
SCRIPT = Path(__file__).with_suffix(".js")
USER = "viewer"
PASSWORD = "correct-horse"
# This checkout's own UDP range for the server's RTP ports (tests may run side by side).
RTP_RANGE = (25000, 25960)
# The frame carries the wall clock for the glass-to-glass benchmark: 24 boxes in a black
# bar, box i white when bit i of the time in hundredths of a second (mod 2**24) is set,
# so a decoded frame says when it was made without any OCR (``read_stamp``).
STAMP_BITS, STAMP_X, STAMP_STEP, STAMP_Y = 24, 8, 26, 300
CLOCK = ",".join(
    ["drawbox=x=0:y=290:w=640:h=40:color=black:t=fill"]
    + [
        f"drawbox=x={STAMP_X + i * STAMP_STEP}:y={STAMP_Y}:w=20:h=20:color=white:t=fill:"
        f"enable='mod(floor(floor(time(0)*100)/pow(2\\,{i}))\\,2)'"
        for i in range(STAMP_BITS)
    ]
)


def read_stamp(gray) -> int:
    """The time (hundredths of a second, mod 2**24) a stamped frame was made: ``gray`` is the
    frame as a 2-D array of luma."""
    row = STAMP_Y + 10
    bits = [int(gray[row, STAMP_X + 10 + i * STAMP_STEP] > 128) for i in range(STAMP_BITS)]
    return sum(bit << i for i, bit in enumerate(bits))


@dataclass(frozen=True)
class RtspCamera:
    """A running stand-in camera: where it streams and with which credentials."""

    host: str
    port: int
    path: str
    user: str = USER
    password: str = PASSWORD

    def url(self, user: str | None = None, password: str | None = None) -> str:
        """The camera's RTSP address, as an owner types it into the bridge."""
        user = self.user if user is None else user
        password = self.password if password is None else password
        return f"rtsp://{user}:{password}@{self.host}:{self.port}{self.path}"


def available() -> str | None:
    """Why the stand-in cannot run here, or None when node, the package and ffmpeg exist."""
    if shutil.which("ffmpeg") is None:
        return "ffmpeg is not installed (scripts/setup.sh --dev installs Debian's ffmpeg)"
    if shutil.which("node") is None:
        return "node is not installed"
    if not (NODE_MODULES / "rtsp-streaming-server" / "package.json").exists():
        return "rtsp-streaming-server is not installed (scripts/setup.sh --dev)"
    return None


def _publisher(url: str, log: Path, clock: bool, size: str) -> subprocess.Popen:
    video = f"testsrc=size={size}:rate=15"
    command = ["timeout", "1800", "ffmpeg", "-hide_banner", "-loglevel", "warning", "-re"]
    command += ["-f", "lavfi", "-i", video]
    if clock:
        command += ["-vf", CLOCK]
    command += ["-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency"]
    command += ["-g", "15", "-pix_fmt", "yuv420p", "-f", "rtsp", url]
    with log.open("ab") as out:
        return subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def _wait_for_stream(camera: RtspCamera, processes, logs, limit: float) -> None:
    import av

    deadline = time.monotonic() + limit
    options = {"rtsp_transport": "udp", "timeout": "3000000"}
    while time.monotonic() < deadline:
        for process, log in zip(processes, logs, strict=True):
            if process.poll() is not None:
                raise RuntimeError(f"the RTSP camera stopped:\n{log.read_text()[-3000:]}")
        try:
            with av.open(camera.url(), options=options, timeout=5) as container:
                if container.streams.video:
                    return
        except av.error.FFmpegError:
            time.sleep(0.3)  # the publisher announces the stream a moment later; no event
    raise RuntimeError(f"the RTSP camera did not stream in {limit} s:\n{logs[-1].read_text()}")


@contextmanager
def rtsp_camera(
    folder: Path,
    *,
    clock: bool = False,
    size: str = "640x360",
    limit: float = 30.0,
    port: int | None = None,
) -> Iterator[RtspCamera]:
    """Run the stand-in camera until the context ends; ``clock`` draws the time on each frame.

    ``port`` (a stopped camera's) brings a camera back at the same address, as a recorder
    that was switched off and on again.
    """
    missing = available()
    if missing:
        raise FileNotFoundError(missing)
    folder.mkdir(parents=True, exist_ok=True)
    publish_port, client_port = free_port(), port or free_port()
    rtp_start = random.randrange(RTP_RANGE[0], RTP_RANGE[1], 40)
    server_log, publisher_log = folder / "rtsp-server.log", folder / "rtsp-publisher.log"
    env = {**os.environ, "NODE_PATH": str(NODE_MODULES)}
    ports = [str(publish_port), str(client_port), str(rtp_start)]
    with server_log.open("wb") as out:
        server = subprocess.Popen(
            ["timeout", "1800", "node", str(SCRIPT), *ports, USER, PASSWORD],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    processes = [server]
    camera = RtspCamera("127.0.0.1", client_port, "/cam1")
    try:
        deadline = time.monotonic() + limit
        while "ready" not in server_log.read_text():
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the RTSP server did not start:\n{server_log.read_text()}")
            time.sleep(0.1)  # node prints "ready"; no event to wait on across processes
        publish_url = f"rtsp://127.0.0.1:{publish_port}{camera.path}"
        processes.append(_publisher(publish_url, publisher_log, clock, size))
        _wait_for_stream(camera, processes, [server_log, publisher_log], limit)
        yield camera
    finally:
        for process in reversed(processes):
            stop_group(process)
