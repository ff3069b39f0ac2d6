"""``citycarbon lake``: the Parquet lake of meter readings — status, compaction, the factors dim
and rollups on DuckDB (default) or Spark (``--engine spark --spark-master URL``)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from citycarbon.commands.common import console, fail, state, tr
from citycarbon.errors import CitycarbonError

lake_app = typer.Typer(help="读数数据湖 / the lake of meter readings", no_args_is_help=True)

GRAINS = ("15min", "hour", "day", "month")
LEVELS = ("meter", "enterprise", "park", "district")


def lake_dir() -> Path:
    """``CITYCARBON_LAKE`` if set, else ``<data dir>/lake``."""
    from citycarbon.lake.layout import lake_root

    return lake_root(state.data_dir)


@lake_app.command("status")
def status_command() -> None:
    """数据湖概况 / where the lake is, its days, files, rows and dimension tables."""
    from citycarbon.lake import layout

    root = lake_dir()
    days = layout.partition_days(root)
    files = layout.reading_files(root, days)
    console.print(f"{tr('数据湖', 'lake')}: {root}", markup=False)
    console.print(
        f"{tr('天数', 'days')}: {len(days)}"
        + (f" ({days[0]} … {days[-1]})" if days else "")
        + f"  {tr('文件', 'files')}: {len(files)}  {tr('读数', 'readings')}: "
        f"{layout.count_rows(root, days)}",
        markup=False,
    )
    pending = [d for d in days if layout.read_journal(layout.partition_dir(root, d)) is not None]
    if pending:
        console.print(
            f"{tr('未完成的合并', 'interrupted compactions')}: {', '.join(pending)}", markup=False
        )
    for name in ("meters", "factors"):
        path = root / layout.DIMS / f"{name}.parquet"
        state_text = tr("有", "present") if path.exists() else tr("缺失", "missing")
        console.print(f"dims/{name}.parquet: {state_text}", markup=False)


@lake_app.command("compact")
def compact_command(
    day: Annotated[
        list[str] | None, typer.Option(help="本地日 YYYY-MM-DD（可多次）/ local day(s)")
    ] = None,
    include_today: Annotated[
        bool, typer.Option(help="也合并最新一天 / also the newest day (safe while ingesting)")
    ] = False,
) -> None:
    """合并每天的小文件（先恢复中断的合并）/ merge each day's small files (after recovery)."""
    from citycarbon.lake import compaction

    root = lake_dir()
    recovered = compaction.recover(root)
    for done_day, action in recovered.items():
        console.print(f"{tr('已恢复', 'recovered')} {done_day}: {action}", markup=False)
    results = compaction.compact(root, day, keep_latest=not include_today)
    merged = [r for r in results if r.output is not None]
    for r in merged:
        console.print(
            f"{r.day}: {r.inputs} {tr('个文件合并为', 'files merged into')} {r.output} "
            f"({r.rows} {tr('条读数', 'readings')})",
            markup=False,
        )
    console.print(f"{tr('合并天数', 'days compacted')}: {len(merged)}", markup=False)


@lake_app.command("factors")
def factors_command(
    first_year: Annotated[int, typer.Option(help="起始年 / first year")],
    last_year: Annotated[int, typer.Option(help="末年 / last year")],
    factor_set: Annotated[
        str | None, typer.Option(help="因子集 name@version（默认：引擎默认）/ factor set")
    ] = None,
) -> None:
    """由引擎参考数据写出折标与排放因子维表 / write dims/factors.parquet from the refdata."""
    from citycarbon.lake.factors import export_factors

    try:
        path = export_factors(lake_dir(), range(first_year, last_year + 1), factor_set)
    except CitycarbonError as exc:
        fail(exc)
    console.print(f"{tr('已写出', 'written')}: {path}", markup=False)


@lake_app.command("rollup")
def rollup_command(
    grain: Annotated[str, typer.Option(help="15min | hour | day | month")] = "day",
    level: Annotated[str, typer.Option(help="meter | enterprise | park | district")] = "district",
    start: Annotated[int | None, typer.Option(help="起（含），epoch 秒 / from ts")] = None,
    end: Annotated[int | None, typer.Option(help="止（不含），epoch 秒 / until ts")] = None,
    key: Annotated[list[str] | None, typer.Option(help="只看这些键 / only these keys")] = None,
    carrier: Annotated[list[str] | None, typer.Option(help="能源品种 / carriers")] = None,
    engine: Annotated[str, typer.Option(help="duckdb | spark")] = "duckdb",
    spark_master: Annotated[
        str, typer.Option(envvar="CITYCARBON_SPARK_MASTER", help="Spark master URL")
    ] = "local[2]",
    csv: Annotated[bool, typer.Option(help="输出 CSV / write CSV to stdout")] = False,
) -> None:
    """汇总读数（折标煤与 CO2）/ roll readings up, with tce and CO2."""
    from citycarbon.lake import portable

    root = lake_dir()
    try:
        portable.check_engine(engine)
        if engine == "spark":
            con = portable.connect_spark(root, portable.local_spark_session(spark_master))
        else:
            con = portable.connect_duckdb(root)
        result = portable.rollup(
            con,
            grain,  # type: ignore[arg-type]
            level,  # type: ignore[arg-type]
            start=start,
            end=end,
            keys=key,
            carriers=carrier,
        )
    except CitycarbonError as exc:
        fail(exc)
    if csv:
        import pyarrow.csv as pa_csv

        pa_csv.write_csv(result, sys.stdout.buffer)
        return
    grid = Table(title=f"{tr('汇总', 'rollup')} {grain} × {level} ({result.num_rows})")
    names = ["key", "bucket", "carrier", "qty_milli", "readings", "tce_milli", "tco2_milli"]
    for name in names:
        grid.add_column(name)
    for row in result.select(names).to_pylist():
        grid.add_row(*("" if row[n] is None else str(row[n]) for n in names))
    console.print(grid)
