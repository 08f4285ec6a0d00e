"""Logging for every camshare process, set up in one place: one JSON object a line.

Each line carries the request id of the HTTP request or event it belongs to. No line may
hold a name, phone number, e-mail, address, token, code or secret: camshare's own
messages name rows by id, and a filter on the one handler rewrites what other libraries
write (the servers' access logs put ``/r/<token>`` links in their lines).
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

from camshare import routes
from camshare.settings import Settings

request_id: ContextVar[str | None] = ContextVar("camshare_request_id", default=None)
REQUEST_ID_HEADER = "x-request-id"
_GOOD_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
REDACTED = "[redacted]"
access_log = logging.getLogger("camshare.access")
# Pages whose last segment is a secret (an SMS link's token), and query parameters that are.
TOKEN_ROUTES = (routes.OWNER_ANSWER, routes.MANAGE, routes.RECONSENT, routes.RECONFIRM)
_TOKEN_PATH = re.compile(
    "(" + "|".join(re.escape(routes.path_prefix(r)) for r in TOKEN_ROUTES) + r")[^\s/?\"']+"
)
_SECRET_QUERY = re.compile(r"(?i)\b(token|code|key|secret|password|signature)=[^&\s\"']+")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
# A phone number as typed or stored (E.164 or with separators): 7+ digits in a row or
# grouped; IPs, ports, ids and timestamps are shorter runs or have dots/colons between.
_PHONE = re.compile(r"(?<![\w.:])\+?\d[\d ()-]{8,}\d(?!\w|[.:]\d)")
# A verification code: six digits standing alone.
_CODE = re.compile(r"(?<![\w.:/-])\d{6}(?!\w|[.:/-]\d)")
# The servers and libraries whose loggers are routed through the one handler.
SERVER_LOGGERS = (
    "uvicorn",
    "uvicorn.access",
    "uvicorn.error",
    "granian",
    "granian.access",
    "_granian",
    "reflex",
    "alembic",
)


def redact(text: str) -> str:
    """``text`` with tokens in links, secret query values, e-mails, phones and codes masked."""
    text = _TOKEN_PATH.sub(lambda m: m.group(1) + REDACTED, text)
    text = _SECRET_QUERY.sub(lambda m: f"{m.group(1)}={REDACTED}", text)
    text = _EMAIL.sub(REDACTED, text)
    text = _PHONE.sub(REDACTED, text)
    return _CODE.sub(REDACTED, text)


class RedactingFilter(logging.Filter):
    """Rewrites each record's message (and traceback) with ``redact`` before it is written."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request id, process."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id.get(),
            "process": record.process,
        }
        if record.exc_text:
            line["error"] = record.exc_text
        return json.dumps(line, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """Plain lines for a person at a terminal, with the request id."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        record.request_id = getattr(record, "request_id", None) or request_id.get() or "-"
        return super().format(record)


def configure_logging(settings: Settings) -> None:
    """Send every log record of this process through one redacting handler on stderr.

    Called by each entry point (the web app module, the worker, the CLI); calling it again
    replaces the handler rather than adding a second.
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if settings.log_format == "json" else TextFormatter())
    handler.addFilter(RedactingFilter())
    handler.set_name("camshare")
    root = logging.getLogger()
    root.handlers = [h for h in root.handlers if h.get_name() != "camshare"]
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    for name in SERVER_LOGGERS:
        server_logger = logging.getLogger(name)
        server_logger.handlers = []
        server_logger.propagate = True
    # SQL statements carry the values typed into forms: never below WARNING.
    logging.getLogger("sqlalchemy").setLevel(logging.WARNING)
    # The Twilio client logs every request (URL, headers, body: the message text) at INFO;
    # the outbox keeps its own record of each send, so only its warnings are worth a line.
    logging.getLogger("twilio").setLevel(logging.WARNING)


def new_request_id(offered: str | None = None) -> str:
    """The id of a request: the proxy's ``X-Request-ID`` when well-formed, else a new one."""
    if offered and _GOOD_REQUEST_ID.fullmatch(offered):
        return offered
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """ASGI middleware: each HTTP request (and event socket) gets a request id, echoed in
    ``X-Request-ID``, and one access line (method, path with tokens masked, status, time)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        offered = dict(scope.get("headers") or []).get(REQUEST_ID_HEADER.encode())
        rid = new_request_id(offered.decode("latin-1") if offered else None)
        token = request_id.set(rid)
        started, status = time.perf_counter(), [None]

        async def send_with_id(message) -> None:
            if message.get("type") == "http.response.start":
                status[0] = message.get("status")
                headers = [*message.get("headers", []), (REQUEST_ID_HEADER.encode(), rid.encode())]
                message = {**message, "headers": headers}
            elif message.get("type") == "websocket.accept":
                status[0] = 101
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            access_log.info(
                "%s %s %s %.1f ms",
                scope.get("method", "WS"),
                scope.get("path", ""),
                status[0],
                (time.perf_counter() - started) * 1000,
            )
            request_id.reset(token)
