"""The worst moment: an emergency request reaches N owners, they open their link within T
seconds and press Approve, while K officers watch the request's board.

Run from the project root:

    source scripts/env.sh && python bench/load.py [--setup single|redis|both]
        [--phones 1000] [--within 30] [--officers 3] [--time-limit 900]

Each setup gets a fresh database, seeded through camshare's own use cases (owners with a
consent and a camera each; the officer's sign-ins; ``create_request`` of an emergency, which
sends at once; the outbox dispatched, so the owners have their SMS), then camshare's
production build (``reflex run --env prod``) on a free loopback port:

- ``single``: SQLite and one process, tab states as rxconfig.py chooses (the embedded
  default a user gets);
- ``redis``: PostgreSQL (a temporary database on ``--postgres-url``) and Redis
  (``--redis-url``), Reflex's several workers (2 x cores + 1).

The load speaks Reflex's own socket protocol (``bench/reflex_socket.py``), no browser:
phones arrive evenly within ``--within`` seconds, each fetches ``/r/<token>`` (the HTML;
with ``--assets`` also the scripts and stylesheets it links, like a phone with an empty
cache and no proxy or CDN in front of the app), hydrates over the event socket, waits for
the request to show, presses Approve and stays on the page. The
officers' tabs send the board's once-a-second tick the way the page's ticker does. Prints
p50/p95/p99 of page load, hydration, Approve round trip and board update (from an Approve's
answer to the first officer update counting it), errors, the server's CPU and its memory per
connected client, and the CPU an idle board costs; every wait is bounded, the servers run
under ``timeout`` and stop when the script ends.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import shutil
import sys
import tempfile
import time
import urllib.request
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from fanout import INCIDENT, populate, postgres_database  # noqa: E402
from reflex_socket import Frontend, Tab  # noqa: E402
from sqlalchemy import delete, select, update  # noqa: E402
from sqlalchemy.orm import Session, sessionmaker  # noqa: E402

from camshare import migrations, routes  # noqa: E402
from camshare.db import make_engine  # noqa: E402
from camshare.models import AgreementVersion, OutboxMessage, StaffUser, utcnow  # noqa: E402
from camshare.services.access.guardrails import RequestDraft  # noqa: E402
from camshare.services.access.requests import create_request  # noqa: E402
from camshare.services.messaging.outbox import dispatch_due  # noqa: E402
from camshare.services.messaging.sms import make_gateway  # noqa: E402
from camshare.services.staff.passwords import hash_password  # noqa: E402
from camshare.services.staff.sessions import sign_in  # noqa: E402
from camshare.session_cookies import STAFF_COOKIE  # noqa: E402
from camshare.settings import load_settings  # noqa: E402
from tests.support.live_server import free_port, reflex_prod_server  # noqa: E402

OUT = ROOT / "bench" / "out"
PASSWORD = "bench-password-not-secret"  # noqa: S105 - a throwaway account in a temporary database
TARGETS = {
    # setup: (phones, within s, Approve p95 s, board update p95 s)
    "single": (1000, 30, 1.0, 2.0),
    "redis": (2000, 60, 0.5, 2.0),
    # deploy/topology.py: Caddy over HTTPS in front of two web nodes (one granian worker
    # each), Redis, PostgreSQL; then one node is killed with every phone connected.
    "topology": (2000, 60, 0.5, 2.0),
}


@dataclass
class Seeded:
    """What the scenario needs from the database: the request, links and officer cookies."""

    request_id: int
    tokens: list[str]
    officer_tokens: list[str]


def seed(url: str, phones: int, officers: int) -> Seeded:
    """Owners near the incident, an emergency request to all of them, officers signed in."""
    actor = populate(url, phones)
    settings = replace(load_settings({"CAMSHARE_SECRET_KEY": "bench"}), totp_roles="")
    engine = make_engine(url)
    now = utcnow()
    draft = RequestDraft(
        case_number="24-000042",
        incident_type="missing_child",
        lat=INCIDENT[0],
        lon=INCIDENT[1],
        window_start=now - timedelta(hours=2),
        window_end=now - timedelta(hours=1),
        radius_m=400,
        message="",
        block="1500 Marilla St",
        message_template="footage",
    )
    with Session(engine, expire_on_commit=False) as session, session.begin():
        created = create_request(session, actor, draft, set(), settings, now)
        session.execute(
            update(StaffUser)
            .where(StaffUser.id == actor.user_id)
            .values(password_hash=hash_password(PASSWORD))
        )
    officer_tokens = []
    for _ in range(officers):
        with Session(engine) as session, session.begin():
            step = sign_in(
                session,
                actor.username,
                PASSWORD,
                ip_address="127.0.0.1",
                user_agent="camshare-bench",
                settings=settings,
            )
            officer_tokens.append(step.token)
    with Session(engine) as session:
        bodies = session.scalars(
            select(OutboxMessage.body).where(OutboxMessage.purpose == "access_request")
        ).all()
    # The owners got their SMS before they open the link: the dispatcher sends them all
    # now (the on-screen outbox), and the server dispatches nothing during the storm.
    dispatch_due(
        sessionmaker(engine, expire_on_commit=False), make_gateway(settings), limit=len(bodies) + 10
    )
    engine.dispose()
    link = re.compile(re.escape(routes.owner_answer_path("")) + r"([A-Za-z0-9_\-]+)")
    tokens = [m.group(1) for body in bodies if (m := link.search(body))]
    assert len(tokens) == phones == created.recipients, (len(tokens), created.recipients)
    return Seeded(created.request_id, tokens, officer_tokens)


# --- measuring ------------------------------------------------------------------------------


@dataclass
class Figures:
    """What one run measured."""

    page_load: list[float] = field(default_factory=list)
    hydration: list[float] = field(default_factory=list)
    approve: list[float] = field(default_factory=list)
    board_update: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    approved_at: list[float] = field(default_factory=list)
    open_phones: int = 0


class ServerMeter:
    """CPU seconds and memory of the servers' process trees (one per web node)."""

    def __init__(self, *pids: int) -> None:
        self.roots = [psutil.Process(pid) for pid in pids]

    def _tree(self) -> list[psutil.Process]:
        found = []
        for root in self.roots:
            with contextlib.suppress(psutil.Error):
                found += [root, *root.children(recursive=True)]
        return found

    def cpu_seconds(self) -> float:
        """User + system CPU seconds used so far by every process of the server."""
        total = 0.0
        for process in self._tree():
            with contextlib.suppress(psutil.Error):
                times = process.cpu_times()
                total += times.user + times.system
        return total

    def memory(self) -> int:
        """Bytes the server's processes hold on their own (unique set size, summed)."""
        total = 0
        for process in self._tree():
            with contextlib.suppress(psutil.Error):
                total += process.memory_full_info().uss
        return total


