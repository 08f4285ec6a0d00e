"""What a file is, from its bytes (never its name): a kind to keep, or a reason to refuse.

Refused: empty, executables, scripts and other text, HTML and SVG, archives, and MP4/MOV
files whose boxes run past the end (truncated). Kept: video containers, still images,
and recorders' own formats (.dav, raw .264), marked "recorder" when nothing here can
decode them. The media type comes from ``puremagic``; the refusals from the signatures
below, so that no guess of a library decides what is thrown away.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import puremagic

from camshare.services.footage.names import extension_of

HEAD_BYTES = 4096
RECORDER_EXTENSIONS = frozenset({"dav", "264", "h264", "265", "h265", "hevc", "nvr", "irf"})

EXECUTABLE = (
    b"\x7fELF",
    b"MZ",
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xcf\xfa\xed\xfe",
    b"\xce\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
    b"\x00asm",
    b"dex\n",
)
ARCHIVE = (
    b"PK\x03\x04",
    b"PK\x05\x06",
    b"Rar!\x1a\x07",
    b"7z\xbc\xaf\x27\x1c",
    b"\x1f\x8b",
    b"BZh",
    b"\xfd7zXZ\x00",
    b"\x28\xb5\x2f\xfd",
    b"MSCF",
    b"\x04\x22\x4d\x18",
)
IMAGE = {
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"GIF87a": "image/gif",
    b"GIF89a": "image/gif",
}
MARKUP = (b"<!doctype html", b"<html", b"<svg", b"<?xml", b"<head", b"<body", b"<script")
ISO_BRANDS_IMAGE = (b"heic", b"heix", b"mif1", b"avif")


@dataclass(frozen=True)
class Identified:
    """A file's kind and media type, or the message key of why it is refused."""

    kind: str | None = None  # video | image | recorder (the probe may still refuse a video)
    media_type: str | None = None
    refusal: str | None = None
    iso_boxes: bool = False  # an MP4/MOV family file: its box structure was checked


def identify(path: str | Path, name: str) -> Identified:
    """Look at the file's first bytes (and, for MP4/MOV, its box layout)."""
    path = Path(path)
    size = path.stat().st_size
    if size == 0:
        return Identified(refusal="footage.refused.empty")
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
    if head.startswith(EXECUTABLE) or head.startswith(b"#!"):
        return Identified(refusal="footage.refused.executable")
    if head.startswith(ARCHIVE) or head[257:262] == b"ustar":
        return Identified(refusal="footage.refused.archive")
    lowered = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if lowered.startswith(MARKUP) or b"<svg" in lowered[:1024]:
        return Identified(refusal="footage.refused.html")
    media_type = _puremagic_type(path)
    for signature, image_type in IMAGE.items():
        if head.startswith(signature):
            return Identified("image", image_type)
    if head[4:8] == b"ftyp":
        if head[8:12] in ISO_BRANDS_IMAGE:
            return Identified("image", "image/heif")
        if not _boxes_complete(path, size):
            return Identified(refusal="footage.refused.truncated")
        mp4_type = "video/quicktime" if head[8:10] == b"qt" else "video/mp4"
        return Identified("video", mp4_type, iso_boxes=True)
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return Identified("video", "video/webm" if b"webm" in head[:64] else "video/x-matroska")
    if head.startswith(b"RIFF") and head[8:12] == b"AVI ":
        return Identified("video", "video/x-msvideo")
    if head.startswith(b"\x00\x00\x01\xba") or _is_transport_stream(head):
        return Identified("video", "video/mp2t")
    if head.startswith(b"\x30\x26\xb2\x75\x8e\x66\xcf\x11"):
        return Identified("video", "video/x-ms-asf")
    if head.startswith((b"DHAV", b"\x00\x00\x00\x01", b"\x00\x00\x01")) or (
        extension_of(name) in RECORDER_EXTENSIONS
    ):
        return Identified("recorder", media_type or "application/octet-stream")
    if _looks_like_text(head):
        return Identified(refusal="footage.refused.script")
    return Identified(refusal="footage.refused.unknown")


def _puremagic_type(path: Path) -> str | None:
    try:
        return puremagic.from_file(str(path), mime=True) or None
    except (puremagic.PureError, ValueError, OSError):
        return None


def _boxes_complete(path: Path, size: int) -> bool:
    """Whether the top-level boxes of an MP4/MOV end exactly at the end of the file."""
    offset = 0
    with path.open("rb") as handle:
        while offset < size:
            handle.seek(offset)
            header = handle.read(16)
            if len(header) < 8:
                return False
            length, _ = struct.unpack(">I4s", header[:8])
            if length == 1:
                if len(header) < 16:
                    return False
                length = struct.unpack(">Q", header[8:16])[0]
            elif length == 0:  # the last box runs to the end of the file
                return True
            if length < 8:
                return False
            offset += length
    return offset == size


def _is_transport_stream(head: bytes) -> bool:
    return len(head) >= 565 and all(head[i] == 0x47 for i in (0, 188, 376, 564))


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # The head may end inside a character; anything earlier is not text.
        return error.start >= len(head) - 3
    return True
