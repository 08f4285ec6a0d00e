"""A local stand-in for Nominatim's HTTP API, for tests that drive the real geopy client.

It speaks enough of Nominatim's JSON API (``GET /search`` and ``GET /reverse`` with
``format=json``) for geopy's ``Nominatim`` class, answers from a dict of known places set
by each test, records every request, and can be told to fail (HTTP 5xx) or to be slow::

    with NominatimStandin({"1500 Marilla St, Dallas, TX 75201": KnownPlace(...)}) as server:
        settings = load_settings({"CAMSHARE_GEOCODER_DOMAIN": server.domain, ...})
        server.mode = "error"  # every answer is HTTP ``server.error_status`` from now on

It listens on 127.0.0.1 on an ephemeral port, runs in daemon threads, stops when the
``with`` block ends, and stops itself after ``max_lifetime`` seconds in any case (that life
cycle is ``LoopbackServer``'s).
"""

from __future__ import annotations

import json
import math
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import NamedTuple
from urllib.parse import parse_qsl, urlsplit

from tests.support.loopback_server import LoopbackHTTPServer, LoopbackServer

LICENCE = "Data © OpenStreetMap contributors, ODbL 1.0. http://osm.org/copyright"

# How far (in degrees, about 100 m) a reverse lookup may be from a known place.
REVERSE_TOLERANCE = 0.001


class KnownPlace(NamedTuple):
    """A place the stand-in knows: a point, its display name and its address parts."""

    lat: float
    lon: float
    display_name: str
    address: dict[str, str]


@dataclass(frozen=True)
class RecordedRequest:
    """One request the stand-in received."""

    path: str
    params: dict[str, str]
    user_agent: str


def fold_query(query: str) -> str:
    """A query as the stand-in compares it: lower case, runs of spaces and commas as one."""
    return re.sub(r"[\s,]+", " ", query.lower()).strip()


@dataclass
class NominatimStandin(LoopbackServer):
    """A Nominatim look-alike on 127.0.0.1; configure it through its attributes.

    ``mode`` is ``"normal"`` (answer from ``places``), ``"error"`` (answer every request
    with HTTP ``error_status``) or ``"slow"`` (wait ``delay`` seconds, then answer
    normally; meant to outlast the client's timeout).
    """

    places: dict[str, KnownPlace | tuple] = field(default_factory=dict)
    mode: str = "normal"
    error_status: int = 500
    delay: float = 5.0
    max_lifetime: float = 600.0
    requests: list[RecordedRequest] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        self._stopping = threading.Event()

    # Life cycle -----------------------------------------------------------------------

    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        return _Handler

    @property
    def domain(self) -> str:
        """``host:port`` to give geopy as its domain."""
        return f"{self.host}:{self.port}"

    def start(self) -> NominatimStandin:
        """Start listening (a no-op when already listening); returns the stand-in itself."""
        if self.running:
            return self
        self._stopping.clear()
        return super().start()

    def stop(self) -> None:
        """Stop listening and release any request held in ``"slow"`` mode."""
        self._stopping.set()
        super().stop()

    # Behaviour --------------------------------------------------------------------------

    def requests_to(self, path: str) -> list[RecordedRequest]:
        """The recorded requests for ``path`` (e.g. ``"/search"``)."""
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _known(self) -> list[tuple[int, str, KnownPlace]]:
        return [
            (index, key, KnownPlace(*value))
            for index, (key, value) in enumerate(self.places.items())
        ]

    def _hold(self) -> None:
        """In ``"slow"`` mode, wait ``delay`` seconds (cut short when stopping)."""
        if self.mode == "slow":
            self._stopping.wait(self.delay)

    def answer(self, path: str, params: dict[str, str]) -> tuple[int, object]:
        """The HTTP status and JSON body for a request."""
        if self.mode == "error":
            return self.error_status, {"error": {"code": self.error_status, "message": "Down"}}
        if path == "/search":
            return self._search(params)
        if path == "/reverse":
            return self._reverse(params)
        return 404, {"error": {"code": 404, "message": "Not found"}}

    def _search(self, params: dict[str, str]) -> tuple[int, object]:
        query = params.get("q", "")
        if not query.strip():
            return 400, {"error": {"code": 400, "message": "Nothing to search for."}}
        limit = max(1, min(int(params.get("limit", "10") or 10), 40))
        countries = {c for c in params.get("countrycodes", "").lower().split(",") if c}
        details = params.get("addressdetails") == "1"
        wanted = fold_query(query)
        results = []
        for index, key, place in self._known():
            country = place.address.get("country_code", "us")
            if fold_query(key) == wanted and (not countries or country in countries):
                results.append(_place_json(index, place, details))
        return 200, results[:limit]

    def _reverse(self, params: dict[str, str]) -> tuple[int, object]:
        try:
            lat, lon = float(params["lat"]), float(params["lon"])
        except (KeyError, ValueError):
            return 400, {"error": {"code": 400, "message": "Parameter 'lat' missing."}}
        details = params.get("addressdetails", "1") != "0"
        best = None
        for index, _key, place in self._known():
            distance = math.hypot(place.lat - lat, place.lon - lon)
            if distance <= REVERSE_TOLERANCE and (best is None or distance < best[0]):
                best = (distance, index, place)
        if best is None:
            return 200, {"error": "Unable to geocode"}
        return 200, _place_json(best[1], best[2], details)


def _place_json(index: int, place: KnownPlace, details: bool) -> dict:
    """A result in Nominatim's ``format=json`` shape (coordinates as strings)."""
    body = {
        "place_id": 100000 + index,
        "licence": LICENCE,
        "osm_type": "way",
        "osm_id": 200000 + index,
        "lat": f"{place.lat:.7f}",
        "lon": f"{place.lon:.7f}",
        "class": "building",
        "type": "house",
        "place_rank": 30,
        "importance": 0.1,
        "addresstype": "building",
        "name": "",
        "display_name": place.display_name,
        "boundingbox": [
            f"{place.lat - 0.0001:.7f}",
            f"{place.lat + 0.0001:.7f}",
            f"{place.lon - 0.0001:.7f}",
            f"{place.lon + 0.0001:.7f}",
        ],
    }
    if details:
        body["address"] = {"country": "United States", "country_code": "us", **place.address}
    return body


class _Handler(BaseHTTPRequestHandler):
    server: LoopbackHTTPServer[NominatimStandin]
    server_version = "NominatimStandin/1.0"

    def do_GET(self) -> None:
        standin = self.server.owner
        url = urlsplit(self.path)
        path = url.path.rstrip("/") or "/"
        path = path.removesuffix(".php")
        params = dict(parse_qsl(url.query, keep_blank_values=True))
        standin._record(RecordedRequest(path, params, self.headers.get("User-Agent", "")))
        standin._hold()
        status, body = standin.answer(path, params)
        payload = json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, format: str, *args: object) -> None:
        """Keep test output clean."""
