"""A returning phone loads the build from its cache, and is never pinned to an old one."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from camshare.security_headers import cache_rule

ROOT = Path(__file__).resolve().parents[2]
NODE = shutil.which("node")
PATHS = [
    "/assets/entry.client-Cuv6UKoY.js",
    "/assets/emotion-react.browser.esm-BuXZ7Zy6.js",
    "/assets/__reflex_global_styles-CXL4EL34.css",
    "/assets/app.js",
    "/assets/sub/dir-Cuv6UKoY.js",
    "/join/PARK25",
    "/sw.js",
    "/connection.js",
    "/offline.html",
]


def kept_by_the_service_worker(paths: list[str]) -> list[bool]:
    """Which ``paths`` assets/sw.js answers from its cache first (its HASHED rule)."""
    script = (ROOT / "assets" / "sw.js").read_text(encoding="utf-8")
    hashed = re.search(r"^const HASHED = (/.*/);$", script, re.M).group(1)
    done = subprocess.run(
        [
            NODE,
            "-e",
            f"process.stdout.write(JSON.stringify({json.dumps(paths)}.map(p => {hashed}.test(p))))",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return json.loads(done.stdout)


@pytest.mark.skipif(NODE is None, reason="Node.js is needed to run the service worker's rule")
def test_the_service_worker_keeps_exactly_the_files_the_server_marks_immutable():
    immutable = [cache_rule(path) == "immutable" for path in PATHS]
    assert immutable[:3] == [True, True, True]
    assert not any(immutable[3:])
    assert kept_by_the_service_worker(PATHS) == immutable
