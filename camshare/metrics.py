"""Prometheus metrics of a camshare process, served on ``CAMSHARE_METRICS_PORT`` (0: off).

Counters and histograms are kept by the process that counts (the web app, the worker);
the gauges of what waits in the database (outbox depth, age of the oldest unsent message,
requests by state) are read at scrape time, each with one indexed query. Several web
workers on one machine share the port safely when ``PROMETHEUS_MULTIPROC_DIR`` is set (an
empty folder per machine): prometheus-client then adds up the workers' files, and the
first worker to bind the port serves them all.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Iterator

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client import start_http_server as _start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from camshare.models import AccessRequest, OutboxMessage, utcnow
from camshare.services.geography.geocoding import Geocoder, Place
from camshare.services.messaging.sms import SendReceipt, SmsGateway, SmsPermanentError
from camshare.settings import Settings

log = logging.getLogger(__name__)
UNSENT = ("queued", "sending")

SMS_SENT = Counter("camshare_sms_sent", "SMS handed to the provider")
SMS_FAILURES = Counter(
    "camshare_sms_failures", "SMS the provider refused or could not take", ["error_code"]
)
GEOCODER_CALLS = Counter("camshare_geocoder_calls", "Geocoder calls", ["kind", "outcome"])
GEOCODER_SECONDS = Histogram("camshare_geocoder_seconds", "Geocoder call latency", ["kind"])
SIGNUPS_STARTED = Counter("camshare_signups_started", "Sign-up drafts opened")
SIGNUPS_COMPLETED = Counter("camshare_signups_completed", "Sign-ups verified and registered")
WEBSOCKET_CLIENTS = Gauge(
    "camshare_websocket_clients", "Event sockets open now", multiprocess_mode="livesum"
)
HTTP_SECONDS = Histogram(
    "camshare_http_request_seconds", "HTTP request latency (pages, /api)", ["method"]
)
EVENT_SECONDS = Histogram(
    "camshare_event_handler_seconds",
    "Time from taking a page event's state to its handler's last update",
    ["handler"],
)


class MeasuredGateway:
    """An SMS gateway that counts what it sends and why sends fail."""

    def __init__(self, gateway: SmsGateway) -> None:
        self.gateway = gateway
        self.name = gateway.name
        self.keeps_record = gateway.keeps_record

    def send(self, to: str, body: str, status_callback: str | None = None) -> SendReceipt:
        """Send through the wrapped gateway, counting the outcome."""
        try:
            receipt = self.gateway.send(to, body, status_callback)
        except SmsPermanentError as exc:
            SMS_FAILURES.labels(error_code=str(exc.code or "unknown")).inc()
            raise
        except Exception:
            SMS_FAILURES.labels(error_code="temporary").inc()
            raise
        SMS_SENT.inc()
        return receipt


class MeasuredGeocoder:
    """A geocoder that counts its calls and times them."""

    def __init__(self, geocoder: Geocoder) -> None:
        self.geocoder = geocoder
        self.name = geocoder.name

    def _measured(self, kind: str, call, *args) -> Place | None:
        started = time.perf_counter()
        outcome = "error"
        try:
            place = call(*args)
            outcome = "found" if place is not None else "no_match"
            return place
        finally:
            GEOCODER_SECONDS.labels(kind=kind).observe(time.perf_counter() - started)
            GEOCODER_CALLS.labels(kind=kind, outcome=outcome).inc()

    def geocode(self, query: str) -> Place | None:
        """The wrapped geocoder's match for ``query``."""
        return self._measured("geocode", self.geocoder.geocode, query)

    def reverse(self, lat: float, lon: float) -> Place | None:
        """The wrapped geocoder's address at a point."""
        return self._measured("reverse", self.geocoder.reverse, lat, lon)


class DatabaseCollector(Collector):
    """What waits in the database, read when Prometheus scrapes (indexed queries only)."""

    def __init__(self, factory) -> None:
        self.factory = factory

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """Outbox depth, age of the oldest unsent message, requests by state."""
        depth = GaugeMetricFamily("camshare_outbox_depth", "Messages not yet sent")
        oldest = GaugeMetricFamily(
            "camshare_outbox_oldest_unsent_seconds", "Age of the oldest unsent message"
        )
        requests = GaugeMetricFamily(
            "camshare_access_requests", "Access requests by state", labels=["state"]
        )
        try:
            with self.factory() as session:
                count, first = session.execute(
                    select(func.count(), func.min(OutboxMessage.next_attempt_at)).where(
                        OutboxMessage.status.in_(UNSENT)
                    )
                ).one()
                by_state = session.execute(
                    select(AccessRequest.status, func.count()).group_by(AccessRequest.status)
                ).all()
        except Exception:
            log.warning("metrics: the database did not answer")
            return
        depth.add_metric([], count)
        oldest.add_metric([], (utcnow() - first).total_seconds() if first else 0.0)
        for state, n in by_state:
            requests.add_metric([state], n)
        yield from (depth, oldest, requests)


def start_metrics_server(settings: Settings, factory) -> bool:
    """Serve this process's metrics when ``metrics_port`` is set; False when not served
    (off, or another worker of this machine serves them)."""
    if not settings.metrics_port:
        return False
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    try:
        registry.register(DatabaseCollector(factory))
        _start_http_server(settings.metrics_port, addr=settings.metrics_host, registry=registry)
    except OSError:
        # Several web workers: the first one bound the port and serves everyone's files.
        log.info("metrics port %s already served on this machine", settings.metrics_port)
        return False
    log.info("metrics on http://%s:%s/metrics", settings.metrics_host, settings.metrics_port)
    return True


class MetricsMiddleware:
    """ASGI middleware: HTTP request latency and the number of event sockets open."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "websocket":
            WEBSOCKET_CLIENTS.inc()
            try:
                await self.app(scope, receive, send)
            finally:
                WEBSOCKET_CLIENTS.dec()
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        try:
            await self.app(scope, receive, send)
        finally:
            HTTP_SECONDS.labels(method=scope.get("method", "")).observe(
                time.perf_counter() - started
            )


class TimedEvents:
    """A mixin for ``rx.App``: every page event's handler is timed, by handler name.

    Reflex 0.10 offers no hook after a handler, so the app builds its event processor
    (what ``rx.App._setup_event_processor`` does) as a subclass that times each event.
    Pinned with reflex: tests/e2e checks the histogram fills, so an upgrade that moves
    this fails there.
    """

    @contextlib.asynccontextmanager
    async def _setup_event_processor(self):
        from reflex_base.event.processor.base_state_processor import (
            BaseStateEventProcessor,
        )

        class TimedEventProcessor(BaseStateEventProcessor):
            async def _execute_event(self, *, entry, registered_handler) -> None:
                started = time.perf_counter()
                try:
                    await super()._execute_event(entry=entry, registered_handler=registered_handler)
                finally:
                    EVENT_SECONDS.labels(
                        handler=registered_handler.handler.fn.__qualname__
                    ).observe(time.perf_counter() - started)

        event_namespace = self.event_namespace
        if event_namespace is not None:
            event_namespace._token_manager._reset_instance_id()
        self._event_processor = TimedEventProcessor(
            middleware=self, backend_exception_handler=self.backend_exception_handler
        )
        async with self._event_processor.configure(
            state_manager=self.state_manager, event_namespace=event_namespace
        ):
            yield
