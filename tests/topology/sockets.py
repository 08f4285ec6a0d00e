"""Tabs on the topology's HTTPS address, speaking Reflex's socket protocol (no browser)."""

from __future__ import annotations

from pathlib import Path

from tests.topology.conftest import Live

ROOT = Path(__file__).resolve().parents[2]


def tab_for(live: Live, path: str, **kwargs):
    """A tab on ``path`` through Caddy (the bench's protocol speaker, bench/reflex_socket.py)."""
    import sys

    sys.path.insert(0, str(ROOT / "bench"))
    from reflex_socket import Frontend, Tab

    frontend = Frontend.from_build(ROOT / ".web")
    context = live.topology.ssl_context()
    return Tab(live.url, path, frontend=frontend, ssl_context=context, **kwargs)


async def hydrated_tab(live: Live, path: str, timeout: float = 30, **kwargs):
    """A tab whose page has hydrated: the server's first delta came back."""
    tab = tab_for(live, path, **kwargs)
    await tab.open(timeout)
    await tab.wait_for(lambda t: bool(t.state), timeout)
    return tab
