"""The agency's jurisdiction: a GeoJSON (Multi)Polygon that registered points must lie in."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from shapely import prepared
from shapely.geometry import Point, shape
from shapely.ops import unary_union


class Jurisdiction:
    """Answers whether a point is inside the area where cameras may be registered."""

    def __init__(self, geojson: dict) -> None:
        kind = geojson.get("type")
        if kind == "FeatureCollection":
            geometries = [shape(f["geometry"]) for f in geojson["features"]]
        elif kind == "Feature":
            geometries = [shape(geojson["geometry"])]
        else:
            geometries = [shape(geojson)]
        self.area = unary_union(geometries)
        self._prepared = prepared.prep(self.area)

    def contains(self, lat: float, lon: float) -> bool:
        """True when (lat, lon) lies inside the area or on its edge."""
        return bool(self._prepared.covers(Point(lon, lat)))


@lru_cache(maxsize=4)
def load_jurisdiction(path: str) -> Jurisdiction:
    """The jurisdiction in the GeoJSON file at ``path``, read once."""
    return Jurisdiction(json.loads(Path(path).read_text(encoding="utf-8")))
