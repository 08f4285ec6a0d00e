"""Finding the sites near an incident: the circle's edge, who may be asked, order, cameras,
the spatial index kept in step with the sites, and the indexes actually used."""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from alembic import command
from camshare.db import SQLITE_MMAP_BYTES
from camshare.migrations import alembic_config
from camshare.models import AgreementVersion, Camera, Consent, Owner, Site, utcnow
from camshare.services.access import nearby
from camshare.services.access.geo import bounding_box
from camshare.services.access.nearby import (
    CameraSummary,
    NearbySite,
    find_sites_near,
    full_scan_sites_near,
)
from camshare.services.may_be_asked import refresh_may_be_asked
from tests.support.geometry import CENTER, destination

# An incident by the Dallas Farmers Market.
_numbers = itertools.count(1)


# --- builders -------------------------------------------------------------------------------


def agreement(session: Session) -> AgreementVersion:
    """A published agreement for consents to point at."""
    row = AgreementVersion(
        version=f"test-{next(_numbers)}",
        language="en",
        title="Sharing agreement",
        summary="Summary",
        body="Body",
        text_sha256="0" * 64,
    )
    session.add(row)
    session.flush()
    return row


def owner(
    session: Session,
    terms: AgreementVersion,
    *,
    status: str = "active",
    verified: bool = True,
    opted_out: bool = False,
    consents: tuple[bool, ...] = (True,),
) -> Owner:
    """An owner; ``consents`` lists their consents, True for one still standing."""
    number = next(_numbers)
    now = utcnow()
    row = Owner(
        phone_e164=f"+1214555{number:04d}",
        full_name=f"Owner {number}",
        email=f"owner{number}@example.org",
        status=status,
        phone_verified_at=now if verified else None,
        sms_opted_out_at=now if opted_out else None,
    )
    session.add(row)
    session.flush()
    for standing in consents:
        session.add(
            Consent(
                owner_id=row.id,
                agreement_version_id=terms.id,
                text_sha256=terms.text_sha256,
                language="en",
                typed_name=row.full_name,
                accepted_at=now,
                withdrawn_at=None if standing else now,
            )
        )
    session.flush()
    return row


ONE_DOORBELL = (("doorbell", 1, "street", "N"),)
DOORBELL = CameraSummary(*ONE_DOORBELL[0])


def site(
    session: Session,
    of: Owner,
    point: tuple[float, float],
    *,
    status: str = "active",
    zip_code: str | None = "75201",
    cameras: tuple[tuple[str, int, str, str | None], ...] = ONE_DOORBELL,
    refresh: bool = True,
) -> Site:
    """A site at ``point`` with camera rows given as (kind, count, faces, direction).

    Whether it may be asked is then worked out, as the use cases do (``refresh``: False
    on a schema from before ``may_be_asked``).
    """
    number = next(_numbers)
    row = Site(
        owner_id=of.id,
        address_line=f"{number} Test St",
        address_key=f"{number} test st|75201",
        zip_code=zip_code,
        lat=point[0],
        lon=point[1],
        location_source="geocoder",
        geocode_status="ok",
        status=status,
        cameras=[
            Camera(
                camera_kind=kind,
                count=count,
                faces=faces,
                direction=direction,
                recording="continuous",
                retention_days=30,
            )
            for kind, count, faces, direction in cameras
        ],
    )
    session.add(row)
    session.flush()
    if refresh:
        refresh_may_be_asked(session, [of.id])
    return row


def found(session: Session, radius_m: float = 150.0, point=CENTER) -> list[int]:
    """The ids of the sites the search finds, in its order."""
    return [s.site_id for s in find_sites_near(session, *point, radius_m)]


@contextmanager
def statements(session: Session) -> Iterator[list[tuple[str, object]]]:
    """The SQL (and parameters) the session sends while the block runs."""
    sent: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        sent.append((statement, parameters))

    engine = session.get_bind().engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.fixture
def terms(session) -> AgreementVersion:
    return agreement(session)


# --- geometry, no database ------------------------------------------------------------------


def test_radius_and_point_are_checked(session):
    for bad in (0.0, -5.0, math.nan, math.inf):
        with pytest.raises(ValueError, match="radius"):
            find_sites_near(session, *CENTER, bad)
    with pytest.raises(ValueError, match="latitude"):
        find_sites_near(session, 91.0, -96.8, 150.0)


# --- the search -----------------------------------------------------------------------------


