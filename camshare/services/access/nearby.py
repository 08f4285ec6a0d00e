"""Finding the registered camera locations near an incident: an index first, then distances.

One query per search, read from indexes: a spatial index gives the sites inside a box around
the circle (SQLite: the ``site_rtree`` R*Tree of migration 0005; PostgreSQL: the GiST index
``ix_site_point`` on ``point(lon, lat)``, which since migration 0007 carries the columns read,
for an index-only scan). An ellipse between the box and the circle, checked on the site's own
coordinates, drops the box's corners before anything else is read. Then whether the owner may
be asked (the owner's row and the partial index ``ix_consent_standing``) and the cameras (the
covering index ``ix_camera_site_summary``), and in Python the exact distance. No step reads
every row.

What a search costs is a few index probes for each site it finds (the site, its owner, a
standing consent, the cameras) and building its result: about 13 µs a site on SQLite and
20 µs on PostgreSQL, plus about 1 ms a search on PostgreSQL for the round trips and planning
(bench/radius_search.py, which also says what bounds the wider searches).

Only what a police search needs is read: coordinates, ZIP code, owner id and the cameras;
never an owner's name, phone or e-mail.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from operator import itemgetter

from sqlalchemy import (
    Float,
    Integer,
    Select,
    bindparam,
    column,
    func,
    literal_column,
    select,
    table,
)
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
_ACTIVE = (
    _site.status == "active",
    _owner.status == "active",
    _owner.phone_verified_at.is_not(None),
    _owner.sms_opted_out_at.is_(None),
)
# SELECT 1, not SQLAlchemy's SELECT *: SQLite then answers from the partial index
# ix_consent_standing alone, without reading the consent row.
_STANDING_CONSENT = select(literal_column("1")).where(
    _consent.owner_id == _owner.id, _consent.withdrawn_at.is_(None)
)
# The one definition of a registration that counts: police may ask it, the public figures
# count it (services/public/transparency.py).
ELIGIBLE = (*_ACTIVE, _STANDING_CONSENT.exists())
# PostgreSQL: OFFSET 0 keeps the planner from turning EXISTS into a semi-join, and so from
# weighing join orders with one table more: that halves the planning (0.35 to 0.18 ms, a
# tenth of a 150 m search, planned anew each time). The check is then a subplan probing
# ix_consent_standing for each owner that passed the other tests, as the join did anyway.
_ELIGIBLE_POSTGRES = (*_ACTIVE, _STANDING_CONSENT.offset(literal_column("0")).exists())

# A site's columns, then its cameras' (NULL for a site without cameras: an outer join).
_COLUMNS = (
    _site.id,
    _site.owner_id,
    _site.lat,
    _site.lon,
    _site.zip_code,
    _camera.id,
    _camera.camera_kind,
    _camera.count,
    _camera.faces,
    _camera.direction,
)

_SOUTH = bindparam("south", type_=Float)
_WEST = bindparam("west", type_=Float)
_NORTH = bindparam("north", type_=Float)
_EAST = bindparam("east", type_=Float)

# The ellipse inside the box that still holds the whole circle (see ``_search_parameters``):
# checked on the site's row before any owner, consent or camera is read, it spares those
# lookups for the box's corners, a fifth of the box. Plain arithmetic, on every database.
_LAT = bindparam("lat", type_=Float)
_LON = bindparam("lon", type_=Float)
_NEAR_ENOUGH = (_site.lat - _LAT) * (_site.lat - _LAT) + (_site.lon - _LON) * (
    _site.lon - _LON
) * bindparam("lon_scale_sq", type_=Float) <= bindparam("reach_sq", type_=Float)


def _search(candidates: Select) -> Select:
    """The candidate sites joined to their owner (to check them) and cameras (to show them)."""
    return candidates.join(Owner.__table__, _owner.id == _site.owner_id).outerjoin(
        Camera.__table__, _camera.site_id == _site.id
    )


_SQLITE_CANDIDATES = _search(
    select(*_COLUMNS)
    .select_from(_SITE_RTREE)
    .join(Site.__table__, _site.id == _SITE_RTREE.c.id)
    .where(
        # Box overlap; each site's box is its point (rounded outwards to 32-bit floats).
        _SITE_RTREE.c.min_lat <= _NORTH,
        _SITE_RTREE.c.max_lat >= _SOUTH,
        _SITE_RTREE.c.min_lon <= _EAST,
        _SITE_RTREE.c.max_lon >= _WEST,
        _NEAR_ENOUGH,
        *ELIGIBLE,
    )
)

# The very expression of the index ix_site_point: any other spelling and it goes unused.
_SITE_POINT = func.point(_site.lon, _site.lat)
_POSTGRES_CANDIDATES = _search(
    select(*_COLUMNS).where(
        _SITE_POINT.bool_op("<@")(func.box(func.point(_WEST, _SOUTH), func.point(_EAST, _NORTH))),
        _NEAR_ENOUGH,
        *_ELIGIBLE_POSTGRES,
    )
)

# Any other database: a box on the ix_site_lat_lon btree (a latitude band, then longitudes).
_BTREE_CANDIDATES = _search(
    select(*_COLUMNS).where(
        _site.lat.between(_SOUTH, _NORTH),
        _site.lon.between(_WEST, _EAST),
        _NEAR_ENOUGH,
        *ELIGIBLE,
    )
)

_CANDIDATES_BY_DIALECT: dict[str, Select] = {
    "sqlite": _SQLITE_CANDIDATES,
    "postgresql": _POSTGRES_CANDIDATES,
}

# id, owner_id, lat, lon, zip_code, then camera id, kind, count, faces, direction
_Row = tuple[int, int, float, float, str | None, int | None, str, int, str, str | None]

# Beyond this half-width of the box (radians) the ellipse is not used (see below).
_ELLIPSE_MAX_ANGLE = 0.1


def find_sites_near(session: Session, lat: float, lon: float, radius_m: float) -> list[NearbySite]:
    """The eligible sites within ``radius_m`` metres of a point, nearest first, then by id.

    A site exactly on the circle is included. One query whatever the number of sites: the
    index-driven candidates, each with its cameras.
    """
    _check_search(lat, lon, radius_m)
    query = _CANDIDATES_BY_DIALECT.get(session.get_bind().dialect.name, _BTREE_CANDIDATES)
    rows = session.execute(query, _search_parameters(lat, lon, radius_m))
    return _within_radius(rows.all(), lat, lon, radius_m)


def _search_parameters(lat: float, lon: float, radius_m: float) -> dict[str, float]:
    """The box around the circle, and the ellipse between the box and the circle.

    The ellipse is ``dlat² + (lon_scale · dlon)² <= reach²`` in degrees, with ``reach`` the
    box's half-height (the circle's angular radius, padded by geo.bounding_box) and
    ``lon_scale`` the cosine of the box's latitude farthest from the equator. Why no site
    within the radius falls outside: by the haversine, hav(d) = hav(dlat) + cos(lat1) cos(lat2)
    hav(dlon); both latitudes lie in the box, so cos(lat1) cos(lat2) >= lon_scale²; and
    hav(x) >= x²/4 · (1 - x²/24)² (within 0.1% of x²/4 for |x| <= 0.1 rad), far inside the
    box's 1% padding. Where that bound would not hold (a box wider than 0.1 rad, one over a
    pole or across the antimeridian), the ellipse lets every candidate through. The final
    decision stays the exact distance, in Python.
    """
    south, west, north, east = bounding_box(lat, lon, radius_m)
    reach = north - lat
    half_width = (east - west) / 2
    lon_scale_sq, reach_sq = 0.0, math.inf
    if (west, east) != (-180.0, 180.0) and max(reach, half_width) <= math.degrees(
        _ELLIPSE_MAX_ANGLE
    ):
        lon_scale_sq = math.cos(math.radians(max(abs(south), abs(north)))) ** 2
        reach_sq = reach * reach
    return {
        "south": south,
        "west": west,
        "north": north,
        "east": east,
        "lat": lat,
        "lon": lon,
        "lon_scale_sq": lon_scale_sq,
        "reach_sq": reach_sq,
    }


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
    query = _search(select(*_COLUMNS).where(distance <= radius_m + 1.0, *ELIGIBLE))
    rows = session.execute(query).all()
    return _within_radius(rows, lat, lon, radius_m)


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
    rows: Iterable[_Row], lat: float, lon: float, radius_m: float
) -> list[NearbySite]:
    """The sites of ``rows`` within the radius, nearest first, each with its cameras.

    A site comes in as many rows as it has cameras (an outer join: one row, without camera,
    when it has none).
    """
    limit = radius_m + ON_THE_LINE_M
    distance_to = distance_from(lat, lon)
    # Per site within the radius: [distance, id, owner id, lat, lon, ZIP code, cameras],
    # each camera as (camera id, summary).
    found: dict[int, list] = {}
    beyond: set[int] = set()
    # Summaries are immutable and few kinds recur: one object each, shared by the sites.
    summaries: dict[tuple, CameraSummary] = {}
    for row in rows:
        site_id, owner_id, site_lat, site_lon, zip_code, camera_id, *camera = row
        site = found.get(site_id)
        if site is None:
            if site_id in beyond:
                continue
            distance = distance_to(site_lat, site_lon)
            if distance > limit:
                beyond.add(site_id)
                continue
            site = found[site_id] = [distance, site_id, owner_id, site_lat, site_lon, zip_code, []]
        if camera_id is not None:
            key = tuple(camera)
            summary = summaries.get(key)
            if summary is None:
                summary = summaries[key] = CameraSummary(*key)
            site[6].append((camera_id, summary))
    nearest = []
    # Distance, then site id (unique); a site's cameras by camera id (unique).
    for distance, site_id, owner_id, site_lat, site_lon, zip_code, cameras in sorted(
        found.values(), key=_BY_DISTANCE_THEN_ID
    ):
        if len(cameras) > 1:
            cameras.sort(key=_BY_CAMERA_ID)
        nearest.append(
            NearbySite(
                site_id=site_id,
                owner_id=owner_id,
                lat=site_lat,
                lon=site_lon,
                distance_m=distance,
                zip_code=zip_code,
                cameras=tuple([summary for _, summary in cameras]),
            )
        )
    return nearest


_BY_DISTANCE_THEN_ID = itemgetter(0, 1)
_BY_CAMERA_ID = itemgetter(0)
