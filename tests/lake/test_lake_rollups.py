"""The portable rollups on a small hand-made lake, on DuckDB and on Spark (``connect``)."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pytest
from lake_reference import core, local, reference_rollup

from citycarbon.lake import layout, portable

Connect = Callable[[Path], portable.LakeConnection]

MONTH_END = local(2025, 2, 1)  # local midnight between January and February
E_TCE, E_CO2_2024, E_CO2_2025 = 0.0001229, 0.0006, 0.0005
G_TCE, G_CO2_2024, G_CO2_2025 = 0.00133, 0.0024, 0.002

METERS = pa.table(
    {
        "meter_id": pa.array([1, 2, 3], pa.int32()),
        "meter_code": ["E1", "E2", "G3"],
        "enterprise_id": pa.array([10, 10, 11], pa.int32()),
        "credit_code": ["91500000MA00000010", "91500000MA00000010", "91500000MA00000011"],
        "facility": ["boiler house", "workshop", "boiler house"],
        "carrier": ["electricity", "electricity", "natural_gas"],
        "base_unit": ["kWh", "kWh", "m3"],
        "interval_s": pa.array([900, 900, 900], pa.int32()),
        "park_code": ["P1", None, "P1"],
        "region_code": ["500101", "500101", "500102"],
        "city_code": ["500100"] * 3,
    }
)
FACTORS = pa.table(
    {
        "carrier": ["electricity", "natural_gas", "electricity", "natural_gas"],
        "base_unit": ["kWh", "m3", "kWh", "m3"],
        "year": [2024, 2024, 2025, 2025],
        "tce_per_unit": [E_TCE, G_TCE, E_TCE, G_TCE],
        "tco2_per_unit": [E_CO2_2024, G_CO2_2024, E_CO2_2025, G_CO2_2025],
        "tce_factor_id": ["e-tce", "g-tce", "e-tce", "g-tce"],
        "co2_factor_id": ["e-co2-2024", "g-co2-2024", "e-co2-2025", "g-co2-2025"],
        "factor_set": ["test@1"] * 4,
        "source": ["hand-made"] * 4,
        "note": [""] * 4,
    }
)
# (meter, ts = END of the interval, qty_milli)
READINGS = [
    (1, MONTH_END, 1_000_000),  # 23:45–24:00 of 31 January: January, not February
    (1, MONTH_END + 900, 2_000_000),  # 00:00–00:15 of 1 February
    (1, MONTH_END + 1800, None),  # unknown consumption: counted, not summed
    (2, MONTH_END, 500_000),
    (2, MONTH_END + 3600, 4_000_000),  # 00:45–01:00: the hour that starts at midnight
    (3, local(2025, 1, 1), 10_000),  # 31 December 2024: the 2024 factors
    (3, MONTH_END + 900, 3_000),
    (1, local(2025, 3, 1, 0, 15), None),  # a March bucket with no known quantity
    (2, local(2026, 6, 1, 12), 1_000),  # 2026: past the factors' years, 2025's are used
]


def readings_table() -> pa.Table:
    meter, ts, qty = zip(*READINGS, strict=True)
    n = len(READINGS)
    return pa.table(
        {
            "meter_id": pa.array(meter, pa.int32()),
            "ts": pa.array(ts, pa.int64()),
            "qty_milli": pa.array(qty, pa.int64()),
            "register_milli": pa.nulls(n, pa.int64()),
            "flag": pa.array([0] * n, pa.int8()),
        }
    )


@pytest.fixture
def lake(tmp_path: Path) -> Path:
    root = tmp_path / "lake"
    layout.write_dim(root, "meters", METERS)
    layout.write_dim(root, "factors", FACTORS)
    table = readings_table()
    layout.append_readings(root, table.slice(0, 4))  # two files on some days
    layout.append_readings(root, table.slice(4))
    return root


def conv(qty: int, per_unit: float) -> int:
    return math.floor(float(qty) * per_unit + 0.5)


def test_day_by_meter_by_hand(lake: Path, connect: Connect) -> None:
    jan31, feb1 = local(2025, 1, 31), local(2025, 2, 1)
    got = portable.rollup(connect(lake), "day", "meter", end=local(2025, 3, 1))
    assert core(got) == [
        {"key": "1", "bucket": jan31, "carrier": "electricity", "base_unit": "kWh",
         "qty_milli": 1_000_000, "readings": 1, "tce_milli": 123, "tco2_milli": 500,
         "year": 2025},
        {"key": "1", "bucket": feb1, "carrier": "electricity", "base_unit": "kWh",
         "qty_milli": 2_000_000, "readings": 2, "tce_milli": 246, "tco2_milli": 1000,
         "year": 2025},
        {"key": "2", "bucket": jan31, "carrier": "electricity", "base_unit": "kWh",
         "qty_milli": 500_000, "readings": 1, "tce_milli": conv(500_000, E_TCE),
         "tco2_milli": 250, "year": 2025},
        {"key": "2", "bucket": feb1, "carrier": "electricity", "base_unit": "kWh",
         "qty_milli": 4_000_000, "readings": 1, "tce_milli": 492, "tco2_milli": 2000,
         "year": 2025},
        {"key": "3", "bucket": local(2024, 12, 31), "carrier": "natural_gas", "base_unit": "m3",
         "qty_milli": 10_000, "readings": 1, "tce_milli": 13, "tco2_milli": 24, "year": 2024},
        {"key": "3", "bucket": feb1, "carrier": "natural_gas", "base_unit": "m3",
         "qty_milli": 3_000, "readings": 1, "tce_milli": 4, "tco2_milli": 6, "year": 2025},
    ]  # fmt: skip
    trace = portable.factor_trace(got)
    assert {(t["carrier"], t["year"], t["co2_factor_id"]) for t in trace} == {
        ("electricity", 2025, "e-co2-2025"),
        ("natural_gas", 2024, "g-co2-2024"),
        ("natural_gas", 2025, "g-co2-2025"),
    }
    assert {t["factor_set"] for t in trace} == {"test@1"}


def test_month_by_enterprise_by_hand(lake: Path, connect: Connect) -> None:
    got = core(portable.rollup(connect(lake), "month", "enterprise"))
    rows = {(r["key"], r["bucket"]): r for r in got}
    assert list(rows) == [
        ("10", local(2025, 1, 1)),
        ("10", local(2025, 2, 1)),
        ("10", local(2025, 3, 1)),
        ("10", local(2026, 6, 1)),
        ("11", local(2024, 12, 1)),
        ("11", local(2025, 2, 1)),
    ]
    assert rows["10", local(2025, 1, 1)]["qty_milli"] == 1_500_000
    february = rows["10", local(2025, 2, 1)]
    assert (february["qty_milli"], february["readings"]) == (6_000_000, 3)
    assert february["tce_milli"] == conv(6_000_000, E_TCE) == 737
    march = rows["10", local(2025, 3, 1)]
    assert (march["qty_milli"], march["readings"], march["tce_milli"]) == (None, 1, None)
    assert rows["10", local(2026, 6, 1)]["year"] == 2025
    assert rows["11", local(2024, 12, 1)]["tco2_milli"] == conv(10_000, G_CO2_2024)


def test_sub_day_buckets_take_the_interval_end(lake: Path, connect: Connect) -> None:
    con = connect(lake)
    quarter = portable.rollup(con, "15min", "meter", keys=[1], end=MONTH_END + 1801)
    assert quarter.column("bucket").to_pylist() == [
        MONTH_END - 900,
        MONTH_END,
        MONTH_END + 900,
    ]
    hour = portable.rollup(con, "hour", "meter", keys=["2"], start=MONTH_END)
    assert core(hour)[0]["bucket"] == MONTH_END - 3600  # ts = midnight closes 23:00–24:00
    assert [r["bucket"] for r in core(hour)[:2]] == [MONTH_END - 3600, MONTH_END]


def test_levels_park_and_district(lake: Path, connect: Connect) -> None:
    con = connect(lake)
    park = core(portable.rollup(con, "month", "park", end=local(2025, 3, 1)))
    assert {r["key"] for r in park} == {"P1"}  # meter 2 is in no park
    feb = [r for r in park if r["bucket"] == local(2025, 2, 1)]
    assert [(r["carrier"], r["qty_milli"]) for r in feb] == [
        ("electricity", 2_000_000),
        ("natural_gas", 3_000),
    ]
    district = core(portable.rollup(con, "day", "district", carriers=["natural_gas"]))
    assert {r["key"] for r in district} == {"500102"}
    only = portable.rollup(con, "day", "district", keys=["500101"], end=local(2025, 3, 1))
    assert set(only.column("key").to_pylist()) == {"500101"}
    assert sum(only.column("qty_milli").to_pylist()) == 7_500_000


def test_matches_the_reference_on_every_grain_and_level(lake: Path, connect: Connect) -> None:
    con = connect(lake)
    for grain in ("15min", "hour", "day", "month"):
        for level in ("meter", "enterprise", "park", "district"):
            got = portable.rollup(con, grain, level)  # type: ignore[arg-type]
            want = reference_rollup(readings_table(), METERS, FACTORS, grain, level)
            assert core(got) == want, (grain, level)
            assert got.schema.remove_metadata() == portable.ROLLUP_SCHEMA


def test_live_views(lake: Path, connect: Connect) -> None:
    con = connect(lake)
    assert portable.last_readings(con).to_pylist() == [
        {"meter_id": 1, "last_ts": local(2025, 3, 1, 0, 15)},
        {"meter_id": 2, "last_ts": local(2026, 6, 1, 12)},
        {"meter_id": 3, "last_ts": MONTH_END + 900},
    ]
    assert portable.last_readings(con, keys=[3]).num_rows == 1
    series = portable.meter_series(con, [1, 3], MONTH_END, MONTH_END + 1800)
    assert series.to_pylist() == [
        {"meter_id": 1, "ts": MONTH_END, "qty_milli": 1_000_000, "flag": 0},
        {"meter_id": 1, "ts": MONTH_END + 900, "qty_milli": 2_000_000, "flag": 0},
        {"meter_id": 3, "ts": MONTH_END + 900, "qty_milli": 3_000, "flag": 0},
    ]
    assert series.schema == portable.SERIES_SCHEMA


def test_start_and_end_prune_partitions(lake: Path, connect: Connect) -> None:
    # An unreadable file in a day outside [start, end): only a query that lists it fails.
    broken = layout.partition_dir(lake, "2026-06-01") / "garbage-file.parquet"
    broken.write_bytes(b"not parquet at all")
    con = connect(lake)
    assert portable.days_touched(lake, MONTH_END, MONTH_END + 1) == ["2025-02-01"]
    # end is exclusive: the reading at midnight (partition of 1 February) is left out
    assert portable.days_touched(lake, local(2025, 1, 1), MONTH_END) == ["2025-01-01"]
    pruned = portable.rollup(con, "month", "district", end=local(2025, 3, 2))
    assert pruned.num_rows > 0
    with pytest.raises(Exception, match="garbage-file"):  # engines raise their own types
        portable.rollup(con, "month", "district")