def percentile(values: list[float], p: float) -> float:
    """The ``p``-th percentile (nearest rank); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


ASSET = re.compile(r"""(?:src|href)="(/[^"]+\.(?:js|css))\"""")


async def load_page(client: httpx.AsyncClient, url: str) -> None:
    """The HTML, then the scripts and stylesheets it links, like an empty cache."""
    response = await client.get(url)
    response.raise_for_status()
    assets = sorted(set(ASSET.findall(response.text)))
    for reply in await asyncio.gather(*(client.get(a) for a in assets)):
        reply.raise_for_status()


async def phone(
    n: int,
    start: float,
    base: str,
    token: str,
    client: httpx.AsyncClient,
    frontend: Frontend,
    names: dict[str, str],
    figures: Figures,
    tabs: list[Tab],
    html_only: bool,
    ssl_context=None,
) -> None:
    """One owner: opens the link at ``start``, waits for the request, presses Approve."""
    await asyncio.sleep(max(0.0, start - time.monotonic()))
    path = routes.owner_answer_path(token)
    answer_state = names["answer"]
    try:
        began = time.monotonic()
        if html_only:
            (await client.get(path)).raise_for_status()
        else:
            await load_page(client, path)
        loaded = time.monotonic()
        figures.page_load.append(loaded - began)
        tab = Tab(base, path, {"token": token}, frontend=frontend, ssl_context=ssl_context)
        tabs.append(tab)
        await tab.open()
        shown = await tab.wait_for(lambda t: t.get(answer_state, "loaded") is True, 30)
        figures.hydration.append(shown - loaded)
        if tab.get(answer_state, "link_problem"):
            raise RuntimeError(f"link refused: {tab.get(answer_state, 'link_problem')}")
        figures.open_phones += 1
        pressed = time.monotonic()
        await tab.send(f"{answer_state}.respond", answer="approved")
        answered = await tab.wait_for(lambda t: t.get(answer_state, "answer") == "approved", 30)
        figures.approve.append(answered - pressed)
        figures.approved_at.append(answered)
    except Exception as exc:  # every failure is counted and shown, none stops the run
        figures.errors.append(f"phone {n}: {exc.__class__.__name__}: {exc}"[:300])


async def officer(
    tab: Tab, board_state: str, figures: Figures | None, stop: asyncio.Event, seen: list[int]
) -> None:
    """An officer's tab: the board's tick every second, as the page's ticker sends it.

    With ``figures``, each update is checked: the k-th Approve answered is on the board
    once the approved count reaches k.
    """

    def counted(tab: Tab, _update: dict) -> None:
        approved = int((tab.get(board_state, "counts") or {}).get("approved", 0))
        now = time.monotonic()
        done = sorted(figures.approved_at)
        while seen[0] < min(approved, len(done)):
            figures.board_update.append(max(0.0, now - done[seen[0]]))
            seen[0] += 1

    if figures is not None:
        tab.on_delta = counted
    while not stop.is_set():
        try:
            await tab.send(f"{board_state}.tick")
        except Exception as exc:
            if figures is not None:
                figures.errors.append(f"officer tick: {exc.__class__.__name__}: {exc}"[:300])
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 1.0)


async def scenario(
    base: str,
    seeded: Seeded,
    meter: ServerMeter,
    args: argparse.Namespace,
    after_storm: Callable[[list[Tab], Frontend, dict[str, str]], Awaitable[dict]] | None = None,
    ssl_context=None,
) -> dict[str, float]:
    """Run the storm, then measure an idle board; the figures to print."""
    from camshare.state.owner_answer import OwnerAnswerState
    from camshare.state.request_board import BoardState

    names = {"answer": OwnerAnswerState.get_full_name(), "board": BoardState.get_full_name()}
    frontend = Frontend.from_build(ROOT / ".web")
    figures = Figures()
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    verify = ssl_context if ssl_context is not None else True
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60, verify=verify) as client:
        board_path = routes.request_board_path(seeded.request_id)
        officers = [
            Tab(
                base,
                board_path,
                {"request_id": str(seeded.request_id)},
                cookie=f"{STAFF_COOKIE}={token}",
                frontend=frontend,
                ssl_context=ssl_context,
            )
            for token in seeded.officer_tokens
        ]
        for tab in officers:
            await tab.open()
            await tab.wait_for(lambda t: t.get(names["board"], "page_ready") is True, 30)
        memory_before = meter.memory()
        cpu_before, wall_before = meter.cpu_seconds(), time.monotonic()
        stop = asyncio.Event()
        per_officer_seen = [[0] for _ in officers]
        watchers = [
            asyncio.create_task(
                officer(tab, names["board"], figures if i == 0 else None, stop, per_officer_seen[i])
            )
            for i, tab in enumerate(officers)
        ]
        start = time.monotonic() + 1
        phone_tabs: list[Tab] = []
        spacing = args.within / max(1, len(seeded.tokens))
        phones = [
            asyncio.create_task(
                phone(
                    n,
                    start + n * spacing,
                    base,
                    token,
                    client,
                    frontend,
                    names,
                    figures,
                    phone_tabs,
                    not args.assets,
                    ssl_context,
                )
            )
            for n, token in enumerate(seeded.tokens)
        ]
        _, late = await asyncio.wait(phones, timeout=args.within + 120)
        figures.errors.extend(f"phone: not done {args.within + 120:.0f} s in" for _ in late)
        storm_s = time.monotonic() - wall_before
        storm_cpu = meter.cpu_seconds() - cpu_before
        # Let the board catch up with the last answers (bounded).
        deadline = time.monotonic() + 10
        while per_officer_seen[0][0] < len(figures.approved_at) and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        missing = len(figures.approved_at) - per_officer_seen[0][0]
        if missing:
            figures.errors.append(f"board: {missing} answers not shown within 10 s of the end")
        memory_connected = meter.memory()
        connected = sum(1 for t in phone_tabs if t._sio.connected)
        # Idle: every phone still on its page, the officers' boards ticking, nobody answering.
        await asyncio.sleep(2)
        idle_cpu_before = meter.cpu_seconds()
        await asyncio.sleep(args.idle_seconds)
        idle_cpu = (meter.cpu_seconds() - idle_cpu_before) / args.idle_seconds
        stop.set()
        await asyncio.gather(*watchers, return_exceptions=True)
        extra = await after_storm(phone_tabs, frontend, names) if after_storm else {}
        for task in phones:
            task.cancel()
        await asyncio.gather(*(t.close() for t in [*phone_tabs, *officers]), return_exceptions=True)
    for error in figures.errors[:10]:
        print("  error:", error)
    return {
        "phones": len(seeded.tokens),
        "answered": len(figures.approve),
        "connected": connected,
        "storm_s": storm_s,
        "cpu_pct": 100 * storm_cpu / storm_s,
        "cpu_ms_per_phone": 1000 * storm_cpu / max(1, len(seeded.tokens)),
        "idle_cpu_pct": 100 * idle_cpu,
        "mem_per_client_kib": (memory_connected - memory_before) / max(1, connected) / 1024,
        "errors": len(figures.errors),
        **extra,
        **{
            f"{name}_p{p}": percentile(getattr(figures, name), p)
            for name in ("page_load", "hydration", "approve", "board_update")
            for p in (50, 95, 99)
        },
    }


# --- setups ---------------------------------------------------------------------------------


@contextlib.contextmanager
def database(setup: str, workdir: Path, args: argparse.Namespace):
    """A fresh, migrated database URL for ``setup`` (dropped afterwards when on a server)."""
    if setup == "single":
        url, drop = f"sqlite:///{workdir / 'camshare.db'}", None
    else:
        made = postgres_database(args.postgres_url)
        if made is None:
            raise SystemExit("PostgreSQL does not answer: the redis setup cannot run")
        url, drop = made
    try:
        migrations.upgrade(url)
        yield url
    finally:
        if drop:
            drop()


def server_env(setup: str, url: str, port: int, args: argparse.Namespace) -> dict[str, str]:
    """The environment of camshare's production server for ``setup``."""
    env = {
        **os.environ,
        "CAMSHARE_DATABASE_URL": url,
        "CAMSHARE_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "CAMSHARE_PORT": str(port),
        "CAMSHARE_SECRET_KEY": "bench-secret-not-secret",
        # The officers are signed in by the seeding, without a second factor.
        "CAMSHARE_TOTP_ROLES": "",
        # The SMS went out before the storm (see seed); nothing is left to dispatch.
        "CAMSHARE_SMS_DISPATCHER": "external",
        "CAMSHARE_SMS_BACKEND": "outbox",
    }
    env.pop("REFLEX_REDIS_URL", None)
    if setup == "redis":
        env["REFLEX_REDIS_URL"] = args.redis_url
    return env


