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
REDIS_TIMEOUT_SECONDS = 1.0


@lru_cache(maxsize=1)
def migrations_head() -> frozenset[str]:
    """The newest revision(s) of the committed migrations."""
    return frozenset(ScriptDirectory.from_config(migrations.alembic_config()).get_heads())


def _database_checks(session: Session) -> dict[str, str]:
    versions = frozenset(session.scalars(text("SELECT version_num FROM alembic_version")))
    stale_after = timedelta(seconds=get_settings().heartbeat_stale_seconds)
    return {
        "migrations": OK if versions == migrations_head() else "behind",
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
    """Whether every check passed (Redis not used counts as passed)."""
    return all(value in (OK, "not used") for value in checks.values())
