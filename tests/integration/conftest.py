"""The API app on the test database, Twilio's request signing for webhook tests, and empty
databases for tests that build the schema themselves."""

from __future__ import annotations

from datetime import timedelta

import pytest
from starlette.testclient import TestClient
from twilio.request_validator import RequestValidator

from camshare import db
from camshare.api import create_api
from camshare.models import StaffSession, StaffUser, utcnow
from camshare.services.tokens import new_token, token_hash
from camshare.settings import get_settings
from tests.conftest import DATABASES, POSTGRES_URL, _fresh_postgres
from tests.support.access_builders import staff

TWILIO_TOKEN = "test-auth-token"
PUBLIC_BASE = "https://registry.example.gov"


@pytest.fixture(params=DATABASES)
def empty_database_url(request, tmp_path):
    """A database of each kind with nothing in it, not even the schema (the migrations'
    own tests build it)."""
    if request.param == "postgresql":
        url, drop = _fresh_postgres(POSTGRES_URL)
        yield url
        drop()
    else:
        yield f"sqlite:///{tmp_path / 'camshare.db'}"


@pytest.fixture
def client(monkeypatch, database_url, factory):
    """The API app configured for Twilio, on the test database."""
    monkeypatch.setenv("CAMSHARE_DATABASE_URL", database_url)
    monkeypatch.setenv("CAMSHARE_PUBLIC_BASE_URL", PUBLIC_BASE)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TWILIO_TOKEN)
    get_settings.cache_clear()
    db.get_engine.cache_clear()
    yield TestClient(create_api())
    get_settings.cache_clear()
    db.get_engine.cache_clear()


def post_signed(
    client, path: str, form: dict[str, str], *, sign: bool = True, token: str = TWILIO_TOKEN
):
    """POST ``form`` to ``path`` as Twilio would, signed with ``token`` (or not at all)."""
    headers = {}
    if sign:
        headers["X-Twilio-Signature"] = RequestValidator(token).compute_signature(
            f"{PUBLIC_BASE}{path}", form
        )
    return client.post(path, data=form, headers=headers)


def sign_in(factory, role: str, *, signed_in: bool = True) -> tuple[str, str]:
    """A staff member of ``role`` with a live session: (cookie token, username)."""
    token, now = new_token(), utcnow()
    with factory() as session, session.begin():
        actor = staff(session, role)
        session.get(StaffUser, actor.user_id).totp_enabled_at = now  # as if enrolled
        session.add(
            StaffSession(
                user_id=actor.user_id,
                token_sha256=token_hash(token),
                created_at=now,
                last_seen_at=now,
                authenticated_at=now if signed_in else None,
                expires_at=now + timedelta(hours=1),
            )
        )
    return token, actor.username
