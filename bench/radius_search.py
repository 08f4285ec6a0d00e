"""The radius search for an incident, against a full scan, at up to 1,000,000 locations.

Run from the project root:

    source scripts/env.sh && python bench/radius_search.py [--sizes 10000,100000,1000000]
        [--databases sqlite,postgresql] [--postgres-url URL] [--runs 200] [--explain]

For each database and each size, builds a fresh database: SQLite in a temporary file, and
PostgreSQL as a temporary database on the server of ``--postgres-url`` (dropped at the end;
skipped, with the reason printed, when the server does not answer). The schema comes from
the migrations, in two steps: up to the revision before the spatial index, then the bulk load
(executemany on SQLite, COPY on PostgreSQL), then the rest, so the spatial index is built, or
filled, by the migration itself, as on a database that already holds registrations.

The data look like a city: sites over the Dallas area, most of them in neighbourhoods of
varying size and density, the rest spread evenly; 1.25 sites per owner on average, one
consent per owner, one or two camera rows per site, and a few per cent of everything not
eligible (owners paused, opted out, unverified, unconfirmed, or whose consent was withdrawn).
Incident points are drawn from the same distribution: incidents happen where people live,
which is also where the search has the most candidates to sort out.

Before each series the database's files are read into the operating system's cache (see
``warm_cache``): a registry of this size fits in a server's memory, and disk reads of a
freshly built database are not what a live search waits for. The indexed search
(``find_sites_near``) then runs ``--runs`` times per radius (150 m, 400 m) on as many random
points, each in its own transaction, after a warm-up on other points; the full scan
(``full_scan_sites_near``: the distance of every row, computed by the database) runs
``--baseline-runs`` times on the first of the same points, and both must find the same sites.
The table gives the median and 95th percentile of each, and the target: p95 <= 5 ms at
1,000,000 locations on both databases. The load average before and after is printed too: on
a small machine, other work running at the same time shows in the times.

What the indexed search costs, and so what bounds it: a fixed part (on PostgreSQL about
1 ms: a round trip for BEGIN, one for the query, and planning it), then for each site found
one read of the spatial index's entry (which, since migration 0012, holds only the sites
that may be asked, with what the search shows of them: no site, owner or consent row is
read), one probe of the cameras' covering index, and building its result in Python. Measured
on the densest points here (SQLite, timings of the fastest of 50 runs, so that other work
on the machine counts as little as it can): some 2 µs a site for the tree and its auxiliary
columns, 2 µs a camera row for the cameras, 3 µs a site in Python. Before 0012 each site
also cost probes of its row, its owner and a consent: 12 ms p95 at 400 m on SQLite, 19 ms on
PostgreSQL, on an idle machine. At 150 m a search finds some 40 sites (80 at the 95th
percentile); at 400 m about 300, and over 500 at the 95th percentile in the densest
neighbourhoods, which is where the 5 ms target is decided. Since migration 0015 the
cameras' summary is kept on the site (``site.camera_summary``, written by triggers on
camera): the camera probe and a third of the rows are gone. Since issue 12's last step, on
SQLite each site found is read by its key rather than from the R*Tree's auxiliary columns
(which cost a statement of the R*Tree's own per row), and on both databases the rows come
as the driver gives them, not as SQLAlchemy ``Row`` objects, and the results are named
tuples. ``--compare-previous`` times the previous release's search on the same database
and points, interleaved, so that both see the same load, with this thread's CPU time
beside the wall clock.

The databases run as a user would run them: SQLite with the engine's settings
(camshare/db.py: WAL, and a 1 GiB memory map, which the search relies on), PostgreSQL with
the server's settings as they are (here the defaults: shared_buffers = 128MB). Recommended
for a production PostgreSQL holding a registry of this size: shared_buffers of about a
quarter of the memory (at least 512MB: the search's working set at 1,000,000 sites is some
330 MB before migration 0012, less since: the partial GiST index ix_site_point and
ix_camera_site_summary), effective_cache_size of about three quarters, and autovacuum left
on (the GiST, consent and camera indexes are read with index-only scans, which need the
visibility map kept up to date). Before 0012 that bought less than one might hope: on a
server with shared_buffers = 1GB and that working set loaded into it (pg_prewarm, 'buffer'
mode), the 150 m p95 went from about 4 to 2.3 ms and the 400 m p95 only from 14 to 12 ms: the
work done per site, not the reads, bounded the wide searches.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from alembic.script import ScriptDirectory  # noqa: E402
from sqlalchemy import (  # noqa: E402
    Engine,
    Float,
    Integer,
    String,
    column,
    create_engine,
    event,
    select,
    table,
    text,
)
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from alembic import command  # noqa: E402
from camshare import migrations  # noqa: E402
from camshare.db import make_engine  # noqa: E402
from camshare.services.access import nearby  # noqa: E402
from camshare.services.access.nearby import (  # noqa: E402
    NearbySite,
    find_sites_near,
    full_scan_sites_near,
)

SPATIAL_REVISION = "0005"  # the migration that adds the R*Tree / GiST index
DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
DATABASES = ("sqlite", "postgresql")
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
RADII_M = (150.0, 400.0)
TARGET_SIZE = 1_000_000
TARGET_P95_MS = 5.0
WARM_UP_RUNS = 50

# The Dallas area (south, west, north, east) and how its sites cluster.
DALLAS = (32.62, -96.99, 33.02, -96.56)
NEIGHBOURHOODS = 160
# A neighbourhood's spread (standard deviation, degrees of latitude: about 0.9 to 2.8 km).
# With 1,000,000 sites the densest spot then holds about 2,200 sites per km², as many as a
# neighbourhood of small single-family lots where every home registered: denser than that,
# and the data would be less realistic, not harder in a useful way.
SPREAD_DEG = (0.008, 0.025)
SPREAD_SHARE = 0.3  # sites spread evenly over the area; the rest are in neighbourhoods
SITES_PER_OWNER = 1.25
TWO_CAMERA_ROWS_SHARE = 0.4

# Every row carries the same timestamps: they play no part in the search.
SQLITE_TIME = "2026-11-01 12:00:00.000000"  # SQLAlchemy's SQLite DATETIME text format
POSTGRES_TIME = "2026-11-01 12:00:00+00"


@dataclass(frozen=True)
class City:
    """Neighbourhood centres with their spread (degrees) and weight, over the Dallas area."""

    centres: tuple[tuple[float, float, float], ...]
    cumulative_weights: tuple[float, ...]

    @classmethod
    def generate(cls, rng: random.Random) -> City:
        """A random city: neighbourhoods of random place, size and weight."""
        south, west, north, east = DALLAS
        centres = tuple(
            (rng.uniform(south, north), rng.uniform(west, east), rng.uniform(*SPREAD_DEG))
            for _ in range(NEIGHBOURHOODS)
        )
        weights = [rng.lognormvariate(0.0, 0.5) for _ in centres]
        total = 0.0
        cumulative = []
        for weight in weights:
            total += weight
            cumulative.append(total)
        return cls(centres, tuple(cumulative))

    def point(self, rng: random.Random) -> tuple[float, float]:
        """A random location in the city, as likely as its density says."""
        south, west, north, east = DALLAS
        while True:
            if rng.random() < SPREAD_SHARE:
                lat, lon = rng.uniform(south, north), rng.uniform(west, east)
            else:
                ((c_lat, c_lon, sigma),) = rng.choices(
                    self.centres, cum_weights=self.cumulative_weights
                )
                # A degree of longitude is shorter than one of latitude here (cos 32.8°).
                lat = rng.gauss(c_lat, sigma)
                lon = rng.gauss(c_lon, sigma / 0.84)
            if south <= lat <= north and west <= lon <= east:
                return lat, lon


# --- data -----------------------------------------------------------------------------------

Row = tuple[object, ...]


@dataclass(frozen=True)
class TableData:
    """The rows of one table, generated lazily, and their column names."""

    name: str
    columns: tuple[str, ...]
    rows: Callable[[], Iterator[Row]]


def registry_data(sites: int, seed: int, now: str) -> list[TableData]:
    """Every table the search reads, for ``sites`` locations, in foreign-key order."""
    owners = max(1, round(sites / SITES_PER_OWNER))

    def agreement() -> Iterator[Row]:
        yield (1, "2026-11", "en", "Agreement", "Summary", "Body", "0" * 64, now)

    def owner_rows() -> Iterator[Row]:
        rng = random.Random(seed + 1)
        for n in range(1, owners + 1):
            roll = rng.random()
            # Held back: re-confirmation unanswered, or paused by the owner (owner statuses).
            status = "unconfirmed" if roll < 0.01 else "paused" if roll >= 0.96 else "active"
            verified = None if 0.01 <= roll < 0.03 else now
            opted_out = now if 0.03 <= roll < 0.06 else None
            yield (
                n,
                f"+1{2_000_000_000 + n}",
                f"Owner {n}",
                "resident",
                "en",
                status,
                verified,
                opted_out,
                now,
                now,
            )

    def consent_rows() -> Iterator[Row]:
        rng = random.Random(seed + 2)
        for n in range(1, owners + 1):
            withdrawn = now if rng.random() < 0.03 else None
            yield (n, n, 1, "0" * 64, "en", f"Owner {n}", now, withdrawn)

    def site_rows() -> Iterator[Row]:
        rng = random.Random(seed + 3)
        city = City.generate(random.Random(seed))
        for n in range(1, sites + 1):
            # Every owner has a site; the owners drawn again have two or more.
            owner_id = n if n <= owners else rng.randint(1, owners)
            lat, lon = city.point(rng)
            rng.random()  # (was a site status; a site is now active or deleted)
            status = "active"
            zip_code = f"752{rng.randint(0, 99):02d}"
            yield (
                n,
                owner_id,
                f"{n} Main St",
                "Dallas",
                "TX",
                zip_code,
                f"{n} main st|{zip_code}",
                lat,
                lon,
                "geocoder",
                "ok",
                1,
                status,
                now,
                now,
            )

    def camera_rows() -> Iterator[Row]:
        rng = random.Random(seed + 4)
        camera_id = 0
        for site_id in range(1, sites + 1):
            rows = 2 if rng.random() < TWO_CAMERA_ROWS_SHARE else 1
            for kind, faces in (("doorbell", "street"), ("exterior", "parking_lot"))[:rows]:
                camera_id += 1
                direction = rng.choice(("N", "E", "S", "W", None))
                yield (camera_id, site_id, kind, rng.randint(1, 4), faces, direction, "motion", 30)

    return [
        TableData(
            "agreement_version",
            (
                "id",
                "version",
                "language",
                "title",
                "summary",
                "body",
                "text_sha256",
                "published_at",
            ),
            agreement,
        ),
        TableData(
            "owner",
            (
                "id",
                "phone_e164",
                "full_name",
                "owner_kind",
                "language",
                "status",
                "phone_verified_at",
                "sms_opted_out_at",
                "created_at",
                "updated_at",
            ),
            owner_rows,
        ),
        TableData(
            "consent",
            (
                "id",
                "owner_id",
                "agreement_version_id",
                "text_sha256",
                "language",
                "typed_name",
                "accepted_at",
                "withdrawn_at",
            ),
            consent_rows,
        ),
        TableData(
            "site",
            (
                "id",
                "owner_id",
                "address_line",
                "city",
                "state",
                "zip_code",
                "address_key",
                "lat",
                "lon",
                "location_source",
                "geocode_status",
                "geocode_attempts",
                "status",
                "created_at",
                "updated_at",
            ),
            site_rows,
        ),
        TableData(
            "camera",
            (
                "id",
                "site_id",
                "camera_kind",
                "count",
                "faces",
                "direction",
                "recording",
                "retention_days",
            ),
            camera_rows,
        ),
    ]


def load_sqlite(engine: Engine, tables: Iterable[TableData]) -> None:
    """Bulk insert with executemany, in one transaction."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        # Nothing to lose in a throwaway database: skip the syncs.
        cursor.execute("PRAGMA synchronous=OFF")
        for table in tables:
            marks = ", ".join("?" for _ in table.columns)
            names = ", ".join(table.columns)
            cursor.executemany(
                f"INSERT INTO {table.name} ({names}) VALUES ({marks})",  # noqa: S608 (constants)
                table.rows(),
            )
        raw.commit()
    finally:
        raw.close()


