"""The geometry of a search circle: distances, the bounding box, the ellipse."""

from __future__ import annotations

import math

import pytest

from camshare.services.access import nearby
from camshare.services.access.geo import EARTH_RADIUS_M, bounding_box, distance_m
from tests.support.geometry import CENTER, destination


def test_distance_is_the_haversine_on_the_mean_earth():
    one_degree = EARTH_RADIUS_M * math.pi / 180
    assert distance_m(32.0, -96.0, 33.0, -96.0) == pytest.approx(one_degree, rel=1e-12)
    assert distance_m(*CENTER, *CENTER) == 0.0
    north = destination(*CENTER, 0.0, 150.0)
    assert distance_m(*CENTER, *north) == pytest.approx(150.0, abs=1e-6)


@pytest.mark.parametrize("lat", [0.0, 32.7767, 60.0, 89.99])
def test_the_box_holds_the_whole_circle(lat):
    south, west, north, east = bounding_box(lat, -96.797, 400.0)
    for bearing in range(0, 360, 5):
        point_lat, point_lon = destination(lat, -96.797, bearing, 400.0)
        assert south < point_lat < north
        assert west < point_lon < east


def test_a_circle_across_the_antimeridian_gets_every_longitude():
    south, west, north, east = bounding_box(10.0, 179.999, 400.0)
    assert (west, east) == (-180.0, 180.0)
    assert south < 10.0 < north


@pytest.mark.parametrize("lat", [0.0, -33.9, 32.7767, 60.0, 75.0, 84.0, 89.9])
@pytest.mark.parametrize("radius", [1.0, 150.0, 400.0, 5_000.0, 200_000.0])
def test_the_ellipse_holds_every_point_within_the_radius(lat, radius):
    """The SQL pre-filter (see nearby._search_parameters) never drops a site that is in."""
    lon = -96.797
    p = nearby._search_parameters(lat, lon, radius)
    for bearing in [b / 4 for b in range(0, 360 * 4, 7)]:
        for meters in (radius, radius + nearby.ON_THE_LINE_M, radius * 0.999):
            point_lat, point_lon = destination(lat, lon, bearing, meters)
            if distance_m(lat, lon, point_lat, point_lon) > radius + nearby.ON_THE_LINE_M:
                continue
            d_lat, d_lon = point_lat - lat, point_lon - lon
            assert d_lat * d_lat + d_lon * d_lon * p["lon_scale_sq"] <= p["reach_sq"], bearing


def test_the_ellipse_is_used_where_it_holds_and_only_there():
    # A police search: the ellipse is about the circle (a 1% pad), much smaller than the box.
    p = nearby._search_parameters(*CENTER, 150.0)
    assert p["reach_sq"] < 1e-5
    assert 0.6 < p["lon_scale_sq"] < 0.8
    # Across the antimeridian, over a pole, or wider than 0.1 rad: every candidate is let
    # through (a zero weight on longitude, no limit on the sum).
    for lat, lon, radius in ((10.0, 179.999, 400.0), (89.9999, 0.0, 400.0), (0.0, 0.0, 1e6)):
        p = nearby._search_parameters(lat, lon, radius)
        assert (p["lon_scale_sq"], p["reach_sq"]) == (0.0, math.inf)
