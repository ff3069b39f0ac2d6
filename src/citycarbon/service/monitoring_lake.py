"""The monitoring services' one door to the lake: rollups, the last reading of each meter
and recent series through :mod:`citycarbon.lake.portable` (the portable Ibis queries, here on
the embedded DuckDB), plus the dimension tables.

A lake without readings or without its dimension tables (no meter connected yet, factors not
exported) answers with empty tables, so a page of a city that has not connected a meter yet
says so instead of failing. The query layer (Ibis, DuckDB: half a second to import) is loaded
on the first query, not when the web application starts.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from citycarbon.lake import layout

if TYPE_CHECKING:
    from citycarbon.lake.portable import Grain, LakeConnection, Level

# What the portable functions answer, for the empty answers given without loading them.
_ROLLUP_EMPTY = pa.schema(
    [("key", pa.string()), ("bucket", pa.int64()), ("carrier", pa.string()),
     ("base_unit", pa.string()), ("qty_milli", pa.int64()), ("readings", pa.int64()),
     ("tce_milli", pa.int64()), ("tco2_milli", pa.int64()), ("year", pa.int64())]
)  # fmt: skip
_SERIES_EMPTY = pa.schema(
    [("meter_id", pa.int32()), ("ts", pa.int64()), ("qty_milli", pa.int64()), ("flag", pa.int8())]
)
_LAST_EMPTY = pa.schema([("meter_id", pa.int32()), ("last_ts", pa.int64())])

# One embedded DuckDB per thread and lake: opening one costs 25–85 ms here, a short query on
# an open one 10 ms, and a live page polls every few seconds. A DuckDB connection must not be
# shared by threads (the background evaluation runs in a worker thread), hence per thread.
_local = threading.local()


def connection(root: Path) -> LakeConnection:
    from citycarbon.lake import portable

    cache: dict[Path, LakeConnection] = _local.__dict__.setdefault("connections", {})
    if root not in cache:
        cache[root] = portable.connect_duckdb(root)
    return cache[root]


def _has(root: Path, *dims: str) -> bool:
    return bool(layout.partition_days(root)) and all(
        (root / layout.DIMS / f"{name}.parquet").exists() for name in dims
    )


def dim(root: Path, name: str) -> pa.Table | None:
    """A dimension table (``meters``, ``factors``), None when it was never written."""
    if not (root / layout.DIMS / f"{name}.parquet").exists():
        return None
    return layout.read_dim(root, name)


def rollup(
    root: Path,
    grain: Grain,
    level: Level,
    *,
    start: int | None = None,
    end: int | None = None,
    keys: Sequence[int | str] | None = None,
    carriers: Sequence[str] | None = None,
) -> pa.Table:
    """:func:`citycarbon.lake.portable.rollup` on DuckDB (its ``ROLLUP_SCHEMA`` columns).

    ``start``/``end`` filter reading timestamps, which are interval ENDS: the readings of a
    period [a, b) are those with ts in (a, b], so callers pass ``start=a + 1, end=b + 1``."""
    if not _has(root, "meters", "factors"):
        return _ROLLUP_EMPTY.empty_table()
    from citycarbon.lake import portable

    con = connection(root)
    return portable.rollup(con, grain, level, start=start, end=end, keys=keys, carriers=carriers)


def factor_trace(rollup_table: pa.Table) -> list[dict[str, Any]]:
    """The factor rows (ids, set, values, source) a rollup converted with."""
    if not (rollup_table.schema.metadata or {}):
        return []
    from citycarbon.lake import portable

    return portable.factor_trace(rollup_table)


def last_readings(root: Path, keys: Sequence[int] | None = None) -> pa.Table:
    """(meter_id, last_ts) of each meter that ever reported."""
    if not _has(root):
        return _LAST_EMPTY.empty_table()
    from citycarbon.lake import portable

    return portable.last_readings(connection(root), keys=keys)


def meter_series(root: Path, meter_ids: Sequence[int], start: int, end: int) -> pa.Table:
    """(meter_id, ts, qty_milli, flag) of the meters' readings with ts in [start, end)."""
    if not _has(root):
        return _SERIES_EMPTY.empty_table()
    from citycarbon.lake import portable

    return portable.meter_series(connection(root), meter_ids, start, end)
