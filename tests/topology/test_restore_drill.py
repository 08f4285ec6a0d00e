"""The backup and restore drill: deploy/backup.sh, a wipe, deploy/restore.sh, all identical.

The registry (owners, sites, cameras), the consents and the audit log are compared by row
count and by a hash of every row; the footage bucket by each object's SHA-256.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import text

from camshare.models import utcnow
from deploy.topology import BUCKET
from tests.support.access_builders import INCIDENT, registered_owner
from tests.support.waiting import wait_for
from tests.topology.conftest import Live, degraded

ROOT = Path(__file__).resolve().parents[2]
TABLES = ("owner", "site", "camera", "consent", "audit_event", "footage_file", "staff_user")


def fingerprint(live: Live) -> dict[str, tuple[int, str]]:
    """Each table's row count and the MD5 of all its rows, in a stable order."""
    found = {}
    with live.engine.connect() as conn:
        for table in TABLES:
            count, digest = conn.execute(
                text(
                    f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"  # noqa: S608 - our own table names
                    f" FROM {table} t"
                )
            ).one()
            found[table] = (count, digest)
    return found


def bucket_of(live: Live):
    return live.topology.s3.client()


def objects(live: Live) -> dict[str, str]:
    client = bucket_of(live)
    found = {}
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        body = client.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read()
        found[item["Key"]] = hashlib.sha256(body).hexdigest()
    return found


def script(live: Live, name: str, folder: Path) -> None:
    env = {**live.topology.env, "PYTHON": sys.executable}
    subprocess.run([str(ROOT / "deploy" / name), str(folder)], env=env, check=True, timeout=300)


def test_a_backup_restored_after_a_wipe_gives_back_the_same_registry_and_footage(
    live: Live, tmp_path
):
    with live.factory() as session, session.begin():
        for n in range(3):
            registered_owner(session, INCIDENT, name=f"Drill owner {n}")
    bucket_of(live).put_object(Bucket=BUCKET, Key="drill/marker.bin", Body=b"\x00drill" * 999)
    started = time.monotonic()
    # As restore.sh says: the nodes and workers are stopped for a restore.
    app = live.topology.web + live.topology.workers
    with degraded("backup, wipe and restore (nodes stopped)") as record:
        for service in app:
            service.stop()
        before, footage_before = fingerprint(live), objects(live)
        script(live, "backup.sh", tmp_path / "backup")
        with live.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        client = bucket_of(live)
        for key in footage_before:
            client.delete_object(Bucket=BUCKET, Key=key)
        assert not objects(live)
        live.engine.dispose()
        script(live, "restore.sh", tmp_path / "backup")
        after, footage_after = fingerprint(live), objects(live)
        for service in app:
            service.start(limit=180)
        wait_for(
            lambda: live.client().get(live.url + "/readyz").status_code == 200,
            120,
            "/readyz 200 after the restore",
        )
        record["recovered"] = time.monotonic()
    print(f"drill took {time.monotonic() - started:.1f} s at {utcnow():%H:%M:%S}; rows: {before}")
    assert before["owner"][0] >= 3
    assert before["consent"][0] >= 3
    assert before["audit_event"][0] > 0
    assert after == before
    assert footage_after == footage_before
    assert "drill/marker.bin" in footage_after