def _copy_field(value: object) -> str:
    # The generated values hold no tab, newline or backslash: no escaping is needed.
    return "\\N" if value is None else str(value)


def load_postgres(engine: Engine, tables: Iterable[TableData]) -> None:
    """Bulk insert with COPY (text format, written in large chunks), in one transaction."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for table in tables:
            names = ", ".join(table.columns)
            with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
                chunk: list[str] = []
                for row in table.rows():
                    chunk.append("\t".join(map(_copy_field, row)))
                    if len(chunk) >= 20_000:
                        copy.write("\n".join(chunk) + "\n")
                        chunk.clear()
                if chunk:
                    copy.write("\n".join(chunk) + "\n")
            # Ids were given explicitly: move the sequence past them, as the app would need.
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608
                f"(SELECT max(id) FROM {table.name}))"
            )
        raw.commit()
    finally:
        raw.close()


def build_database(url: str, sites: int, seed: int) -> None:
    """Migrate up to just before the spatial index, load the data, then migrate to head."""
    config = migrations.alembic_config(url)
    before_spatial = ScriptDirectory.from_config(config).get_revision(SPATIAL_REVISION)
    command.upgrade(config, before_spatial.down_revision)
    engine = make_engine(url)
    try:
        if engine.dialect.name == "sqlite":
            load_sqlite(engine, registry_data(sites, seed, SQLITE_TIME))
        else:
            load_postgres(engine, registry_data(sites, seed, POSTGRES_TIME))
    finally:
        engine.dispose()
    migrations.upgrade(url)  # builds ix_site_point / fills site_rtree from the rows
    engine = make_engine(url)
    try:
        # Then the build's writes go to disk, as a live database's did long ago: otherwise the
        # first searches would pay for them (PostgreSQL: evicting the buffers VACUUM left
        # dirty means writing them out first; SQLite: pages still in the WAL are read from it).
        if engine.dialect.name == "sqlite":
            with engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            # Fresh statistics and visibility map, as autovacuum would give a live database.
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
                try:
                    conn.exec_driver_sql("CHECKPOINT")
                except Exception as error:  # needs a superuser or pg_checkpoint: say so
                    print(f"  (no checkpoint: {str(error).splitlines()[0]})")
    finally:
        engine.dispose()


# --- databases ------------------------------------------------------------------------------


class PostgresServer:
    """Temporary databases on one PostgreSQL server, each dropped when done."""

    def __init__(self, url: str) -> None:
        self.base = make_url(url)
        self.admin = create_engine(self.base, isolation_level="AUTOCOMMIT")

    def reachable(self) -> str | None:
        """None when the server answers, else the reason it does not."""
        try:
            with self.admin.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as error:  # any failure to connect means: skip PostgreSQL
            return f"{type(error).__name__}: {str(error).splitlines()[0]}"
        return None

    def create(self) -> str:
        """A new, empty database; its URL."""
        name = f"camshare_bench_{uuid.uuid4().hex[:10]}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        return self.base.set(database=name).render_as_string(hide_password=False)

    def drop(self, url: str) -> None:
        """Drop a database made by ``create``."""
        name = make_url(url).database
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


# --- measuring ------------------------------------------------------------------------------

Search = Callable[[Session, float, float, float], list[NearbySite]]


@dataclass(frozen=True)
class Timing:
    """Times of one search over many points, in milliseconds."""

    median_ms: float
    p95_ms: float
    runs: int
    mean_found: float
    p95_found: float


def timed(
    engine: Engine, search: Search, points: list[tuple[float, float]], radius_m: float
) -> tuple[Timing, list[list[NearbySite]]]:
    """Run ``search`` on every point, each in its own transaction; its times and results."""
    times: list[float] = []
    results: list[list[NearbySite]] = []
    # One connection throughout: the pool's checkout (and pre-ping) is not the search's cost.
    with engine.connect() as connection:
        session = Session(bind=connection)
        for lat, lon in points:
            start = time.perf_counter()
            found = search(session, lat, lon, radius_m)
            times.append((time.perf_counter() - start) * 1000)
            session.rollback()
            results.append(found)
        session.close()
    return Timing(
        median_ms=statistics.median(times),
        p95_ms=percentile(times, 95),
        runs=len(times),
        mean_found=statistics.fmean(len(r) for r in results),
        p95_found=percentile([float(len(r)) for r in results], 95),
    ), results


# The R*Tree as migration 0015 left it, auxiliary columns included (what the search read
# before it read each site's row by its key instead).
_TREE_WITH_AUXILIARY = table(
    "site_rtree",
    *(column(name, Float) for name in ("min_lat", "max_lat", "min_lon", "max_lon", "lat", "lon")),
    column("id", Integer),
    column("owner_id", Integer),
    column("zip_code", String),
    column("cameras", String),
)


def search_as_before(session: Session, lat: float, lon: float, radius_m: float) -> list[NearbySite]:
    """The search of the previous release, for ``--compare-previous``: on SQLite the R*Tree's
    auxiliary columns instead of each site's row, and on both databases every row through
    SQLAlchemy's ``Row``. Same results; only how they are read differs."""
    if session.get_bind().dialect.name == "sqlite":
        tree = _TREE_WITH_AUXILIARY.c
        query = select(tree.id, tree.owner_id, tree.lat, tree.lon, tree.zip_code, tree.cameras)
        query = query.where(
            tree.min_lat <= nearby._NORTH,
            tree.max_lat >= nearby._SOUTH,
            tree.min_lon <= nearby._EAST,
            tree.max_lon >= nearby._WEST,
            nearby._near_enough(tree.lat, tree.lon),
        )
    else:
        query = nearby._POSTGRES_CANDIDATES
    rows = session.execute(query, nearby._search_parameters(lat, lon, radius_m))
    return nearby.nearest_within(rows, lat, lon, radius_m)


