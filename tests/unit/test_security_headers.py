"""The security headers middleware: every response, each path's cache rule, HTTPS-only HSTS,
and the event socket's handshake."""

from __future__ import annotations

from dataclasses import replace

import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from camshare.security_headers import (
    SecurityHeaders,
    content_security_policy,
    inline_script_hashes,
)
from tests.support.asyncio_run import run as run_coroutine


def app() -> Starlette:
    async def page(request):
        status = 404 if "gone" in request.url.path else 200
        return PlainTextResponse("x", status, headers={"Cache-Control": "max-age=60"})

    return Starlette(routes=[Route("/{path:path}", page)])


def client(settings) -> TestClient:
    return TestClient(SecurityHeaders(app(), settings))


@pytest.mark.parametrize(
    "path",
    ["/", "/join/PARK25", "/assets/app.js", "/api/health", "/r/abc", "/staff/users", "/my"],
)
def test_every_response_gets_the_headers(settings, path):
    headers = client(settings).get(path).headers
    policy = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy
    assert "object-src 'none'" in policy
    assert "form-action 'self'" in policy
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert "strict-transport-security" not in headers  # http://localhost


@pytest.mark.parametrize(
    ("path", "private"),
    [
        ("/staff", True),
        ("/staff/requests/4", True),
        ("/my", True),
        ("/my/sign-in", True),
        ("/r/abc", True),
        ("/a/abc", True),
        ("/c/abc", True),
        ("/manage/abc", True),
        ("/api/my/data.json", True),
        ("/api/dashboard.csv", True),
        ("/outbox", True),
        ("/", False),
        ("/join/PARK25", False),
        ("/transparency", False),
        ("/assets/app.js", False),
    ],
)
def test_personal_pages_and_token_pages_are_never_stored(settings, path, private):
    cache = client(settings).get(path).headers["cache-control"]
    assert (cache == "no-store") is private


@pytest.mark.parametrize(
    "path",
    [
        "/assets/entry.client-Cuv6UKoY.js",
        "/assets/_join_.__code_._index-COfTXJ1t.js",
        "/assets/__reflex_global_styles-CXL4EL34.css",
        "/assets/manifest-e40ea798.js",
    ],
)
def test_a_hashed_build_file_is_kept_a_year_without_asking(settings, path):
    cache = client(settings).get(path).headers["cache-control"]
    assert cache == "public, max-age=31536000, immutable"


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/join/PARK25",
        "/transparency",
        "/sw.js",
        "/sw-register.js",
        "/connection.js",
        "/manifest.webmanifest",
        "/icon-192.png",
        "/assets/app.js",  # no content hash in the name: it may change under the same name
    ],
)
def test_pages_and_unhashed_files_are_checked_with_the_server_at_each_use(settings, path):
    assert client(settings).get(path).headers["cache-control"] == "no-cache"


def test_a_hashed_file_that_is_gone_is_not_remembered(settings):
    response = client(settings).get("/assets/gone-Cuv6UKoY.js")
    assert response.status_code == 404
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("path", ["/api/health", "/_event/", "/ping"])
def test_routes_and_reflex_endpoints_keep_their_own_caching(settings, path):
    assert client(settings).get(path).headers["cache-control"] == "max-age=60"


def test_https_gets_hsts_and_a_secure_socket_source(settings):
    https = replace(settings, public_base_url="https://cams.example.org", hsts_seconds=600)
    headers = client(https).get("/").headers
    assert headers["strict-transport-security"] == "max-age=600"
    assert "connect-src 'self' wss://cams.example.org" in headers["content-security-policy"]


def test_map_tiles_from_the_configured_server_are_allowed(settings):
    tiles = replace(settings, map_tile_url="https://{s}.tiles.example.net/{z}/{x}/{y}.png")
    policy = content_security_policy(tiles).header_value
    assert "img-src 'self' data: blob: https://*.tiles.example.net" in policy


def test_the_event_socket_handshake_gets_the_headers_too(settings):
    sent = []

    async def socket_app(scope, receive, send):
        await send({"type": "websocket.accept", "headers": [(b"x-reflex", b"1")]})

    async def record(message):
        sent.append(message)

    scope = {"type": "websocket", "path": "/_event/", "headers": []}
    run_coroutine(SecurityHeaders(socket_app, settings)(scope, None, record))
    headers = dict(sent[0]["headers"])
    assert headers[b"x-reflex"] == b"1"
    assert b"frame-ancestors 'none'" in headers[b"content-security-policy"]
    assert headers[b"x-content-type-options"] == b"nosniff"


def test_only_the_public_origin_may_call_with_cookies(settings):
    public = replace(settings, public_base_url="https://Cams.Example.org/")
    assert public.allowed_origins == ("https://cams.example.org",)
    local = replace(settings, public_base_url="http://localhost:3000")
    assert "http://127.0.0.1:3000" in local.allowed_origins
    assert all(origin.endswith(":3000") for origin in local.allowed_origins)


def test_only_the_builds_own_inline_scripts_may_run(settings, tmp_path):
    (tmp_path / "r").mkdir()
    (tmp_path / "index.html").write_text(
        '<script>window.a = 1;</script><script type="module" async="">import "/x.js";</script>'
        '<script src="/assets/app.js"></script>'
    )
    (tmp_path / "r" / "__spa-fallback.html").write_text("<script>window.a = 1;</script>")
    hashes = inline_script_hashes(tmp_path)
    # sha256 of 'window.a = 1;' in base64, as a browser computes it.
    assert "'sha256-ShPZs6SyOIfeOg7tsGkUC0BIIQiM/4HlSLumBwNEK6k='" in hashes
    assert len(hashes) == 2
    policy = (
        TestClient(SecurityHeaders(app(), settings, tmp_path))
        .get("/")
        .headers["content-security-policy"]
    )
    assert f"script-src 'self' {' '.join(hashes)} 'unsafe-eval'" in policy
    assert "'unsafe-inline'" not in policy.split("style-src")[0]
