"""The layers are contracts: pyproject.toml's [tool.importlinter], checked on every test run.

Services never import Reflex, the states, pages, components, the API routes or the
composition root, and build links with ``settings.links``, not from the page routes;
states never import the models or SQLAlchemy; the domain packages of services import
each other without cycles.
"""

from __future__ import annotations

import ast
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


def test_services_never_fall_back_to_the_global_settings():
    """Settings reach a use case as a parameter; only the composition root reads them."""
    services = ROOT / "camshare" / "services"
    readers = []
    for path in sorted(services.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            named = node.id if isinstance(node, ast.Name) else getattr(node, "attr", None)
            if named == "get_settings" or (
                isinstance(node, ast.alias) and node.name.endswith("get_settings")
            ):
                readers.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert readers == []
