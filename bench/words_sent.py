"""How many bytes of messages a page receives over the event socket, per language.

Run from the project root:

    source scripts/env.sh && python bench/words_sent.py [--time-limit 600]

Starts camshare's production build on a free loopback port with a fresh SQLite database
(migrated, the demo data, and a request sent to two owners near the incident: one reading
English, one Spanish, made with the project's own use cases), then opens pages in headless
Chromium and counts what the server sends on the socket while the page loads and when the
visitor switches language: the websocket frames as the page receives them (the JSON text
of the deltas; on the wire permessage-deflate may shrink them). For each step it prints
the bytes of all frames and, of those, the bytes of the page's messages (``AppState.t``);
the target for the owner's answer page is at most 5 KB of words per step. The frames
themselves go to bench/out/words-frames.txt.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

from bench.seeding import camshare_with_answer_links, chromium  # noqa: E402

WORDS_VAR = "t_rx_state_"  # AppState.t as the delta names it
TARGET_BYTES = 5 * 1000
QUIET_S = 1.0  # no frame for this long: the server has said all it will


@dataclass
class Socket:
    """The frames one page received since the last ``take``."""

    frames: list[str] = field(default_factory=list)
    last: float = field(default_factory=time.monotonic)

    def received(self, payload: str | bytes) -> None:
        self.frames.append(payload if isinstance(payload, str) else payload.decode())
        self.last = time.monotonic()

    def take(self) -> tuple[int, int]:
        """Bytes of all frames, and of the page's messages in them; then start afresh."""
        with (OUT / "words-frames.txt").open("a", encoding="utf-8") as dump:
            dump.writelines(frame + "\n" for frame in self.frames)
        total = sum(len(frame.encode()) for frame in self.frames)
        words = sum(words_bytes(frame) for frame in self.frames)
        self.frames = []
        return total, words


def words_bytes(frame: str) -> int:
    """The bytes of ``AppState.t`` in one Socket.IO event frame (``42/_event,["event", …]``)."""
    found = re.match(r"42(?:/[^,\[]*,)?", frame)
    if found is None:
        return 0
    try:
        name, body = json.loads(frame[found.end() :])[:2]
    except (ValueError, TypeError):
        return 0
    if name != "event" or not isinstance(body, dict):
        return 0
    return sum(
        len(json.dumps(changes[WORDS_VAR], ensure_ascii=False).encode())
        for changes in (body.get("delta") or {}).values()
        if isinstance(changes, dict) and WORDS_VAR in changes
    )


@dataclass(frozen=True)
class Step:
    """One thing the visitor does, and what shows that the page has done it."""

    name: str
    act: Callable  # (page) -> None
    done: Callable  # (page) -> None, waits


def settle(page, socket: Socket, limit: float = 30) -> None:
    """Wait until the socket has been quiet for QUIET_S (the server sent all it will)."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if time.monotonic() - socket.last >= QUIET_S:
            return
        page.wait_for_timeout(100)
    raise TimeoutError("the socket never went quiet")


def measure(browser, url: str, locale: str, steps: list[Step]) -> list[tuple[str, int, int]]:
    """Open ``url`` in a fresh phone-sized context, do each step, count each one's bytes."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, locale=locale
    )
    page = context.new_page()
    page.set_default_timeout(30_000)
    socket = Socket()
    page.on("websocket", lambda ws: ws.on("framereceived", socket.received))
    rows = []
    try:
        for step in steps:
            step.act(page)
            step.done(page)
            settle(page, socket)
            rows.append((step.name, *socket.take()))
    finally:
        context.close()
    return rows


def lang_is(code: str) -> Callable:
    def done(page) -> None:
        page.wait_for_function(
            "(code) => document.documentElement.lang === code"
            " && document.querySelector(`.lang-button[lang=${code}][aria-pressed=true]`)",
            arg=code,
        )

    return done


def visit(url: str, ready: str, lang: str) -> Step:
    def act(page) -> None:
        page.goto(url)

    def done(page) -> None:
        page.wait_for_selector(ready, state="visible")
        lang_is(lang)(page)

    return Step(f"load ({lang})", act, done)


def switch(to: str) -> Step:
    def act(page) -> None:
        page.click(f".lang-button[lang={to}]")

    return Step(f"switch to {to}", act, lang_is(to))


def main(argv: list[str] | None = None) -> int:
    """Serve the build, measure each page and language, print the table and the target."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--time-limit", type=int, default=900, help="seconds for everything")
    args = parser.parse_args(argv)
    OUT.mkdir(exist_ok=True)
    (OUT / "words-frames.txt").unlink(missing_ok=True)
    with ExitStack() as stack:
        base, links = stack.enter_context(
            camshare_with_answer_links(OUT / "words-server.log", args.time_limit + 60)
        )
        browser = stack.enter_context(chromium())
        answer, join = "#approve", "#f-full_name"
        cases = {
            "/r/<token>, Spanish owner": (
                base + links["es"],
                "es-MX",
                [visit(base + links["es"], answer, "es"), switch("en"), switch("es")],
            ),
            "/r/<token>, English owner": (
                base + links["en"],
                "en-US",
                [visit(base + links["en"], answer, "en"), switch("es")],
            ),
            "/join/PARK25, English browser": (
                base + "/join/PARK25",
                "en-US",
                [visit(base + "/join/PARK25", join, "en"), switch("es"), switch("en")],
            ),
            "/join/PARK25, Spanish browser": (
                base + "/join/PARK25",
                "es-MX",
                [visit(base + "/join/PARK25", join, "es")],
            ),
        }
        results = {
            name: measure(browser, url, locale, steps)
            for name, (url, locale, steps) in cases.items()
        }

    print("\nbytes the page received over the event socket (JSON text, before compression)")
    print(f"{'page':32s} {'step':14s} {'all frames':>11s} {'of it words':>12s}")
    worst = 0
    for name, rows in results.items():
        for step, total, words in rows:
            print(f"{name:32s} {step:14s} {total:11d} {words:12d}")
            if name.startswith("/r/"):
                worst = max(worst, words)
    met = worst <= TARGET_BYTES
    print(
        f"target: the answer page's words at most {TARGET_BYTES} bytes per step: "
        f"{worst} bytes, {'MET' if met else 'NOT MET'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
