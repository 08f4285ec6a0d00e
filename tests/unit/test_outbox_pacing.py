"""The demo outbox sends without pacing."""

from __future__ import annotations

from camshare.services.messaging.sms import RecordingGateway


def test_the_demo_outbox_is_not_paced(monkeypatch):
    from camshare import worker

    monkeypatch.setattr(worker, "sms_gateway", RecordingGateway)
    monkeypatch.setattr(worker, "session_factory", lambda: None)
    assert worker.Worker().pace() is None
