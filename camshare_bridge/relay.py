"""One share's stream: the ``ffmpeg`` program copies the camera's RTSP to HLS on camshare.

``-c copy``: H.264 goes through as the camera sends it, nothing is re-encoded (a Raspberry
Pi relays several cameras). No audio: live view is pictures only (recording people's
conversations is regulated apart). Each file is PUT to the share's push address with the
share's secret in a header. The relay restarts ffmpeg with a growing pause when the camera
or the network breaks, stops by itself at the share's end, and stops at once when camshare
answers 410 (the share ended) or 401 (not this share's secret).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from camshare_bridge import protocol
from camshare_bridge.config import LocalCamera
from camshare_bridge.protocol import ShareOrder

BACKOFF_SECONDS = (1, 2, 4, 8, 15, 30)
# ffmpeg gets this long to finish after SIGTERM, then it is killed (the share's end must
# stop the stream within 5 s).
STOP_GRACE_SECONDS = 2
_FINAL = re.compile(r"HTTP error (410|401)\b")
# ffmpeg repeats addresses in its errors: the camera's password is cut out before showing.
_CREDENTIALS = re.compile(r"(rtsps?://)[^/@\s]*@")


def redacted(line: str) -> str:
    """``line`` without the user name and password of any RTSP address in it."""
    return _CREDENTIALS.sub(r"\1…@", line)


def ffmpeg_command(camera: LocalCamera, order: ShareOrder, start_number: int) -> list[str]:
    """The ffmpeg command relaying ``camera`` to ``order``'s push address, untouched."""
    headers = "".join(f"{k}: {v}\r\n" for k, v in protocol.bearer(order.push_secret).items())
    base = order.push_url.rstrip("/")
    return [
        "ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error",
        "-rtsp_transport", camera.transport, "-timeout", "10000000",
        "-i", camera.rtsp_url,
        "-map", "0:v:0", "-an", "-c", "copy",
        "-f", "hls", "-hls_time", "1", "-hls_list_size", "6",
        # Names never repeat across restarts (camshare refuses a name pushed before).
        "-start_number", str(start_number),
        "-hls_flags", "independent_segments",
        "-method", "PUT", "-headers", headers,
        "-hls_segment_filename", f"{base}/seg%d.ts",
        f"{base}/{protocol.PLAYLIST}",
    ]  # fmt: skip


def _start_number() -> int:
    # Tenths of a second: a one-second segment each, so a restart always starts past the
    # names the last run used.
    return int(time.time() * 10)


class Relay:
    """ffmpeg for one share, on its own thread until ``stop`` or the share's end."""

    def __init__(self, order: ShareOrder, camera: LocalCamera, tell: Callable[..., None]) -> None:
        self.order, self.camera, self.tell = order, camera, tell
        self.ends_at = datetime.fromisoformat(order.ends_at)
        self._stop = threading.Event()
        self._process: subprocess.Popen | None = None
        self.reason = ""
        self._thread = threading.Thread(
            target=self._run, name=f"share-{order.share_id}", daemon=True
        )

    def start(self) -> Relay:
        self._thread.start()
        return self

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def stop(self, reason: str) -> None:
        """End the stream now (idempotent); returns once ffmpeg has exited."""
        if not self.reason:
            self.reason = reason
        self._stop.set()
        self._kill()
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout=STOP_GRACE_SECONDS + 2)

    def _kill(self) -> None:
        process = self._process
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
        except ProcessLookupError:
            pass

    def _seconds_left(self) -> float:
        return (self.ends_at - datetime.now(UTC)).total_seconds()

    def _watch_errors(self, process: subprocess.Popen) -> None:
        for raw in process.stderr:  # type: ignore[union-attr]
            line = redacted(raw.decode("utf-8", "replace").rstrip())
            self.tell("ffmpeg_said", share_id=self.order.share_id, line=line)
            if _FINAL.search(line):
                self.reason = self.reason or "refused by camshare"
                self._stop.set()
                self._kill()
                return

    def _run(self) -> None:
        attempt = 0
        while not self._stop.is_set() and self._seconds_left() > 0:
            command = ffmpeg_command(self.camera, self.order, _start_number())
            self._process = subprocess.Popen(  # noqa: S603 - our own argument list, no shell
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                start_new_session=True,
            )
            watcher = threading.Thread(
                target=self._watch_errors, args=(self._process,), daemon=True
            )
            watcher.start()
            started = time.monotonic()
            while self._process.poll() is None:
                if self._stop.wait(min(0.5, max(self._seconds_left(), 0))):
                    break
                if self._seconds_left() <= 0:
                    self.reason = self.reason or "its time is up"
                    break
            self._kill()
            if self._stop.is_set() or self._seconds_left() <= 0:
                break
            attempt = 0 if time.monotonic() - started > 60 else attempt + 1
            pause = BACKOFF_SECONDS[min(attempt, len(BACKOFF_SECONDS) - 1)]
            self.tell("share_retry", share_id=self.order.share_id, seconds=pause)
            self._stop.wait(pause)
        self.reason = self.reason or "its time is up"
