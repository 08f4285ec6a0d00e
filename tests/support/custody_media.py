"""A short H.264 MP4 of FFmpeg's test pattern and its thumbnail, made with PyAV (no ffmpeg
binary needed): what a phone's camera app would save, and what intake derives from it."""

from __future__ import annotations

from pathlib import Path

import av


def pattern_mp4(path: Path, seconds: int = 4, size: str = "320x240", rate: int = 15) -> Path:
    """Write ``seconds`` of the test pattern to ``path`` (moov first, as phones save it)."""
    width, height = (int(n) for n in size.split("x"))
    source = av.open(f"testsrc=size={size}:rate={rate}:duration={seconds}", format="lavfi")
    with av.open(str(path), "w", options={"movflags": "faststart"}) as output:
        stream = output.add_stream("libx264", rate=rate)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for frame in source.decode(video=0):
            for packet in stream.encode(frame.reformat(format="yuv420p")):
                output.mux(packet)
        for packet in stream.encode():
            output.mux(packet)
    source.close()
    return path


def thumbnail_jpeg(video: Path, path: Path) -> Path:
    """The video's first frame as a JPEG."""
    with av.open(str(video)) as container:
        frame = next(container.decode(video=0))
        frame.to_image().save(path, format="JPEG")
    return path
