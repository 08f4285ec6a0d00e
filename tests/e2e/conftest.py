"""The production build of camshare, served on loopback, and headless Chromium to use it.

The app runs as `reflex run --env prod` on a free port, with its own SQLite database,
the demo data, SMS recorded in the outbox and geocoding answered by the Nominatim
stand-in. It is wrapped in `timeout` and killed at the end, so it never outlives the run.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from camshare.db import make_engine
from tests.support.access_builders import registered_owner
from tests.support.live_server import RunningServer, free_port, reflex_prod_server
from tests.support.nominatim_standin import KnownPlace, NominatimStandin

ROOT = Path(__file__).resolve().parents[2]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
MARILLA = KnownPlace(
    32.7767,
    -96.7970,
    "1500, Marilla Street, Downtown, Dallas, Dallas County, Texas, 75201, United States",
    {
        "house_number": "1500",
        "road": "Marilla Street",
        "city": "Dallas",
        "state": "Texas",
        "postcode": "75201",
    },
)
ELM = KnownPlace(
    32.7831,
    -96.7836,
    "2500, Elm Street, Deep Ellum, Dallas, Dallas County, Texas, 75226, United States",
    {
        "house_number": "2500",
        "road": "Elm Street",
        "city": "Dallas",
        "state": "Texas",
        "postcode": "75226",
    },
)


@dataclass
class LiveApp:
    """Where the running app answers, its database, its geocoder, and how to stop it."""

    url: str
    engine: Engine
    geocoder: NominatimStandin
    server: RunningServer
    log: Path  # everything the server wrote (stdout and stderr)
    metrics_url: str | None = None  # when CAMSHARE_METRICS_PORT was given


@contextmanager
def running_app(workdir: Path, **extra_env: str) -> Iterator[LiveApp]:
    """Migrate and seed a fresh SQLite database, then serve the production build on it.

    Only one build may run at a time (they share .web/), so fixtures using this are
    module-scoped or narrower and never overlap.
    """
    database_url = f"sqlite:///{workdir / 'camshare.db'}"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    places = {"1500 Marilla St, Dallas, TX 75201": MARILLA, "2500 Elm St, Dallas, TX 75226": ELM}
    with NominatimStandin(places=places) as geocoder:
        env = {
            **os.environ,
            "CAMSHARE_DATABASE_URL": database_url,
            "CAMSHARE_PUBLIC_BASE_URL": url,
            "CAMSHARE_PORT": str(port),
            "CAMSHARE_DEMO_MODE": "true",
            "CAMSHARE_SMS_BACKEND": "outbox",
            "CAMSHARE_GEOCODER_DOMAIN": geocoder.domain,
            "CAMSHARE_GEOCODER_SCHEME": "http",
            "CAMSHARE_GEOCODER_MIN_DELAY": "0",
            "CAMSHARE_MAP_TILE_URL": f"{url}/tiles/{{z}}/{{x}}/{{y}}.png",
            **extra_env,
        }
        for command in (["migrate"], ["seed-demo"]):
            subprocess.run(
                [sys.executable, "-m", "camshare.cli", *command], cwd=ROOT, env=env, check=True
            )
        log = workdir / "app.log"
        with reflex_prod_server(ROOT, env, port, log, "/api/health") as server:
            engine = make_engine(database_url)
            metrics = extra_env.get("CAMSHARE_METRICS_PORT")
            metrics_url = f"http://127.0.0.1:{metrics}/metrics" if metrics else None
            yield LiveApp(url, engine, geocoder, server, log, metrics_url)
            engine.dispose()


@pytest.fixture(scope="module")
def live_app(tmp_path_factory) -> Iterator[LiveApp]:
    """camshare's production build with demo data, on a free loopback port."""
    with running_app(tmp_path_factory.mktemp("live")) as app:
        yield app


