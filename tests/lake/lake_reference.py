"""A slow, obvious rollup in plain Python (calendar arithmetic by ``datetime`` in UTC+8) that
the portable rollups are checked against."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from typing import Any

import pyarrow as pa

CST = dt.timezone(dt.timedelta(hours=8))
LEVEL_COLUMNS = {
    "meter": "meter_id",
    "enterprise": "enterprise_id",
    "park": "park_code",
    "district": "region_code",
}


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> int:
    """Epoch seconds of a local (UTC+8) wall-clock time."""
    return int(dt.datetime(year, month, day, hour, minute, tzinfo=CST).timestamp())


def bucket_of(ts: int, grain: str) -> tuple[int, int]:
    """(bucket start, local year of the bucket) of the interval that ends at ``ts``."""
    moment = dt.datetime.fromtimestamp(ts - 1, tz=CST)
    if grain == "15min":
        start = moment.replace(minute=moment.minute - moment.minute % 15, second=0)
    elif grain == "hour":
        start = moment.replace(minute=0, second=0)
    elif grain == "day":
        start = moment.replace(hour=0, minute=0, second=0)
    else:
        start = moment.replace(day=1, hour=0, minute=0, second=0)
    return int(start.timestamp()), start.year


def reference_rollup(
    readings: pa.Table, meters: pa.Table, factors: pa.Table, grain: str, level: str
) -> list[dict[str, Any]]:
    by_meter = {m["meter_id"]: m for m in meters.to_pylist()}
    factor = {(f["carrier"], f["year"]): f for f in factors.to_pylist()}
    years = sorted({f["year"] for f in factors.to_pylist()})
    sums: dict[tuple[str, int, str, str, int], list[Any]] = defaultdict(lambda: [None, 0])
    for row in readings.to_pylist():
        meter = by_meter[row["meter_id"]]
        key = meter[LEVEL_COLUMNS[level]]
        if key is None:
            continue
        bucket, year = bucket_of(row["ts"], grain)
        year = min(max(year, years[0]), years[-1])
        cell = sums[(str(key), bucket, meter["carrier"], meter["base_unit"], year)]
        if row["qty_milli"] is not None:
            cell[0] = (cell[0] or 0) + row["qty_milli"]
        cell[1] += 1
    out = []
    for (key, bucket, carrier, unit, year), (qty, count) in sorted(sums.items()):
        f = factor.get((carrier, year), {})

        def convert(per_unit: float | None, qty: int | None = qty) -> int | None:
            if qty is None or per_unit is None:
                return None
            return math.floor(float(qty) * per_unit + 0.5)

        out.append(
            {
                "key": key,
                "bucket": bucket,
                "carrier": carrier,
                "base_unit": unit,
                "qty_milli": qty,
                "readings": count,
                "tce_milli": convert(f.get("tce_per_unit")),
                "tco2_milli": convert(f.get("tco2_per_unit")),
                "year": year,
            }
        )
    return out


def core(table: pa.Table) -> list[dict[str, Any]]:
    """The rows of a rollup without the traceability columns, for comparisons."""
    names = ["key", "bucket", "carrier", "base_unit", "qty_milli", "readings"]
    names += ["tce_milli", "tco2_milli", "year"]
    return table.select(names).to_pylist()