def compare_previous(
    engine: Engine, points: list[tuple[float, float]], radius_m: float
) -> dict[str, tuple[float, float, float, float]]:
    """Both searches on each point in turn (so both see the same load on the machine):
    per search, the wall-clock median, p95 and minimum, and the p95 of this thread's CPU
    time (on SQLite nearly all the work; on PostgreSQL the client's part only), in ms."""
    searches = {"now": find_sites_near, "previous release": search_as_before}
    wall: dict[str, list[float]] = {name: [] for name in searches}
    cpu: dict[str, list[float]] = {name: [] for name in searches}
    with engine.connect() as connection:
        session = Session(bind=connection)
        for lat, lon in points:
            results = []
            for name, search in searches.items():
                start, start_cpu = time.perf_counter(), time.thread_time()
                results.append(search(session, lat, lon, radius_m))
                cpu[name].append((time.thread_time() - start_cpu) * 1000)
                wall[name].append((time.perf_counter() - start) * 1000)
                session.rollback()
            if results[0] != results[1]:
                raise AssertionError(f"{radius_m} m at {lat}, {lon}: the searches disagree")
        session.close()
    return {
        name: (
            statistics.median(wall[name]),
            percentile(wall[name], 95),
            min(wall[name]),
            percentile(cpu[name], 95),
        )
        for name in searches
    }


