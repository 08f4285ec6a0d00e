"""Use cases hand the states plain values, never ORM rows.

Every function a module of ``camshare/state/`` takes from ``camshare.services`` must say what
it returns, and that type may not be, or contain (in a container, an optional, a tuple or a
dataclass field), a class of ``camshare.models``: a row outliving its session is a lazy load
waiting to fail, and a state mapping columns itself is SQL knowledge in the web layer.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import typing
from pathlib import Path

from camshare.models import Base

STATE = Path(__file__).resolve().parents[2] / "camshare" / "state"


def _used_service_functions() -> dict[str, object]:
    """``module.name`` -> function, for every use case a state names."""
    found: dict[str, object] = {}
    for path in sorted(STATE.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules: dict[str, object] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "camshare.services"
            ):
                parent = importlib.import_module(node.module)
                for alias in node.names:
                    value = getattr(parent, alias.name, None)
                    if value is None:  # a submodule not imported by its package
                        value = importlib.import_module(f"{node.module}.{alias.name}")
                    local = alias.asname or alias.name
                    if inspect.ismodule(value):
                        modules[local] = value
                    elif inspect.isfunction(value):
                        found[f"{node.module}.{alias.name}"] = value
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in modules
            ):
                module = modules[node.value.id]
                value = getattr(module, node.attr, None)
                if inspect.isfunction(value):
                    found[f"{module.__name__}.{node.attr}"] = value
    return found


def _rows_in(kind, seen=None) -> list[str]:
    """The model classes a type is or contains."""
    seen = set() if seen is None else seen
    if id(kind) in seen:
        return []
    seen.add(id(kind))
    if inspect.isclass(kind) and issubclass(kind, Base):
        return [kind.__name__]
    rows = []
    for arg in typing.get_args(kind):
        rows += _rows_in(arg, seen)
    if inspect.isclass(kind) and dataclasses.is_dataclass(kind):
        for field_type in typing.get_type_hints(kind).values():
            rows += _rows_in(field_type, seen)
    return rows


def test_the_states_use_many_use_cases():
    """The scan finds them (a broken scan would pass the test below vacuously)."""
    assert len(_used_service_functions()) > 50


def test_use_cases_the_states_call_return_plain_values():
    problems = []
    for name, function in sorted(_used_service_functions().items()):
        hints = typing.get_type_hints(function)
        if "return" not in hints:
            problems.append(f"{name}: no return annotation")
            continue
        rows = _rows_in(hints["return"])
        if rows:
            problems.append(f"{name} returns {', '.join(sorted(set(rows)))}")
    assert not problems, "\n".join(problems)
