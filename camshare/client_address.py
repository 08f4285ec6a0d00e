"""The one rule for the address a request came from, behind ``trusted_proxy_hops`` proxies.

Each proxy appends the address it was reached from to ``X-Forwarded-For``; only the last
``hops`` entries were written by proxies we run, and the one ``hops`` from the end is the
client's. Anything before it is whatever the client sent, so it is never believed. With no
trusted proxy (the default) the header is ignored and the socket's peer is the client.
The same rule as Reflex's for its event socket (``trusted_proxy_hops`` in rxconfig.py).
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import HTTPConnection

from camshare.settings import get_settings

FORWARDED_FOR = "x-forwarded-for"


def client_ip(peer: str | None, forwarded_for: str | None, hops: int) -> str | None:
    """The client's address from the socket ``peer`` and the ``X-Forwarded-For`` header."""
    if hops <= 0:
        return peer
    entries = [part.strip() for part in (forwarded_for or "").split(",") if part.strip()]
    # Fewer entries than proxies: the request did not come through them all, the peer is
    # what we know.
    return entries[-hops] if len(entries) >= hops else peer


def connection_client_ip(connection: HTTPConnection) -> str | None:
    """The client's address for a Starlette request (every route in api.py and beside it)."""
    peer = connection.client.host if connection.client else None
    return client_ip(peer, connection.headers.get(FORWARDED_FOR), get_settings().trusted_proxy_hops)


def headers_client_ip(headers: Mapping[str, str]) -> str | None:
    """The client's address from a Reflex event's raw headers (the socket's handshake).

    Reflex keeps the socket's peer among them as ``asgi-scope-client``.
    """
    return client_ip(
        headers.get("asgi-scope-client"),
        headers.get(FORWARDED_FOR),
        get_settings().trusted_proxy_hops,
    )
