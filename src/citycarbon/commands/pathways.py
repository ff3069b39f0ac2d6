"""``citycarbon pathways list|calibrate|run|export|import``: a region's peak-pathway scenarios
from the command line — list them, store a business-as-usual scenario calibrated on the
stored inventory, run one (peak, checks, Monte Carlo band; JSON out), export them as YAML or
IAMC CSV and import YAML or IAMC files.

Mounted by one line in ``cli.py``."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from citycarbon.commands.common import actor, console, fail, sessions, state, tr
from citycarbon.errors import CitycarbonError, Message

pathways_app = typer.Typer(help="碳达峰路径情景 / peak-pathway scenarios", no_args_is_help=True)

Region = Annotated[str, typer.Option("--region", help="地区代码 / region code")]


class Format(StrEnum):
    yaml = "yaml"
    iamc_long = "iamc-long"
    iamc_wide = "iamc-wide"


def _mt(value: float | None) -> str:
    return "—" if value is None else f"{value / 1e6:,.2f}"


@pathways_app.command("list")
def list_command(region: Region) -> None:
    """地区的情景及其继承关系 / the region's scenarios and how they inherit."""
    from citycarbon.service.pathways_store import list_scenarios

    try:
        with sessions()() as session:
            rows = list_scenarios(session, actor(), region)
    except CitycarbonError as exc:
        fail(exc)
    table = Table(title=tr(f"{region} 的碳达峰路径情景", f"Peak-pathway scenarios of {region}"))
    for column in (
        tr("名称", "name"),
        tr("父情景", "parent"),
        tr("类型", "kind"),
        tr("标签", "label"),
        tr("版本", "version"),
    ):
        table.add_column(column)
    for row in rows:
        table.add_row(
            row["name"],
            row["parent"] or "—",
            row["kind"],
            row["label"][state.lang if state.lang in ("zh", "en") else "zh"],
            str(row["version"]),
        )
    console.print(table)


@pathways_app.command("calibrate")
def calibrate_command(
    region: Region,
    name: Annotated[str, typer.Option("--name", help="情景名称 / scenario name")] = "bau",
    base_year: Annotated[
        int | None, typer.Option("--base-year", help="基准年（默认最新清单）/ base year")
    ] = None,
) -> None:
    """按已保存清单校准并保存基准情景 / store a BAU calibrated on the stored inventory."""
    from citycarbon.service.pathways_calibrate import calibrate_bau
    from citycarbon.service.pathways_store import save_scenario

    who = actor()
    try:
        with sessions().begin() as session:
            definition, trace = calibrate_bau(session, who, region, base_year)
            save_scenario(
                session,
                who,
                region,
                name,
                overrides=definition,
                label_zh="基准情景",
                label_en="business as usual",
                description=f"calibrated on inventory run(s) {trace['base_run_ids']}",
            )
    except CitycarbonError as exc:
        fail(exc)
    console.print(
        tr(
            f"已保存情景 {name}（基准年 {trace['base_year']}，清单 {trace['base_run_ids']}）",
            f"stored scenario {name} (base year {trace['base_year']}, runs "
            f"{trace['base_run_ids']})",
        )
    )


