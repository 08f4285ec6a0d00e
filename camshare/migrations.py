"""Running the committed Alembic migrations from code (the app, the CLI, the tests)."""

from __future__ import annotations

import fcntl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic.config import Config
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from alembic import command
from camshare.settings import PROJECT_DIR, get_settings

# pg_advisory_lock's key for "migrating camshare" (any fixed number; this one spells "cams").
MIGRATION_LOCK_KEY = 0x63616D73

# Made by hand in the migrations, described by no model: the radius search's SQLite R*Tree
# (a virtual table and the shadow tables SQLite keeps for it) and PostgreSQL GiST index.
UNMODELLED_TABLES = frozenset(
    {"site_rtree", "site_rtree_node", "site_rtree_rowid", "site_rtree_parent"}
)
UNMODELLED_INDEXES = frozenset({"ix_site_point"})


def include_name(name: str | None, type_: str, parent_names: dict[str, str | None]) -> bool:
    """Alembic's ``include_name`` hook: leave the unmodelled spatial objects out.

    Used by autogenerate (alembic/env.py) and by the test comparing the database with the
    models, so neither proposes to drop what the migrations built on purpose.
    """
    if type_ == "table":
        return name not in UNMODELLED_TABLES
    if type_ == "index":
        return name not in UNMODELLED_INDEXES
    return True


def alembic_config(database_url: str | None = None) -> Config:
    """Alembic's configuration for this project, optionally for another database."""
    config = Config(str(PROJECT_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_DIR / "alembic"))
    if database_url:
        config.attributes["database_url"] = database_url
    return config


@contextmanager
def migration_lock(database_url: str | None = None) -> Iterator[None]:
    """Held by one process at a time per database, so nodes starting together migrate once.

    PostgreSQL: a session advisory lock on a connection of its own (released when that
    connection closes, also if the process dies). SQLite: an exclusive ``flock`` on a file
    beside the database. An in-memory database is this process's alone.
    """
    url = make_url(database_url or get_settings().database_url)
    if url.get_backend_name() == "postgresql":
        engine = create_engine(url, poolclass=NullPool)
        try:
            with engine.connect() as connection:
                connection.execute(
                    text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
                )
                connection.commit()
                try:
                    yield
                finally:
                    connection.execute(
                        text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY}
                    )
                    connection.commit()
        finally:
            engine.dispose()
    elif url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        with Path(f"{url.database}.migrate-lock").open("a") as lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock_file, fcntl.LOCK_UN)
    else:
        yield


def upgrade(database_url: str | None = None, then: Callable[[], object] | None = None) -> object:
    """Bring the database to the newest schema, under the migration lock.

    ``then`` runs under the same lock after the upgrade (the CLI publishes the first
    agreement there, so two nodes starting together publish it once); its result is returned.
    """
    with migration_lock(database_url):
        command.upgrade(alembic_config(database_url), "head")
        return then() if then is not None else None
