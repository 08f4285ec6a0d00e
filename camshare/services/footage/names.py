"""File names as owners' devices send them, made safe to show and to store."""

from __future__ import annotations

import unicodedata

NAME_MAX = 200


def clean_name(name: str) -> str:
    """The last path part, without control characters, at most 200 characters (ext kept)."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().strip(".")
    if not name:
        return "file"
    if len(name) <= NAME_MAX:
        return name
    stem, dot, extension = name.rpartition(".")
    if dot and 0 < len(extension) <= 10:
        return stem[: NAME_MAX - len(extension) - 1] + "." + extension
    return name[:NAME_MAX]


def extension_of(name: str) -> str:
    """The lower-case extension without its dot ("" when there is none)."""
    stem, dot, extension = name.rpartition(".")
    return extension.lower() if dot and stem else ""
