"""A benchmark's camshare: the production build on a fresh database with the demo data and
a request two owners answer.

Everything goes through the project's own commands and use cases (the demo seed, the
access-request use cases via the tests' builders), never hand-written rows.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from camshare.db import make_engine  # noqa: E402
from camshare.models import OutboxMessage  # noqa: E402
from camshare.settings import load_settings  # noqa: E402
from tests.support.access_builders import (  # noqa: E402
    point_at,
    registered_owner,
    sent_request,
    staff,
)
from tests.support.live_server import free_port, reflex_prod_server  # noqa: E402


def seed_answer_links(env: dict[str, str], database_url: str) -> dict[str, str]:
    """Schema, demo data, and a request sent now to an English and a Spanish owner near the
    incident; returns each one's answer page path (``/r/<token>``) by language."""
    for command in (["migrate"], ["seed-demo"]):
        subprocess.run(
            [sys.executable, "-m", "camshare.cli", *command],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            timeout=180,
        )
    settings = load_settings(env)
    engine = make_engine(database_url)
    with Session(engine) as session, session.begin():
        owners = {
            "en": registered_owner(session, point_at(40), language="en", name="Ann Example"),
            "es": registered_owner(session, point_at(60), language="es", name="Rosa Díaz"),
        }
        police, supervisor = staff(session, "police"), staff(session, "supervisor")
        sent_request(session, settings, police, supervisor, at=datetime.now(UTC))
        bodies = {
            m.to_e164: m.body
            for m in session.scalars(
                select(OutboxMessage).where(OutboxMessage.purpose == "access_request")
            )
        }
        links = {
            lang: re.search(r"/r/[A-Za-z0-9_-]+", bodies[owner.phone_e164]).group(0)
            for lang, owner in owners.items()
        }
    engine.dispose()
    return links


@contextmanager
def camshare_with_answer_links(log: Path, lifetime: int) -> Iterator[tuple[str, dict[str, str]]]:
    """The production build on a free loopback port, on a fresh SQLite database seeded by
    ``seed_answer_links``, stopped at the end: its address, and the answer pages."""
    with tempfile.TemporaryDirectory(prefix="camshare-bench-") as workdir:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        database_url = f"sqlite:///{Path(workdir) / 'camshare.db'}"
        env = {
            **os.environ,
            "CAMSHARE_DATABASE_URL": database_url,
            "CAMSHARE_PUBLIC_BASE_URL": base,
            "CAMSHARE_PORT": str(port),
            "CAMSHARE_DEMO_MODE": "true",
            "CAMSHARE_SMS_BACKEND": "outbox",
        }
        links = seed_answer_links(env, database_url)
        print(f"starting camshare on {base} (log: {log.relative_to(ROOT)})", flush=True)
        with reflex_prod_server(ROOT, env, port, log, "/api/health", 300, lifetime):
            yield base, links


@contextmanager
def chromium():
    """Debian's headless Chromium, driven by Playwright, closed at the end."""
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM, CHROMIUM_FLAGS

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()
