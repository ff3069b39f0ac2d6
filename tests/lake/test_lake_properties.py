"""Properties of the rollups on random lakes (DuckDB): finer grains add up to coarser ones,
every level keeps the total, and the plain-Python reference agrees."""

from __future__ import annotations

import tempfile
from collections import defaultdict
from pathlib import Path

import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lake_reference import bucket_of, core, local, reference_rollup

from citycarbon.lake import layout, portable
from citycarbon.lake.factors import build_factors
from citycarbon.lake.synthetic import meters_dim

METERS = meters_dim(12, seed=3)
FACTORS = build_factors([2024, 2025])
FIRST = local(2024, 12, 20)
STEPS = 80 * 96  # about 80 days of 15-minute steps: crosses months and a year

readings_strategy = st.lists(
    st.tuples(
        st.integers(1, 12),
        st.integers(0, STEPS),
        st.one_of(st.none(), st.integers(0, 10**9)),
    ),
    min_size=1,
    max_size=120,
    unique_by=lambda r: (r[0], r[1]),
)


def to_table(rows: list[tuple[int, int, int | None]]) -> pa.Table:
    return pa.table(
        {
            "meter_id": pa.array([r[0] for r in rows], pa.int32()),
            "ts": pa.array([FIRST + 900 * r[1] for r in rows], pa.int64()),
            "qty_milli": pa.array([r[2] for r in rows], pa.int64()),
            "register_milli": pa.nulls(len(rows), pa.int64()),
            "flag": pa.array([0] * len(rows), pa.int8()),
        }
    )


def coarsen(rows: list[dict[str, object]], grain: str) -> dict[tuple[object, ...], int]:
    """Known quantities of a finer rollup summed into the buckets of ``grain``."""
    out: dict[tuple[object, ...], int] = defaultdict(int)
    for r in rows:
        if r["qty_milli"] is not None:
            bucket, _ = bucket_of(int(r["bucket"]) + 1, grain)  # type: ignore[call-overload]
            out[r["key"], bucket, r["carrier"]] += int(r["qty_milli"])  # type: ignore[call-overload]
    return dict(out)


def totals(rows: list[dict[str, object]]) -> dict[object, int]:
    out: dict[object, int] = defaultdict(int)
    for r in rows:
        out[r["carrier"]] += int(r["qty_milli"] or 0)  # type: ignore[call-overload]
    return dict(out)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=readings_strategy)
def test_grains_nest_and_levels_keep_totals(rows: list[tuple[int, int, int | None]]) -> None:
    table = to_table(rows)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        layout.write_dim(root, "meters", METERS)
        layout.write_dim(root, "factors", FACTORS)
        layout.append_readings(root, table)
        con = portable.connect_duckdb(root)
        by_grain = {g: core(portable.rollup(con, g, "meter")) for g in ("15min", "hour", "day")}
        month = core(portable.rollup(con, "month", "meter"))
        for finer, coarser in (("15min", "hour"), ("hour", "day"), ("day", "month")):
            got = by_grain.get(coarser, month)
            assert coarsen(by_grain[finer], coarser) == coarsen(got, coarser)
        assert month == reference_rollup(table, METERS, FACTORS, "month", "meter")
        total = totals(month)
        for level in ("enterprise", "district"):
            assert totals(core(portable.rollup(con, "month", level))) == total  # type: ignore[arg-type]
        in_park = {m["meter_id"] for m in METERS.to_pylist() if m["park_code"] is not None}
        park_rows = [r for r in month if int(r["key"]) in in_park]  # type: ignore[call-overload]
        assert totals(core(portable.rollup(con, "month", "park"))) == totals(park_rows)
