"""What /readyz checks: the database, its schema, Redis (when used), a live dispatcher.

Cheap enough to poll every few seconds: one transaction with two primary-key reads, one
Redis PING; the migrations' head is read from the scripts once per process.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from functools import lru_cache

from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.orm import Session

from camshare import migrations
from camshare.runtime import in_session_async
from camshare.services.operations.heartbeat import is_fresh, last_beat
from camshare.settings import get_settings

OK = "ok"
# The schema is a newer release's: an upgrade migrates first, then restarts the nodes one at
# a time, and a node still on this release serves meanwhile (migrations expand, README).
AHEAD = "ahead"
# This code's migrations have not run yet: the node is not ready.
BEHIND = "behind"
REDIS_TIMEOUT_SECONDS = 1.0


@lru_cache(maxsize=1)
def migrations_head() -> frozenset[str]:
    """The newest revision(s) of the committed migrations."""
    return frozenset(ScriptDirectory.from_config(migrations.alembic_config()).get_heads())


@lru_cache(maxsize=1)
def known_revisions() -> frozenset[str]:
    """Every revision of the committed migrations."""
    scripts = ScriptDirectory.from_config(migrations.alembic_config())
    return frozenset(script.revision for script in scripts.walk_revisions())


def migrations_state(versions: frozenset[str]) -> str:
    """ "ok" at this code's head; "ahead" at revisions this code does not know (a newer
    release migrated it); "behind" otherwise (this code's migrations have not run)."""
    if versions == migrations_head():
        return OK
    if versions and not versions & known_revisions():
        return AHEAD
    return BEHIND


def _database_checks(session: Session) -> dict[str, str]:
    versions = frozenset(session.scalars(text("SELECT version_num FROM alembic_version")))
    stale_after = timedelta(seconds=get_settings().heartbeat_stale_seconds)
    return {
        "migrations": migrations_state(versions),
        "dispatcher": OK if is_fresh(last_beat(session), stale_after) else "stale",
    }


@lru_cache(maxsize=1)
def _redis_client(url: str):
    import redis

    return redis.Redis.from_url(
        url, socket_timeout=REDIS_TIMEOUT_SECONDS, socket_connect_timeout=REDIS_TIMEOUT_SECONDS
    )


def redis_url() -> str | None:
    """Reflex's state store, when it is Redis (``REFLEX_REDIS_URL``); None: in-process."""
    from reflex_base.config import get_config

    return get_config().redis_url or None


def _redis_check(url: str) -> str:
    try:
        _redis_client(url).ping()
    except Exception:
        return "unreachable"
    return OK


async def readiness() -> dict[str, str]:
    """Each check's outcome ("ok" or why not); ready when every one is "ok"."""
    checks: dict[str, str] = {}
    try:
        checks.update(await in_session_async(_database_checks))
        checks["database"] = OK
    except Exception:
        checks.update(database="unreachable", migrations="unknown", dispatcher="unknown")
    url = redis_url()
    checks["redis"] = await asyncio.to_thread(_redis_check, url) if url else "not used"
    return checks


def is_ready(checks: dict[str, str]) -> bool:
    """Whether every check passed (Redis not used, and a newer release's schema, count as
    passed)."""
    return all(value in (OK, "not used", AHEAD) for value in checks.values())
