"""The systemd units of deploy/systemd/ keep the hardening baseline and restart policy."""

from __future__ import annotations

import configparser
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNITS = sorted((ROOT / "deploy" / "systemd").glob("*.service"))
INSTALLED_AT = "/opt/camshare"  # where the units expect the checkout
BASELINE = {
    "NoNewPrivileges": "true",
    "ProtectSystem": "strict",
    "PrivateTmp": "true",
    "ProtectHome": "true",
    "Restart": "always",
}


def service_section(path: Path) -> dict[str, list[str]]:
    """Each key of [Service] with all its values (systemd allows a key several times)."""
    values: dict[str, list[str]] = {}
    section = ""
    for line in path.read_text().splitlines():
        line = line.strip()
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
        elif section == "Service" and "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            values.setdefault(key, []).append(value)
    return values


def test_there_is_a_unit_for_each_part():
    assert {unit.name for unit in UNITS} == {
        "camshare-web.service",
        "camshare-worker.service",
        "camshare-proxy.service",
    }


@pytest.mark.parametrize("unit", UNITS, ids=lambda unit: unit.name)
def test_each_unit_runs_as_its_own_user_on_a_read_only_system(unit: Path):
    service = service_section(unit)
    for key, value in BASELINE.items():
        assert service.get(key) == [value], key
    assert service["User"][0] not in ("root", "")
    assert service.get("ReadWritePaths"), "writable only where it needs to write"
    # The camshare units read the same settings file (from deploy/camshare.env.example).
    if unit.name.startswith("camshare-") and unit.name != "camshare-proxy.service":
        assert service["EnvironmentFile"] == ["/etc/camshare/camshare.env"]
    configparser.ConfigParser(strict=False).read_string(unit.read_text())


@pytest.mark.skipif(
    shutil.which("systemd-analyze") is None,
    reason="systemd-analyze is not installed (Debian's systemd package)",
)
def test_systemd_accepts_every_unit(tmp_path: Path):
    """``systemd-analyze verify``: keys, values and programs as systemd reads them. It
    exits 0 on a misspelt key or value (it ignores them), so any line it prints fails.
    The units name the checkout in /opt/camshare: verified here with this checkout's path
    in its place, so the programs they start exist."""
    copies = []
    for unit in UNITS:
        copy = tmp_path / unit.name
        copy.write_text(unit.read_text().replace(INSTALLED_AT, str(ROOT)))
        copies.append(str(copy))
    done = subprocess.run(
        ["systemd-analyze", "verify", *copies], capture_output=True, text=True, timeout=60
    )
    assert (done.returncode, done.stdout + done.stderr) == (0, "")
