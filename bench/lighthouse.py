"""Lighthouse performance of camshare's join and answer pages against a bare Reflex page.

Run from the project root:

    source scripts/env.sh && python bench/lighthouse.py [--runs 3] [--details]

Installs Lighthouse 12.8.2 into bench/node_modules from the configured npm registry when it
is missing, starts camshare's production build (fresh SQLite database, migrated and seeded
with the demo campaign and a request whose English owner's answer page /r/<token> is
measured) and the bare app in bench/bare_app (built and served the same way)
on free loopback ports, runs Lighthouse (mobile, simulated throttling, performance only)
several times on each page, and prints the medians and whether the target is met. The raw
JSON reports go to bench/out/. The servers are stopped at the end, and every step is bounded
in time: the servers by their ``timeout`` lifetime, each Lighthouse run by its own limit.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
BARE_APP = BENCH / "bare_app"
OUT = BENCH / "out"
sys.path.insert(0, str(ROOT))

from bench.seeding import seed_answer_links  # noqa: E402
from tests.support.live_server import free_port, reflex_prod_server  # noqa: E402

LIGHTHOUSE_VERSION = "12.8.2"
LIGHTHOUSE = BENCH / "node_modules" / ".bin" / "lighthouse"
CHROME_PATH = "/usr/bin/chromium"
CHROME_FLAGS = (
    "--headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
    "--disable-background-networking --disable-component-update --disable-sync"
)
CAMPAIGN_CODE = "PARK25"  # the demo campaign made by `python -m camshare.cli seed-demo`
LCP_TARGET_S = 2.0
RUN_LIMIT_S = 240  # one Lighthouse run; a normal one takes well under a minute
KIB = 1024


@dataclass(frozen=True)
class Figures:
    """The numbers one Lighthouse report gives for one page."""

    score: float  # 0-100, as Lighthouse shows it
    lcp_s: float
    fcp_s: float
    tbt_ms: float
    total_kib: float
    js_kib: float
    css_kib: float


COLUMNS: list[tuple[str, Callable[[Figures], float], str]] = [
    ("score", lambda f: f.score, "{:.0f}"),
    ("LCP s", lambda f: f.lcp_s, "{:.2f}"),
    ("FCP s", lambda f: f.fcp_s, "{:.2f}"),
    ("TBT ms", lambda f: f.tbt_ms, "{:.0f}"),
    ("total KiB", lambda f: f.total_kib, "{:.1f}"),
    ("JS KiB", lambda f: f.js_kib, "{:.1f}"),
    ("CSS KiB", lambda f: f.css_kib, "{:.1f}"),
]


class Deadline:
    """The time left for the whole benchmark."""

    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        """Seconds left; raises once there are none."""
        left = self.end - time.monotonic()
        if left <= 0:
            raise TimeoutError("the benchmark ran out of time (see --time-limit)")
        return left


def run_bounded(command: list[str], limit: float, **kwargs) -> subprocess.CompletedProcess:
    """Run ``command`` in its own process group, killing the whole group after ``limit`` s."""
    with subprocess.Popen(command, start_new_session=True, **kwargs) as process:
        try:
            stdout, stderr = process.communicate(timeout=limit)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def ensure_lighthouse(deadline: Deadline) -> None:
    """Install the pinned Lighthouse into bench/node_modules (never globally) if it is missing."""
    installed = BENCH / "node_modules" / "lighthouse" / "package.json"
    if (
        LIGHTHOUSE.exists()
        and installed.exists()
        and json.loads(installed.read_text())["version"] == LIGHTHOUSE_VERSION
    ):
        return
    print(f"installing lighthouse@{LIGHTHOUSE_VERSION} into bench/node_modules", flush=True)
    # The registry is npm's configured one; bench/package.json pins the version.
    command = ["npm", "install", "--prefix", str(BENCH), "--no-package-lock"]
    command += ["--no-audit", "--no-fund"]
    result = run_bounded(command, min(600, deadline.left()), cwd=BENCH)
    if result.returncode != 0 or not LIGHTHOUSE.exists():
        raise RuntimeError("npm could not install Lighthouse (see its output above)")


def check_environment() -> None:
    """Fail early, and clearly, when the tools the benchmark runs are not there."""
    missing = [tool for tool in ("reflex", "bun", "npm", "timeout") if not shutil.which(tool)]
    if missing:
        raise SystemExit(f"not on PATH: {', '.join(missing)}; run `source scripts/env.sh` first")
    if not Path(CHROME_PATH).exists():
        raise SystemExit(f"{CHROME_PATH} is missing: install Debian's chromium package")


def warm_up(url: str) -> None:
    """Fetch the page once, so the first measured run is not the server's first request."""
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - loopback only
        response.read()


