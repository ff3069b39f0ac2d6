"""``citycarbon meters``: the meter registry (list, add, import) and CSV backfill of readings."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from citycarbon.commands.common import actor, console, fail, sessions, state, tr
from citycarbon.errors import CitycarbonError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

meters_app = typer.Typer(
    help="计量表登记与读数补录 / meter registry and backfill", no_args_is_help=True
)


def lake_dir(data_dir: Path | None = None) -> Path:
    """The lake of the configured data directory (``CITYCARBON_LAKE`` overrides)."""
    from citycarbon.lake.layout import lake_root

    return lake_root(data_dir or state.data_dir)


@contextmanager
def _store() -> Iterator[sessionmaker[Session]]:
    """The configured database for one command; its connections closed afterwards."""
    factory = sessions()
    try:
        yield factory
    finally:
        factory.kw["bind"].dispose()


def _export_dim(factory: sessionmaker[Session]) -> None:
    from citycarbon.lake.dims import export_meters

    with factory() as session:
        path = export_meters(session, lake_dir())
    console.print(f"{tr('已更新维表', 'dimension written')}: {path}", markup=False)


@meters_app.command("list")
def list_command() -> None:
    """列出计量表 / list the registered meters."""
    from citycarbon.ingest.meter_registry import list_meters

    with _store() as factory, factory() as session:
        rows = list_meters(session)
    grid = Table(title=tr("计量表", "meters") + f" ({len(rows)})")
    for head in (
        ("编号", "code"),
        ("企业", "credit code"),
        ("设施", "facility"),
        ("能源品种", "carrier"),
        ("单位", "unit"),
        ("倍率", "multiplier"),
        ("间隔 s", "interval s"),
        ("方式", "kind"),
        ("状态", "state"),
    ):
        grid.add_column(tr(*head))
    for record, credit_code in rows:
        grid.add_row(
            record.code,
            credit_code,
            record.facility,
            record.carrier,
            record.unit,
            f"{record.multiplier:g}",
            str(record.interval_s),
            record.kind,
            tr("在用", "active") if record.active else tr("停用", "inactive"),
        )
    console.print(grid)


@meters_app.command("add")
def add_command(
    code: Annotated[str, typer.Argument(help="计量表编号（网关上报的）/ meter code")],
    credit_code: Annotated[str, typer.Option(help="企业统一社会信用代码 / credit code")],
    facility: Annotated[str, typer.Option(help="设施 / facility")],
    carrier: Annotated[str, typer.Option(help="electricity, natural_gas, steam, …")],
    unit: Annotated[str, typer.Option(help="上报单位 / unit the meter reports in")],
    multiplier: Annotated[float, typer.Option(help="倍率 / multiplier (CT×PT …)")] = 1.0,
    interval_s: Annotated[int, typer.Option(help="采集间隔（秒）/ interval")] = 900,
    kind: Annotated[str, typer.Option(help="interval 或 cumulative")] = "interval",
    export_allowed: Annotated[bool, typer.Option(help="允许反向电量 / may export")] = False,
    register_max: Annotated[float | None, typer.Option(help="表码上限 / register wrap")] = None,
) -> None:
    """登记一块计量表 / register a meter."""
    from citycarbon.ingest.meter_registry import MeterEntry, add_meter

    entry = MeterEntry(
        code,
        credit_code,
        facility,
        carrier,
        unit,
        multiplier,
        interval_s,
        kind,
        export_allowed,
        register_max,
    )
    who = actor()
    with _store() as factory:
        try:
            with factory.begin() as session:
                record = add_meter(session, who, entry)
        except CitycarbonError as exc:
            fail(exc)
        console.print(f"{tr('已登记', 'registered')}: {record.code} (id {record.id})", markup=False)
        _export_dim(factory)


@meters_app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="CSV: code,credit_code,facility,carrier,unit,…")],
) -> None:
    """批量登记计量表（全部通过才写入）/ register meters from a CSV, all or nothing."""
    from citycarbon.ingest.meter_registry import import_meters

    who = actor()
    with _store() as factory:
        try:
            with factory.begin() as session:
                records = import_meters(session, who, file)
        except CitycarbonError as exc:
            fail(exc)
        console.print(f"{tr('已登记', 'registered')}: {len(records)}", markup=False)
        _export_dim(factory)


@meters_app.command("backfill")
def backfill_command(
    file: Annotated[Path, typer.Argument(help="CSV: meter,ts,value,unit")],
) -> None:
    """补录历史读数（与在线接入相同的校验与去重）/ backfill readings from a CSV."""
    from citycarbon.ingest.meter_backfill import backfill
    from citycarbon.ingest.meter_stream import MeterStream
    from citycarbon.service.access import Permission, require

    who = actor()
    with _store() as factory:
        try:
            require(who, Permission.INGEST_READINGS)
            stream = MeterStream(lake_dir(), factory, source="csv", prefix="backfill")
            stream.start()
            outcome = backfill(stream, file)
        except CitycarbonError as exc:
            fail(exc)
    console.print(
        tr(
            f"已入库 {outcome.accepted}，重复 {outcome.duplicates}，拒收 {outcome.rejected}",
            f"accepted {outcome.accepted}, duplicates {outcome.duplicates}, "
            f"rejected {outcome.rejected}",
        ),
        markup=False,
    )
    for code, count in sorted(outcome.reasons.items()):
        console.print(f"  {code}: {count}", markup=False)