async def kill_a_node(
    topology, ssl_context, tabs: list[Tab], frontend: Frontend, names: dict[str, str]
) -> dict[str, float]:
    """SIGKILL one web node with every phone on its page; the phones it held reconnect
    through the proxy with their tab's token (as the page does) and must find their answer."""
    import signal

    answer_state = names["answer"]
    killed_at = time.monotonic()
    topology.web[0].kill(signal.SIGKILL)
    back: list[float] = []
    errors: list[str] = []
    kept = 0

    async def reconnect(tab: Tab) -> Tab | None:
        nonlocal kept
        again = Tab(
            tab.base_url,
            tab.path,
            tab.params,
            frontend=frontend,
            token=tab.token,
            ssl_context=ssl_context,
        )
        try:
            await again.open()
            await again.wait_for(lambda t: t.get(answer_state, "loaded") is True, 60)
            back.append(time.monotonic() - killed_at)
            kept += again.get(answer_state, "answer") == "approved"
        except Exception as exc:
            errors.append(f"{exc.__class__.__name__}: {exc}"[:200])
        return again

    # Each phone reconnects as soon as its socket closes (a page retries within a second
    # or so); for 5 s, every socket the dead node held is noticed and reconnected.
    dropped: list[Tab] = []
    tasks = []
    while time.monotonic() - killed_at < 5:
        for tab in tabs:
            if not tab.connected and tab not in dropped:
                dropped.append(tab)
                tasks.append(asyncio.create_task(reconnect(tab)))
        await asyncio.sleep(0.05)
    again = await asyncio.gather(*tasks)
    for error in errors[:5]:
        print("  reconnect error:", error)
    await asyncio.gather(*(t.close() for t in again if t), return_exceptions=True)
    return {
        "kill_dropped": len(dropped),
        "kill_reconnected": len(back),
        "kill_answer_kept": kept,
        "kill_errors": len(errors),
        "kill_back_p50": percentile(back, 50),
        "kill_back_p95": percentile(back, 95),
        "kill_back_max": max(back) if back else float("nan"),
    }


