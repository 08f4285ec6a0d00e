"""Routes, cookie names and the map's starting point are each defined in one place."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

from camshare import routes, session_cookies

ROOT = Path(__file__).resolve().parents[2]
CAMSHARE = ROOT / "camshare"
# The modules that define them; services/ build their links through routes (the receipt's
# manage link still spells its own, until services are given a link builder).
DEFINED_IN = {CAMSHARE / "routes.py", CAMSHARE / "session_cookies.py"}


def _route_constants() -> set[str]:
    return {
        value
        for name, value in vars(routes).items()
        if name.isupper() and isinstance(value, str) and value.startswith("/")
    }


def _spells_a_route_or_cookie(literal: str) -> bool:
    constants = _route_constants()
    prefixes = {routes.path_prefix(r) for r in constants if routes.path_prefix(r).endswith("/")}
    prefixes.discard("/")
    cookies = set(session_cookies.COOKIES.values())
    constants.discard(routes.HOME)  # "/" also names the site's root in cookies and scopes
    return (
        literal in constants
        or literal in cookies
        or any(literal.startswith(p) and literal != p[:-1] for p in prefixes if len(p) > 1)
    )


def _python_literals(path: Path) -> list[tuple[int, str]]:
    """String constants in ``path``, docstrings left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]


def test_routes_and_cookie_names_are_spelt_only_where_they_are_defined():
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: {literal!r}"
        for path in sorted(CAMSHARE.rglob("*.py"))
        if path not in DEFINED_IN and "services" not in path.relative_to(CAMSHARE).parts
        for line, literal in _python_literals(path)
        if _spells_a_route_or_cookie(literal)
    ]
    scripts = [*ROOT.glob("assets/*.js"), *CAMSHARE.rglob("*.jsx")]
    offenders += [
        f"{path.relative_to(ROOT)}: {literal!r}"
        for path in scripts
        for literal in re.findall(r"""["'`](/[^"'`]*)["'`]""", path.read_text(encoding="utf-8"))
        if literal not in (routes.API, *routes.PROBES) and _spells_a_route_or_cookie(literal)
    ]
    assert offenders == []


def test_the_service_worker_keeps_out_of_the_servers_own_routes():
    """sw.js cannot import Python: the prefix it bypasses is the one the routes use."""
    script = (ROOT / "assets" / "sw.js").read_text(encoding="utf-8")
    bypass = re.search(r"const BYPASS = \[(.*?)\];", script, re.S).group(1)
    assert f'"{routes.API}"' in bypass
    assert all(f'"{probe}"' in bypass for probe in routes.PROBES)
    server_routes = [
        routes.HEALTH,
        routes.TWILIO_STATUS,
        routes.TWILIO_INBOUND,
        routes.MY_DATA,
        routes.DASHBOARD_CSV,
        routes.CAMPAIGN_FILES,
        routes.SESSION_HANDOFF,
        routes.SESSION_SIGN_OUT,
    ]
    assert all(route.startswith(routes.API + "/") for route in server_routes)


def test_links_are_built_from_the_routes_pages_are_served_at():
    assert routes.owner_answer_path("tok") == routes.OWNER_ANSWER.replace("[token]", "tok")
    assert routes.reconsent_path("tok") == routes.RECONSENT.replace("[token]", "tok")
    assert routes.reconfirm_path("tok") == routes.RECONFIRM.replace("[token]", "tok")
    assert routes.request_board_path(7) == routes.STAFF_REQUEST_BOARD.replace("[request_id]", "7")


def test_maps_start_where_the_settings_say():
    """The sign-up pin and the new-request map start at CAMSHARE_MAP_CENTER."""
    probe = (
        "from camshare.state.join import JoinState\n"
        "from camshare.state.request_new import NewRequestState\n"
        "j, n = JoinState.get_fields(), NewRequestState.get_fields()\n"
        "print(j['pin_lat'].default, j['pin_lon'].default, n['lat'].default, n['lon'].default)\n"
    )
    env = {**os.environ, "CAMSHARE_MAP_CENTER": "40.5,-75.25"}
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert done.stdout.split() == ["40.5", "-75.25", "40.5", "-75.25"]
