"""Live view: glass-to-glass delay, CPU per active share, viewers and shares per process.

Run from the project root (needs ffmpeg and scripts/setup.sh --dev's RTSP server):
    source scripts/env.sh && python bench/live_view.py [--seconds 15]

Everything runs on loopback: the RTSP camera stand-in (ffmpeg's test pattern with the wall
clock stamped in each frame as 24 boxes), the app's API under uvicorn in its own process
(fresh SQLite database, local segment store), and the real bridge (``python -m
camshare_bridge run``) relaying the camera with ``-c copy``.

- Glass to glass: a viewer polls the playlist through ``/api/live/watch`` every 50 ms; each
  new segment is fetched and its first frame decoded; the delay is the wall clock then minus
  the stamp in that frame. This is camera -> bridge -> camshare -> viewer; a player adds its
  live-edge buffer on top (hls.js: ``liveSyncDurationCount`` segments, 3 by default).
- Glass to glass in Chromium (``--no-chromium`` to skip): headless Chromium plays the share
  with hls.js set up as the board's tile (``bench/live_view_player.*``, served by the API
  process beside the watch route); for each frame shown (``requestVideoFrameCallback``) the
  page reads the stamp off a canvas; the delay is the frame's display time minus the stamp.
- CPU per share: CPU seconds of the server process, and of the bridge with its ffmpeg, over
  ``--seconds`` with one share streaming and one viewer watching, as % of one core.
- Viewers: N viewers of one share, each fetching the playlist and the newest segment once a
  second (hls.js's rhythm at 1 s segments), N raised until the segment fetch p95 passes
  500 ms. Shares: S synthetic bridges each pushing a real 1-second segment a second, one
  viewer each, S raised the same way. The load generator shares the machine's cores.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import av  # noqa: E402
import httpx  # noqa: E402
from sqlalchemy import select  # noqa: E402
from sqlalchemy.orm import sessionmaker  # noqa: E402

from camshare import migrations  # noqa: E402
from camshare.db import make_engine  # noqa: E402
from camshare.models import LiveCamera, utcnow  # noqa: E402
from camshare.routes import live_watch_path  # noqa: E402
from camshare.services.live import devices, viewing  # noqa: E402
from camshare.settings import load_settings  # noqa: E402
from camshare_bridge import protocol  # noqa: E402
from tests.support.access_builders import staff  # noqa: E402
from tests.support.bridge_program import bridge, running_bridge  # noqa: E402
from tests.support.live_bridge_builders import asked_owner, live_camera, share  # noqa: E402
from tests.support.live_server import free_port  # noqa: E402
from tests.support.rtsp_camera import (  # noqa: E402
    STAMP_BITS,
    STAMP_STEP,
    STAMP_X,
    STAMP_Y,
    read_stamp,
    rtsp_camera,
)
from tests.support.waiting import wait_for  # noqa: E402

# The API, plus the Chromium viewer's page and its scripts (bench/live_view_player.*, and
# hls.js as the app's build installed it), from the same origin as the watch route.
SERVER = (
    "import sys, uvicorn; from pathlib import Path; from starlette.responses import FileResponse; "
    "from starlette.routing import Route; from camshare.api import create_api; "
    "app = create_api(); files = {'/bench/hls.min.js': Path(sys.argv[2])}; "
    "files.update({f'/bench/{p.name}': p for p in Path('bench').glob('live_view_player.*')}); "
    "app.router.routes += [Route(u, lambda r, p=p: FileResponse(p)) for u, p in files.items()]; "
    "uvicorn.run(app, host='127.0.0.1', port=int(sys.argv[1]), log_level='warning')"
)
HLS_JS = ROOT / ".web" / "node_modules" / "hls.js" / "dist" / "hls.min.js"
TARGET_P95 = 0.5
WRAP = 1 << 24


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(len(values) * 0.95) - 1)] if values else float("nan")


def within_target(what: str, count: int, latencies: list[float], errors: list) -> bool:
    """Print one round's segment fetch p95; whether it stayed within the target."""
    figure = p95(latencies)
    print(f"{what}: {count:4d}  segment fetch p95 {figure * 1000:6.0f} ms  "
          f"({len(latencies)} fetches, {len(errors)} errors)")  # fmt: skip
    return figure <= TARGET_P95


def credential(factory, settings, actor, share_id: int) -> str:
    with factory() as session, session.begin():
        return viewing.issue_viewer_credential(session, settings, actor, share_id, utcnow()).token


def newest(playlist: str) -> str | None:
    names = [line for line in playlist.splitlines() if line and not line.startswith("#")]
    return names[-1] if names else None


