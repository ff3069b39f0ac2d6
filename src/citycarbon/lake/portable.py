"""Rollups of the lake's readings written once in Ibis and run on DuckDB (embedded, the web and
the CLI) or on Spark (a province's cluster): same expressions, same integers.

:func:`rollup` sums ``qty_milli`` per level key (meter, enterprise, park, district) × time
bucket (15 min, hour, local day, local month) × carrier and converts each sum to standard coal
and CO2 with the factors dim (``dims/factors.parquet``, built from the engine's reference data
by :mod:`citycarbon.lake.factors`).

Why the results are identical on both engines:

* quantities are whole thousandths of the base unit (int64) and sums of integers do not depend
  on the order they are added in;
* the conversion of a sum is ``floor(double(sum) × factor + 0.5)``: one IEEE multiplication
  and one addition, which Java and C++ round the same, then ``floor`` (exact). ``CAST(double AS
  BIGINT)`` would not do: DuckDB rounds it, Spark truncates;
* buckets are integer arithmetic on epoch seconds, never the engine's time zone. A reading's
  ``ts`` is the END of its interval, so it belongs to the bucket containing ``ts - 1``. Local
  days start at 16:00 UTC (UTC+8, no daylight saving); local month starts and year starts of
  the queried span are computed here (numpy calendar) and compared as integer constants, so
  neither engine's calendar functions nor its session time zone take part.

Factor ids, the factor set and the per-unit values a rollup used travel once per (carrier,
year) in the Arrow schema metadata (:func:`factor_trace`), not on every row.

Partition pruning: only the ``day=`` folders that [start, end) touches are listed and read.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from ibis import _

from citycarbon.errors import CitycarbonError, Message
from citycarbon.lake import layout

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

Grain = Literal["15min", "hour", "day", "month"]
Level = Literal["meter", "enterprise", "park", "district"]
GRAIN_SECONDS: dict[str, int] = {"15min": 900, "hour": 3600, "day": 86400}
LEVEL_COLUMNS: dict[str, str] = {
    "meter": "meter_id",
    "enterprise": "enterprise_id",
    "park": "park_code",
    "district": "region_code",
}
DAY_S = 86400
LOCAL = layout.CST_OFFSET_S
READ_ATTEMPTS = 3  # a compaction may remove a listed file while a query runs: list again

ROLLUP_SCHEMA = pa.schema(
    [
        ("key", pa.string()),
        ("bucket", pa.int64()),
        ("carrier", pa.string()),
        ("base_unit", pa.string()),
        ("qty_milli", pa.int64()),
        ("readings", pa.int64()),
        ("tce_milli", pa.int64()),
        ("tco2_milli", pa.int64()),
        ("year", pa.int64()),
    ]
)
# Schema metadata of a rollup: the factors dim rows it used (factor set, factor ids, values),
# once per (carrier, year) rather than repeated on millions of rows.
TRACE_KEY = b"citycarbon.factors"
SERIES_SCHEMA = pa.schema(
    [("meter_id", pa.int32()), ("ts", pa.int64()), ("qty_milli", pa.int64()), ("flag", pa.int8())]
)
LAST_SCHEMA = pa.schema([("meter_id", pa.int32()), ("last_ts", pa.int64())])


class LakeError(CitycarbonError):
    """The lake cannot answer: a dimension table is missing or an argument is invalid."""


# The columns the rollups read, with the types the expressions are built for (the files may
# hold more columns; views cast to these).
READINGS_COLUMNS = {"meter_id": "int32", "ts": "int64", "qty_milli": "int64", "flag": "int8"}
METERS_COLUMNS = {
    "meter_id": "int32",
    "enterprise_id": "int32",
    "carrier": "string",
    "base_unit": "string",
    "park_code": "string",
    "region_code": "string",
}
FACTORS_COLUMNS = {
    "carrier": "string",
    "year": "int64",
    "tce_per_unit": "float64",
    "tco2_per_unit": "float64",
}
SQL_TYPES = {
    "int8": "TINYINT",
    "int32": "INT",
    "int64": "BIGINT",
    "string": "STRING",
    "float64": "DOUBLE",
}


@dataclass
class LakeConnection:
    """One engine behind the lake: the Ibis expressions are compiled to its SQL dialect and
    run on Parquet files it reads itself (the driver only lists files)."""

    root: Path
    engine: Literal["duckdb", "spark"]
    dialect: str
    # (view name, files, {column: ibis type}) → the files as a view of those columns (the
    # types are the files' own: layout.READINGS_SCHEMA and the dims' schemas)
    register: Callable[[str, list[str], dict[str, str]], None]
    drop: Callable[[str], object]
    execute: Callable[[str], pa.Table]

    def run(self, views: dict[str, tuple[list[Path], dict[str, str]]], sql: str) -> pa.Table:
        """Register ``views``, run ``sql`` (which reads them), drop them."""
        try:
            for name, (files, columns) in views.items():
                self.register(name, [str(f) for f in files], columns)
            return self.execute(sql)
        finally:
            for name in views:
                self.drop(name)


def connect_duckdb(root: Path, *, threads: int | None = None) -> LakeConnection:
    """An embedded, in-memory DuckDB reading the lake at ``root``."""
    import duckdb

    db = duckdb.connect(config={"threads": threads} if threads else {})

    def register(name: str, files: list[str], columns: dict[str, str]) -> None:
        quoted = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
        db.execute(
            f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT {', '.join(columns)} "  # noqa: S608 - names are ours, paths quoted
            f"FROM read_parquet([{quoted}])"
        )

    def execute(sql: str) -> pa.Table:
        result: pa.Table = db.sql(sql).to_arrow_table()
        return result

    return LakeConnection(
        Path(root),
        "duckdb",
        "duckdb",
        register,
        lambda name: db.execute(f"DROP VIEW IF EXISTS {name}"),
        execute,
    )


def local_spark_session(master: str = "local[2]") -> SparkSession:
    """A Spark session fit for the lake: UTC session time zone, no UI, few shuffle partitions
    (a cluster's ``spark-submit`` passes its own master and settings)."""
    from pyspark.sql import SparkSession

    return (
        SparkSession.builder.master(master)
        .appName("citycarbon-lake")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )


def connect_spark(root: Path, spark: SparkSession | None = None) -> LakeConnection:
    """The same rollups on Spark (``spark`` defaults to a local session). pyspark is imported
    here only: the web and the CLI never load it."""
    from ibis.backends.pyspark import Backend

    Backend.register_options()  # ibis.options.pyspark, read by Ibis's Spark SQL compiler

    session = spark or local_spark_session()
    session.conf.set("spark.sql.session.timeZone", "UTC")

    def register(name: str, files: list[str], columns: dict[str, str]) -> None:
        # The schema given up front spares Spark a job that infers it from the footers; the
        # columns' types are the files' own (layout.READINGS_SCHEMA, the dims' schemas).
        ddl = ", ".join(f"{c} {SQL_TYPES[t]}" for c, t in columns.items())
        frame = session.read.schema(ddl).parquet(*files)
        frame.createOrReplaceTempView(name)

    def execute(sql: str) -> pa.Table:
        result: pa.Table = session.sql(sql).toArrow()
        return result

    return LakeConnection(
        Path(root),
        "spark",
        "pyspark",
        register,
        session.catalog.dropTempView,
        execute,
    )


# ── reading ──────────────────────────────────────────────────────────────────────────────


def days_touched(root: Path, start: int | None, end: int | None) -> list[str]:
    """The partition days that can hold readings with ts in [start, end)."""
    days = layout.partition_days(root)
    if start is not None:
        first = str(layout.local_days(np.array([start]))[0])
        days = [d for d in days if d >= first]
    if end is not None:
        last = str(layout.local_days(np.array([end - 1]))[0])
        days = [d for d in days if d <= last]
    return days


def _dim_path(root: Path, name: str) -> Path:
    path = root / layout.DIMS / f"{name}.parquet"
    if not path.exists():
        raise LakeError(
            Message(
                zh=f"湖中缺少维表文件 {path}：请先导出（meters：登记表导出；factors："
                f"citycarbon lake factors）",
                en=f"the lake has no dimension file {path}: export it first (meters: from the "
                f"registry; factors: citycarbon lake factors)",
            ),
            field=name,
        )
    return path


ENGINES = ("duckdb", "spark")


def check_engine(engine: str) -> None:
    """Refuse an engine name the lake does not know (CLI ``--engine``)."""
    _check_choice(engine, ENGINES, "engine")


def _check_choice(value: str, allowed: tuple[str, ...], field: str) -> None:
    if value not in allowed:
        raise LakeError(
            Message(
                zh=f"{field} 取值无效：{value}（可选：{', '.join(allowed)}）",
                en=f"invalid {field}: {value} (one of: {', '.join(allowed)})",
            ),
            field=field,
        )


TAG = "t" * 12  # view names are compiled with this tag, then given a fresh one per query
_SQL_CACHE: dict[tuple[object, ...], str] = {}  # compiling is ~0.1 s; queries repeat


def _compiled(
    dialect: str, key: tuple[object, ...], query: Callable[[dict[str, ir.Table]], ir.Table]
) -> str:
    cache_key = (dialect, *key)
    sql = _SQL_CACHE.get(cache_key)
    if sql is None:
        columns = {"meters": METERS_COLUMNS, "factors": FACTORS_COLUMNS}
        tables = {
            name: ibis.table(columns.get(name, READINGS_COLUMNS), name=f"lake_{name}_{TAG}")
            for name in ("readings", "meters", "factors")
        }
        sql = ibis.to_sql(query(tables), dialect=dialect, pretty=False)
        if len(_SQL_CACHE) > 512:
            _SQL_CACHE.clear()
        _SQL_CACHE[cache_key] = sql
    return sql


def _run(
    con: LakeConnection,
    days: list[str],
    key: tuple[object, ...],
    query: Callable[[dict[str, ir.Table]], ir.Table],
    dims: Sequence[str] = (),
) -> pa.Table | None:
    """Run ``query`` (given unbound tables ``readings``, ``meters``, ``factors``; ``key``
    names it with all its arguments) over the reading files of ``days`` and the ``dims``; None
    when there are no files. A file removed by a concurrent compaction between listing and
    reading makes it list again."""
    tag = uuid.uuid4().hex[:12]
    sql = _compiled(con.dialect, key, query).replace(TAG, tag)
    columns = {"meters": METERS_COLUMNS, "factors": FACTORS_COLUMNS}
    dim_views = {f"lake_{d}_{tag}": ([_dim_path(con.root, d)], columns[d]) for d in dims}
    for attempt in range(READ_ATTEMPTS):
        files = layout.reading_files(con.root, days)
        if not files:
            return None
        try:
            return con.run({f"lake_readings_{tag}": (files, READINGS_COLUMNS), **dim_views}, sql)
        except Exception:
            if attempt + 1 < READ_ATTEMPTS and not all(f.exists() for f in files):
                continue
            raise
    return None  # pragma: no cover - the loop returns or raises


# ── rollups ──────────────────────────────────────────────────────────────────────────────


def _local_calendar(days: list[str]) -> tuple[list[int], list[int]]:
    """Epoch seconds of the local month starts and local year starts from the month before
    the first day (a midnight reading counts in the day before its partition) to the last."""
    first = np.datetime64(days[0], "D") - 1
    last = np.datetime64(days[-1], "D")
    months = np.arange(first.astype("datetime64[M]"), last.astype("datetime64[M]") + 1)
    years = np.arange(first.astype("datetime64[Y]"), last.astype("datetime64[Y]") + 1)
    return _epoch_starts(months), _epoch_starts(years)


def _epoch_starts(periods: np.ndarray) -> list[int]:
    starts: list[int] = (periods.astype("datetime64[D]").astype(np.int64) * DAY_S - LOCAL).tolist()
    return starts


def _step(value: ir.IntegerValue, steps: list[tuple[int, int]]) -> ir.IntegerValue:
    """The result of the last (threshold, result) step with threshold <= value (steps sorted;
    values below the first get the first result). A few comparisons on constants: cheaper
    than calendar functions and the same on every engine and time zone."""
    later = [(value >= threshold, result) for threshold, result in reversed(steps[1:])]
    first = ibis.literal(steps[0][1], type="int64")
    return ibis.cases(*later, else_=first) if later else first


def rollup(
    con: LakeConnection,
    grain: Grain,
    level: Level,
    *,
    start: int | None = None,
    end: int | None = None,
    keys: Sequence[int | str] | None = None,
    carriers: Sequence[str] | None = None,
) -> pa.Table:
    """Readings summed per level key × bucket × carrier with tce and CO2 (module doc).
    Columns of :data:`ROLLUP_SCHEMA`, sorted by (key, bucket, carrier)."""
    _check_choice(grain, get_args(Grain), "grain")
    _check_choice(level, get_args(Level), "level")
    _dim_path(con.root, "meters")
    factors_path = _dim_path(con.root, "factors")
    factor_dim = pq.read_table(factors_path)
    factor_years = factor_dim.column("year").to_numpy()
    if keys is not None and not keys:
        return ROLLUP_SCHEMA.empty_table()

    def query(tables: dict[str, ir.Table]) -> ir.Table:
        return _rollup_expr(
            tables["readings"],
            tables["meters"],
            tables["factors"],
            grain,
            level,
            start=start,
            end=end,
            keys=keys,
            carriers=carriers,
            years=years,
            calendar=calendar,
        )

    days = days_touched(con.root, start, end)
    if not days:
        return ROLLUP_SCHEMA.empty_table()
    calendar = _local_calendar(days)
    years = (int(factor_years.min()), int(factor_years.max()))
    key_list = None if keys is None else tuple(str(k) for k in keys)
    carrier_list = None if carriers is None else tuple(carriers)
    call = ("rollup", grain, level, start, end, key_list, carrier_list, years, days[0], days[-1])
    result = _run(con, days, call, query, ("meters", "factors"))
    if result is None:
        return ROLLUP_SCHEMA.empty_table()
    result = result.select(ROLLUP_SCHEMA.names).cast(ROLLUP_SCHEMA)
    return result.replace_schema_metadata({TRACE_KEY: _trace(result, factor_dim)})


def _trace(result: pa.Table, factor_dim: pa.Table) -> bytes:
    used = {
        (row["carrier"], row["year"])
        for row in result.group_by(["carrier", "year"]).aggregate([]).to_pylist()
    }
    rows = [r for r in factor_dim.to_pylist() if (r["carrier"], r["year"]) in used]
    return json.dumps(rows, ensure_ascii=False, sort_keys=True).encode()


def factor_trace(result: pa.Table) -> list[dict[str, Any]]:
    """The factors dim rows (factor set, factor ids, per-unit values, source) a rollup used."""
    raw = (result.schema.metadata or {}).get(TRACE_KEY)
    rows: list[dict[str, Any]] = json.loads(raw) if raw else []
    return rows


def _rollup_expr(
    readings: ir.Table,
    meters: ir.Table,
    factors: ir.Table,
    grain: str,
    level: str,
    *,
    start: int | None,
    end: int | None,
    keys: Sequence[int | str] | None,
    carriers: Sequence[str] | None,
    years: tuple[int, int],
    calendar: tuple[list[int], list[int]],
) -> ir.Table:
    r = readings
    if start is not None:
        r = r.filter(r.ts >= start)
    if end is not None:
        r = r.filter(r.ts < end)
    if level == "meter" and keys is not None:
        r = r.filter(r.meter_id.isin([int(k) for k in keys]))
    # A reading closes its interval: it counts in the bucket that holds ts - 1.
    t = r.ts - 1
    # Whole hours agree in UTC and UTC+8; days are local (months are summed from days below).
    sub_day = grain in {"15min", "hour"}
    bucket = t - t % GRAIN_SECONDS[grain] if sub_day else t - (t + LOCAL) % DAY_S
    per_meter = (
        r.mutate(bucket=bucket)
        .group_by(["meter_id", "bucket"])
        .aggregate(qty_milli=_.qty_milli.sum(), readings=_.count())
    )
    level_column = LEVEL_COLUMNS[level]
    m = meters
    if level == "park":
        m = m.filter(m.park_code.notnull())
    m = m.select("meter_id", "carrier", "base_unit", key=m[level_column].cast("string"))
    if carriers is not None:
        m = m.filter(m.carrier.isin(list(carriers)))
    if keys is not None and level != "meter":
        m = m.filter(m.key.isin([str(k) for k in keys]))
    joined = per_meter.join(m, "meter_id")
    grouped = joined.group_by(["key", "bucket", "carrier", "base_unit"]).aggregate(
        qty_milli=_.qty_milli.sum(), readings=_.readings.sum()
    )
    month_starts, year_starts = calendar
    if grain == "month":
        grouped = (
            grouped.mutate(bucket=_step(grouped.bucket, [(ms, ms) for ms in month_starts]))
            .group_by(["key", "bucket", "carrier", "base_unit"])
            .aggregate(qty_milli=_.qty_milli.sum(), readings=_.readings.sum())
        )
    # The factor year: the bucket's local year, clamped to the years the factors dim holds
    # (a contiguous range): the nearest year's factors.
    first_year = int(str(np.datetime64(year_starts[0] + LOCAL, "s").astype("datetime64[Y]")))
    factor_years = [
        (start, min(max(first_year + i, years[0]), years[1])) for i, start in enumerate(year_starts)
    ]
    grouped = grouped.mutate(factor_year=_step(grouped.bucket, factor_years))
    f = factors.select(
        f_carrier="carrier",
        f_year="year",
        tce_per_unit="tce_per_unit",
        tco2_per_unit="tco2_per_unit",
    )
    out = grouped.left_join(f, [grouped.carrier == f.f_carrier, grouped.factor_year == f.f_year])
    qty = out.qty_milli.cast("float64")
    return out.select(
        "key",
        "bucket",
        "carrier",
        "base_unit",
        "qty_milli",
        "readings",
        tce_milli=(qty * out.tce_per_unit + 0.5).floor().cast("int64"),
        tco2_milli=(qty * out.tco2_per_unit + 0.5).floor().cast("int64"),
        year=out.factor_year.cast("int64"),
    ).order_by(["key", "bucket", "carrier"])


# ── live views ───────────────────────────────────────────────────────────────────────────


def last_readings(con: LakeConnection, keys: Sequence[int] | None = None) -> pa.Table:
    """(meter_id, last_ts): the newest stored reading of each meter (of ``keys`` if given)."""
    if keys is not None and not keys:
        return LAST_SCHEMA.empty_table()

    def query(tables: dict[str, ir.Table]) -> ir.Table:
        r = tables["readings"]
        if keys is not None:
            r = r.filter(r.meter_id.isin([int(k) for k in keys]))
        return r.group_by("meter_id").aggregate(last_ts=_.ts.max()).order_by("meter_id")

    call = ("last", None if keys is None else tuple(int(k) for k in keys))
    result = _run(con, layout.partition_days(con.root), call, query)
    if result is None:
        return LAST_SCHEMA.empty_table()
    return result.select(LAST_SCHEMA.names).cast(LAST_SCHEMA)


def meter_series(con: LakeConnection, meter_ids: Sequence[int], start: int, end: int) -> pa.Table:
    """(meter_id, ts, qty_milli, flag) of the meters' readings with ts in [start, end),
    sorted by (meter_id, ts)."""
    if not meter_ids:
        return SERIES_SCHEMA.empty_table()
    ids = [int(m) for m in meter_ids]

    def query(tables: dict[str, ir.Table]) -> ir.Table:
        r = tables["readings"]
        r = r.filter(r.meter_id.isin(ids), r.ts >= start, r.ts < end)
        return r.select("meter_id", "ts", "qty_milli", "flag").order_by(["meter_id", "ts"])

    result = _run(
        con, days_touched(con.root, start, end), ("series", tuple(ids), start, end), query
    )
    if result is None:
        return SERIES_SCHEMA.empty_table()
    return result.select(SERIES_SCHEMA.names).cast(SERIES_SCHEMA)
