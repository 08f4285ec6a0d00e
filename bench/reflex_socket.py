"""Reflex 0.10's browser protocol, spoken by a load generator: every detail of it lives here.

A browser tab opens a socket.io connection (Engine.IO 4 over a websocket) at
``/_event/?token=<tab uuid>``, namespace ``/_event``. Its first event,
``<root state>.hydrate_and_load``, rides in the CONNECT packet's ``auth``
(``{"event": {...}, "state_schema": ...}``) with the compiled frontend's per-state hashes,
so the server answers only with what differs from the page's defaults. The server pushes
``"event"`` messages ``{"delta": {state: {var: value}}, "events": [...]}``; a button press
is ``emit("event", {"name": "<state>.<handler>", "payload": {...}, "router_data": {...}})``.
The frontend does not wait for an answer (the server runs a tab's events in order), and an
event that changes nothing gets no message back at all.

When a Reflex upgrade changes any of this, this is the one file to change.
"""

from __future__ import annotations

import asyncio
import re
import ssl
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import socketio

EVENT_PATH = "_event"
# socket.io-client takes the URL's path as the namespace too: the events live on /_event.
NAMESPACE = "/_event"
# Reflex suffixes every state var name in deltas with this.
VAR_SUFFIX = "_rx_state_"
ROOT_STATE = "reflex___state____state"


@dataclass(frozen=True)
class Frontend:
    """What the compiled frontend sends with its first event (read from the build)."""

    hashes: tuple[str, ...] = ()
    state_schema: str | None = None

    @classmethod
    def from_build(cls, web_dir: Path) -> Frontend:
        """Read the hashes and schema from ``.web``'s compiled context module, if built."""
        for path in (web_dir / "utils" / "context.jsx", web_dir / "utils" / "context.js"):
            if path.exists():
                source = path.read_text()
                hashes = re.search(r"initialStateHashes\s*=\s*(\[[^\]]*\])", source)
                schema = re.search(r"stateSchema\s*=\s*\"([^\"]*)\"", source)
                return cls(
                    tuple(re.findall(r"\"([^\"]*)\"", hashes.group(1))) if hashes else (),
                    schema.group(1) if schema else None,
                )
        return cls()


@dataclass
class Tab:
    """One browser tab on one page: its socket, the state it was told, and timings."""

    base_url: str
    path: str
    params: dict[str, str] = field(default_factory=dict)
    cookie: str = ""
    frontend: Frontend = field(default_factory=Frontend)
    token: str = field(default_factory=lambda: str(uuid.uuid4()))
    state: dict[str, dict[str, Any]] = field(default_factory=dict)
    on_delta: Callable[[Tab, dict], None] | None = None
    # What the browser kept for the page (rx.LocalStorage vars: {"<state>.<var>": value}),
    # sent with the first event the way the page sends it after a reload or reconnect.
    client_storage: dict[str, str] = field(default_factory=dict)
    # For an https address whose certificate a private CA signed (the topology's Caddy).
    ssl_context: ssl.SSLContext | None = None

    def __post_init__(self) -> None:
        # The Cookie header goes in the websocket's own options: python-engineio would move it
        # into aiohttp's cookie jar, which keeps no cookies for an IP address like 127.0.0.1.
        extra: dict[str, Any] = {"headers": {"Cookie": self.cookie}} if self.cookie else {}
        if self.ssl_context is not None:
            extra["ssl"] = self.ssl_context
        self._sio = socketio.AsyncClient(reconnection=False, websocket_extra_options=extra)
        self._sio.on("event", self._received, namespace=NAMESPACE)
        self._changed = asyncio.Event()

    def _router_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"pathname": self._route(), "asPath": self.path}
        if self.params:
            data["query"] = dict(self.params)
        return data

    def _route(self) -> str:
        # The page's route pattern, as React Router reports it: /r/[token] for /r/abc.
        route = self.path
        for name, value in self.params.items():
            route = route.replace(value, f"[{name}]")
        return route

    async def _received(self, update: dict) -> None:
        for name, values in (update.get("delta") or {}).items():
            self.state.setdefault(name, {}).update(values)
        if self.on_delta is not None:
            self.on_delta(self, update)
        self._changed.set()

    def get(self, state: str, var: str, default: Any = None) -> Any:
        """A var's last value as the server sent it (names without Reflex's suffix)."""
        return self.state.get(state, {}).get(var + VAR_SUFFIX, default)

    async def open(self, timeout: float = 30) -> None:
        """Connect and hydrate (the page's on_load handlers follow as further updates)."""
        payload: dict[str, Any] = {}
        if self.frontend.hashes:
            payload["hashes"] = list(self.frontend.hashes)
        if self.client_storage:
            payload["vars"] = {
                name + VAR_SUFFIX: value for name, value in self.client_storage.items()
            }
        auth: dict[str, Any] = {
            "event": {
                "name": f"{ROOT_STATE}.hydrate_and_load",
                "payload": payload,
                "router_data": self._router_data(),
            }
        }
        if self.frontend.state_schema:
            auth["state_schema"] = self.frontend.state_schema
        headers = {"Origin": self.base_url, "User-Agent": "camshare-bench"}
        await self._sio.connect(
            f"{self.base_url}?token={self.token}",
            headers=headers,
            auth=auth,
            transports=["websocket"],
            socketio_path=EVENT_PATH,
            namespaces=[NAMESPACE],
            wait_timeout=timeout,
        )

    async def send(self, handler: str, **payload: Any) -> None:
        """Emit ``<state>.<handler>``, as the frontend does: without waiting for an answer."""
        await self._sio.emit(
            "event",
            {"name": handler, "payload": payload, "router_data": self._router_data()},
            namespace=NAMESPACE,
        )

    async def wait_for(self, check: Callable[[Tab], bool], timeout: float) -> float:
        """Wait until ``check(self)`` holds; the monotonic time it first did."""
        deadline = time.monotonic() + timeout
        while not check(self):
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"{self.path}: condition not met in {timeout} s")
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), left)
            except TimeoutError:
                continue
        return time.monotonic()

    @property
    def connected(self) -> bool:
        """Whether its socket is still open (a killed server closes it)."""
        return self._sio.connected

    async def close(self) -> None:
        """Disconnect (the tab is closed)."""
        if self._sio.connected:
            await self._sio.disconnect()
        http = getattr(self._sio.eio, "http", None)
        if http is not None and not http.closed:
            await http.close()
