"""What a file is, from its bytes: the refusals of the issue's bad-input list, and names
cleaned of paths, control characters and excess length."""

from __future__ import annotations

import gzip
import io
import zipfile
from pathlib import Path

import pytest

from camshare.services.footage.identify import identify
from camshare.services.footage.links import upload_token
from camshare.services.footage.names import clean_name
from tests.support.media import pattern_video


@pytest.fixture
def clip(tmp_path) -> Path:
    return pattern_video(tmp_path / "clip.mp4", seconds=1)


def refusal_of(tmp_path, content: bytes, name: str = "video.mp4") -> str | None:
    path = tmp_path / "upload"
    path.write_bytes(content)
    return identify(path, name).refusal


def zipped() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("clip.mp4", b"x" * 100)
    return out.getvalue()


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "footage.refused.empty"),
        (b"\x7fELF\x02\x01\x01" + bytes(500), "footage.refused.executable"),
        (b"MZ\x90\x00" + bytes(500), "footage.refused.executable"),
        (b"#!/bin/sh\nrm -rf /\n", "footage.refused.executable"),
        (b"echo hello\n", "footage.refused.script"),
        (b"<!DOCTYPE html><html><script>alert(1)</script>", "footage.refused.html"),
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', "footage.refused.html"),
        (zipped(), "footage.refused.archive"),
        (gzip.compress(b"x" * 1000), "footage.refused.archive"),
        (bytes([0x93, 0x17, 0xFF, 0x00]) * 300, "footage.refused.unknown"),
    ],
)
def test_what_is_not_footage_is_refused_by_its_bytes_whatever_its_name(tmp_path, content, reason):
    assert refusal_of(tmp_path, content) == reason


def test_a_video_is_known_by_its_bytes_and_a_cut_one_refused(tmp_path, clip):
    found = identify(clip, "renamed.txt")
    assert (found.kind, found.media_type, found.refusal) == ("video", "video/mp4", None)
    whole = clip.read_bytes()
    assert refusal_of(tmp_path, whole[: len(whole) * 2 // 3]) == "footage.refused.truncated"


def test_recorder_exports_are_kept(tmp_path):
    assert identify(_write(tmp_path, b"DHAV" + bytes(range(256)) * 8), "ch1.dav").kind == "recorder"
    raw = b"\x00\x00\x00\x01\x67\x42" + bytes(2000)
    assert identify(_write(tmp_path, raw), "cam.264").kind == "recorder"


def _write(tmp_path, content: bytes) -> Path:
    path = tmp_path / "upload"
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("clip.mp4", "clip.mp4"),
        ("C:\\Users\\ana\\Videos\\front.mov", "front.mov"),
        ("../../etc/passwd", "passwd"),
        ("bell\x07\x1b[2J\u202eevil.mp4", "bell[2Jevil.mp4"),
        ("", "file"),
        ("...", "file"),
    ],
)
def test_names_keep_only_the_last_part_without_control_characters(sent, kept):
    assert clean_name(sent) == kept


def test_a_300_character_name_is_cut_to_200_keeping_its_extension():
    name = clean_name("a" * 300 + ".mp4")
    assert len(name) == 200
    assert name.endswith("aaa.mp4")


def test_upload_tokens_differ_by_recipient_and_by_secret():
    assert upload_token("s", 1) != upload_token("s", 2)
    assert upload_token("s", 1) != upload_token("t", 1)
    assert upload_token("s", 7).startswith("7.")
