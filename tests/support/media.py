"""Small real media files made on the spot with PyAV (FFmpeg's libraries): no fixtures on disk."""

from __future__ import annotations

from pathlib import Path

import av
from PIL import Image, ImageDraw


def _frames(count: int, width: int, height: int):
    for index in range(count):
        image = Image.new("RGB", (width, height), (20, 40 + index * 3 % 200, 90))
        draw = ImageDraw.Draw(image)
        x = (index * 7) % (width - 40)
        draw.rectangle([x, 20, x + 40, 60], fill=(240, 200, 30))
        draw.text((10, height - 20), f"frame {index}", fill=(255, 255, 255))
        yield av.VideoFrame.from_image(image)


def pattern_video(
    path: Path,
    *,
    seconds: float = 2.0,
    size: tuple[int, int] = (320, 240),
    container: str = "mp4",
    codec: str = "libx264",
    rate: int = 15,
) -> Path:
    """A short moving test pattern (H.264 in MP4 by default; e.g. mpeg4 in AVI)."""
    width, height = size
    options = {"movflags": "+faststart"} if container == "mp4" else {}
    with av.open(str(path), "w", format=container, options=options) as out:
        stream = out.add_stream(codec, rate=rate)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        out.metadata["creation_time"] = "2026-12-01T21:15:00Z"
        for frame in _frames(int(seconds * rate), width, height):
            for packet in stream.encode(frame.reformat(format="yuv420p")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path
