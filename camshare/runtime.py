"""The composition root: the adapters this process uses, chosen once from settings."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from functools import lru_cache
from typing import TypeVar

from sqlalchemy.orm import Session, sessionmaker

from camshare import db
from camshare.db import session_scope
from camshare.metrics import MeasuredGateway, MeasuredGeocoder
from camshare.models import utcnow
from camshare.services.footage.storage import FootageStorage, make_footage_storage
from camshare.services.geography.geocoding import Geocoder, make_geocoder
from camshare.services.geography.jurisdiction import Jurisdiction, load_jurisdiction
from camshare.services.live.segments import SegmentStore, make_segment_store
from camshare.services.messaging.line_type import LineTypeLookup, make_line_type_lookup
from camshare.services.messaging.sms import SmsGateway, make_gateway
from camshare.services.public.transparency import (
    FiguresCache,
    cached_public_figures,
    public_figures,
)
from camshare.services.throttle import spaced
from camshare.settings import Settings, get_settings

T = TypeVar("T")


def now() -> datetime:
    """This process's clock (timezone-aware), for states that hand a use case the time."""
    return utcnow()


def settings() -> Settings:
    """This process's settings."""
    return get_settings()


@lru_cache(maxsize=1)
def geocoder() -> Geocoder:
    """This process's geocoder, its calls spaced by ``geocoder_min_delay`` app-wide."""
    current = get_settings()
    wait_turn = None
    if current.geocoder_min_delay > 0:
        # Its own sessions: a turn is booked and committed at once, apart from the
        # caller's transaction, so every process sees it (the "geocoder" throttle slot).
        factory = db.session_factory(db.get_engine(current.database_url))
        wait_turn = spaced(factory, "geocoder", current.geocoder_min_delay)
    return MeasuredGeocoder(make_geocoder(current, wait_turn))


@lru_cache(maxsize=1)
def transparency_figures() -> FiguresCache:
    """This process's cache of the public figures (one database round per TTL)."""
    return cached_public_figures(
        lambda: in_session(public_figures, get_settings()),
        ttl_seconds=get_settings().transparency_cache_seconds,
    )


@lru_cache(maxsize=1)
def sms_gateway() -> SmsGateway:
    """This process's SMS gateway (its sends and failures counted for the metrics)."""
    return MeasuredGateway(make_gateway(get_settings()))


@lru_cache(maxsize=1)
def footage_storage() -> FootageStorage:
    """Where this process keeps footage: a local folder or S3 (``CAMSHARE_FOOTAGE_STORAGE``)."""
    return make_footage_storage(get_settings())


@lru_cache(maxsize=1)
def segment_store() -> SegmentStore:
    """Where this process keeps live segments: a folder or Redis (``CAMSHARE_LIVE_SEGMENTS``)."""
    return make_segment_store(get_settings())


@lru_cache(maxsize=1)
def line_type_lookup() -> LineTypeLookup | None:
    """This process's check that a new number takes texts (None unless turned on)."""
    return make_line_type_lookup(get_settings())


def jurisdiction() -> Jurisdiction:
    """The area where cameras may be registered."""
    return load_jurisdiction(get_settings().jurisdiction_file)


def in_session(work: Callable[..., T], *args, **kwargs) -> T:
    """Run a use case in one transaction: committed on return, rolled back on error.

    The one way the web states, the API routes, the worker and the CLI open a transaction
    (``in_session_async`` from async code). The use cases that commit part-way by design
    take ``session_factory()`` instead and say so in their docstring ("Commits part-way").
    """
    with session_scope() as session:
        return work(session, *args, **kwargs)


def session_factory() -> sessionmaker[Session]:
    """Sessions on this process's database, for the use cases that commit part-way."""
    return db.session_factory()


@lru_cache(maxsize=1)
def geocoding_pool() -> ThreadPoolExecutor:
    """Threads for look-ups that may wait their turn at the geocoder for seconds.

    Kept apart from the default pool, so residents looking up addresses at a busy event
    never hold up everyone else's saves and codes.
    """
    return ThreadPoolExecutor(max_workers=8, thread_name_prefix="camshare-geocode")


async def in_session_async(
    work: Callable[..., T], *args, pool: ThreadPoolExecutor | None = None, **kwargs
) -> T:
    """``in_session`` on a worker thread, so the event loop never waits on the database."""
    if pool is None:
        return await asyncio.to_thread(in_session, work, *args, **kwargs)
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(pool, functools.partial(in_session, work, *args, **kwargs))
