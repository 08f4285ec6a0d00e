"""How long the worker takes to make a received video's browser-playable preview.

A recorder-style export (MPEG-4 Part 2 in AVI, which browsers do not play) of the test
pattern is received through intake as the tus hook does, which queues its preview job;
then the worker's own preview step (``jobs.run_next_preview``) claims and makes it. The
figures: the clip's length, its size, the seconds the job took and how many times faster
than real time that is, so "preview being made" can be read as minutes per hour of video.

Run from the project root:

    source scripts/env.sh && python bench/footage_preview.py [--seconds 120] [--size 1280x720]

Everything lives in a temporary folder (SQLite database, local footage store).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy.orm import sessionmaker  # noqa: E402

from camshare import migrations  # noqa: E402
from camshare.db import make_engine  # noqa: E402
from camshare.models import utcnow  # noqa: E402
from camshare.services.footage import intake, jobs  # noqa: E402
from camshare.services.footage.storage import LocalFolderStorage  # noqa: E402
from camshare.settings import load_settings  # noqa: E402
from tests.support.footage_builders import approved_owner  # noqa: E402
from tests.support.media import pattern_video  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--size", default="1280x720")
    args = parser.parse_args()
    width, height = (int(n) for n in args.size.split("x"))
    with tempfile.TemporaryDirectory(prefix="camshare-bench-preview-") as folder:
        work = Path(folder)
        url = f"sqlite:///{work / 'camshare.db'}"
        migrations.upgrade(url)
        factory = sessionmaker(bind=make_engine(url), expire_on_commit=False)
        settings = load_settings({"CAMSHARE_SECRET_KEY": "bench", "CAMSHARE_DATABASE_URL": url})
        storage = LocalFolderStorage(work / "footage")
        clip = pattern_video(
            work / "export.avi",
            seconds=args.seconds,
            size=(width, height),
            container="avi",
            codec="mpeg4",
        )
        size = clip.stat().st_size
        now = utcnow()
        with factory() as session, session.begin():
            owner = approved_owner(session, settings, now)
            intake.begin_upload(
                session, settings, owner.token, "b" * 32, "export.avi", size, "", now
            )
        digest = hashlib.sha256(clip.read_bytes()).hexdigest()
        done = intake.complete_upload(factory, settings, storage, "b" * 32, str(clip), digest, now)
        assert done.needs_preview, "the clip should need a preview"
        started = time.perf_counter()
        run = jobs.run_next_preview(factory, storage, intake.make_preview)
        took = time.perf_counter() - started
        assert run is not None, "no preview job was queued"
        assert run.outcome == "made", run
    clip_text = f"{args.seconds:.0f} s of {width}x{height} MPEG-4 in AVI, {size / 1e6:.1f} MB"
    print(f"clip:            {clip_text}")
    print(f"preview job:     {took:.1f} s (claim, copy out of storage, convert, store, record)")
    print(f"speed:           {args.seconds / took:.1f}x real time")
    print(f"one hour takes:  about {3600 / (args.seconds / took) / 60:.0f} min on this machine")


if __name__ == "__main__":
    main()
