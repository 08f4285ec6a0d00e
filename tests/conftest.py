"""Fixtures shared by every test: databases (SQLite, and PostgreSQL when configured).

Each folder of tests is a tier named by what it needs, and gets its marker here:
``unit`` (nothing: no database, no server), ``integration`` (a database, SQLite and
PostgreSQL), ``standins`` (local stand-ins for Twilio and Nominatim), ``e2e`` (the
production build in headless Chromium) and ``topology`` (the production shape of
``deploy/topology.py``: Caddy, two web nodes, two workers, their own PostgreSQL and
Redis). So ``-m unit`` or ``-m "not e2e"`` pick tiers.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from camshare import migrations
from camshare.db import make_engine
from camshare.settings import Settings, load_settings
from tests.support.transactions import open_outer_transaction

POSTGRES_URL = os.environ.get("CAMSHARE_TEST_DATABASE_URL", "")
DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
TIERS = ("unit", "integration", "standins", "e2e", "topology")
# What a pure test may not ask for: a database, or the API app on one.
DATABASE_FIXTURES = {"database_url", "engine", "session", "factory", "client"}
_TESTS = Path(__file__).resolve().parent
_postgres_not_run: list[pytest.Item] = []


@pytest.hookimpl(tryfirst=True)  # before -m picks tests by these markers
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each test with its folder's tier; without PostgreSQL, leave its half out."""
    impure = []
    for item in items:
        path = Path(item.path).resolve()
        tier = path.relative_to(_TESTS).parts[0] if path.is_relative_to(_TESTS) else ""
        if tier in TIERS:
            item.add_marker(tier)
        if tier == "unit" and DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())):
            impure.append(item.nodeid)
    if impure:
        raise pytest.UsageError(
            "tests/unit/ is for tests that need no database; move these to tests/integration/: "
            + ", ".join(impure)
        )
    if POSTGRES_URL:
        return
    # One line in the summary instead of a "skipped" line for each test.
    _postgres_not_run[:] = [item for item in items if item.get_closest_marker("postgres")]
    if _postgres_not_run:
        config.hook.pytest_deselected(items=_postgres_not_run)
        items[:] = [item for item in items if not item.get_closest_marker("postgres")]


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """Say once why the PostgreSQL half of the database tests did not run."""
    if _postgres_not_run:
        terminalreporter.write_line(
            f"PostgreSQL: {len(_postgres_not_run)} database tests not run (counted as "
            "deselected): CAMSHARE_TEST_DATABASE_URL is not set (scripts/test.sh sets it "
            "when PostgreSQL answers on 127.0.0.1:5432).",
            yellow=True,
        )


def _fresh_postgres(url: str) -> tuple[str, callable]:
    """A new, empty database on the server in ``url``, and how to drop it."""
    base = make_url(url)
    name = f"camshare_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return base.set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(scope="session", params=DATABASES)
def database_url(request, tmp_path_factory) -> Iterator[str]:
    """A migrated database of each kind: SQLite always, PostgreSQL when configured."""
    if request.param == "postgresql":
        url, drop = _fresh_postgres(POSTGRES_URL)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'camshare.db'}"
        drop = None
    migrations.upgrade(url)
    yield url
    if drop:
        drop()


@pytest.fixture(scope="session")
def engine(database_url) -> Iterator[Engine]:
    """One engine per database kind."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine) -> Iterator[Session]:
    """A session whose work is rolled back after the test, commits included."""
    connection = engine.connect()
    outer = connection.begin()
    open_outer_transaction(connection)
    session = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    try:
        yield session
    finally:
        session.close()
        outer.rollback()
        connection.close()


@pytest.fixture
def factory(engine) -> Iterator[sessionmaker[Session]]:
    """A session factory on the test database, for code that opens its own sessions.

    Its commits are real: tables are emptied afterwards.
    """
    yield sessionmaker(bind=engine, expire_on_commit=False)
    from camshare.models import Base

    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def settings() -> Settings:
    """Settings as on a fresh installation, with fast, offline adapters."""
    return load_settings({"CAMSHARE_SECRET_KEY": "test-secret", "CAMSHARE_GEOCODER_MIN_DELAY": "0"})
