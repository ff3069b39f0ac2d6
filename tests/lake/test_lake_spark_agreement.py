"""DuckDB and Spark give the very same rollups, to the last integer, on a synthetic lake of a
few hundred thousand readings (several meters, carriers, days and months)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lake_reference import local

from citycarbon.lake import portable
from citycarbon.lake.synthetic import LakeSpec, write_lake

SPEC = LakeSpec(meters=80, days=40, first_day="2025-01-10", files_per_day=3)


@pytest.fixture(scope="module")
def synthetic_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("agreement") / "lake"
    assert write_lake(root, SPEC) == SPEC.rows > 300_000
    return root


def test_duckdb_and_spark_agree_exactly(synthetic_lake: Path, spark_session: Any) -> None:
    duck = portable.connect_duckdb(synthetic_lake)
    spark = portable.connect_spark(synthetic_lake, spark_session)
    cases: list[dict[str, Any]] = [
        {"grain": g, "level": lv}
        for g in ("15min", "hour", "day", "month")
        for lv in ("meter", "enterprise", "park", "district")
    ]
    cases += [
        {"grain": "hour", "level": "district", "start": local(2025, 1, 31, 12),
         "end": local(2025, 2, 2, 6)},
        {"grain": "day", "level": "enterprise", "keys": [1, 5, 9], "carriers": ["electricity"]},
    ]  # fmt: skip
    for case in cases:
        a = portable.rollup(duck, **case)
        b = portable.rollup(spark, **case)
        assert a.num_rows > 0, case
        assert a.schema.equals(b.schema, check_metadata=True)
        assert a.schema.remove_metadata() == portable.ROLLUP_SCHEMA
        for name in a.column_names:
            assert a.column(name).to_pylist() == b.column(name).to_pylist(), (case, name)
    tce = portable.rollup(duck, "month", "district").column("tce_milli").to_pylist()
    assert any(v is None for v in tce)  # steam: no packaged coefficient
    assert sum(v for v in tce if v is not None) > 0
    assert portable.last_readings(duck).equals(portable.last_readings(spark))
    series = (list(range(1, 20)), local(2025, 2, 1), local(2025, 2, 3))
    assert portable.meter_series(duck, *series).equals(portable.meter_series(spark, *series))