def run_topology(args: argparse.Namespace) -> dict[str, float]:
    """The storm through Caddy against two web nodes, then one node killed."""
    import functools

    from deploy.topology import running_topology

    phones = args.phones or TARGETS["topology"][0]
    OUT.mkdir(exist_ok=True)
    seeded: list[Seeded] = []

    def prepare(url: str) -> None:
        # `camshare.cli migrate` published the bundled agreement; the bench's owners
        # consent to their own version (fanout.populate), which must be the one in force.
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(delete(AgreementVersion))
        engine.dispose()
        started = time.monotonic()
        seeded.append(seed(url, phones, args.officers))
        print(f"[topology] seeded {phones} owners in {time.monotonic() - started:.1f} s")

    with (
        tempfile.TemporaryDirectory(prefix="camshare-load-") as folder,
        running_topology(
            Path(folder),
            footage_bucket=False,
            prepare=prepare,
            # The officers are signed in by the seeding, without a second factor.
            extra_env={"CAMSHARE_TOTP_ROLES": ""},
        ) as topology,
    ):
        print(f"[topology] {topology.url}: Caddy, {len(topology.web)} web nodes (logs: {folder})")
        meter = ServerMeter(*(service.process.pid for service in topology.web))
        context = topology.ssl_context()
        args_for = argparse.Namespace(
            **{**vars(args), "within": args.within or TARGETS["topology"][1]}
        )
        after = functools.partial(kill_a_node, topology, context)
        return asyncio.run(
            asyncio.wait_for(
                scenario(topology.url, seeded[0], meter, args_for, after, context),
                args.time_limit,
            )
        )


