"""Prometheus metrics: the worker serves its own on a loopback port; the database gauges."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from camshare.metrics import DatabaseCollector
from tests.integration.test_outbox_dispatch import queue
from tests.support.live_server import free_port

ROOT = Path(__file__).resolve().parents[2]


def samples(text: str) -> dict[str, float]:
    return {
        sample.name + str(sorted(sample.labels.items()) or ""): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_the_outbox_gauges_are_read_from_the_database_at_scrape_time(factory):
    queue(factory, 3)
    families = {f.name: f for f in DatabaseCollector(factory).collect()}
    assert families["camshare_outbox_depth"].samples[0].value == 3
    assert families["camshare_outbox_oldest_unsent_seconds"].samples[0].value >= 0


def scrape(url: str, until, limit: float = 60) -> dict[str, float]:
    deadline = time.monotonic() + limit
    seen: dict[str, float] = {}
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                seen = samples(response.read().decode())
            if until(seen):
                return seen
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"metrics at {url} never showed what was expected: {seen}")
        time.sleep(0.2)


def test_the_worker_serves_its_sends_on_its_own_loopback_port(database_url, factory):
    queue(factory, 3)
    port = free_port()
    env = {
        **os.environ,
        "CAMSHARE_DATABASE_URL": database_url,
        "CAMSHARE_SMS_BACKEND": "outbox",
        "CAMSHARE_METRICS_PORT": str(port),
        "CAMSHARE_GEOCODER_SCHEME": "http",
        "CAMSHARE_GEOCODER_DOMAIN": "127.0.0.1:9",
    }
    worker = subprocess.Popen(
        ["timeout", "120", sys.executable, "-m", "camshare.worker"],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
    )
    try:
        seen = scrape(
            f"http://127.0.0.1:{port}/metrics",
            lambda s: s.get("camshare_sms_sent_total") == 3 and s.get("camshare_outbox_depth") == 0,
        )
    finally:
        worker.terminate()
        _, errors = worker.communicate(timeout=30)
    assert b"Traceback" not in errors, errors.decode()
    assert seen["camshare_outbox_oldest_unsent_seconds"] == 0