def run_lighthouse(url: str, report: Path, deadline: Deadline) -> dict:
    """One Lighthouse run on ``url``: mobile, simulated throttling, performance only."""
    command = [
        str(LIGHTHOUSE),
        url,
        "--form-factor=mobile",
        "--throttling-method=simulate",
        "--only-categories=performance",
        "--output=json",
        f"--output-path={report}",
        f"--chrome-flags={CHROME_FLAGS}",
        "--quiet",
    ]
    env = {**os.environ, "CHROME_PATH": CHROME_PATH}
    limit = min(RUN_LIMIT_S, deadline.left())
    result = run_bounded(command, limit, env=env, stderr=subprocess.PIPE, text=True)
    if result.returncode != 0 or not report.exists():
        raise RuntimeError(f"Lighthouse failed on {url}:\n{result.stderr[-4000:]}")
    lhr = json.loads(report.read_text())
    if lhr.get("runtimeError") or lhr["categories"]["performance"]["score"] is None:
        raise RuntimeError(f"Lighthouse gave no score for {url}: {lhr.get('runtimeError')}")
    return lhr


def network_requests(lhr: dict) -> list[dict]:
    """The requests of the page load, as Lighthouse's network-requests audit lists them."""
    return lhr["audits"]["network-requests"]["details"]["items"]


def figures(lhr: dict) -> Figures:
    """The table's numbers from one Lighthouse report."""
    audits = lhr["audits"]
    by_type: dict[str, int] = {}
    for request in network_requests(lhr):
        kind = request.get("resourceType", "Other")
        by_type[kind] = by_type.get(kind, 0) + request.get("transferSize", 0)
    return Figures(
        score=round(lhr["categories"]["performance"]["score"] * 100),
        lcp_s=audits["largest-contentful-paint"]["numericValue"] / 1000,
        fcp_s=audits["first-contentful-paint"]["numericValue"] / 1000,
        tbt_ms=audits["total-blocking-time"]["numericValue"],
        total_kib=audits["total-byte-weight"]["numericValue"] / KIB,
        js_kib=by_type.get("Script", 0) / KIB,
        css_kib=by_type.get("Stylesheet", 0) / KIB,
    )


def median_figures(runs: list[Figures]) -> Figures:
    """Each number's median over the runs."""
    return Figures(
        *(
            statistics.median(getattr(run, name) for run in runs)
            for name in Figures.__dataclass_fields__
        )
    )


def print_table(results: dict[str, Figures], runs: int) -> None:
    """The medians, one row per page."""
    width = max(len("page"), *(len(page) for page in results))
    print(f"\nLighthouse {LIGHTHOUSE_VERSION}, mobile, simulated throttling, median of {runs}")
    print("page".ljust(width), *(title.rjust(9) for title, _, _ in COLUMNS))
    for page, numbers in results.items():
        cells = (form.format(value(numbers)).rjust(9) for _, value, form in COLUMNS)
        print(page.ljust(width), *cells)


def print_details(lhr: dict, page: str, limit: int = 8) -> None:
    """What delays the largest contentful paint of ``page``, and its largest downloads."""
    audits = lhr["audits"]
    print(f"\n{page}: audits with LCP savings (ms), from the run with the median LCP")
    savings = [
        (audit.get("metricSavings", {}).get("LCP") or 0, audit)
        for audit in audits.values()
        if audit.get("score") is not None and audit["score"] < 1
    ]
    for ms, audit in sorted(savings, key=lambda pair: -pair[0])[:limit]:
        if ms > 0:
            print(f"  {ms:6.0f}  {audit['title']}  {audit.get('displayValue', '')}".rstrip())
    element = audits.get("largest-contentful-paint-element", {}).get("details", {})
    for table in element.get("items", []):
        for item in table.get("items", []):
            if "node" in item:
                print(f"  LCP element: {item['node'].get('snippet', '')}")
            elif "phase" in item:
                print(f"  LCP phase {item['phase']}: {item['timing']:.0f} ms")
    print(f"\n{page}: largest transfers (KiB)")
    requests = sorted(network_requests(lhr), key=lambda r: -r.get("transferSize", 0))
    for request in requests[:limit]:
        print(f"  {request.get('transferSize', 0) / KIB:7.1f}  {request['url']}")


