"""The layers are contracts: pyproject.toml's [tool.importlinter], checked on every test run.

Services never import Reflex, the states, pages, components, the API routes or the
composition root, and build links with ``settings.links``, not from the page routes;
states never import the models or SQLAlchemy; the domain packages of services import
each other without cycles.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def test_every_import_contract_is_kept():
    done = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Contracts: 4 kept, 0 broken." in done.stdout