def run_setup(setup: str, args: argparse.Namespace) -> dict[str, float]:
    """Seed, start the server, run the scenario; the figures."""
    if setup == "topology":
        return run_topology(args)
    phones = args.phones or TARGETS[setup][0]
    OUT.mkdir(exist_ok=True)
    with (
        tempfile.TemporaryDirectory(prefix="camshare-load-") as folder,
        database(setup, Path(folder), args) as url,
    ):
        started = time.monotonic()
        seeded = seed(url, phones, args.officers)
        print(f"[{setup}] seeded {phones} owners in {time.monotonic() - started:.1f} s")
        port = free_port()
        env = server_env(setup, url, port, args)
        log = OUT / f"load-{setup}-server.log"
        print(f"[{setup}] starting camshare on port {port} (log: {log.relative_to(ROOT)})")
        with reflex_prod_server(
            ROOT, env, port, log, "/api/health", lifetime=int(args.time_limit) + 60
        ) as server:
            base = server.url
            with urllib.request.urlopen(base + "/", timeout=30) as response:  # noqa: S310
                response.read()  # the first request is not a phone's
            meter = ServerMeter(server.process.pid)
            print(f"[{setup}] {phones} phones within {args.within or TARGETS[setup][1]} s")
            args_for = argparse.Namespace(
                **{**vars(args), "within": args.within or TARGETS[setup][1]}
            )
            return asyncio.run(
                asyncio.wait_for(scenario(base, seeded, meter, args_for), args.time_limit)
            )


