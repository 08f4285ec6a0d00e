"""The bridge program's own rules: it stands alone, keeps secrets local, relays untouched."""

from __future__ import annotations

import ast
import stat
from pathlib import Path

import pytest

from camshare.services.errors import DomainError
from camshare.services.live.push import clean_playlist, looks_like_segment
from camshare_bridge import config as config_file
from camshare_bridge.brands import BRANDS
from camshare_bridge.config import BridgeConfig, LocalCamera
from camshare_bridge.messages import MESSAGES
from camshare_bridge.protocol import SEGMENT_NAME, CameraReport, ShareOrder
from camshare_bridge.relay import ffmpeg_command, redacted

BRIDGE = Path(__file__).resolve().parents[2] / "camshare_bridge"
CAMERA = LocalCamera(3, "Front door", "rtsp://admin:s3cret@192.168.1.64:554/h264Preview_01_main")
ORDER = ShareOrder(9, 4, 3, "2026-12-02T21:00:00+00:00", "https://camshare.example/x/9", "push-key")


def test_the_bridge_imports_nothing_of_camshare():
    for path in BRIDGE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            assert not any(n == "camshare" or n.startswith("camshare.") for n in names), path


def test_a_camera_report_has_no_field_for_an_address_or_a_password():
    fields = set(CameraReport.__dataclass_fields__)
    assert fields == {"camera_id", "name", "codec", "width", "height", "status"}
    payload = {"camera_id": 3, "name": "x", "codec": "h264", "width": 1, "height": 1,
               "status": "ready", "rtsp_url": CAMERA.rtsp_url}  # fmt: skip
    assert "rtsp_url" not in CameraReport.from_json(payload).to_json()


def test_the_relay_copies_h264_without_audio_and_pushes_with_the_share_secret():
    command = ffmpeg_command(CAMERA, ORDER, 17962417120)
    assert command[command.index("-c") + 1] == "copy"
    assert "-an" in command
    assert command[command.index("-rtsp_transport") + 1] == "tcp"
    assert command[command.index("-method") + 1] == "PUT"
    assert command[command.index("-headers") + 1] == "Authorization: Bearer push-key\r\n"
    assert command[-1] == "https://camshare.example/x/9/index.m3u8"
    assert SEGMENT_NAME.fullmatch("seg17962417120.ts")


def test_ffmpeg_lines_lose_the_cameras_credentials():
    line = f"[rtsp @ 0x1] method DESCRIBE failed: 401 Unauthorized '{CAMERA.rtsp_url}'"
    assert "s3cret" not in redacted(line)
    assert "admin" not in redacted(line)
    assert "rtsp://…@192.168.1.64:554" in redacted(line)


def test_the_config_file_is_readable_by_its_owner_only(tmp_path):
    path = tmp_path / "bridge" / "config.json"
    config_file.save(BridgeConfig("https://c.example", "Shop", "secret", [CAMERA]), path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert config_file.load(path).camera(3) == CAMERA


def test_every_brand_pattern_is_an_rtsp_address_and_every_message_is_in_both_languages():
    assert {"Hikvision", "Dahua / Amcrest", "Reolink", "Lorex", "Uniview", "Axis"} == set(BRANDS)
    assert all(pattern.startswith("rtsp://USER:PASS@IP") for pattern in BRANDS.values())
    assert set(MESSAGES["en"]) == set(MESSAGES["es"])


def test_segments_are_told_by_their_bytes_and_playlists_name_only_bare_segments():
    assert looks_like_segment("seg1.ts", b"\x47" + b"\x00" * 187)
    assert not looks_like_segment("seg1.ts", b"<script>" + b"\x00" * 180)
    assert looks_like_segment("seg1.m4s", b"\x00\x00\x00\x18moof" + b"\x00" * 16)
    text = "#EXTM3U\n#EXTINF:1.0,\nhttps://any.example/deep/seg7.ts?x=1\n"
    assert clean_playlist(text.encode()).splitlines()[-1] == "seg7.ts"
    # The camera went away and the relay's ffmpeg ended its playlist: viewers wait instead.
    ended = clean_playlist((text + "#EXT-X-ENDLIST\n").encode())
    assert "ENDLIST" not in ended
    assert ended.splitlines()[-1] == "seg7.ts"
    for bad in ("#EXTM3U\nhttps://evil.example/steal.js\n", "not a playlist\n"):
        with pytest.raises(DomainError, match=r"live\.segment_invalid"):
            clean_playlist(bad.encode())
