"""When the join page's first field can be used on a slow 3G connection, with an empty cache.

Run from the project root:

    source scripts/env.sh && python bench/slow_3g.py [--runs 3] [--latency-ms 2000]
        [--kbit 500]

Starts camshare's production build on a free loopback port (fresh SQLite database, the
demo data and a request to two owners), then opens pages in headless Chromium with
Chromium's own network emulation (CDP ``Network.emulateNetworkConditions``: 2 s round trip,
500 kbit/s each way by default) in a fresh context each run, so nothing is cached. For
each page it prints the median, over the runs, of the time from navigation start until:

- ``visible``: the first field (the answer page: the Approve button) is on screen and
  enabled;
- ``react``: React has attached its handlers to it;
- ``loaded``: the server has answered the page's load (the state is hydrated).

The target: the join page's first field visible and usable within 6 s. The join page's
fields are usable once visible: they are uncontrolled inputs, so what is typed before React
starts stays in the field and goes with the step (tests/e2e/test_sign_up_on_a_phone.py,
``test_what_is_typed_before_the_page_s_code_arrives_is_kept``), and no press sends the form
the browser's way before then (``camshare/join_shell.py``). A button such as Approve is
usable only once React has attached.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

from bench.seeding import camshare_with_answer_links, chromium  # noqa: E402

TARGET_S = 6.0
# Milliseconds since navigation start at which each condition first held, measured in the
# page (a requestAnimationFrame loop started by an init script, so before any page code).
WATCH = """
(() => {
  const seen = (window.__seen = {});
  const react = (el) => Object.keys(el).some((k) => k.startsWith("__reactProps"));
  const check = () => {
    const el = document.querySelector(window.__field || "#f-full_name");
    const now = performance.now();
    if (el && el.offsetParent !== null && !el.disabled) {
      seen.visible ??= now;
      if (react(el)) seen.react ??= now;
    }
    if (document.querySelector(window.__loaded || "#join-step:not([data-step=loading])"))
      seen.loaded ??= now;
    if (!(seen.visible && seen.react && seen.loaded)) requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
})();
"""
CONDITIONS = ("visible", "react", "loaded")


def one_run(browser, url: str, field: str, loaded: str, latency_ms: int, kbit: int) -> dict:
    """A fresh context (empty cache) on the emulated network; the three times in seconds."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, locale="en-US"
    )
    try:
        context.add_init_script(
            f"window.__field = {field!r}; window.__loaded = {loaded!r};" + WATCH
        )
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        bytes_per_s = kbit * 1000 / 8
        cdp.send(
            "Network.emulateNetworkConditions",
            {
                "offline": False,
                "latency": latency_ms,
                "downloadThroughput": bytes_per_s,
                "uploadThroughput": bytes_per_s,
            },
        )
        page.goto(url, wait_until="commit", timeout=120_000)
        page.wait_for_function(
            "() => window.__seen && window.__seen.react && window.__seen.loaded",
            timeout=120_000,
            polling=100,
        )
        seen = page.evaluate("() => window.__seen")
        return {name: seen[name] / 1000 for name in CONDITIONS}
    finally:
        context.close()


def main(argv: list[str] | None = None) -> int:
    """Serve the build, load each page --runs times on the slow network, print the medians."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--latency-ms", type=int, default=2000, help="round trip")
    parser.add_argument("--kbit", type=int, default=500, help="kbit/s, each way")
    parser.add_argument("--time-limit", type=int, default=1200, help="seconds for everything")
    args = parser.parse_args(argv)
    OUT.mkdir(exist_ok=True)
    with ExitStack() as stack:
        base, links = stack.enter_context(
            camshare_with_answer_links(OUT / "slow-3g-server.log", args.time_limit + 60)
        )
        browser = stack.enter_context(chromium())
        join_loaded = "#join-step:not([data-step=loading])"
        pages = {
            "/join/PARK25": (base + "/join/PARK25", "#f-full_name", join_loaded),
            "/r/<token>": (base + links["en"], "#approve", "#approve"),
        }
        results = {name: [] for name in pages}
        for run in range(args.runs):
            for name, (url, field, loaded) in pages.items():
                print(f"run {run + 1}/{args.runs}: {name}", flush=True)
                results[name].append(
                    one_run(browser, url, field, loaded, args.latency_ms, args.kbit)
                )

    print(
        f"\nslow 3G ({args.latency_ms} ms round trip, {args.kbit} kbit/s, empty cache): "
        f"seconds from navigation start, median of {args.runs}"
    )
    print(f"{'page':14s}" + "".join(f"{name:>9s}" for name in CONDITIONS))
    for name, runs in results.items():
        medians = [statistics.median(run[c] for run in runs) for c in CONDITIONS]
        print(f"{name:14s}" + "".join(f"{m:9.2f}" for m in medians))
    join = results["/join/PARK25"]
    usable = statistics.median(run["visible"] for run in join)  # see the module's docstring
    print(
        f"target: the join page's first field visible and usable within {TARGET_S:.0f} s: "
        f"{usable:.2f} s, {'MET' if usable <= TARGET_S else 'NOT MET'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
