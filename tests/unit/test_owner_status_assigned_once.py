"""An owner's status is assigned in one module only."""

from __future__ import annotations

import ast
from pathlib import Path

from camshare.settings import PROJECT_DIR

# A supplement to the behaviour above: nothing but the one writer assigns an owner's status.
STATUS_WRITER = Path("camshare/services/owners/standing.py")


def _owner_status_assignments(path: Path, tree: ast.AST) -> list[str]:
    """Assignments to ``<something owner>.status`` and ``Owner(status=...)`` / ``values``."""
    found_at = []
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            for part in ast.walk(target):
                if (
                    isinstance(part, ast.Attribute)
                    and part.attr == "status"
                    and "owner" in ast.unparse(part.value).lower()
                ):
                    found_at.append(f"{path}:{node.lineno}")
        if isinstance(node, ast.Call):
            called = ast.unparse(node.func)
            mentions_owner = called == "Owner" or "update(Owner)" in called
            if mentions_owner and any(k.arg == "status" for k in node.keywords):
                found_at.append(f"{path}:{node.lineno}")
        if (
            isinstance(node, ast.Call)
            and ast.unparse(node.func).startswith("setattr")
            and "status" in ast.unparse(node)
            and "owner" in ast.unparse(node).lower()
        ):
            found_at.append(f"{path}:{node.lineno}")
    return found_at


def test_only_the_standing_module_assigns_an_owner_status():
    offenders = []
    for path in sorted((PROJECT_DIR / "camshare").rglob("*.py")):
        relative = path.relative_to(PROJECT_DIR)
        if relative == STATUS_WRITER:
            continue
        offenders += _owner_status_assignments(relative, ast.parse(path.read_text()))
    assert offenders == []


def test_the_status_check_itself_sees_an_assignment():
    sample = "owner.status = 'active'\nupdate(Owner).values(status='x')\nOwner(status='y')\n"
    assert len(_owner_status_assignments(Path("x.py"), ast.parse(sample))) == 3
