"""How the case-file export streams: throughput and memory while zipping a large original.

    python bench/footage_export.py --megabytes 1000

Writes a file of random bytes into a local footage store, streams the export archive of it
to /dev/null through ``export.stream_archive`` (what the export route sends), and prints
the throughput against reading the same file plainly, and the process's peak memory growth
(the archive is never held in memory: the growth should stay near the 1 MB read chunk).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from camshare.services.footage import export
from camshare.services.footage.storage import LocalFolderStorage


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "clip.bin"
        digest = hashlib.sha256()
        with source.open("wb") as out:
            for _ in range(args.megabytes):
                block = os.urandom(1024 * 1024)
                digest.update(block)
                out.write(block)
        storage = LocalFolderStorage(Path(folder) / "store")
        storage.put_file("request/1/original.bin", source, move=True)
        size = storage.size("request/1/original.bin")
        exported = export.ExportedFile(
            1, "footage/000001-clip.bin", "request/1/original.bin", digest.hexdigest(), size, {}, ()
        )
        plan = export.ExportPlan(1, "B-1", "x.zip", (exported,), b"{}", b"", b"%PDF")

        started = time.perf_counter()
        with storage.open("request/1/original.bin") as plain:
            while plain.read(export.CHUNK):
                pass
        plain_seconds = time.perf_counter() - started

        before = peak_rss_mb()
        started = time.perf_counter()
        sent = 0
        with open(os.devnull, "wb") as sink:
            for chunk in export.stream_archive(plan, storage):
                sink.write(chunk)
                sent += len(chunk)
        zip_seconds = time.perf_counter() - started
        growth = peak_rss_mb() - before
    mb = size / 1e6
    print(f"original: {mb:.0f} MB; archive sent: {sent / 1e6:.0f} MB")
    print(f"plain read: {mb / plain_seconds:.0f} MB/s; export stream: {mb / zip_seconds:.0f} MB/s")
    print(f"ratio export/plain: {plain_seconds / zip_seconds:.2f}")
    print(f"peak memory growth while streaming: {growth:.1f} MB")
    print(f"load average: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