def percentile(values: list[float], pct: float) -> float:
    """The ``pct``-th percentile (linear between the closest ranks)."""
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(pct) - 1]


def explain(engine: Engine, point: tuple[float, float], radius_m: float) -> list[str]:
    """The plan of the indexed search's candidate query: EXPLAIN ANALYZE on PostgreSQL."""
    sent: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        sent.append((statement, parameters))

    with engine.connect() as connection:
        event.listen(connection, "before_cursor_execute", record)
        find_sites_near(Session(bind=connection), *point, radius_m)
        event.remove(connection, "before_cursor_execute", record)
        statement, parameters = sent[0]
        if engine.dialect.name == "postgresql":
            prefix = "EXPLAIN (ANALYZE, BUFFERS) "
            lines = connection.exec_driver_sql(prefix + statement, parameters).scalars()
            return list(lines)
        rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
        return [row[-1] for row in rows]


SEARCHED_TABLES = ("site", "owner", "consent", "camera")


def warm_cache(engine: Engine) -> None:
    """Read the database's files into the operating system's cache, as on a warm server.

    A registry of a million sites fits in a server's memory, so a live search seldom waits
    for the disk; without this, the first reads of a freshly built database would be timed.
    PostgreSQL: pg_prewarm (a contrib extension) in ``read`` mode, which leaves its own
    shared buffers as they were; skipped with a note when the server lacks it.
    """
    if engine.dialect.name == "sqlite":
        database = Path(engine.url.database or "")
        for path in (database, database.with_name(database.name + "-wal")):
            if path.exists():
                with path.open("rb") as file:
                    while file.read(1 << 20):
                        pass
        return
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
            # Each searched table and every index on it.
            conn.execute(
                text(
                    "SELECT pg_prewarm(c.oid, 'read') FROM pg_class c "
                    "LEFT JOIN pg_index i ON i.indexrelid = c.oid "
                    "WHERE c.oid = ANY(CAST(:tables AS regclass[])) "
                    "OR i.indrelid = ANY(CAST(:tables AS regclass[]))"
                ),
                {"tables": list(SEARCHED_TABLES)},
            )
    except Exception as error:  # a server without contrib: measure as it is, and say so
        print(f"  (cache not warmed: {str(error).splitlines()[0]})")


