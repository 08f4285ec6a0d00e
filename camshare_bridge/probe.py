"""Look at a camera's stream on the owner's network with PyAV: codec and size, or why not.

Error messages from FFmpeg repeat the address, password included; they are never shown
or sent anywhere: only the status a probe ends in is.
"""

from __future__ import annotations

from dataclasses import dataclass

from camshare_bridge.config import LocalCamera

# What browsers play through hls.js without camshare re-encoding anything.
PLAYABLE = {"h264"}
TIMEOUT_SECONDS = 8


@dataclass(frozen=True)
class Probe:
    """What a camera answered: a status of the protocol's vocabulary, codec and size."""

    status: str
    codec: str | None = None
    width: int | None = None
    height: int | None = None


def probe(camera: LocalCamera) -> Probe:
    """Open the camera's stream for a moment and read its first video stream's format."""
    import av

    options = {"rtsp_transport": camera.transport, "timeout": str(TIMEOUT_SECONDS * 1_000_000)}
    try:
        with av.open(camera.rtsp_url, options=options, timeout=TIMEOUT_SECONDS) as container:
            if not container.streams.video:
                return Probe("unsupported")
            context = container.streams.video[0].codec_context
            codec, width, height = context.name, context.width or None, context.height or None
    except av.error.HTTPUnauthorizedError:
        return Probe("auth_failed")
    except av.error.HTTPForbiddenError:
        return Probe("auth_failed")
    except (av.error.FFmpegError, OSError):
        return Probe("unreachable")
    status = "ready" if codec in PLAYABLE else "unsupported"
    return Probe(status, codec, width, height)
