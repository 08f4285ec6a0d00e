"""An owner's status, and whether a site may be asked, are each assigned in one module only."""

from __future__ import annotations

import ast
from pathlib import Path

from camshare.settings import PROJECT_DIR

# A supplement to the behaviour tests: nothing but the one writer assigns each derived field.
STATUS_WRITER = Path("camshare/services/owners/standing.py")
MAY_BE_ASKED_WRITER = Path("camshare/services/may_be_asked.py")


def _assignments(path: Path, tree: ast.AST, attribute: str, model: str) -> list[str]:
    """Assignments to ``<something model>.<attribute>`` and ``Model(attribute=...)`` / values."""
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
                    and part.attr == attribute
                    and model.lower() in ast.unparse(part.value).lower()
                ):
                    found_at.append(f"{path}:{node.lineno}")
        if isinstance(node, ast.Call):
            called = ast.unparse(node.func)
            mentions_model = called == model or f"update({model})" in called
            if mentions_model and any(k.arg == attribute for k in node.keywords):
                found_at.append(f"{path}:{node.lineno}")
        if (
            isinstance(node, ast.Call)
            and ast.unparse(node.func).startswith("setattr")
            and attribute in ast.unparse(node)
            and model.lower() in ast.unparse(node).lower()
        ):
            found_at.append(f"{path}:{node.lineno}")
    return found_at


def _offenders(writer: Path, attribute: str, model: str) -> list[str]:
    offenders = []
    for path in sorted((PROJECT_DIR / "camshare").rglob("*.py")):
        relative = path.relative_to(PROJECT_DIR)
        if relative == writer:
            continue
        offenders += _assignments(relative, ast.parse(path.read_text()), attribute, model)
    return offenders


def test_only_the_standing_module_assigns_an_owner_status():
    assert _offenders(STATUS_WRITER, "status", "Owner") == []


def test_only_the_may_be_asked_module_assigns_whether_a_site_may_be_asked():
    assert _offenders(MAY_BE_ASKED_WRITER, "may_be_asked", "Site") == []


def test_the_check_itself_sees_an_assignment():
    sample = "owner.status = 'active'\nupdate(Owner).values(status='x')\nOwner(status='y')\n"
    assert len(_assignments(Path("x.py"), ast.parse(sample), "status", "Owner")) == 3
    sample = "site.may_be_asked = True\nupdate(Site).values(may_be_asked=1)\nSite(may_be_asked=0)\n"
    assert len(_assignments(Path("x.py"), ast.parse(sample), "may_be_asked", "Site")) == 3