@dataclass(frozen=True)
class Line:
    """One line of the results table."""

    database: str
    sites: int
    radius_m: float
    indexed: Timing
    full_scan: Timing


def bench_one(
    database: str, url: str, sites: int, args: argparse.Namespace
) -> tuple[list[Line], float]:
    """Build one database of ``sites`` locations, measure both searches; lines, load time."""
    started = time.perf_counter()
    build_database(url, sites, args.seed)
    load_s = time.perf_counter() - started
    print(f"  {database}, {sites:,} sites: built in {load_s:.1f} s; measuring", flush=True)
    rng = random.Random(args.seed + 100)
    city = City.generate(random.Random(args.seed))
    warm_up = [city.point(rng) for _ in range(WARM_UP_RUNS)]
    points = [city.point(rng) for _ in range(args.runs)]
    engine = make_engine(url)
    lines = []
    try:
        for radius in RADII_M:
            warm_cache(engine)
            timed(engine, find_sites_near, warm_up, radius)
            indexed, indexed_results = timed(engine, find_sites_near, points, radius)
            baseline_points = points[: args.baseline_runs]
            warm_cache(engine)
            full_scan, full_results = timed(engine, full_scan_sites_near, baseline_points, radius)
            if full_results != indexed_results[: len(full_results)]:
                raise AssertionError(f"{database}, {sites}, {radius} m: the searches disagree")
            lines.append(Line(database, sites, radius, indexed, full_scan))
        if args.compare_previous:
            for radius in RADII_M:
                warm_cache(engine)
                compare_previous(engine, warm_up, radius)
                for name, (median, p95, fastest, cpu_p95) in compare_previous(
                    engine, points, radius
                ).items():
                    print(
                        f"  {radius:.0f} m, search as of {name}: median {median:.2f} ms, "
                        f"p95 {p95:.2f} ms, fastest {fastest:.2f} ms, "
                        f"CPU p95 {cpu_p95:.2f} ms"
                    )
        if args.explain:
            print(f"  plan of a {RADII_M[-1]:.0f} m search:")
            for step in explain(engine, points[0], RADII_M[-1]):
                print(f"    {step}")
    finally:
        engine.dispose()
    return lines, load_s