def main(argv: list[str] | None = None) -> int:
    """Build and serve both apps, measure both pages, print the medians and the target."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="Lighthouse runs per page")
    parser.add_argument(
        "--details", action="store_true", help="also list camshare's LCP savings and downloads"
    )
    parser.add_argument(
        "--time-limit", type=float, default=1800, help="seconds for the whole benchmark"
    )
    parser.add_argument(
        "--path",
        action="append",
        help=f"camshare page to measure (repeatable; default /join/{CAMPAIGN_CODE} and the "
        "English owner's /r/<token>)",
    )
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    deadline = Deadline(args.time_limit)
    check_environment()
    ensure_lighthouse(deadline)
    OUT.mkdir(exist_ok=True)
    lifetime = int(args.time_limit) + 60  # servers outlive no benchmark, even a killed one

    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="camshare-lh-")))
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "CAMSHARE_DATABASE_URL": f"sqlite:///{workdir / 'camshare.db'}",
            "CAMSHARE_PUBLIC_BASE_URL": base,
            "CAMSHARE_PORT": str(port),
        }
        answer_pages = seed_answer_links(env, env["CAMSHARE_DATABASE_URL"])
        measured = args.path or [f"/join/{CAMPAIGN_CODE}", answer_pages["en"]]
        print(f"starting camshare on {base} (log: bench/out/camshare-server.log)", flush=True)
        camshare = stack.enter_context(
            reflex_prod_server(
                ROOT,
                env,
                port,
                OUT / "camshare-server.log",
                "/api/health",
                limit=min(300, deadline.left()),
                lifetime=lifetime,
            )
        )
        bare_port = free_port()
        bare_env = {**os.environ, "BARE_APP_PORT": str(bare_port)}
        print(f"starting the bare app on port {bare_port} (log: bench/out/bare-server.log)")
        bare = stack.enter_context(
            reflex_prod_server(
                BARE_APP,
                bare_env,
                bare_port,
                OUT / "bare-server.log",
                "/",
                limit=min(300, deadline.left()),
                lifetime=lifetime,
            )
        )
        pages = {_label(path): camshare.url + path for path in measured}
        pages["bare"] = bare.url + "/"
        names = {label: "camshare-" + label.strip("/").split("/")[0] for label in pages}
        names["bare"] = "bare"
        for url in pages.values():
            warm_up(url)
        reports: dict[str, list[dict]] = {page: [] for page in pages}
        for run in range(1, args.runs + 1):
            for page, url in pages.items():  # alternate pages, so drift hits both alike
                print(f"lighthouse run {run}/{args.runs}: {url}", flush=True)
                report = OUT / f"{names[page]}-{run}.json"
                reports[page].append(run_lighthouse(url, report, deadline))

    results = {
        page: median_figures([figures(lhr) for lhr in lhrs]) for page, lhrs in reports.items()
    }
    print_table(results, args.runs)
    floor = results.pop("bare")
    for page, numbers in results.items():
        # The join page must also score as well as the bare page; every page has the LCP target.
        score_ok = numbers.score >= floor.score or not page.startswith("/join")
        met = score_ok and numbers.lcp_s <= LCP_TARGET_S
        wanted = "score >= bare score and " if page.startswith("/join") else ""
        print(f"target: {page} {wanted}LCP <= {LCP_TARGET_S:.1f} s: {'MET' if met else 'NOT MET'}")
    print(f"raw reports: {OUT.relative_to(ROOT)}/")
    if args.details:
        for page in results:
            by_lcp = sorted(reports[page], key=lambda lhr: figures(lhr).lcp_s)
            print_details(by_lcp[len(by_lcp) // 2], page)
    return 0


def _label(path: str) -> str:
    """A page's name in the table: its path, with an answer link's token hidden."""
    return "/r/<token>" if path.startswith("/r/") else path


if __name__ == "__main__":
    sys.exit(main())
