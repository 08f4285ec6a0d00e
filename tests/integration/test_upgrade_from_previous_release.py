"""An upgrade from the previous release keeps serving: the schema half (expand/contract).

During a rolling upgrade the migrations run first, while every node still runs the
previous release's code; then the nodes restart on the new code one at a time. So the
previous release's code must keep working on the new schema. Here the previous release
(``tests/support/releases.py``: the commit before the newest migration) is exported from
git and run against a database it migrated itself; then this release migrates it, and the
old code writes and reads every table again, and the new code reads what the old wrote.
The serving half (nodes restarted one at a time behind Caddy, with traffic) is
``tests/topology/test_rolling_upgrade.py``.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from camshare import migrations
from camshare.db import make_engine
from deploy.topology import _camshare_env
from tests.support.releases import ROOT, export_release, previous_release, why_unavailable

PROBE = ROOT / "tests" / "support" / "release_probe.py"


def run_code(tree: Path, database_url: str, *args: str) -> str:
    """A command of ``tree``'s code (its camshare, its migrations) on ``database_url``."""
    env = _camshare_env(
        dict(os.environ),
        CAMSHARE_DATABASE_URL=database_url,
        CAMSHARE_SECRET_KEY=secrets.token_hex(32),
        CAMSHARE_DEMO_MODE="false",
        PYTHONPATH=str(tree),
    )
    done = subprocess.run(
        [sys.executable, *args], cwd=tree, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"{args} in {tree} failed:\n{done.stderr[-4000:]}"
    return done.stdout


def probe(tree: Path, database_url: str, *args: str) -> dict[str, int]:
    found = json.loads(run_code(tree, database_url, str(PROBE), *args).splitlines()[-1])
    assert found["code"] == str(tree.resolve())  # the code under test is that tree's
    return found["counts"]


@pytest.fixture(scope="module")
def old_tree(tmp_path_factory) -> Path:
    reason = why_unavailable()
    if reason:
        pytest.skip(reason)
    return export_release(previous_release(), tmp_path_factory.mktemp("previous-release"))


def versions(database_url: str) -> set[str]:
    engine = make_engine(database_url)
    with engine.connect() as conn:
        found = set(conn.scalars(text("SELECT version_num FROM alembic_version")))
    engine.dispose()
    return found


def test_the_previous_releases_code_keeps_working_on_this_releases_schema(
    old_tree: Path, empty_database_url: str
):
    url = empty_database_url
    run_code(old_tree, url, "-m", "camshare.cli", "migrate")
    old_schema = versions(url)
    probe(old_tree, url, "write", "1")

    migrations.upgrade(url)  # this release's migrations, under the lock
    new_schema = versions(url)
    print(f"\nprevious release {previous_release()[:10]}: schema {old_schema} -> {new_schema}")
    assert new_schema != old_schema

    # Nodes not yet restarted: the old code writes and reads every table it knows.
    old_after = probe(old_tree, url, "write", "2")
    # A node on the new code: it reads what the old code wrote, and writes its own way.
    new_after = probe(ROOT, url, "write", "3")

    assert old_after["owner"] == 2
    assert old_after["access_request"] == 2
    assert new_after["owner"] == 3
    for table, count in old_after.items():
        assert new_after[table] >= count, table
    engine = make_engine(url)
    with engine.connect() as conn:
        languages = set(conn.scalars(text("SELECT language FROM staff_user")))
    engine.dispose()
    assert languages <= {"en", "es"}  # rows the old code wrote got the column's default