TABLE_COLUMNS = (
    ("database", 10, "<"),
    ("sites", 9, ">"),
    ("radius", 6, ">"),
    ("found mean", 10, ">"),
    ("found p95", 9, ">"),
    ("indexed median", 14, ">"),
    ("indexed p95", 11, ">"),
    ("full scan median", 16, ">"),
    ("full scan p95", 13, ">"),
    ("runs", 9, ">"),
    ("speed-up", 8, ">"),
)


def print_table(lines: list[Line]) -> None:
    """The results, one line per database, size and radius."""

    def row(cells: Iterable[str]) -> str:
        formats = [f"{{:{align}{width}}}" for _, width, align in TABLE_COLUMNS]
        return "  ".join(form.format(cell) for form, cell in zip(formats, cells, strict=True))

    header = row(title for title, _, _ in TABLE_COLUMNS)
    print("\n" + header)
    print("-" * len(header))
    for line in lines:
        i, f = line.indexed, line.full_scan
        cells = (
            line.database,
            f"{line.sites:,}",
            f"{line.radius_m:.0f} m",
            f"{i.mean_found:.1f}",
            f"{i.p95_found:.0f}",
            f"{i.median_ms:.2f} ms",
            f"{i.p95_ms:.2f} ms",
            f"{f.median_ms:.1f} ms",
            f"{f.p95_ms:.1f} ms",
            f"{i.runs} / {f.runs}",
            f"{f.median_ms / i.median_ms:.0f}x",
        )
        print(row(cells))


