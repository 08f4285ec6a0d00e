"""Log lines: one JSON object each, with a request id, and no secret or personal value."""

from __future__ import annotations

import json
import logging

import pytest

from camshare.logs import REDACTED, JsonFormatter, RedactingFilter, redact, request_id


@pytest.mark.parametrize(
    ("line", "kept", "gone"),
    [
        ('127.0.0.1:5000 - "GET /r/Xk9_2abCdEf HTTP/1.1" 200', "GET /r/", "Xk9_2abCdEf"),
        ('"GET /manage/t0k3n?lang=es HTTP/1.1" 200', "/manage/", "t0k3n"),
        ("GET /a/abc123 and /c/def456", "/a/", "abc123"),
        ("/_event/?token=0f1e2d3c-aaaa&EIO=4", "EIO=4", "0f1e2d3c-aaaa"),
        ("sent to +12145550142 ok", "sent to", "+12145550142"),
        ("call (214) 555-0142 now", "call", "555-0142"),
        ("mail ana.lopez+cams@example.org", "mail", "ana.lopez+cams@example.org"),
        ("your code is 482913.", "your code is", "482913"),
    ],
)
def test_secrets_and_personal_values_are_masked(line, kept, gone):
    masked = redact(line)
    assert kept in masked
    assert gone not in masked
    assert REDACTED in masked


def test_addresses_ports_ids_and_times_stay_readable():
    line = "127.0.0.1:53422 request 12345 took 0.0123 s at 2026-12-02T14:30:00 outbox id=42"
    assert redact(line) == line


def test_a_record_becomes_one_json_line_with_its_request_id():
    record = logging.LogRecord(
        "camshare.test", logging.INFO, __file__, 1, "texted %s", ("+12145550142",), None
    )
    RedactingFilter().filter(record)
    token = request_id.set("req-1")
    try:
        line = JsonFormatter().format(record)
    finally:
        request_id.reset(token)
    assert "\n" not in line
    parsed = json.loads(line)
    assert parsed["message"] == f"texted {REDACTED}"
    assert (parsed["level"], parsed["logger"], parsed["request_id"]) == (
        "INFO",
        "camshare.test",
        "req-1",
    )


def test_message_bodies_the_sms_client_logs_stay_out_of_the_log():
    from camshare.logs import configure_logging
    from camshare.settings import load_settings

    root = logging.getLogger()
    before = list(root.handlers), root.level
    try:
        configure_logging(load_settings({}))
        # The Twilio client logs each request's body (the SMS text) at INFO.
        assert not logging.getLogger("twilio.http_client").isEnabledFor(logging.INFO)
        assert logging.getLogger("twilio.http_client").isEnabledFor(logging.WARNING)
    finally:
        root.handlers[:], root.level = before
