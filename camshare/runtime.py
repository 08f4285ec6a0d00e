"""The composition root: the adapters this process uses, chosen once from settings."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from functools import lru_cache
from typing import TypeVar

from camshare.db import session_scope
from camshare.models import utcnow
from camshare.services.geography.geocoding import Geocoder, make_geocoder
from camshare.services.geography.jurisdiction import Jurisdiction, load_jurisdiction
from camshare.services.messaging.line_type import LineTypeLookup, make_line_type_lookup
from camshare.services.messaging.sms import SmsGateway, make_gateway
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
    """This process's geocoder."""
    return make_geocoder(get_settings())


@lru_cache(maxsize=1)
def sms_gateway() -> SmsGateway:
    """This process's SMS gateway."""
    return make_gateway(get_settings())


@lru_cache(maxsize=1)
def line_type_lookup() -> LineTypeLookup | None:
    """This process's check that a new number takes texts (None unless turned on)."""
    return make_line_type_lookup(get_settings())


def jurisdiction() -> Jurisdiction:
    """The area where cameras may be registered."""
    return load_jurisdiction(get_settings().jurisdiction_file)


def in_session(work: Callable[..., T], *args, **kwargs) -> T:
    """Run a use case in one transaction: committed on return, rolled back on error."""
    with session_scope() as session:
        return work(session, *args, **kwargs)


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