def print_target(lines: list[Line]) -> None:
    """Whether p95 <= 5 ms holds at 1,000,000 locations, per database and radius measured."""
    at_target = [line for line in lines if line.sites == TARGET_SIZE]
    if not at_target:
        print(f"target (p95 <= {TARGET_P95_MS:g} ms at {TARGET_SIZE:,} sites): not measured")
    for line in at_target:
        verdict = "MET" if line.indexed.p95_ms <= TARGET_P95_MS else "NOT MET"
        print(
            f"target p95 <= {TARGET_P95_MS:g} ms at {TARGET_SIZE:,} sites, {line.database}, "
            f"{line.radius_m:.0f} m: {verdict} ({line.indexed.p95_ms:.2f} ms)"
        )


def _load(averages: tuple[float, float, float]) -> str:
    return " ".join(f"{average:.2f}" for average in averages)


def main(argv: list[str] | None = None) -> int:
    """Build each database at each size, time both searches, print the table and target."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        default=",".join(str(size) for size in DEFAULT_SIZES),
        help="comma-separated numbers of registered locations",
    )
    parser.add_argument(
        "--databases", default=",".join(DATABASES), help="comma-separated: sqlite, postgresql"
    )
    parser.add_argument(
        "--postgres-url", default=DEFAULT_POSTGRES_URL, help="server for the temporary databases"
    )
    parser.add_argument("--runs", type=int, default=200, help="indexed searches per radius")
    parser.add_argument(
        "--baseline-runs", type=int, default=10, help="full-scan searches per radius"
    )
    parser.add_argument("--seed", type=int, default=2026, help="seed of the generated city")
    parser.add_argument(
        "--explain", action="store_true", help="print the candidate query's plan at each size"
    )
    parser.add_argument(
        "--compare-previous",
        action="store_true",
        help="also time the previous release's search, interleaved, on the same points",
    )
    args = parser.parse_args(argv)
    try:
        sizes = [int(size.replace("_", "")) for size in args.sizes.split(",") if size.strip()]
    except ValueError:
        parser.error("--sizes takes whole numbers, e.g. 10000,100000")
    databases = [name.strip() for name in args.databases.split(",") if name.strip()]
    if not sizes or min(sizes) < 1:
        parser.error("--sizes must list positive numbers")
    if unknown := set(databases) - set(DATABASES):
        parser.error(f"unknown database(s): {', '.join(sorted(unknown))}")
    if args.runs < 1 or args.baseline_runs < 1 or args.baseline_runs > args.runs:
        parser.error("--runs must be at least 1, --baseline-runs between 1 and --runs")

    lines: list[Line] = []
    started = time.perf_counter()
    load_before = os.getloadavg()
    for database in databases:
        print(f"{database}:", flush=True)
        if database == "sqlite":
            for sites in sizes:
                with tempfile.TemporaryDirectory(prefix="camshare-radius-") as workdir:
                    url = f"sqlite:///{Path(workdir) / 'camshare.db'}"
                    lines += bench_one(database, url, sites, args)[0]
            continue
        server = PostgresServer(args.postgres_url)
        try:
            if reason := server.reachable():
                print(f"  skipped: {args.postgres_url} does not answer ({reason})")
                continue
            for sites in sizes:
                url = server.create()
                try:
                    lines += bench_one(database, url, sites, args)[0]
                finally:
                    server.drop(url)
        finally:
            server.admin.dispose()

    print_table(lines)
    print(
        f"\nfound: sites returned per search. Indexed: {args.runs} random incident points "
        f"per radius after {WARM_UP_RUNS} warm-up searches; full scan: the first "
        f"{args.baseline_runs} of them (same results checked). Total "
        f"{time.perf_counter() - started:.0f} s. Load average (1, 5, 15 min): "
        f"{_load(load_before)} before, {_load(os.getloadavg())} after, "
        f"on {os.cpu_count()} CPUs."
    )
    print_target(lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
