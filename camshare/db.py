"""Database engine and sessions: SQLite by default, PostgreSQL by URL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from camshare.services.rows import DRIVER_ROWS
from camshare.settings import get_settings

SQLITE_MMAP_BYTES = 1 << 30


def make_engine(url: str, **options) -> Engine:
    """An engine for ``url``, with SQLite set up for a web app's concurrency.

    ``options`` go to ``create_engine`` (a wider pool, say).
    """
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **options
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:
            cursor = dbapi_connection.cursor()
            # WAL lets the page handlers read while the dispatcher writes.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            # Read the database through a memory map rather than read() calls into SQLite's
            # small page cache: a radius search reads pages all over the site, owner, consent
            # and camera b-trees (a few per site found), and copying each into the cache cost
            # more than the search's own work (bench/radius_search.py). The map is address
            # space, not memory: the pages stay the operating system's cache, shared by every
            # connection. 1 GiB covers about 1.4 million sites (the benchmark's million take
            # 720 MB); beyond it, SQLite reads the rest as before.
            cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
            cursor.close()

        return engine
    engine = create_engine(url, pool_pre_ping=True, **options)
    if engine.dialect.name == "postgresql":

        @event.listens_for(engine, "do_execute")
        def _binary_rows(cursor, statement, parameters, context) -> bool | None:
            # services/rows.driver_rows: PostgreSQL sends numbers in binary, which psycopg
            # reads faster than their text (a third of the rows' cost at hundreds of rows).
            if context.execution_options.get(DRIVER_ROWS):
                cursor.execute(statement, parameters, binary=True)
                return True
            return None

    return engine


@lru_cache(maxsize=4)
def get_engine(url: str | None = None) -> Engine:
    """The process's engine for ``url`` (the configured database by default)."""
    return make_engine(url or get_settings().database_url)


def session_factory(engine: Engine | None = None) -> sessionmaker[Session]:
    """A session factory bound to ``engine`` (the configured one by default)."""
    return sessionmaker(bind=engine or get_engine(), expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A session that commits when the block ends normally and rolls back otherwise."""
    session = session_factory(engine)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
