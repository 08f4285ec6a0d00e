"""A flyer's /join/<code> is answered with the prerendered sign-up page, code kept."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from camshare.join_shell import SCRIPT, campaign_code, serve_join_shell

NODE = shutil.which("node")
NO_DOCUMENT = "const document = {addEventListener: () => {}};"


def served_paths() -> TestClient:
    async def echo(request):
        return PlainTextResponse(request.url.path)

    return TestClient(
        serve_join_shell(Starlette(routes=[Route("/{path:path}", echo, methods=["GET", "POST"])]))
    )


@pytest.mark.parametrize(
    ("asked", "served"),
    [
        ("/join/PARK25", "/join/"),
        ("/join/PARK25/", "/join/"),
        ("/join", "/join/"),
        ("/join/PARK25/extra", "/join/PARK25/extra"),
        ("/r/abc", "/r/abc"),
        ("/api/campaigns/PARK25/qr.png", "/api/campaigns/PARK25/qr.png"),
    ],
)
def test_a_flyer_link_is_answered_with_the_join_page(asked, served):
    assert served_paths().get(asked).text == served


def test_only_reading_a_flyer_link_is_answered_with_the_join_page():
    assert served_paths().post("/join/PARK25").text == "/join/PARK25"


@pytest.mark.skipif(NODE is None, reason="Node.js is needed to run the page's script")
@pytest.mark.parametrize("path", ["/join/PARK25", "/join/PARK25/", "/join", "/r/abc"])
def test_the_page_then_reads_the_address_the_html_was_made_for_with_the_same_code(path):
    script = (
        f"const location = {{pathname: {json.dumps(path)}, search: '', hash: ''}};"
        "let shown = null;"
        "const history = {state: null, replaceState: (s, t, url) => { shown = url; }};"
        f"{NO_DOCUMENT}{SCRIPT} process.stdout.write(JSON.stringify(shown))"
    )
    done = subprocess.run([NODE, "-e", script], capture_output=True, text=True, check=True)
    shown = json.loads(done.stdout)
    if shown is None:
        assert campaign_code(path, {}) is None or path.startswith("/r/")
        return
    new_path, _, query = shown.partition("?")
    assert new_path == "/join"
    code = dict([query.split("=")])
    assert campaign_code(new_path, code) == campaign_code(path, {}) == "PARK25"


@pytest.mark.skipif(NODE is None, reason="Node.js is needed to run the page's script")
def test_the_flyer_link_keeps_its_query_and_fragment():
    script = (
        "const location = {pathname: '/join/PARK25', search: '?utm_source=flyer', hash: '#x'};"
        "let shown = null;"
        "const history = {state: null, replaceState: (s, t, url) => { shown = url; }};"
        f"{NO_DOCUMENT}{SCRIPT} process.stdout.write(JSON.stringify(shown))"
    )
    done = subprocess.run([NODE, "-e", script], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout) == "/join?code=PARK25&utm_source=flyer#x"
