"""A local stand-in for Twilio's Messages API, for tests that drive the real ``twilio`` client.

It answers ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` the way Twilio does
(and Lookup v2's ``GET /v2/PhoneNumbers/{number}?Fields=line_type_intelligence``, with
each number's line type from ``line_types``, ``lookup_script`` for refusals):
HTTP Basic auth with the account SID and auth token (401 and error 20003 otherwise), form
fields ``To``, ``From`` or ``MessagingServiceSid``, ``Body`` and ``StatusCallback``, a 201
with a message resource in Twilio's JSON shape on success, and Twilio's error JSON
(``code``, ``message``, ``more_info``, ``status``) on refusal. Each test scripts it::

    with TwilioStandin() as server:
        settings = load_settings({"CAMSHARE_TWILIO_API_BASE_URL": server.base_url, ...})
        server.respond_with(429, 503, "ok")  # the next three answers, in order
        server.recipient_errors["+12145550100"] = 21610  # this number replied STOP
        server.delay = 0.3  # think this long before answering a message create
        server.hold = threading.Event()  # answer no message create until it is set

Every request is kept in ``requests`` (with the moment it arrived) and every accepted
message in ``messages``; ``in_flight`` counts message creates received and not answered
yet, so a test can act while a client waits for its answer. It listens on 127.0.0.1 on
an ephemeral port, serves from daemon threads, stops when the ``with`` block ends and, in
any case, after ``max_lifetime`` seconds (that life cycle is ``LoopbackServer``'s).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qsl, unquote, urlsplit

from tests.support.loopback_server import LoopbackHTTPServer, LoopbackServer

DEFAULT_ACCOUNT_SID = "AC" + "0" * 32
DEFAULT_AUTH_TOKEN = "standin-auth-token"

MESSAGES_PATH = re.compile(
    r"^/2010-04-01/Accounts/(?P<account_sid>AC[0-9a-fA-F]{32})/Messages\.json$"
)
# Lookup v2: GET /v2/PhoneNumbers/{number}?Fields=line_type_intelligence
LOOKUP_PATH = re.compile(r"^/v2/PhoneNumbers/(?P<number>[^/]+)$")

# Twilio's own wording for the errors the stand-in can give.
ERROR_MESSAGES = {
    20003: "Authenticate",
    20404: "The requested resource was not found",
    20429: "Too Many Requests",
    20500: "Internal Server Error",
    20503: "Service Unavailable",
    21211: "Invalid 'To' Phone Number",
    21408: (
        "Permission to send an SMS has not been enabled for the region indicated by the 'To' number"
    ),
    21602: "Message body is required.",
    21603: "A 'From' phone number is required.",
    21604: "A 'To' phone number is required.",
    21610: "Attempt to send to unsubscribed recipient",
    21614: "'To' number is not a valid mobile number",
}

# The Twilio error code that goes with a bare HTTP status in a script.
STATUS_CODES = {400: 21211, 401: 20003, 404: 20404, 429: 20429, 500: 20500, 503: 20503}

# GSM 03.38: the basic set costs one septet, the extension set two.
GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = set("^{}\\[~]|€\f")


def count_segments(body: str) -> int:
    """How many SMS segments Twilio bills for ``body`` (GSM-7 or UCS-2 encoding)."""
    if all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in body):
        units, single, multi = sum(2 if ch in GSM7_EXTENSION else 1 for ch in body), 160, 153
    else:
        units, single, multi = len(body.encode("utf-16-le")) // 2, 70, 67
    if units <= single:
        return 1
    return -(-units // multi)


def twilio_error(status: int, code: int, message: str | None = None) -> dict:
    """Twilio's error JSON for one refusal."""
    return {
        "code": code,
        "message": message or ERROR_MESSAGES.get(code, f"Error {code}"),
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


@dataclass(frozen=True)
class AcceptedMessage:
    """One message the stand-in accepted (answered 201)."""

    sid: str
    account_sid: str
    to: str
    from_: str | None
    messaging_service_sid: str | None
    body: str
    status_callback: str | None


@dataclass(frozen=True)
class RecordedRequest:
    """One request the stand-in received, and the HTTP status it answered."""

    method: str
    path: str
    form: dict[str, str]
    auth_user: str | None
    status: int
    received_at: float = 0.0  # time.monotonic() when it arrived


# A scripted answer: "ok" (normal handling), an HTTP status (with the Twilio code that
# usually goes with it) or an explicit (HTTP status, Twilio code) pair.
Scripted = str | int | tuple[int, int]


@dataclass
class TwilioStandin(LoopbackServer):
    """A Twilio Messages API look-alike on 127.0.0.1; script it through its attributes."""

    account_sid: str = DEFAULT_ACCOUNT_SID
    auth_token: str = DEFAULT_AUTH_TOKEN
    recipient_errors: dict[str, int] = field(default_factory=dict)
    # Seconds to wait before answering each message create, as a busy provider does.
    delay: float = 0.0
    # When given, message creates wait for it (then ``delay``): a test can hold several
    # clients' requests at once, e.g. to be sure concurrent clients all got started.
    hold: threading.Event | None = None
    max_lifetime: float = 600.0
    # Lookup v2: each number's line type ("mobile", "landline", "nonFixedVoip"…; mobile
    # when not listed), and scripted answers to lookups, like ``respond_with``'s.
    line_types: dict[str, str] = field(default_factory=dict)
    lookup_script: deque = field(default_factory=deque)
    requests: list[RecordedRequest] = field(default_factory=list, init=False)
    messages: list[AcceptedMessage] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        self._script: deque[Scripted] = deque()
        self._in_flight = 0

    # Life cycle -----------------------------------------------------------------------

    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        return _Handler

    @property
    def base_url(self) -> str:
        """What to give the client as its API base URL: ``http://127.0.0.1:PORT``."""
        return f"http://{self.host}:{self.port}"

    # Scripting --------------------------------------------------------------------------

    def respond_with(self, *answers: Scripted) -> None:
        """Queue the next answers to message requests, e.g. ``(429, 503, "ok")``."""
        with self._lock:
            self._script.extend(answers)

    def respond_normally(self) -> None:
        """Forget the answers still queued: every request is accepted again (an outage ends)."""
        with self._lock:
            self._script.clear()

    @property
    def pending(self) -> list[Scripted]:
        """Scripted answers not given yet."""
        with self._lock:
            return list(self._script)

    @property
    def in_flight(self) -> int:
        """Message creates received and not answered yet (``delay`` keeps them waiting)."""
        with self._lock:
            return self._in_flight

    def _next_scripted(self) -> Scripted:
        with self._lock:
            return self._script.popleft() if self._script else "ok"

    def _record(self, request: RecordedRequest, message: AcceptedMessage | None = None) -> None:
        with self._lock:
            self.requests.append(request)
            if message is not None:
                self.messages.append(message)

    # Answers ----------------------------------------------------------------------------

    def answer(
        self, method: str, path: str, form: dict[str, str], authorization: str | None
    ) -> tuple[int, dict]:
        """The HTTP status and JSON body for one request (called from handler threads)."""
        received_at = time.monotonic()
        auth_user = _basic_user(authorization)
        creating = method == "POST" and MESSAGES_PATH.match(path) is not None
        if creating:
            with self._lock:
                self._in_flight += 1
        try:
            if creating and self.hold is not None:
                self.hold.wait(self.max_lifetime)
            if creating and self.delay > 0:
                time.sleep(self.delay)
            status, payload, accepted = self._decide(method, path, form, authorization)
            self._record(
                RecordedRequest(method, path, form, auth_user, status, received_at), accepted
            )
        finally:
            if creating:
                with self._lock:
                    self._in_flight -= 1
        return status, payload

    def _decide(
        self, method: str, path: str, form: dict[str, str], authorization: str | None
    ) -> tuple[int, dict, AcceptedMessage | None]:
        if _basic_credentials(authorization) != (self.account_sid, self.auth_token):
            return 401, twilio_error(401, 20003) | {"detail": _AUTH_DETAIL}, None
        lookup = LOOKUP_PATH.match(path)
        if lookup is not None and method == "GET":
            return *self._lookup(unquote(lookup["number"]), form), None
        match = MESSAGES_PATH.match(path)
        if match is None or match["account_sid"] != self.account_sid:
            return 404, twilio_error(404, 20404), None
        if method != "POST":
            return 405, twilio_error(405, 20004, "Method not allowed"), None

        scripted = self._next_scripted()
        if scripted != "ok":
            return *_scripted_error(scripted), None

        to = form.get("To", "")
        sender = form.get("From") or None
        service = form.get("MessagingServiceSid") or None
        body = form.get("Body", "")
        if not to:
            return 400, twilio_error(400, 21604), None
        if not re.fullmatch(r"\+[1-9]\d{6,14}", to):
            return (
                400,
                twilio_error(400, 21211, f"The 'To' number {to} is not a valid phone number."),
                None,
            )
        if sender is None and service is None:
            return 400, twilio_error(400, 21603), None
        if not body:
            return 400, twilio_error(400, 21602), None
        if to in self.recipient_errors:
            code = self.recipient_errors[to]
            return 400, twilio_error(400, code), None

        message = AcceptedMessage(
            sid="SM" + uuid.uuid4().hex,
            account_sid=self.account_sid,
            to=to,
            from_=sender,
            messaging_service_sid=service,
            body=body,
            status_callback=form.get("StatusCallback") or None,
        )
        return 201, self._resource(message), message

    def _lookup(self, number: str, query: dict[str, str]) -> tuple[int, dict]:
        """A Lookup v2 phone number resource, with line type intelligence when asked."""
        with self._lock:
            scripted = self.lookup_script.popleft() if self.lookup_script else "ok"
        if scripted != "ok":
            return _scripted_error(scripted)
        valid = re.fullmatch(r"\+[1-9]\d{6,14}", number) is not None
        intelligence = None
        if valid and "line_type_intelligence" in query.get("Fields", "").split(","):
            intelligence = {
                "carrier_name": "Stand-in Telecom",
                "error_code": None,
                "mobile_country_code": "310",
                "mobile_network_code": "999",
                "type": self.line_types.get(number, "mobile"),
            }
        return 200, {
            "calling_country_code": "1" if number.startswith("+1") else None,
            "country_code": "US" if number.startswith("+1") else None,
            "phone_number": number,
            "national_format": None,
            "valid": valid,
            "validation_errors": [] if valid else ["NOT_A_NUMBER"],
            "caller_name": None,
            "sim_swap": None,
            "call_forwarding": None,
            "line_status": None,
            "line_type_intelligence": intelligence,
            "identity_match": None,
            "reassigned_number": None,
            "sms_pumping_risk": None,
            "phone_number_quality_score": None,
            "pre_fill": None,
            "url": f"https://lookups.twilio.com/v2/PhoneNumbers/{number}",
        }

    @staticmethod
    def _resource(message: AcceptedMessage) -> dict:
        """A message resource as Twilio returns it on creation."""
        now = format_datetime(datetime.now(UTC).replace(microsecond=0))
        uri = f"/2010-04-01/Accounts/{message.account_sid}/Messages/{message.sid}"
        return {
            "account_sid": message.account_sid,
            "api_version": "2010-04-01",
            "body": message.body,
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": message.from_,
            "messaging_service_sid": message.messaging_service_sid,
            "num_media": "0",
            "num_segments": str(count_segments(message.body)),
            "price": None,
            "price_unit": "USD",
            "sid": message.sid,
            # Twilio says "accepted" while a messaging service still has to pick a sender.
            "status": "accepted" if message.from_ is None else "queued",
            "subresource_uris": {"media": f"{uri}/Media.json"},
            "to": message.to,
            "uri": f"{uri}.json",
        }


def _scripted_error(scripted: int | tuple[int, int]) -> tuple[int, dict]:
    """The HTTP status and Twilio error body of a scripted refusal."""
    status, code = scripted if isinstance(scripted, tuple) else (scripted, STATUS_CODES[scripted])
    return status, twilio_error(status, code)


_AUTH_DETAIL = "Your AccountSid or AuthToken was incorrect."


def _basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    if not authorization or not authorization.startswith("Basic "):
        return None
    try:
        user, _, password = (
            base64.b64decode(authorization[6:], validate=True).decode().partition(":")
        )
    except (binascii.Error, UnicodeDecodeError):
        return None
    return user, password


def _basic_user(authorization: str | None) -> str | None:
    credentials = _basic_credentials(authorization)
    return credentials[0] if credentials else None


class _Handler(BaseHTTPRequestHandler):
    server: LoopbackHTTPServer[TwilioStandin]
    server_version = "TwilioStandin/1.0"

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode("utf-8") if length else ""
        form = dict(parse_qsl(raw, keep_blank_values=True))
        url = urlsplit(self.path)
        path = url.path
        if self.command == "GET":
            form = dict(parse_qsl(url.query, keep_blank_values=True))
        status, payload = self.server.owner.answer(
            self.command, path, form, self.headers.get("Authorization")
        )
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Twilio-Request-Id", "RQ" + uuid.uuid4().hex)
        if status == 401:
            self.send_header("WWW-Authenticate", 'Basic realm="Twilio API"')
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        self._handle()

    def do_GET(self) -> None:
        self._handle()

    def log_message(self, format: str, *args: object) -> None:
        """Keep test output quiet; ``requests`` holds what matters."""
