"""A ZIP code's centre, without any geocoder."""

from __future__ import annotations

import pytest

from camshare.services.geography.geocoding import (
    zip_centroid,
)


def test_a_dallas_zip_code_gives_a_point_in_dallas():
    point = zip_centroid("75201")

    assert point is not None
    lat, lon = point
    assert 32.6 < lat < 33.0
    assert -97.0 < lon < -96.6


@pytest.mark.parametrize("code", ["abc", "", "7520"])
def test_a_malformed_zip_code_gives_none(code):
    assert zip_centroid(code) is None
