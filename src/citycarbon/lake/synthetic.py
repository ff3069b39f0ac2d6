"""A synthetic lake for tests and benchmarks: a meter registry spread over enterprises, parks
and districts, 15-minute load curves of a few carriers over days that cross months, written
as several files per day the way the ingest appends them.

Nothing here is real data; the demo city seeds its own meters (``citycarbon.demo``).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from citycarbon.lake import layout
from citycarbon.lake.factors import export_factors
from citycarbon.monitoring.meters import BASE_UNITS, Carrier

METERS_SCHEMA = pa.schema(
    [
        ("meter_id", pa.int32()),
        ("meter_code", pa.string()),
        ("enterprise_id", pa.int32()),
        ("credit_code", pa.string()),
        ("facility", pa.string()),
        ("carrier", pa.string()),
        ("base_unit", pa.string()),
        ("interval_s", pa.int32()),
        ("park_code", pa.string()),
        ("region_code", pa.string()),
        ("city_code", pa.string()),
    ]
)
# Share of meters per carrier: mostly electricity, as in a city's key energy users.
CARRIER_MIX: tuple[tuple[Carrier, float], ...] = (
    (Carrier.ELECTRICITY, 0.7),
    (Carrier.NATURAL_GAS, 0.15),
    (Carrier.STEAM, 0.1),
    (Carrier.HEAT, 0.05),
)
DISTRICTS = ("500101", "500102", "500103", "500104")


@dataclass(frozen=True)
class LakeSpec:
    meters: int = 200
    days: int = 45
    first_day: str = "2025-01-20"  # crosses a month end and the local-day boundary
    interval_s: int = 900
    files_per_day: int = 3
    null_share: float = 0.01  # readings of unknown consumption (qty_milli null)
    seed: int = 7

    @property
    def rows(self) -> int:
        return self.meters * self.days * (86400 // self.interval_s)


def meters_dim(count: int, seed: int = 7) -> pa.Table:
    """``count`` meters on count // 3 enterprises, one park per two districts, a quarter of
    the enterprises outside any park."""
    rng = np.random.default_rng(seed)
    ids = np.arange(1, count + 1, dtype=np.int32)
    enterprise = (ids - 1) // 3 + 1
    shares = np.array([s for _, s in CARRIER_MIX])
    carriers = rng.choice(len(CARRIER_MIX), size=count, p=shares / shares.sum())
    carrier_names = [CARRIER_MIX[c][0] for c in carriers]
    district = [DISTRICTS[e % len(DISTRICTS)] for e in enterprise]
    park = [None if e % 4 == 0 else f"P{e % len(DISTRICTS) // 2 + 1}" for e in enterprise]
    return pa.table(
        {
            "meter_id": ids,
            "meter_code": [f"M{i:06d}" for i in ids],
            "enterprise_id": enterprise.astype(np.int32),
            "credit_code": [f"91500000MA{e:08d}" for e in enterprise],
            "facility": [f"F{i % 5}" for i in ids],
            "carrier": [c.value for c in carrier_names],
            "base_unit": [BASE_UNITS[c] for c in carrier_names],
            "interval_s": np.full(count, 900, dtype=np.int32),
            "park_code": park,
            "region_code": district,
            "city_code": ["500100"] * count,
        },
        schema=METERS_SCHEMA,
    )


def day_readings(spec: LakeSpec, day: np.datetime64, rng: np.random.Generator) -> pa.Table:
    """All meters' readings of one local day (ts = end of each interval in that day)."""
    start, _ = layout.day_bounds(str(day))
    per_day = 86400 // spec.interval_s
    # Stored by the day of ts (the partition); the rollups count the midnight reading in the
    # day before (interval-end convention), which the tests rely on crossing partitions.
    ts = start + spec.interval_s * np.arange(per_day, dtype=np.int64)
    hour = ((ts + layout.CST_OFFSET_S) % 86400) / 3600.0
    shape = 1.0 + 0.6 * np.sin((hour - 8.0) / 24.0 * 2 * np.pi)
    base = rng.integers(50, 5000, size=spec.meters)
    qty = (base[:, None] * shape[None, :] * rng.uniform(0.8, 1.2, (spec.meters, per_day))).astype(
        np.int64
    )
    flat_qty = qty.ravel()
    unknown = rng.random(flat_qty.size) < spec.null_share
    return pa.table(
        {
            "meter_id": np.repeat(np.arange(1, spec.meters + 1, dtype=np.int32), per_day),
            "ts": np.tile(ts, spec.meters),
            "qty_milli": pa.array(flat_qty, mask=unknown),
            "register_milli": pa.nulls(flat_qty.size, pa.int64()),
            "flag": np.zeros(flat_qty.size, dtype=np.int8),
        },
        schema=layout.READINGS_SCHEMA,
    )


def write_lake(root: Path, spec: LakeSpec) -> int:
    """Write the dims and ``spec.rows`` readings under ``root``; returns the row count."""
    rng = np.random.default_rng(spec.seed)
    layout.write_dim(root, "meters", meters_dim(spec.meters, spec.seed))
    first = np.datetime64(spec.first_day, "D")
    days = first + np.arange(spec.days)
    export_factors(root, years={int(str(d)[:4]) for d in days})
    total = 0
    for day in days:
        table = day_readings(spec, day, rng)
        total += table.num_rows
        # Several files per day, split by meter, as batches from different gateways land.
        bounds = np.linspace(0, table.num_rows, spec.files_per_day + 1).astype(int)
        for lo, hi in itertools.pairwise(bounds):
            layout.append_readings(root, table.slice(lo, hi - lo))
    return total
