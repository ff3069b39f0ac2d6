"""Geometry of the demo city from its packaged boundaries: district areas and points
inside a district (for the invented enterprises' locations)."""

from __future__ import annotations

import itertools
import math
from functools import cache
from typing import Any

import numpy as np

from citycarbon.demo import city
from citycarbon.refdata.boundaries import load_boundaries

EARTH_RADIUS_KM = 6371.0088
Ring = list[tuple[float, float]]


@cache
def _polygons() -> dict[str, list[list[Ring]]]:
    """District code → polygons, each a list of rings (outer first), as (lon, lat)."""
    data = load_boundaries(city.CITY)
    if data is None:
        return {}
    out: dict[str, list[list[Ring]]] = {}
    for feature in data["features"]:
        geometry: dict[str, Any] = feature["geometry"]
        parts = (
            geometry["coordinates"]
            if geometry["type"] == "MultiPolygon"
            else [geometry["coordinates"]]
        )
        out[feature["properties"]["code"]] = [
            [[(float(x), float(y)) for x, y in ring] for ring in part] for part in parts
        ]
    return out


def _ring_area_km2(ring: Ring) -> float:
    """Area of a ring on the sphere (the spherical-excess formula of Chamberlain and
    Duquette, as used by GIS tools), in km²."""
    total = 0.0
    for (x1, y1), (x2, y2) in itertools.pairwise(ring):
        total += math.radians(x2 - x1) * (
            2.0 + math.sin(math.radians(y1)) + math.sin(math.radians(y2))
        )
    return abs(total) * EARTH_RADIUS_KM**2 / 2.0


def land_area_km2(district: str) -> float:
    """The district's area from its packaged boundary (outer rings minus holes)."""
    return sum(
        _ring_area_km2(part[0]) - sum(_ring_area_km2(hole) for hole in part[1:])
        for part in _polygons().get(district, [])
    )


def _inside(x: float, y: float, ring: Ring) -> bool:
    """Ray casting: is (x, y) inside the closed ring?"""
    inside = False
    for (x1, y1), (x2, y2) in itertools.pairwise(ring):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def contains(district: str, lon: float, lat: float) -> bool:
    return any(
        _inside(lon, lat, part[0]) and not any(_inside(lon, lat, h) for h in part[1:])
        for part in _polygons().get(district, [])
    )


def point_in(district: str, rng: np.random.Generator) -> tuple[float, float] | None:
    """A random point inside the district (rejection sampling in its bounding box), rounded
    to 5 decimals; None when the city has no packaged boundary."""
    parts = _polygons().get(district)
    if not parts:
        return None
    xs = [x for part in parts for x, _ in part[0]]
    ys = [y for part in parts for _, y in part[0]]
    for _ in range(1000):
        lon, lat = float(rng.uniform(min(xs), max(xs))), float(rng.uniform(min(ys), max(ys)))
        if contains(district, lon, lat):
            return round(lon, 5), round(lat, 5)
    return None
