"""Finding the registered camera locations near an incident: an index first, then distances.

One query per search. The spatial index holds only the sites police may ask
(services/may_be_asked.py keeps that answer on the site; migration 0012). SQLite: the
``site_rtree`` R*Tree gives the ids of the sites in a box around the circle, and each site's
row is read by its key for its owner id, exact point, ZIP code and cameras' summary
(``site.camera_summary``, kept by triggers on camera; migration 0015). PostgreSQL: the
partial GiST index ``ix_site_point`` on ``point(lon, lat)`` carries all of that (INCLUDE),
for an index-only scan. An ellipse between the box and the circle, checked on the
candidate's coordinates, drops the box's corners; the exact distance is decided in Python.
No step reads an owner, consent or camera row.

What a search costs, besides a fixed part (on PostgreSQL about 1 ms of round trips and
planning), is for each site found one index entry (and, on SQLite, one probe of the site's
row) and building its result (bench/radius_search.py measures it). At the 400 m maximum a
search finds several hundred sites, so the per-site part decides: the rows are read as the
driver gives them (``services.rows.driver_rows``) and the results are named tuples.

Only what a police search needs is read: coordinates, ZIP code, owner id and the cameras;
never an owner's name, phone or e-mail.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from functools import lru_cache
from operator import itemgetter
from typing import NamedTuple

from sqlalchemy import (
    Float,
    Integer,
    Select,
    bindparam,
    column,
    func,
    select,
    table,
)
from sqlalchemy.orm import Session

from camshare.models import Camera, Site
from camshare.services.access.geo import EARTH_RADIUS_M, bounding_box, distance_from
from camshare.services.may_be_asked import MAY_BE_ASKED
from camshare.services.rows import driver_rows

# A site exactly on the circle is inside; this absorbs the float rounding of "exactly"
# (a millimetre: far below any pin's precision, far above the arithmetic's error).
ON_THE_LINE_M = 0.001


class CameraSummary(NamedTuple):
    """One row of identical cameras at a site, as the police search shows it."""

    camera_kind: str
    count: int
    faces: str
    direction: str | None


class NearbySite(NamedTuple):
    """A site whose owner may be asked for footage, and its distance from the incident.

    A named tuple: a search at the maximum radius builds hundreds of them, and a tuple is
    built several times faster than a frozen dataclass.
    """

    site_id: int
    owner_id: int
    lat: float
    lon: float
    distance_m: float
    zip_code: str | None
    cameras: tuple[CameraSummary, ...]


# The R*Tree is no model (migrations 0005 and 0012); a lightweight table is enough to query
# it. Its auxiliary columns (owner, exact point, ZIP code, cameras; migrations 0012 and
# 0015) are no longer read: fetching them costs the R*Tree a statement of its own per row,
# slower than reading the site's row by its key. A later release drops them (migrations
# expand, then contract: this release's code must run beside the previous one's).
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
_camera = Camera.__table__.c

# A site's cameras (NULL for a site without cameras: an outer join).
_CAMERA_COLUMNS = (
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
_LAT = bindparam("lat", type_=Float)
_LON = bindparam("lon", type_=Float)


def _near_enough(lat, lon):
    """The ellipse inside the box that still holds the whole circle (``_search_parameters``).

    Checked on the candidate's coordinates before its cameras are read, it drops the box's
    corners, a fifth of the box. Plain arithmetic, on every database.
    """
    return (lat - _LAT) * (lat - _LAT) + (lon - _LON) * (lon - _LON) * bindparam(
        "lon_scale_sq", type_=Float
    ) <= bindparam("reach_sq", type_=Float)


def _with_cameras(candidates, site_id) -> Select:
    """The candidate sites with their cameras, read from ix_camera_site_summary."""
    return candidates.outerjoin(Camera.__table__, _camera.site_id == site_id)


_SITE_COLUMNS = (_site.id, _site.owner_id, _site.lat, _site.lon, _site.zip_code)
_SUMMARY_COLUMNS = (*_SITE_COLUMNS, _site.camera_summary)

# SQLite: the R*Tree holds only the sites that may be asked; each one found is read by its
# key (the site table's rowid), for what the search shows of it, cameras included.
_tree = _SITE_RTREE.c
_SQLITE_CANDIDATES = (
    select(*_SUMMARY_COLUMNS)
    .select_from(_SITE_RTREE)
    .join(Site.__table__, _site.id == _tree.id)
    .where(
        # Box overlap; each site's box is its point (rounded outwards to 32-bit floats).
        _tree.min_lat <= _NORTH,
        _tree.max_lat >= _SOUTH,
        _tree.min_lon <= _EAST,
        _tree.max_lon >= _WEST,
        _near_enough(_site.lat, _site.lon),
    )
)

# PostgreSQL: the partial GiST index ix_site_point (WHERE may_be_asked) holds the same, for
# an index-only scan. The very expression of the index, and its very predicate: any other
# spelling and it goes unused.
_SITE_POINT = func.point(_site.lon, _site.lat)
_POSTGRES_CANDIDATES = select(*_SUMMARY_COLUMNS).where(
    _SITE_POINT.bool_op("<@")(func.box(func.point(_WEST, _SOUTH), func.point(_EAST, _NORTH))),
    _site.may_be_asked,
    _near_enough(_site.lat, _site.lon),
)

# Any other database: a box on the ix_site_lat_lon btree (a latitude band, then longitudes).
_BTREE_CANDIDATES = select(*_SUMMARY_COLUMNS).where(
    _site.lat.between(_SOUTH, _NORTH),
    _site.lon.between(_WEST, _EAST),
    _site.may_be_asked,
    _near_enough(_site.lat, _site.lon),
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
    """The sites that may be asked within ``radius_m`` metres of a point, nearest first.

    Equally near sites come by id; a site exactly on the circle is included. One query
    whatever the number of sites: the index-driven candidates, each with its cameras.
    """
    _check_search(lat, lon, radius_m)
    query = _CANDIDATES_BY_DIALECT.get(session.get_bind().dialect.name, _BTREE_CANDIDATES)
    rows = driver_rows(session, query, _search_parameters(lat, lon, radius_m))
    return nearest_within(rows, lat, lon, radius_m)


def nearest_within(
    rows: Iterable[tuple], lat: float, lon: float, radius_m: float
) -> list[NearbySite]:
    """The candidates of ``rows`` within the radius, nearest first, as ``NearbySite``.

    Each row: site id, owner id, lat, lon, ZIP code, cameras' summary (the candidates' columns).
    """
    limit = radius_m + ON_THE_LINE_M
    distance_to = distance_from(lat, lon)
    found = []
    for site_id, owner_id, site_lat, site_lon, zip_code, cameras in rows:
        distance = distance_to(site_lat, site_lon)
        if distance <= limit:
            found.append((distance, site_id, owner_id, site_lat, site_lon, zip_code, cameras))
    found.sort(key=_BY_DISTANCE_THEN_ID)
    return [
        NearbySite(site_id, owner, site_lat, site_lon, distance, zip_code, _camera_summaries(cams))
        for distance, site_id, owner, site_lat, site_lon, zip_code, cams in found
    ]


@lru_cache(maxsize=4096)
def _camera_summaries(summary: str | None) -> tuple[CameraSummary, ...]:
    """A site's cameras from ``site.camera_summary``; few combinations recur, parsed once."""
    if not summary:
        return ()
    return tuple(CameraSummary(*camera) for camera in json.loads(summary))


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
    # Whether a site may be asked is worked out from its reasons, as it was before the
    # indexes kept it: the benchmark's comparison checks the kept answer, too.
    query = _with_cameras(
        select(*_SITE_COLUMNS, *_CAMERA_COLUMNS).where(distance <= radius_m + 1.0, MAY_BE_ASKED),
        _site.id,
    )
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
    """The full scan's sites of ``rows`` within the radius, nearest first, with cameras.

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
        summaries_in_order = tuple([summary for _, summary in cameras])
        nearest.append(
            NearbySite(
                site_id, owner_id, site_lat, site_lon, distance, zip_code, summaries_in_order
            )
        )
    return nearest


_BY_DISTANCE_THEN_ID = itemgetter(0, 1)
_BY_CAMERA_ID = itemgetter(0)
