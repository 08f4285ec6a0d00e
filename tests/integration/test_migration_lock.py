"""Two nodes starting together against one fresh database: both come up, it migrates once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, func, select, text

from camshare.models import AgreementVersion

PROJECT = Path(__file__).resolve().parents[2]


def test_two_nodes_migrating_at_once_both_start_and_the_schema_is_built_once(empty_database_url):
    env = {**os.environ, "CAMSHARE_DATABASE_URL": empty_database_url}
    nodes = [
        subprocess.Popen(
            [sys.executable, "-m", "camshare.cli", "migrate"],
            cwd=PROJECT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [(node.wait(timeout=120), *node.communicate()) for node in nodes]

    assert [code for code, _, _ in results] == [0, 0], results
    # The first agreement is published by exactly one of them, under the same lock.
    publishers = [out for _, out, _ in results if "published agreement" in out]
    assert len(publishers) == 1, results
    engine = create_engine(empty_database_url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
        versions = connection.execute(select(func.count()).select_from(AgreementVersion))
        assert versions.scalar() == publishers[0].count("published agreement")
    engine.dispose()
