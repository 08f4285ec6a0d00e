"""A 1 GB file sent through the app with the real tus client: throughput against writing the
same bytes to disk, the server's memory while it receives them, and the time from the last
byte to "received" (hash, identification, probe, thumbnail, stored, recorded).

Run from the project root:

    source scripts/env.sh && python bench/footage_upload.py [--size-mb 1024] [--chunk-mb 64]

The app's API (Starlette + the tus router) runs under uvicorn in its own process on a free
loopback port, on a fresh SQLite database in a temporary folder, with the local footage
store there too; it is stopped at the end (and runs under ``timeout`` in any case). The
file is a short H.264 test pattern followed by one MP4 ``free`` box of random bytes up to
the size asked, so it is a whole, valid MP4 of that size. The server's memory is its
resident set (``/proc/<pid>/status``) sampled every 50 ms; the figure is the peak over the
idle process. "Last byte to received" is the duration of the final PATCH, which carries
1 MiB and returns once the file is recorded as received.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402
from sqlalchemy.orm import sessionmaker  # noqa: E402
from tusclient import client as tus  # noqa: E402

from camshare import migrations  # noqa: E402
from camshare.db import make_engine  # noqa: E402
from camshare.models import FootageFile, utcnow  # noqa: E402
from camshare.settings import load_settings  # noqa: E402
from tests.support.footage_builders import approved_owner  # noqa: E402
from tests.support.live_server import free_port  # noqa: E402
from tests.support.media import pattern_video  # noqa: E402

MIB = 1024 * 1024
SERVER = (
    "import uvicorn, sys; from camshare.api import create_api; "
    "uvicorn.run(create_api(), host='127.0.0.1', port=int(sys.argv[1]), log_level='warning')"
)


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def make_file(path: Path, size: int) -> None:
    """A valid MP4 of exactly ``size`` bytes: a test pattern, then one ``free`` box."""
    pattern_video(path, seconds=3)
    padding = size - path.stat().st_size
    block = os.urandom(16 * MIB)
    with path.open("ab") as out:
        out.write(padding.to_bytes(4, "big") + b"free")
        left = padding - 8
        while left:
            piece = block[: min(left, len(block))]
            out.write(piece)
            left -= len(piece)


def disk_write_seconds(source: Path, folder: Path) -> float:
    """Copying the file's bytes to a new file on the same disk, synced."""
    target = folder / "disk-copy"
    started = time.perf_counter()
    with source.open("rb") as inp, target.open("wb") as out:
        while piece := inp.read(8 * MIB):
            out.write(piece)
        out.flush()
        os.fsync(out.fileno())
    elapsed = time.perf_counter() - started
    target.unlink()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--chunk-mb", type=int, default=64)
    args = parser.parse_args()
    size, chunk = args.size_mb * MIB + MIB, args.chunk_mb * MIB  # the last PATCH: 1 MiB

    with tempfile.TemporaryDirectory(prefix="camshare-bench-footage-", dir=ROOT / "bench") as tmp:
        folder = Path(tmp)
        url = f"sqlite:///{folder / 'camshare.db'}"
        env = {
            **os.environ,
            "CAMSHARE_DATABASE_URL": url,
            "CAMSHARE_SECRET_KEY": "bench-secret",
            "CAMSHARE_FOOTAGE_DIR": str(folder / "footage"),
            "CAMSHARE_FOOTAGE_PARTS_DIR": str(folder / "parts"),
            "CAMSHARE_FOOTAGE_MAX_FILE_BYTES": str(size + MIB),
        }
        migrations.upgrade(url)
        settings = load_settings(env)
        engine = make_engine(url)
        factory = sessionmaker(bind=engine, expire_on_commit=False)
        with factory() as session, session.begin():
            owner = approved_owner(session, settings, utcnow() - timedelta(minutes=1))
        clip = folder / "big.mp4"
        make_file(clip, size)
        expected = hashlib.sha256(clip.read_bytes()).hexdigest() if size <= 2048 * MIB else None
        disk = disk_write_seconds(clip, folder)

        port = free_port()
        server = subprocess.Popen(
            ["timeout", "1800", sys.executable, "-c", SERVER, str(port)],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
        try:
            python = None
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2)
                    break
                except OSError:
                    time.sleep(0.2)  # a starting server sends no event to wait on
            children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
            python = int(children[0]) if children else server.pid
            idle = rss_kib(python)
            peak = [idle]
            stop = threading.Event()

            def sample() -> None:
                while not stop.wait(0.05):
                    with contextlib.suppress(FileNotFoundError):
                        peak[0] = max(peak[0], rss_kib(python))

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            client = tus.TusClient(
                f"http://127.0.0.1:{port}/api/footage/uploads",
                headers={"Footage-Link": owner.token},
            )
            uploader = client.uploader(
                str(clip),
                chunk_size=chunk,
                metadata={"filename": "big.mp4", "filetype": "video/mp4"},
            )
            started = time.perf_counter()
            try:
                while uploader.offset < size - MIB:
                    uploader.chunk_size = min(chunk, size - MIB - uploader.offset)
                    uploader.upload_chunk()
                uploader.chunk_size = MIB
            except Exception as error:
                print("refused:", getattr(error, "response_content", error), uploader.offset)
                raise
            before_last = time.perf_counter()
            try:
                uploader.upload_chunk()
            except Exception as error:
                print("refused:", getattr(error, "response_content", error), uploader.offset)
                raise
            finished = time.perf_counter()
            stop.set()
            sampler.join()
        finally:
            server.terminate()
            server.wait(timeout=30)
        with factory() as session:
            row = session.scalar(select(FootageFile))
        engine.dispose()

    upload = finished - started
    print(f"file: {size / MIB:.0f} MiB, tus chunks of {args.chunk_mb} MiB, load {os.getloadavg()}")
    print(f"disk write (same bytes, fsync): {disk:.2f} s = {size / MIB / disk:.0f} MiB/s")
    print(f"upload through the app:        {upload:.2f} s = {size / MIB / upload:.0f} MiB/s")
    print(f"ratio upload / disk throughput: {disk / upload:.2f}")
    print(
        f"server memory: idle {idle / 1024:.0f} MiB, peak {peak[0] / 1024:.0f} MiB, "
        f"growth {(peak[0] - idle) / 1024:.0f} MiB (target < 100 MiB)"
    )
    print(f"last byte to received (final 1 MiB PATCH): {finished - before_last:.2f} s")
    print(
        f"status {row.status}, sha256 matches: "
        f"{row.sha256 == expected if expected else 'not checked (file > 2 GiB)'}"
    )


if __name__ == "__main__":
    main()
