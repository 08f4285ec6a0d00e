"""The worker as its own process: it sends what the web app queued."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from camshare.models import OutboxMessage
from camshare.services.outbox import enqueue_sms

ROOT = Path(__file__).resolve().parents[2]


def test_python_m_camshare_worker_sends_the_queued_messages(database_url, factory):
    with factory() as session, session.begin():
        enqueue_sms(session, "+12145550142", "first", "test", "en")
        enqueue_sms(session, "+12145550143", "second", "test", "es")
    env = {
        **os.environ,
        "CAMSHARE_DATABASE_URL": database_url,
        "CAMSHARE_SMS_BACKEND": "outbox",
        "CAMSHARE_GEOCODER_DOMAIN": "127.0.0.1:9",  # nothing listens: retries just wait
        "CAMSHARE_GEOCODER_SCHEME": "http",
    }
    subprocess.run(
        [sys.executable, "-m", "camshare.worker", "--once"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
    )
    with factory() as session:
        messages = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [(m.body, m.status) for m in messages] == [("first", "sent"), ("second", "sent")]
    assert all(m.provider_sid for m in messages)