@pytest.mark.parametrize("radius", [150.0, 400.0])  # the default and the usual maximum
def test_a_site_on_the_circle_is_in_and_a_metre_beyond_is_out(session, terms, radius):
    who = owner(session, terms)
    on_the_line, beyond = [], []
    for bearing in (0, 45, 90, 137.5, 180, 270, 333):
        on_the_line.append(site(session, who, destination(*CENTER, bearing, radius)).id)
        beyond.append(site(session, who, destination(*CENTER, bearing, radius + 1.0)).id)

    assert sorted(found(session, radius)) == sorted(on_the_line)


def test_only_sites_whose_owner_may_be_asked_are_found(session, terms):
    near = destination(*CENTER, 90, 50)
    eligible = site(session, owner(session, terms), near)
    # One consent withdrawn, a later one standing: still asked.
    renewed = site(session, owner(session, terms, consents=(False, True)), near)
    # (A site is active or deleted: the database refuses any other site status.)
    site(session, owner(session, terms, status="unconfirmed"), near)
    site(session, owner(session, terms, verified=False), near)
    site(session, owner(session, terms, opted_out=True), near)
    site(session, owner(session, terms, consents=(False,)), near)
    site(session, owner(session, terms, consents=()), near)

    assert found(session) == sorted([eligible.id, renewed.id])


def test_sites_come_nearest_first_then_by_id(session, terms):
    who = owner(session, terms)
    far = site(session, who, destination(*CENTER, 10, 120))
    near = site(session, who, destination(*CENTER, 200, 30))
    middle_a = site(session, who, destination(*CENTER, 300, 75))
    middle_b = site(session, owner(session, terms), (middle_a.lat, middle_a.lon))

    results = find_sites_near(session, *CENTER, 150.0)

    assert [r.site_id for r in results] == [near.id, middle_a.id, middle_b.id, far.id]
    assert [round(r.distance_m, 6) for r in results] == [30.0, 75.0, 75.0, 120.0]


def test_each_site_comes_with_its_cameras_and_no_personal_data(session, terms):
    who = owner(session, terms)
    two_rows = site(
        session,
        who,
        destination(*CENTER, 0, 20),
        zip_code="75226",
        cameras=(("exterior", 2, "parking_lot", None), ("doorbell", 1, "street", "SW")),
    )
    bare = site(session, who, destination(*CENTER, 0, 40), zip_code=None, cameras=())

    results = find_sites_near(session, *CENTER, 150.0)

    assert results[0] == NearbySite(
        site_id=two_rows.id,
        owner_id=who.id,
        lat=two_rows.lat,
        lon=two_rows.lon,
        distance_m=results[0].distance_m,
        zip_code="75226",
        cameras=(
            CameraSummary("exterior", 2, "parking_lot", None),
            CameraSummary("doorbell", 1, "street", "SW"),
        ),
    )
    assert results[0].distance_m == pytest.approx(20.0, abs=1e-6)
    assert (results[1].site_id, results[1].zip_code, results[1].cameras) == (bare.id, None, ())


def test_one_query_whatever_the_number_of_sites_and_no_personal_data(session, terms):
    who = owner(session, terms)
    for bearing in range(0, 360, 30):
        site(session, who, destination(*CENTER, bearing, 100))

    with statements(session) as sent:
        assert len(find_sites_near(session, *CENTER, 150.0)) == 12

    assert len(sent) == 1
    text = " ".join(statement for statement, _ in sent).lower()
    for personal in ("full_name", "phone_e164", "email", "business_name", "typed_name"):
        assert personal not in text


def test_the_corners_of_the_box_are_left_out_before_any_owner_is_read(session, terms):
    who = owner(session, terms)
    inside = site(session, who, destination(*CENTER, 45, 149)).id
    # 180 m to the north-east: inside the box (its half-side is about 152.5 m), not the circle.
    corner = site(session, who, destination(*CENTER, 45, 180)).id
    south, west, north, east = bounding_box(*CENTER, 150.0)
    corner_site = session.get(Site, corner)
    assert south < corner_site.lat < north
    assert west < corner_site.lon < east

    dialect = session.get_bind().dialect.name
    query = nearby._CANDIDATES_BY_DIALECT.get(dialect, nearby._BTREE_CANDIDATES)
    rows = session.connection().execute(query, nearby._search_parameters(*CENTER, 150.0)).all()

    assert [row[0] for row in rows] == [inside]


