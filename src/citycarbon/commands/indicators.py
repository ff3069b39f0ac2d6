"""``citycarbon indicators list|values``: the packaged indicator definitions with their
formulas, and their values for regions and years from the store (for analysts: CSV out).

Mounted by one line in ``cli.py``."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from citycarbon.commands.common import actor, console, fail, sessions, state, tr
from citycarbon.errors import CitycarbonError, Message

indicators_app = typer.Typer(
    help="规划与考核指标 / plan and assessment indicators", no_args_is_help=True
)


@indicators_app.command("list")
def list_indicators() -> None:
    """指标定义及其公式 / the indicator definitions and their formulas."""
    from citycarbon.service.indicator_values import indicator_catalogue

    table = Table(title=tr("指标定义", "Indicator definitions"))
    for column in ("code", tr("名称", "name"), tr("单位", "unit"), tr("方向", "direction"),
                   tr("属性", "binding"), tr("公式", "formula")):  # fmt: skip
        table.add_column(column)
    for indicator in indicator_catalogue().values():
        d = indicator.definition
        table.add_row(
            d.code, indicator.name.text(state.lang), d.unit, d.direction.value, d.binding.value,
            d.formula,
        )  # fmt: skip
    console.print(table)


def _years(text: str) -> list[int]:
    try:
        if "-" in text:
            first, last = (int(part) for part in text.split("-", 1))
            return list(range(first, last + 1))
        return [int(part) for part in text.split(",")]
    except ValueError:
        raise CitycarbonError(
            Message(
                zh=f"年份 {text!r} 无效，应为 2023、2020,2023 或 2015-2024",
                en=f"years {text!r}: expected 2023, 2020,2023 or 2015-2024",
            ),
            field="years",
        ) from None


@indicators_app.command("values")
def indicator_values_command(
    regions: Annotated[str, typer.Option("--region", help="地区代码，逗号分隔 / region codes")],
    years: Annotated[str, typer.Option("--years", help="如 2023 或 2015-2024 / e.g. 2015-2024")],
    code: Annotated[
        list[str] | None, typer.Option("--code", help="指标代码（可多次）/ indicator code")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--csv", help="写入 CSV（含每项输入）/ write CSV with inputs")
    ] = None,
) -> None:
    """指标值（来自已保存清单与统计）/ indicator values from stored inventories and statistics."""
    from citycarbon.service.indicator_values import indicator_values

    try:
        with sessions()() as session:
            values = indicator_values(
                session, regions.split(","), _years(years), code or None, actor=actor()
            )
    except CitycarbonError as exc:
        fail(exc)
    rows = sorted(values.values(), key=lambda v: (v.indicator, v.region, v.year))
    if out is not None:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["indicator", "region", "year", "value", "unit", "inputs", "reason"])
        for v in rows:
            inputs = "; ".join(f"{i['ref']}@{i['year']}={i['value']}" for i in v.inputs)
            reason = v.reason.text(state.lang) if v.reason else ""
            writer.writerow([v.indicator, v.region, v.year, v.value, v.unit, inputs, reason])
        out.write_text(buffer.getvalue(), encoding="utf-8")
        console.print(tr(f"已写入 {out}（{len(rows)} 行）", f"wrote {out} ({len(rows)} rows)"))
        return
    table = Table(title=tr("指标值", "Indicator values"))
    for column in ("indicator", "region", "year", "value", "unit"):
        table.add_column(column)
    for v in rows:
        shown = f"{v.value:,.4g}" if v.value is not None else "—"
        table.add_row(v.indicator, v.region, str(v.year), shown, v.unit)
    console.print(table)
