"""The production shape, started once for the whole tier (``deploy/topology.py``).

Caddy over HTTPS on 127.0.0.1 in front of two web nodes serving one frontend build, two
workers, and their own PostgreSQL, Redis, SeaweedFS and Twilio stand-in, all on free
loopback ports. The fault tests hurt one part and put it back before they end, so the
next test finds the whole topology running. Everything is stopped after the tier, and by
the watchdog if pytest itself is killed.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from camshare.db import make_engine
from camshare.settings import Settings, load_settings
from deploy.seaweedfs import weed_binary
from deploy.topology import Topology, running_topology

NEEDED = ("caddy", "redis-server")
CA_VARIABLES = ("REQUESTS_CA_BUNDLE",)


@dataclass
class Live:
    """The running topology and the tests' handles on it."""

    topology: Topology
    engine: Engine
    factory: sessionmaker
    settings: Settings  # the settings every camshare process of the topology runs with
    clients: list[httpx.Client] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.topology.url

    def client(self, **kwargs) -> httpx.Client:
        """An HTTPS client that trusts Caddy's CA (closed after the tier)."""
        client = httpx.Client(verify=self.topology.ssl_context(), timeout=15, **kwargs)
        self.clients.append(client)
        return client


@pytest.fixture(scope="session")
def live(tmp_path_factory) -> Iterator[Live]:
    missing = [name for name in NEEDED if shutil.which(name) is None]
    if weed_binary() is None:
        missing.append("weed")
    if missing:
        pytest.skip(f"the topology needs {', '.join(missing)} (scripts/setup.sh --dev)")
    started = time.monotonic()
    with running_topology(tmp_path_factory.mktemp("topology"), sms_per_second=200) as topology:
        print(f"\ntopology up in {time.monotonic() - started:.1f} s", flush=True)
        engine = make_engine(topology.database_url)
        settings = load_settings(
            {k: v for k, v in topology.env.items() if k.startswith(("CAMSHARE_", "TWILIO_"))}
        )
        live = Live(topology, engine, sessionmaker(bind=engine, expire_on_commit=False), settings)
        # requests (under tuspy) trusts Caddy's internal CA through this.
        saved = {name: os.environ.get(name) for name in CA_VARIABLES}
        os.environ.update(dict.fromkeys(CA_VARIABLES, str(topology.ca_file)))
        yield live
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        for client in live.clients:
            client.close()
        engine.dispose()


@contextmanager
def degraded(what: str) -> Iterator[dict]:
    """Time a fault from its start to the service's recovery, and print it."""
    record = {"recovered": None}
    started = time.monotonic()
    yield record
    ended = record["recovered"] or time.monotonic()
    print(f"\n{what}: service degraded for {ended - started:.2f} s", flush=True)