@pytest.mark.parametrize(
    "center",
    [(89.9, 30.0), (-75.0, 140.0), (10.0, 179.9995), (10.0, -179.9995)],
    ids=["near-the-pole", "far-south", "antimeridian-east", "antimeridian-west"],
)
def test_sites_on_the_circle_are_found_anywhere_on_earth(session, terms, center, monkeypatch):
    who = owner(session, terms)
    expected = []
    for bearing in range(0, 360, 15):
        point_lat, point_lon = destination(*center, bearing, 400.0)
        point_lon = (point_lon + 180.0) % 360.0 - 180.0  # as a geocoder would give it
        expected.append(site(session, who, (point_lat, point_lon)).id)
        site(session, who, destination(*center, bearing, 402.0))  # a little too far

    assert sorted(found(session, 400.0, center)) == sorted(expected)
    assert find_sites_near(session, *center, 400.0) == full_scan_sites_near(session, *center, 400.0)
    monkeypatch.setattr(nearby, "_CANDIDATES_BY_DIALECT", {})
    assert sorted(found(session, 400.0, center)) == sorted(expected)


def test_sites_added_moved_and_deleted_are_followed(session, terms):
    who = owner(session, terms)
    kept = site(session, who, destination(*CENTER, 45, 100))
    mover = site(session, who, destination(*CENTER, 90, 2_000))
    assert found(session) == [kept.id]

    mover.lat, mover.lon = destination(*CENTER, 90, 50)
    session.flush()
    assert found(session) == [mover.id, kept.id]

    kept.zip_code = "75202"  # an update that leaves the point alone
    session.flush()
    assert found(session) == [mover.id, kept.id]

    kept.lat, kept.lon = destination(*CENTER, 45, 900)
    session.flush()
    assert found(session) == [mover.id]

    session.delete(mover)
    session.flush()
    assert found(session) == []
    assert found(session, point=(kept.lat, kept.lon)) == [kept.id]


def test_camera_changes_are_followed_by_the_index(session, terms):
    """The index carries the cameras' summary (migration 0015): every change reaches it."""
    who = owner(session, terms)
    first = site(session, who, destination(*CENTER, 0, 20), cameras=())
    second = site(session, who, destination(*CENTER, 0, 40))

    def cameras_found() -> dict[int, tuple[CameraSummary, ...]]:
        return {s.site_id: s.cameras for s in find_sites_near(session, *CENTER, 150.0)}

    assert cameras_found() == {first.id: (), second.id: (DOORBELL,)}
    added = Camera(
        camera_kind="ptz",
        count=3,
        faces="alley",
        direction="NE",
        recording="motion",
        retention_days=7,
    )
    first.cameras.append(added)
    session.flush()
    assert cameras_found()[first.id] == (CameraSummary("ptz", 3, "alley", "NE"),)

    added.count, added.direction = 4, None
    session.flush()
    assert cameras_found()[first.id] == (CameraSummary("ptz", 4, "alley", None),)

    added.site_id = second.id  # moved to the other site, after its doorbell
    session.flush()
    session.expire_all()
    assert cameras_found() == {
        first.id: (),
        second.id: (DOORBELL, CameraSummary("ptz", 4, "alley", None)),
    }

    session.delete(session.get(Camera, added.id))
    session.flush()
    assert cameras_found() == {first.id: (), second.id: (DOORBELL,)}
    assert cameras_found() == {
        s.site_id: s.cameras for s in full_scan_sites_near(session, *CENTER, 150.0)
    }


def test_the_indexed_search_finds_what_a_full_scan_finds(session, terms, monkeypatch):
    rng = random.Random(7)
    owners = [owner(session, terms) for _ in range(5)]
    owners.append(owner(session, terms, opted_out=True))
    owners.append(owner(session, terms, status="paused"))
    for _ in range(300):
        point = destination(*CENTER, rng.uniform(0, 360), rng.uniform(0, 600))
        site(session, rng.choice(owners), point)

    for radius in (50.0, 150.0, 400.0):
        indexed = find_sites_near(session, *CENTER, radius)
        assert indexed == full_scan_sites_near(session, *CENTER, radius)
        assert 0 < len(indexed) < 300
        # The fallback for other databases: a box on the ix_site_lat_lon btree.
        monkeypatch.setattr(nearby, "_CANDIDATES_BY_DIALECT", {})
        assert find_sites_near(session, *CENTER, radius) == indexed
        monkeypatch.undo()


def test_the_search_reads_the_spatial_index(session, terms):
    site(session, owner(session, terms), destination(*CENTER, 0, 10))
    with statements(session) as sent:
        find_sites_near(session, *CENTER, 150.0)
    statement, parameters = sent[0]
    connection = session.connection()

    if connection.dialect.name == "postgresql":
        # A handful of rows is cheaper to scan; forbid that to see what the planner can use.
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        plan = connection.exec_driver_sql("EXPLAIN " + statement, parameters).scalars().all()
        plan_text = "\n".join(plan)
        assert "Index Only Scan using ix_site_point" in plan_text, plan_text
        assert "Seq Scan on site" not in plan_text, plan_text
        # Whether the owner may be asked is in the index: no owner or consent is read.
        assert "owner" not in plan_text, plan_text
        assert "consent" not in plan_text, plan_text
        # The cameras' summary is in the index too (migration 0015): no camera is read.
        assert "camera" not in plan_text, plan_text
    else:
        rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
        steps = [row[-1] for row in rows]
        # The tree holds the sites that may be asked; each one found is read by its key,
        # cameras included (site.camera_summary). No camera, owner or consent row is read.
        assert steps == [
            "SCAN site_rtree VIRTUAL TABLE INDEX 2:B0D1B2D3",
            "SEARCH site USING INTEGER PRIMARY KEY (rowid=?)",
        ], steps


