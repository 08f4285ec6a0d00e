"""Video facts from FFmpeg's libraries (PyAV): container, codec, duration, size, time.

Also the derived copies: a JPEG thumbnail from the first frame, and an H.264 MP4 preview
when a browser cannot play the original. The original is only ever read. Slow: callers
run these off the event loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path

import av

# What Chromium, Firefox and Safari play in a <video> without help.
PLAYABLE = {
    ("mov,mp4,m4a,3gp,3g2,mj2", "h264"),
    ("matroska,webm", "vp8"),
    ("matroska,webm", "vp9"),
    ("mov,mp4,m4a,3gp,3g2,mj2", "av1"),
}
THUMBNAIL_WIDTH = 480
PREVIEW_MAX_HEIGHT = 720


@dataclass(frozen=True)
class Probe:
    """What the container says about a video, and whether a frame could be decoded."""

    container: str | None = None
    video_codec: str | None = None
    duration_seconds: float | None = None
    width: int | None = None
    height: int | None = None
    recorded_at: datetime | None = None
    decodable: bool = False
    browser_playable: bool = False


def probe(path: str | Path) -> Probe:
    """Open the file with FFmpeg and decode its first video frame; ``decodable`` says if it did."""
    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            video = next((s for s in container.streams if s.type == "video"), None)
            if video is None:
                return Probe(container=container.format.name)
            frame = _first_frame(container, video)
            codec = video.codec_context.name
            return Probe(
                container=container.format.name[:40],
                video_codec=codec[:40],
                duration_seconds=_duration(container, video),
                width=video.codec_context.width or None,
                height=video.codec_context.height or None,
                recorded_at=_recorded_at(container.metadata) or _recorded_at(video.metadata),
                decodable=frame is not None,
                browser_playable=(container.format.name, codec) in PLAYABLE,
            )
    except (av.FFmpegError, ValueError, OSError, IndexError):
        return Probe()


def _first_frame(container, video):
    try:
        for frame in container.decode(video):
            return frame
    except (av.FFmpegError, ValueError):
        return None
    return None


def _duration(container, video) -> float | None:
    if container.duration:
        return round(container.duration / av.time_base, 3)
    if video.duration and video.time_base:
        return round(float(video.duration * video.time_base), 3)
    return None


def _recorded_at(metadata: dict) -> datetime | None:
    raw = metadata.get("creation_time") or metadata.get("date")
    if not raw:
        return None
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def write_thumbnail(path: str | Path, target: str | Path) -> bool:
    """A JPEG of the first decodable frame (or the image itself); False if there is none."""
    try:
        with av.open(str(path)) as container:
            video = next((s for s in container.streams if s.type == "video"), None)
            if video is None:
                return False
            frame = _first_frame(container, video)
            if frame is None:
                return False
            image = frame.to_image()
    except (av.FFmpegError, ValueError, OSError):
        return False
    image.thumbnail((THUMBNAIL_WIDTH, THUMBNAIL_WIDTH))
    image.convert("RGB").save(str(target), "JPEG", quality=80)
    return True


def write_preview(path: str | Path, target: str | Path) -> bool:
    """An H.264 MP4 a browser plays (no sound, at most 720 lines); False if it failed."""
    try:
        with av.open(str(path)) as source, av.open(str(target), "w", format="mp4") as out:
            video = next(s for s in source.streams if s.type == "video")
            rate = video.average_rate or Fraction(25)
            encoded = out.add_stream("libx264", rate=rate)
            height = min(video.codec_context.height or PREVIEW_MAX_HEIGHT, PREVIEW_MAX_HEIGHT)
            width = (
                round(
                    (video.codec_context.width or 1280)
                    * height
                    / (video.codec_context.height or height)
                    / 2
                )
                * 2
            )
            encoded.width, encoded.height = width, height - height % 2
            encoded.pix_fmt = "yuv420p"
            encoded.options = {"preset": "veryfast", "crf": "26", "movflags": "+faststart"}
            for frame in source.decode(video):
                frame.pts = None
                for packet in encoded.encode(
                    frame.reformat(width=encoded.width, height=encoded.height, format="yuv420p")
                ):
                    out.mux(packet)
            for packet in encoded.encode():
                out.mux(packet)
    except (av.FFmpegError, ValueError, OSError, StopIteration):
        Path(target).unlink(missing_ok=True)
        return False
    return True
