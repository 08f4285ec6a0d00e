"""Running the committed Alembic migrations from code (the app, the CLI, the tests)."""

from __future__ import annotations

from alembic.config import Config

from alembic import command
from camshare.settings import PROJECT_DIR


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