@pathways_app.command("run")
def run_command(
    region: Region,
    scenario: Annotated[str, typer.Option("--scenario", help="情景名称 / scenario name")],
    draws: Annotated[
        int, typer.Option("--draws", help="蒙特卡洛抽样次数 / Monte Carlo draws")
    ] = 1000,
    out: Annotated[Path | None, typer.Option("--json", help="写入 JSON / write JSON")] = None,
) -> None:
    """计算情景：峰值、目标检查与不确定性 / run a scenario: peak, checks and uncertainty."""
    from citycarbon.service.pathways_run import run_scenario

    try:
        with sessions()() as session:
            result = run_scenario(session, actor(), region, scenario, draws=draws)
    except CitycarbonError as exc:
        fail(exc)
    if out is not None:
        out.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
        console.print(tr(f"已写入 {out}", f"wrote {out}"))
        return
    peak, band, checks = result["peak"], result["uncertainty"], result["checks"]
    console.print(
        f"{result['label'][state.lang if state.lang == 'en' else 'zh']} "
        f"({' → '.join(result['chain'])}), {result['base_year']}–{result['end_year']}, "
        f"GWP {result['units']['gwp_set']}"
    )
    console.print(
        tr("峰值", "peak")
        + f": {peak['year']} ({peak['status']}), {_mt(peak['value'])} Mt CO2e; "
        + tr("峰值年 P5–P95", "peak year P5–P95")
        + f": {band['peak_year']['p5']}–{band['peak_year']['p95']}; P(≤{checks['peak']['by']}) = "
        + (
            "—"
            if band["probability_peak_by_2030"] is None
            else f"{band['probability_peak_by_2030']:.0%}"
        )
    )
    table = Table(title=tr("目标检查", "Checks"))
    for column in (
        tr("目标", "target"),
        tr("要求", "required"),
        tr("实现", "achieved"),
        tr("达成", "met"),
    ):
        table.add_column(column)
    table.add_row(
        tr(f"{checks['peak']['by']} 年前达峰", f"peak by {checks['peak']['by']}"),
        "",
        "",
        str(checks["peak"]["met"]),
    )
    for item in checks["intensity"]:
        label = item["label"]["en" if state.lang == "en" else "zh"] if item["label"] else ""
        achieved = "—" if item["achieved"] is None else f"{item['achieved']:.1%}"
        table.add_row(
            f"{label} {item['start']}→{item['end']}",
            f"{item['required']:.1%}",
            achieved,
            str(item["met"]),
        )
    neutral = checks["neutrality"]
    table.add_row(
        tr(f"{neutral['year']} 年中和缺口", f"neutrality gap {neutral['year']}"),
        "0",
        _mt(neutral["gap"]) + " Mt",
        str(neutral["gap"] <= 0),
    )
    console.print(table)


@pathways_app.command("export")
def export_command(
    region: Region,
    out: Annotated[Path, typer.Option("--out", help="输出文件 / output file")],
    scenario: Annotated[
        list[str] | None, typer.Option("--scenario", help="情景（可多次）/ scenario (repeat)")
    ] = None,
    form: Annotated[Format, typer.Option("--format", help="yaml | iamc-long | iamc-wide")] = (
        Format.yaml
    ),
) -> None:
    """导出情景（YAML 或 IAMC CSV）/ export scenarios (YAML or IAMC CSV)."""
    from citycarbon.service.pathways_analysis import export_iamc
    from citycarbon.service.pathways_store import export_yaml

    try:
        with sessions()() as session:
            if form is Format.yaml:
                text = export_yaml(session, actor(), region, scenario or None)
            else:
                layout = "long" if form is Format.iamc_long else "wide"
                text = export_iamc(session, actor(), region, scenario or None, layout)
    except CitycarbonError as exc:
        fail(exc)
    out.write_text(text, encoding="utf-8")
    console.print(tr(f"已写入 {out}", f"wrote {out}"))


@pathways_app.command("import")
def import_command(
    region: Region,
    path: Annotated[Path, typer.Argument(help="YAML 或 IAMC CSV 文件 / YAML or IAMC CSV file")],
) -> None:
    """导入情景：YAML（模型情景）或 IAMC CSV（外部情景）/ import YAML or IAMC CSV."""
    from citycarbon.service.pathways_analysis import import_iamc
    from citycarbon.service.pathways_store import import_yaml

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        fail(
            CitycarbonError(
                Message(
                    zh=f"无法读取 {path}：{error.strerror}",
                    en=f"cannot read {path}: {error.strerror}",
                ),
                field="path",
            )
        )
    who = actor()
    try:
        with sessions().begin() as session:
            if path.suffix.lower() == ".csv":
                saved = import_iamc(session, who, region, text, path.name)
            else:
                saved = import_yaml(session, who, region, text, path.name)
    except CitycarbonError as exc:
        fail(exc)
    names = ", ".join(f"{s['name']} (v{s['version']})" for s in saved)
    console.print(tr(f"已导入：{names}", f"imported: {names}"))
