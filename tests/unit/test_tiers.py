"""The test tiers say what they need, and every test checks an effect."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"
TIERS = ("unit", "integration", "standins", "e2e")


def collect(*args: str, database_url: str | None = None) -> subprocess.CompletedProcess:
    """``pytest --collect-only`` in a fresh process (nothing runs, nothing is opened)."""
    env = {k: v for k, v in os.environ.items() if k != "CAMSHARE_TEST_DATABASE_URL"}
    if database_url:
        env["CAMSHARE_TEST_DATABASE_URL"] = database_url
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--collect-only", "-q", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize("tier", TIERS)
def test_each_tier_marker_picks_the_tests_of_its_folder(tier):
    other = "tests/standins/test_sms_twilio.py" if tier == "unit" else "tests/unit/test_tiers.py"
    done = collect("-m", tier, f"tests/{tier}", other)
    ids = [line for line in done.stdout.splitlines() if "::" in line]
    assert done.returncode == 0, done.stdout + done.stderr
    assert ids
    assert all(line.startswith(f"tests/{tier}/") for line in ids)


def test_without_postgresql_one_line_says_why_its_half_did_not_run():
    done = collect("tests/integration/test_going_back.py")
    lines = done.stdout.splitlines()
    said = [line for line in lines if "PostgreSQL" in line]
    assert len(said) == 1
    assert "CAMSHARE_TEST_DATABASE_URL is not set" in said[0]
    assert not [line for line in lines if "skip" in line.lower()]
    assert not [line for line in lines if "::" in line and "postgresql" in line]
    assert [line for line in lines if "::" in line and "sqlite" in line]


def test_with_postgresql_both_halves_are_collected_and_nothing_is_said():
    done = collect(
        "tests/integration/test_going_back.py", database_url="postgresql+psycopg://nowhere/x"
    )
    ids = [line for line in done.stdout.splitlines() if "::" in line]
    assert {"sqlite" in i for i in ids} == {True, False}
    assert "PostgreSQL:" not in done.stdout


def _checks_something(test: ast.FunctionDef, helpers: dict[str, ast.FunctionDef]) -> bool:
    """Whether a test asserts, expects an exception, or calls a helper of its module that does."""
    for node in ast.walk(test):
        if isinstance(node, ast.Assert):
            return not (isinstance(node.test, ast.Constant) and node.test.value)
        if isinstance(node, ast.Call):
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", "")
            # pytest.raises, Playwright's expect, and waits that fail unless a condition holds
            if name in {"raises", "expect"} or name.startswith(("assert_", "expect_", "wait_for")):
                return True
            if name in helpers and helpers[name] is not test:
                helper = helpers.pop(name)  # each helper is looked into once
                try:
                    if _checks_something(helper, helpers):
                        return True
                finally:
                    helpers[name] = helper
    return False


def test_no_test_only_checks_that_nothing_raised():
    unchecked = []
    for path in sorted(TESTS.rglob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        functions = {
            node.name: node
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        }
        unchecked += [
            f"{path.relative_to(ROOT)}::{name}"
            for name, node in functions.items()
            if name.startswith("test_") and not _checks_something(node, dict(functions))
        ]
    assert unchecked == []