@pytest.fixture(scope="session")
def playwright():
    """Playwright's driver (it drives Debian's Chromium; it downloads no browser)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


# Reported by every page into the console; Chromium's own "Refused to ..." lines say the same.
_CSP_REPORTER = """document.addEventListener("securitypolicyviolation", (e) => {
  console.error(
    `CSP violation: ${e.effectiveDirective} blocked ${e.blockedURI}`,
    `at ${e.sourceFile}:${e.lineNumber} ${e.sample}`
  );
});"""
CSP_VIOLATIONS: list[str] = []
# What a test provokes on purpose (a directive's name), so the check below lets it pass.
EXPECTED_CSP_VIOLATIONS: list[str] = []


def watch_csp(context) -> None:
    """Record every Content-Security-Policy violation any page of ``context`` meets."""
    context.add_init_script(_CSP_REPORTER)

    def on_console(message) -> None:
        text = message.text
        if "CSP violation" in text or "Content Security Policy" in text:
            CSP_VIOLATIONS.append(text)

    context.on("console", on_console)


@pytest.fixture
def expected_csp_violations() -> list[str]:
    """Directive names a test provokes violations of on purpose (the check lets them pass)."""
    return EXPECTED_CSP_VIOLATIONS


@pytest.fixture(autouse=True)
def no_csp_violation():
    """Each browser test fails if a page it visited broke the Content-Security-Policy."""
    CSP_VIOLATIONS.clear()
    EXPECTED_CSP_VIOLATIONS.clear()
    yield
    found = [v for v in CSP_VIOLATIONS if not any(e in v for e in EXPECTED_CSP_VIOLATIONS)]
    CSP_VIOLATIONS.clear()
    assert found == [], "Content-Security-Policy violations: " + "; ".join(found)


# Whether the app has started on the page: React has hydrated what the server sent (a
# page of another site, a file or a JSON answer has nothing to start).
APP_STARTED = (
    "() => !window.__reactRouterContext || "
    "Object.keys(document.querySelector('main') ?? document.body)"
    ".some((k) => k.startsWith('__react'))"
)


def wait_for_app(page) -> None:
    """Wait until the app has started on ``page`` (on a loaded 2-core machine: seconds)."""
    page.wait_for_function(APP_STARTED, timeout=45_000)


def loads_wait_for_the_app(page):
    """``page`` whose loads (goto, reload, wait_for_url) also wait for the app to start.

    A page paints, and fires its load event, before the app's code is fetched
    (camshare/paint_before_scripts.py): a press in between does nothing, as for a person
    who taps before the page has started. A test waits for the start as a person waits
    for the page; one that asks for an earlier moment (wait_until="domcontentloaded")
    gets it.
    """
    for name in ("goto", "reload", "wait_for_url"):
        load = getattr(page, name)

        def load_then_wait(*args, _load=load, **kwargs):
            result = _load(*args, **kwargs)
            if kwargs.get("wait_until") in (None, "load"):
                wait_for_app(page)
            return result

        setattr(page, name, load_then_wait)
    return page


def watch_pages(context) -> None:
    """Every page ``context`` opens reports CSP violations and waits for the app to start."""
    watch_csp(context)
    new_page = context.new_page
    context.new_page = lambda *args, **kwargs: loads_wait_for_the_app(new_page(*args, **kwargs))


@pytest.fixture(scope="session")
def browser(playwright):
    """Debian's headless Chromium; every context it makes reports CSP violations, and
    its pages' loads wait for the app to start."""
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
    new_context = browser.new_context

    def watched_context(*args, **kwargs):
        context = new_context(*args, **kwargs)
        watch_pages(context)
        return context

    def watched_page(*args, **kwargs):
        page = watched_context(*args, **kwargs).new_page()
        return page

    browser.new_context = watched_context
    browser.new_page = watched_page
    yield browser
    browser.close()


@pytest.fixture
def installed_profile_phone(playwright, tmp_path):
    """A phone-sized Chromium with an on-disk profile (installability needs one)."""
    context = playwright.chromium.launch_persistent_context(
        str(tmp_path / "profile"),
        executable_path=CHROMIUM,
        args=CHROMIUM_FLAGS,
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
    )
    watch_pages(context)
    yield loads_wait_for_the_app(context.pages[0]) if context.pages else context.new_page()
    context.close()


@pytest.fixture
def phone(browser):
    """A phone-sized browser context with a fresh profile."""
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="en-US"
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def redis_url() -> str | None:
    """Redis on loopback, if this machine runs one, in a database of this run's own.

    Apps sharing a Redis database also share its event channels: another test run's app
    on the same machine would then answer some of this app's events from its own data.
    """
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return f"redis://127.0.0.1:6379/{1 + os.getpid() % 15}"
    except OSError:
        return None


@pytest.fixture(scope="module")
def police_app(tmp_path_factory):
    """The production build with the demo staff accounts, on Redis when there is one."""
    extra = {"REFLEX_REDIS_URL": url} if (url := redis_url()) else {}
    # The public figures are counted afresh on each visit, so a test sees them change.
    extra["CAMSHARE_TRANSPARENCY_CACHE_SECONDS"] = "0"
    # Metrics as a multi-worker installation serves them: every worker's, added up.
    extra["CAMSHARE_METRICS_PORT"] = str(free_port())
    extra["PROMETHEUS_MULTIPROC_DIR"] = str(tmp_path_factory.mktemp("metrics"))
    with running_app(tmp_path_factory.mktemp("police"), **extra) as app:
        factory = sessionmaker(bind=app.engine, expire_on_commit=False)
        with factory() as session, session.begin():
            # A resident registered 40 m from the incident, reading Spanish.
            registered_owner(session, (32.77706, -96.7970), name="Rosa Díaz", language="es")
        yield app