def print_table(results: dict[str, dict[str, float]]) -> None:
    """The figures of each setup, and whether its targets are met."""
    print()
    print(f"load average (1, 5, 15 min): {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    header = (
        "| setup | phones | p50 / p95 / p99 s: page load | hydration | Approve | board update |"
    )
    print(header + " errors | server CPU (per phone) | idle board CPU | memory per client |")
    print("|---" * 10 + "|")
    for setup, r in results.items():
        cells = [
            " / ".join(f"{r[f'{name}_p{p}']:.2f}" for p in (50, 95, 99))
            for name in ("page_load", "hydration", "approve", "board_update")
        ]
        print(
            f"| {setup} | {r['phones']} in {r['within']:.0f} s ({r['answered']} answered) | "
            + " | ".join(cells)
            + f" | {r['errors']} | {r['cpu_pct']:.0f}% ({r['cpu_ms_per_phone']:.0f} ms) |"
            f" {r['idle_cpu_pct']:.1f}% |"
            f" {r['mem_per_client_kib']:.0f} KiB |"
        )
        if "kill_dropped" in r:
            print(
                f"{setup}: one web node SIGKILLed with {r['connected']} phones connected: "
                f"{r['kill_dropped']:.0f} dropped, {r['kill_reconnected']:.0f} reconnected "
                f"through the proxy (answer still shown: {r['kill_answer_kept']:.0f}), "
                f"{r['kill_errors']:.0f} errors; back after p50 {r['kill_back_p50']:.2f} s, "
                f"p95 {r['kill_back_p95']:.2f} s, max {r['kill_back_max']:.2f} s"
            )
    for setup, r in results.items():
        phones, within, approve, board = TARGETS[setup]
        met = (
            r["phones"] >= phones
            and r["within"] <= within
            and r["approve_p95"] <= approve
            and r["board_update_p95"] <= board
            and r["errors"] == 0
        )
        print(
            f"target {setup}: {phones} phones within {within} s, Approve p95 <= {approve} s, "
            f"board update p95 <= {board} s, no errors: {'MET' if met else 'NOT MET'}"
        )


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, run each setup, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--setup", choices=("single", "redis", "topology", "both"), default="both")
    parser.add_argument("--phones", type=int, default=0, help="default: the setup's target")
    parser.add_argument("--within", type=float, default=0, help="default: the setup's target")
    parser.add_argument("--officers", type=int, default=3)
    parser.add_argument("--idle-seconds", type=float, default=10)
    parser.add_argument(
        "--assets",
        action="store_true",
        help="phones also fetch the page's scripts and stylesheets from the app server",
    )
    parser.add_argument("--time-limit", type=float, default=900, help="seconds per setup")
    parser.add_argument(
        "--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/7")
    args = parser.parse_args(argv)
    if not shutil.which("reflex") or not shutil.which("timeout"):
        raise SystemExit("reflex or timeout not on PATH: run `source scripts/env.sh` first")
    results = {}
    for setup in ("single", "redis") if args.setup == "both" else (args.setup,):
        result = run_setup(setup, args)
        result["within"] = args.within or TARGETS[setup][1]
        results[setup] = result
    print_table(results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
