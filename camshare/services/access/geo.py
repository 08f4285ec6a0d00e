"""Distances and search boxes on the earth, as pure functions (no database, no I/O).

The earth is taken as a sphere of the mean radius: over the few hundred metres of an incident
search the error against the ellipsoid is far below a phone's GPS error.
"""

from __future__ import annotations

from collections.abc import Callable
from math import asin, cos, degrees, radians, sin, sqrt

EARTH_RADIUS_M = 6_371_008.8  # the IUGG mean earth radius

# A box is widened by this share of the radius plus this many metres, so that float rounding
# (and SQLite R*Tree's 32-bit coordinates, rounded outwards) can never cut the circle's edge.
BOX_PAD_SHARE = 0.01
BOX_PAD_M = 1.0


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance in metres between two points given in degrees (haversine)."""
    return distance_from(lat1, lon1)(lat2, lon2)


def distance_from(lat: float, lon: float) -> Callable[[float, float], float]:
    """``distance_m`` from one fixed point, as a function of the other point's lat and lon.

    The fixed point's terms are worked out once: a search measures hundreds of sites from
    the same incident.
    """
    phi1 = radians(lat)
    cos_phi1 = cos(phi1)

    def distance_to(lat2: float, lon2: float) -> float:
        phi2 = radians(lat2)
        h = sin((phi2 - phi1) / 2) ** 2 + cos_phi1 * cos(phi2) * sin(radians(lon2 - lon) / 2) ** 2
        # min(): rounding can push h a hair above 1 for antipodal points, outside asin's domain.
        return 2 * EARTH_RADIUS_M * asin(min(1.0, sqrt(h)))

    return distance_to


def bounding_box(lat: float, lon: float, radius_m: float) -> tuple[float, float, float, float]:
    """A (south, west, north, east) box in degrees that contains the circle around a point.

    Slightly larger than the circle's tight box (see ``BOX_PAD_SHARE``), so every point whose
    ``distance_m`` is within the radius is inside it. Near a pole, or when the circle crosses
    the antimeridian, the box spans every longitude: wasteful there, but never wrong.
    """
    if radius_m < 0:
        raise ValueError("radius_m must not be negative")
    angle = (radius_m * (1 + BOX_PAD_SHARE) + BOX_PAD_M) / EARTH_RADIUS_M  # radians
    south = lat - degrees(angle)
    north = lat + degrees(angle)
    if south <= -90.0 or north >= 90.0:
        # The circle holds a pole: every longitude is within reach.
        return max(south, -90.0), -180.0, min(north, 90.0), 180.0
    # The widest longitude a circle of this angular radius reaches (on a sphere it lies a
    # little poleward of the centre's latitude, hence asin(sin/cos), not angle/cos).
    ratio = sin(angle) / cos(radians(lat))
    if ratio >= 1.0:
        return south, -180.0, north, 180.0
    dlon = degrees(asin(ratio))
    west, east = lon - dlon, lon + dlon
    if west < -180.0 or east > 180.0:
        return south, -180.0, north, 180.0
    return south, west, north, east