def glass_to_glass(base: str, token: str, seconds: float) -> list[float]:
    delays, seen = [], set()
    deadline = time.monotonic() + seconds
    with httpx.Client(base_url=base, timeout=5) as client:
        while time.monotonic() < deadline:
            answer = client.get(live_watch_path(token, "index.m3u8"))
            name = newest(answer.text) if answer.status_code == 200 else None
            if name and name not in seen:
                seen.add(name)
                data = client.get(live_watch_path(token, name)).content
                arrived = int(time.time() * 100) % WRAP
                with av.open(io.BytesIO(data), format="mpegts") as container:
                    frame = next(container.decode(video=0))
                stamp = read_stamp(frame.to_ndarray(format="gray"))
                delays.append(((arrived - stamp) % WRAP) / 100)
            time.sleep(0.05)
    return delays[1:]  # the first may have waited in the window before we looked


def chromium_glass_to_glass(base: str, token: str, seconds: float) -> list[float]:
    """From the stamped frame to the moment Chromium shows it, through hls.js as the board's
    tile sets it up (``liveSyncDurationCount`` 2): camera -> bridge -> camshare -> screen."""
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM, CHROMIUM_FLAGS

    stamp = {"x": STAMP_X, "step": STAMP_STEP, "y": STAMP_Y, "bits": STAMP_BITS}
    query = urlencode({"src": base + live_watch_path(token, "index.m3u8"), **stamp})
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page()
            page.goto(f"{base}/bench/live_view_player.html?{query}")
            page.wait_for_function("window.delays.length > 0", timeout=60_000)
            # The player's start catches up with the live edge: measure after it.
            page.wait_for_timeout(3_000)
            first = page.evaluate("window.delays.length")
            page.wait_for_timeout(seconds * 1000)
            return page.evaluate("window.delays")[first:]
        finally:
            browser.close()


