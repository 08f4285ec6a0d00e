"""States call named use cases, which hand them plain values, never ORM rows.

Every function a module of ``camshare/state/`` takes from ``camshare.services`` must say what
it returns, and that type may not be, or contain (in a container, an optional, a tuple or a
dataclass field), a class of ``camshare.models``: a row outliving its session is a lazy load
waiting to fail, and a state mapping columns itself is SQL knowledge in the web layer.

And a state never writes its own transaction: what it runs with ``runtime.in_session_async``
is a use case of ``camshare.services`` (or a helper's parameter that receives one), never a
function of its own taking the session, so every rule combining several steps is a use case
with a name, in the domain package it is about.
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


def _state_trees():
    for path in sorted(STATE.glob("*.py")):
        yield path.name, ast.parse(path.read_text(encoding="utf-8"))


def test_no_state_defines_a_function_taking_the_session():
    found = []
    for name, tree in _state_trees():
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.args.args:
                first = node.args.args[0].arg
                if first.lstrip("_") == "session":
                    found.append(f"{name}:{node.lineno} {node.name}({first}, ...)")
    assert not found, "\n".join(found)


def _runs(node, parameters=frozenset()):
    """(call, parameters of the functions around it) for each ``in_session_async`` call."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        parameters = parameters | {a.arg for a in node.args.args + node.args.kwonlyargs}
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "in_session_async"
    ):
        yield node, parameters
    for child in ast.iter_child_nodes(node):
        yield from _runs(child, parameters)


def test_what_the_states_run_in_a_transaction_is_a_use_case():
    found = []
    for name, tree in _state_trees():
        services = {
            alias.asname or alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
            and (node.module or "").startswith("camshare.services")
            for alias in node.names
        }
        for call, parameters in _runs(tree):
            work = call.args[0] if call.args else None
            named = (
                isinstance(work, ast.Attribute)
                and isinstance(work.value, ast.Name)
                and work.value.id in services
            ) or (isinstance(work, ast.Name) and work.id in services | parameters)
            if not named:
                found.append(f"{name}:{call.lineno} runs {ast.unparse(work) if work else '?'}")
    assert len(found) == 0, "\n".join(found)
