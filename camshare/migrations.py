"""Running the committed Alembic migrations from code (the app, the CLI, the tests)."""

from __future__ import annotations

from alembic.config import Config

from alembic import command
from camshare.settings import PROJECT_DIR

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


def upgrade(database_url: str | None = None) -> None:
    """Bring the database to the newest schema."""
    command.upgrade(alembic_config(database_url), "head")
