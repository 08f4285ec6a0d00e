"""The README names every setting the frontend build bakes into the pages, and no other."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import re
import textwrap
from pathlib import Path

from camshare.settings import Settings, env_name

ROOT = Path(__file__).resolve().parents[2]
FIELDS = {f.name: env_name(f) for f in dataclasses.fields(Settings)}


def _settings_read(node: ast.AST) -> set[str]:
    """Names read from a settings object in ``node``: ``settings().x``, ``settings.x``."""
    names = set()
    for sub in ast.walk(node):
        if not isinstance(sub, ast.Attribute):
            continue
        owner = sub.value
        if isinstance(owner, ast.Call):
            owner = owner.func
        # settings, runtime.settings, or a local name pin_map gives settings()
        if (isinstance(owner, ast.Name) and owner.id in {"settings", "credit", "center"}) or (
            isinstance(owner, ast.Attribute) and owner.attr == "settings"
        ):
            names.add(sub.attr)
    return names


def _variables(name: str, seen: frozenset[str] = frozenset()) -> set[str]:
    """The environment variables behind a settings field, property or method."""
    if name in FIELDS:
        return {FIELDS[name]}
    member = inspect.getattr_static(Settings, name)
    function = member.fget if isinstance(member, property) else member
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    used = {
        n.attr
        for n in ast.walk(tree)
        if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "self"
    }
    return set().union(*(_variables(u, seen | {name}) for u in used - seen - {name}))


def _read_when_pages_are_built() -> set[str]:
    names: set[str] = set()
    # Pages and their pieces are compiled into the frontend by the build.
    for folder in ("pages", "components"):
        for path in (ROOT / "camshare" / folder).glob("*.py"):
            names |= _settings_read(ast.parse(path.read_text(encoding="utf-8")))
    # State defaults are the page's initial state in the build.
    for path in (ROOT / "camshare" / "state").glob("*.py"):
        for cls in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(cls, ast.ClassDef):
                for stmt in cls.body:
                    if isinstance(stmt, ast.AnnAssign | ast.Assign):
                        names |= _settings_read(stmt)
    # The app's head and page titles, and the frontend's own port.
    app = ast.parse((ROOT / "camshare" / "camshare.py").read_text(encoding="utf-8"))
    for call in ast.walk(app):
        called = getattr(call, "func", None)
        if getattr(called, "attr", getattr(called, "id", "")) in {"App", "page_title"}:
            names |= _settings_read(call)
    config = ast.parse((ROOT / "rxconfig.py").read_text(encoding="utf-8"))
    for keyword in ast.walk(config):
        if isinstance(keyword, ast.keyword) and keyword.arg == "frontend_port":
            names |= _settings_read(keyword)
    return set().union(*(_variables(name) for name in names))


def _named_in_the_readme() -> set[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Baked into the frontend build", 1)[1].split("\n#", 1)[0]
    return set(re.findall(r"`((?:CAMSHARE|TWILIO)_[A-Z0-9_]+)`", section))


def test_the_readme_lists_the_settings_a_rebuild_is_needed_for():
    assert _named_in_the_readme() == _read_when_pages_are_built()