def test_the_standing_consent_index_holds_only_consents_not_withdrawn(session, terms):
    """The partial index answers "may this owner be asked" without a withdrawn consent."""
    withdrawn = owner(session, terms, consents=(False,))
    renewed = owner(session, terms, consents=(False, True))
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        definition = connection.exec_driver_sql(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_consent_standing'"
        ).scalar_one()
        assert definition.endswith("WHERE (withdrawn_at IS NULL)"), definition
        return
    # SQLite: read the index itself (INDEXED BY fails rather than fall back to another plan).
    standing = (
        connection.exec_driver_sql(
            "SELECT owner_id FROM consent INDEXED BY ix_consent_standing "
            "WHERE owner_id IN (?, ?) AND withdrawn_at IS NULL",
            (withdrawn.id, renewed.id),
        )
        .scalars()
        .all()
    )
    assert standing == [renewed.id]


def test_the_spatial_index_carries_what_the_search_reads(session):
    """PostgreSQL: ix_site_point covers the candidate's columns, for an index-only scan."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        pytest.skip("SQLite: each site found is read by its key (see the plan test)")
    definition = connection.exec_driver_sql(
        "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_site_point'"
    ).scalar_one()
    assert "USING gist (point(lon, lat))" in definition, definition
    assert "INCLUDE (id, owner_id, lat, lon, zip_code, camera_summary)" in definition, definition
    assert definition.endswith("WHERE may_be_asked"), definition


def test_sqlite_reads_the_database_through_a_memory_map(engine):
    """The search's index probes read mapped pages, not copies into SQLite's page cache."""
    if engine.dialect.name != "sqlite":
        pytest.skip("a SQLite setting")
    with engine.connect() as connection:
        mapped = connection.exec_driver_sql("PRAGMA mmap_size").scalar_one()
    assert mapped == SQLITE_MMAP_BYTES


def _site_row_as_of_0004(session: Session, of: Owner, point: tuple[float, float]) -> int:
    """A site written with the columns the table had before the spatial index."""
    number = next(_numbers)
    now = utcnow()
    return session.execute(
        text(
            "INSERT INTO site (owner_id, address_line, address_key, zip_code, lat, lon, "
            "location_source, geocode_status, geocode_attempts, status, created_at, updated_at) "
            "VALUES (:owner, :line, :key, '75201', :lat, :lon, 'geocoder', 'ok', 0, 'active', "
            ":now, :now) RETURNING id"
        ),
        {
            "owner": of.id,
            "line": f"{number} Test St",
            "key": f"{number} test st|75201",
            "lat": point[0],
            "lon": point[1],
            "now": now,
        },
    ).scalar_one()


@pytest.mark.parametrize("index_revision", ["0005", "0012"], ids=["spatial-index", "may-be-asked"])
def test_sites_registered_before_the_index_are_found_if_they_may_be_asked(
    database_url, factory, index_revision
):
    """The migrations fill the index, and work out who may be asked, from the rows there."""
    config = alembic_config(database_url)
    before = ScriptDirectory.from_config(config).get_revision(index_revision).down_revision
    # The owners first, with today's model; the sites once the schema is back to before
    # the index (0005) or before ``may_be_asked`` (0012).
    with factory() as session, session.begin():
        terms = agreement(session)
        who, opted_out = owner(session, terms), owner(session, terms, opted_out=True)
        paused = owner(session, terms, status="paused")
    command.downgrade(config, before)
    try:
        with factory() as session, session.begin():
            near = destination(*CENTER, 180, 60)
            kept = _site_row_as_of_0004(session, who, near)
            _site_row_as_of_0004(session, who, destination(*CENTER, 180, 600))
            _site_row_as_of_0004(session, opted_out, near)
            _site_row_as_of_0004(session, paused, near)
    finally:
        command.upgrade(config, "head")

    with factory() as session:
        assert found(session) == [kept]
        assert find_sites_near(session, *CENTER, 150.0) == full_scan_sites_near(
            session, *CENTER, 150.0
        )