def family(pid: int) -> list[int]:
    """``pid`` and every process it started, from /proc (children's parent ids)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                parents[int(entry.name)] = int(fields[1])
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo += [child for child, parent in parents.items() if parent == current]
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds these processes used so far (/proc/<pid>/stat)."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


async def viewer_loop(client, token: str, seconds: float, latencies: list[float], errors):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.monotonic()
        try:
            answer = await client.get(live_watch_path(token, "index.m3u8"))
            name = newest(answer.text) if answer.status_code == 200 else None
            if name:
                before = time.monotonic()
                got = await client.get(live_watch_path(token, name))
                if got.status_code == 200:
                    latencies.append(time.monotonic() - before)
                else:
                    errors.append(got.status_code)
        except httpx.HTTPError as error:
            errors.append(type(error).__name__)
        await asyncio.sleep(max(0.0, 1.0 - (time.monotonic() - started)))


async def pusher_loop(client, share_id: int, secret: str, segment: bytes, seconds: float):
    deadline, number = time.monotonic() + seconds, int(time.time() * 10)
    headers = protocol.bearer(secret)
    while time.monotonic() < deadline:
        started = time.monotonic()
        number += 1
        name = f"seg{number}.ts"
        await client.put(protocol.push_path(share_id, name), content=segment, headers=headers)
        playlist = f"#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1.0,\n{name}\n"
        await client.put(protocol.push_path(share_id, "index.m3u8"), content=playlist.encode(),
                         headers=headers)  # fmt: skip
        await asyncio.sleep(max(0.0, 1.0 - (time.monotonic() - started)))


async def after(delay: float, work):
    """``work``, started ``delay`` seconds from now."""
    await asyncio.sleep(delay)
    return await work


async def load(base, viewers: list[str], pushers: list[tuple[int, str]], segment, seconds):
    latencies: list[float] = []
    errors: list = []
    limits = httpx.Limits(max_connections=2000, max_keepalive_connections=2000)
    async with httpx.AsyncClient(base_url=base, timeout=10, limits=limits) as client:
        # Players and bridges started at different moments: each keeps its own phase within
        # the second (in lockstep, N fetches would queue behind each other every second).
        tasks = [
            after(i / len(pushers), pusher_loop(client, sid, sec, segment, seconds + 2))
            for i, (sid, sec) in enumerate(pushers)
        ]
        await asyncio.sleep(0)
        tasks += [
            after(i / len(viewers), viewer_loop(client, t, seconds, latencies, errors))
            for i, t in enumerate(viewers)
        ]
        await asyncio.gather(*tasks)
    return latencies, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--viewers", default="10,25,50,100,200,400")
    parser.add_argument("--shares", default="5,10,20,40,80")
    parser.add_argument("--chromium", action=argparse.BooleanOptionalAction, default=True,
                        help="also measure glass to glass in headless Chromium")  # fmt: skip
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="camshare-bench-live-", dir=ROOT / "bench") as tmp:
        folder = Path(tmp)
        url = f"sqlite:///{folder / 'camshare.db'}"
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "CAMSHARE_DATABASE_URL": url,
            "CAMSHARE_SECRET_KEY": "bench-secret",
            "CAMSHARE_PUBLIC_BASE_URL": base,
            "CAMSHARE_LIVE_SEGMENTS_DIR": str(folder / "live"),
            # The bench's viewers hold one credential through every round.
            "CAMSHARE_LIVE_VIEWER_SECONDS": "3600",
        }
        os.environ.update(env)
        migrations.upgrade(url)
        settings = load_settings(env)
        factory = sessionmaker(bind=make_engine(url), expire_on_commit=False)
        with factory() as session, session.begin():
            site = asked_owner(session, settings)
            code = devices.issue_pairing_code(session, site.owner_id, utcnow()).code
            watchers = [
                staff(session, "supervisor") for _ in range(max(map(int, args.viewers.split(","))))
            ]
        server = subprocess.Popen(
            ["timeout", "1800", sys.executable, "-c", SERVER, str(port), str(HLS_JS)],
            cwd=ROOT,
            env=env,
        )
        try:
            wait_for(lambda: _up(base), 30, "the API answers")
            with rtsp_camera(folder / "camera", clock=True) as camera:
                config = folder / "bridge.json"
                assert bridge(config, "pair", code, "--server", base).returncode == 0
                bridge(config, "add-camera", "--camera-id", str(site.camera_ids[0]), "--name",
                       "Front door", "--url", camera.url())  # fmt: skip
                with running_bridge(config, folder / "bridge.log") as runner:
                    with factory() as session:
                        live_id = wait_for(
                            lambda: session.scalar(select(LiveCamera.id)), 60, "camera reported"
                        )
                    with factory() as session, session.begin():
                        share_id, _ = share(session, settings, site, live_id, utcnow(), minutes=120)
                    token = credential(factory, settings, watchers[0], share_id)
                    store = folder / "live" / str(share_id)
                    wait_for(lambda: (store / "index.m3u8").exists(), 60, "first segment")

                    # The server (under `timeout`), and the bridge with the ffmpeg it started.
                    server_side, bridge_side = family(server.pid), family(runner.pid)
                    cpu_server, cpu_bridge = cpu_seconds(server_side), cpu_seconds(bridge_side)
                    started = time.monotonic()
                    delays = glass_to_glass(base, token, args.seconds)
                    elapsed = time.monotonic() - started
                    cpu_server = (cpu_seconds(server_side) - cpu_server) / elapsed * 100
                    cpu_bridge = (cpu_seconds(bridge_side) - cpu_bridge) / elapsed * 100
                    print(f"glass to glass (camera -> viewer fetch), {len(delays)} segments: "
                          f"median {statistics.median(delays):.2f} s, max {max(delays):.2f} s "
                          "(+ the player's live-edge buffer)")  # fmt: skip
                    if args.chromium and not HLS_JS.exists():
                        print(f"glass to glass in Chromium: skipped, no {HLS_JS} (build once)")
                    elif args.chromium:
                        shown = chromium_glass_to_glass(base, token, args.seconds)
                        print(f"glass to glass (camera -> frame shown in Chromium, hls.js), "
                              f"{len(shown)} frames: median {statistics.median(shown):.2f} s, "
                              f"{min(shown):.2f}-{max(shown):.2f} s")  # fmt: skip
                    print(f"CPU, one share streaming and one viewer: server {cpu_server:.1f}% of a "
                          f"core, bridge + ffmpeg {cpu_bridge:.1f}% of a core")  # fmt: skip
                    segment = next(p for p in sorted(store.glob("seg*.ts"))).read_bytes()

                    tokens = [credential(factory, settings, w, share_id) for w in watchers]
                    for count in map(int, args.viewers.split(",")):
                        latencies, errors = asyncio.run(
                            load(base, tokens[:count], [], segment, args.seconds)
                        )
                        if not within_target("viewers of one share", count, latencies, errors):
                            break

            for count in map(int, args.shares.split(",")):
                pushers, viewers = [], []
                with factory() as session, session.begin():
                    for _ in range(count):
                        other = asked_owner(session, settings)
                        code = devices.issue_pairing_code(session, other.owner_id, utcnow())
                        device = devices.pair_device(session, code.code, "bench", utcnow())
                        camera_id = live_camera(
                            session, device.device_id, other.camera_ids[0], utcnow()
                        )
                        pushers.append(share(session, settings, other, camera_id, utcnow(), 120))
                for share_id, _secret in pushers:
                    viewers.append(credential(factory, settings, watchers[0], share_id))
                latencies, errors = asyncio.run(load(base, viewers, pushers, segment, args.seconds))
                if not within_target("shares on one process", count, latencies, errors):
                    break
            print(f"load average: {os.getloadavg()[0]:.1f} (2 cores shared)")
        finally:
            server.terminate()
            server.wait(timeout=20)


def _up(base: str) -> bool:
    try:
        return httpx.get(base + "/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


if __name__ == "__main__":
    main()
