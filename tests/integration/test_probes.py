"""/healthz says the process is alive; /readyz whether this node can serve right now."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from camshare import readiness
from tests.integration.test_worker import run_worker_once

REDIS = "redis://127.0.0.1:6379/0"
# The client's public address is not this computer's: a worker there needs a secret.
# Nothing listens on port 9: the geocoder is never needed here.
QUIET_WORKER = {"CAMSHARE_SECRET_KEY": "test-secret", "CAMSHARE_GEOCODER_DOMAIN": "127.0.0.1:9"}


def redis_answers() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS, socket_connect_timeout=0.5).ping())
    except Exception:
        return False


def test_healthz_answers_without_asking_the_database(client, monkeypatch):
    monkeypatch.setenv("CAMSHARE_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:9/none")
    response = client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_readyz_waits_for_a_dispatcher_then_reports_every_check_ok(client, database_url, factory):
    before = client.get("/readyz")
    assert before.status_code == 503
    assert before.json()["checks"] == {
        "database": "ok",
        "migrations": "ok",
        "dispatcher": "stale",
        "redis": "not used",
    }

    # A worker's tick beats the dispatcher's heart.
    run_worker_once(database_url, **QUIET_WORKER)

    after = client.get("/readyz")
    assert (after.status_code, after.json()["status"]) == (200, "ok")
    assert client.get("/api/health").json() == {"status": "ok"}  # kept as it was


def readyz_at_revision(client, database_url, factory, revision: str):
    """/readyz's answer while the database says it is at ``revision`` (put back after)."""
    run_worker_once(database_url, **QUIET_WORKER)
    with factory() as session, session.begin():
        head = session.scalar(text("SELECT version_num FROM alembic_version"))
        session.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": revision})
    try:
        return client.get("/readyz")
    finally:
        with factory() as session, session.begin():
            session.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head})


def test_readyz_fails_while_the_schema_is_behind_the_code(client, database_url, factory):
    response = readyz_at_revision(client, database_url, factory, "0001")
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == "behind"


def test_readyz_serves_on_a_newer_releases_schema_during_an_upgrade(client, database_url, factory):
    """The upgrade migrates first: nodes still on this release stay ready meanwhile."""
    response = readyz_at_revision(client, database_url, factory, "9999")
    assert response.status_code == 200
    assert response.json()["checks"]["migrations"] == "ahead"


@pytest.mark.skipif(not redis_answers(), reason="no Redis on 127.0.0.1:6379")
@pytest.mark.parametrize(("url", "seen"), [(REDIS, "ok"), ("redis://127.0.0.1:9/0", "unreachable")])
def test_readyz_checks_redis_when_state_lives_there(client, monkeypatch, url, seen):
    monkeypatch.setattr(readiness, "redis_url", lambda: url)
    assert client.get("/readyz").json()["checks"]["redis"] == seen
