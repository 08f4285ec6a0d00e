"""Points on the sphere the search uses, for tests of distances and circles."""

from __future__ import annotations

import math

from camshare.services.access.geo import EARTH_RADIUS_M

# Where the tests' circles are drawn: downtown Dallas.
CENTER = (32.7767, -96.7970)


def destination(lat: float, lon: float, bearing_deg: float, meters: float) -> tuple[float, float]:
    """The point ``meters`` away from (lat, lon) on a bearing, on geo's sphere."""
    phi, lam, theta = math.radians(lat), math.radians(lon), math.radians(bearing_deg)
    delta = meters / EARTH_RADIUS_M
    phi2 = math.asin(
        math.sin(phi) * math.cos(delta) + math.cos(phi) * math.sin(delta) * math.cos(theta)
    )
    lam2 = lam + math.atan2(
        math.sin(theta) * math.sin(delta) * math.cos(phi),
        math.cos(delta) - math.sin(phi) * math.sin(phi2),
    )
    return math.degrees(phi2), math.degrees(lam2)
