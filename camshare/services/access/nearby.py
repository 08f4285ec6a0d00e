"""Finding the registered camera locations near an incident: an index first, then distances.

A spatial index gives the candidates inside a box around the circle (SQLite: the
``site_rtree`` R*Tree; PostgreSQL: the GiST index on ``point(lon, lat)``; made by migration
0005), the same query keeps only sites whose owner may be asked, and Python keeps those whose
exact distance is within the radius. No step reads every row.

Only what a police search needs is read: coordinates, ZIP code, owner id and the cameras;
never an owner's name, phone or e-mail.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import (
    Float,
    Integer,
    Select,
    String,
    any_,
    bindparam,
    column,
    exists,
    func,
    select,
    table,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from camshare.models import Camera, Consent, Owner, Site
from camshare.services.access.geo import EARTH_RADIUS_M, bounding_box, distance_from

# A site exactly on the circle is inside; this absorbs the float rounding of "exactly"
# (a millimetre: far below any pin's precision, far above the arithmetic's error).
ON_THE_LINE_M = 0.001


@dataclass(frozen=True)
class CameraSummary:
    """One row of identical cameras at a site, as the police search shows it."""

    camera_kind: str
    count: int
    faces: str
    direction: str | None


@dataclass(frozen=True)
class NearbySite:
    """A site whose owner may be asked for footage, and its distance from the incident."""

    site_id: int
    owner_id: int
    lat: float
    lon: float
    distance_m: float
    zip_code: str | None
    cameras: tuple[CameraSummary, ...]


# The R*Tree is no model (see migration 0005); a lightweight table is enough to query it.
_SITE_RTREE = table(
    "site_rtree",
    column("id", Integer),
    column("min_lat", Float),
    column("max_lat", Float),
    column("min_lon", Float),
    column("max_lon", Float),
)

# Core tables, not ORM entities: rows come back as plain tuples, without the ORM's loading
# machinery, which would cost more than the search itself with hundreds of sites.
_site = Site.__table__.c
_owner = Owner.__table__.c
_consent = Consent.__table__.c
_camera = Camera.__table__.c

# An owner may be asked when their site and account are active, their phone verified, they
# have not opted out of texts and at least one of their consents still stands.
_ELIGIBLE = (
    _site.status == "active",
    _owner.status == "active",
    _owner.phone_verified_at.is_not(None),
    _owner.sms_opted_out_at.is_(None),
    exists().where(_consent.owner_id == _owner.id, _consent.withdrawn_at.is_(None)),
)

_COLUMNS = (_site.id, _site.owner_id, _site.lat, _site.lon, _site.zip_code)

_SOUTH = bindparam("south", type_=Float)
_WEST = bindparam("west", type_=Float)
_NORTH = bindparam("north", type_=Float)
_EAST = bindparam("east", type_=Float)

_SQLITE_CANDIDATES = (
    select(*_COLUMNS)
    .select_from(_SITE_RTREE)
    .join(Site.__table__, _site.id == _SITE_RTREE.c.id)
    .join(Owner.__table__, _owner.id == _site.owner_id)
    .where(
        # Box overlap; each site's box is its point (rounded outwards to 32-bit floats).
        _SITE_RTREE.c.min_lat <= _NORTH,
        _SITE_RTREE.c.max_lat >= _SOUTH,
        _SITE_RTREE.c.min_lon <= _EAST,
        _SITE_RTREE.c.max_lon >= _WEST,
        *_ELIGIBLE,
    )
)

# The very expression of the index ix_site_point: any other spelling and it goes unused.
_SITE_POINT = func.point(_site.lon, _site.lat)
_POSTGRES_CANDIDATES = (
    select(*_COLUMNS)
    .join(Owner.__table__, _owner.id == _site.owner_id)
    .where(
        _SITE_POINT.bool_op("<@")(func.box(func.point(_WEST, _SOUTH), func.point(_EAST, _NORTH))),
        *_ELIGIBLE,
    )
)

# Any other database: a box on the ix_site_lat_lon btree (a latitude band, then longitudes).
_BTREE_CANDIDATES = (
    select(*_COLUMNS)
    .join(Owner.__table__, _owner.id == _site.owner_id)
    .where(_site.lat.between(_SOUTH, _NORTH), _site.lon.between(_WEST, _EAST), *_ELIGIBLE)
)

_CANDIDATES_BY_DIALECT: dict[str, Select] = {
    "sqlite": _SQLITE_CANDIDATES,
    "postgresql": _POSTGRES_CANDIDATES,
}

# The site ids go in as one parameter (an array; on SQLite a JSON array): an IN list of
# hundreds of parameters costs more to render, parse and plan than the lookups themselves.
_CAMERA_COLUMNS = (_camera.site_id, _camera.camera_kind, _camera.count, _camera.faces)
_CAMERAS = select(*_CAMERA_COLUMNS, _camera.direction).order_by(_camera.site_id, _camera.id)
_SQLITE_IDS = func.json_each(bindparam("site_ids", type_=String)).table_valued("value")
_CAMERAS_BY_DIALECT: dict[str, Select] = {
    "sqlite": _CAMERAS.where(_camera.site_id.in_(select(_SQLITE_IDS.c.value))),
    "postgresql": _CAMERAS.where(
        _camera.site_id == any_(bindparam("site_ids", type_=postgresql.ARRAY(Integer)))
    ),
}
_CAMERAS_IN_LIST = _CAMERAS.where(_camera.site_id.in_(bindparam("site_ids", expanding=True)))

_Candidate = tuple[int, int, float, float, str | None]  # id, owner_id, lat, lon, zip_code


def find_sites_near(session: Session, lat: float, lon: float, radius_m: float) -> list[NearbySite]:
    """The eligible sites within ``radius_m`` metres of a point, nearest first, then by id.

    A site exactly on the circle is included. Two queries whatever the number of sites: the
    index-driven candidates, then the cameras of those within the radius.
    """
    _check_search(lat, lon, radius_m)
    south, west, north, east = bounding_box(lat, lon, radius_m)
    query = _CANDIDATES_BY_DIALECT.get(session.get_bind().dialect.name, _BTREE_CANDIDATES)
    rows = session.execute(query, {"south": south, "west": west, "north": north, "east": east})
    return _within_radius(session, rows.all(), lat, lon, radius_m)


def full_scan_sites_near(
    session: Session, lat: float, lon: float, radius_m: float
) -> list[NearbySite]:
    """The same result as ``find_sites_near`` without any index: the benchmark's baseline.

    The database computes the haversine distance of every eligible row, as a search written
    without a spatial index would. Only bench/radius_search.py uses it; never call it from
    the application.
    """
    _check_search(lat, lon, radius_m)
    phi, lam = math.radians(lat), math.radians(lon)
    site_phi = func.radians(_site.lat)
    sin_dphi = func.sin((site_phi - phi) / 2)
    sin_dlambda = func.sin((func.radians(_site.lon) - lam) / 2)
    h = sin_dphi * sin_dphi + math.cos(phi) * func.cos(site_phi) * sin_dlambda * sin_dlambda
    distance = 2 * EARTH_RADIUS_M * func.asin(func.sqrt(h))
    # A metre of slack: the final, exact decision is the same Python check as the indexed
    # search's, so both give the same sites even where SQL and Python round differently.
    query = (
        select(*_COLUMNS)
        .join(Owner.__table__, _owner.id == _site.owner_id)
        .where(distance <= radius_m + 1.0, *_ELIGIBLE)
    )
    rows = session.execute(query).all()
    return _within_radius(session, rows, lat, lon, radius_m)


def _check_search(lat: float, lon: float, radius_m: float) -> None:
    if not (math.isfinite(lat) and -90.0 <= lat <= 90.0):
        raise ValueError(f"latitude out of range: {lat!r}")
    if not (math.isfinite(lon) and -180.0 <= lon <= 180.0):
        raise ValueError(f"longitude out of range: {lon!r}")
    # No upper limit here: how far police may search is policy, kept by the request's
    # guardrails (settings.request_max_radius_m); this only refuses what is not a radius.
    if not (math.isfinite(radius_m) and radius_m > 0.0):
        raise ValueError(f"radius must be a positive number of metres: {radius_m!r}")


def _within_radius(
    session: Session, candidates: Sequence[_Candidate], lat: float, lon: float, radius_m: float
) -> list[NearbySite]:
    """The candidates within the radius, nearest first, each with its cameras."""
    limit = radius_m + ON_THE_LINE_M
    distance_to = distance_from(lat, lon)
    hits: list[tuple[float, int, int, float, float, str | None]] = []
    for site_id, owner_id, site_lat, site_lon, zip_code in candidates:
        distance = distance_to(site_lat, site_lon)
        if distance <= limit:
            hits.append((distance, site_id, owner_id, site_lat, site_lon, zip_code))
    # Distance, then site id (unique): the tuples never compare further than that.
    hits.sort()
    cameras = _camera_summaries(session, [hit[1] for hit in hits])
    return [
        NearbySite(
            site_id=site_id,
            owner_id=owner_id,
            lat=site_lat,
            lon=site_lon,
            distance_m=distance,
            zip_code=zip_code,
            cameras=cameras.get(site_id, ()),
        )
        for distance, site_id, owner_id, site_lat, site_lon, zip_code in hits
    ]


def _camera_summaries(
    session: Session, site_ids: list[int]
) -> dict[int, tuple[CameraSummary, ...]]:
    """Every listed site's cameras in one query (never one query per site)."""
    if not site_ids:
        return {}
    dialect = session.get_bind().dialect.name
    query = _CAMERAS_BY_DIALECT.get(dialect, _CAMERAS_IN_LIST)
    ids: object = json.dumps(site_ids) if dialect == "sqlite" else site_ids
    by_site: dict[int, list[CameraSummary]] = {}
    for site_id, kind, count, faces, direction in session.execute(query, {"site_ids": ids}).all():
        by_site.setdefault(site_id, []).append(CameraSummary(kind, count, faces, direction))
    return {site_id: tuple(cameras) for site_id, cameras in by_site.items()}
