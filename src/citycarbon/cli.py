"""The ``citycarbon`` command line (an adapter around the domain core).

Every message is bilingual; ``--lang en`` shows English first. Errors in input data print
file, row, field and reason and exit with status 2; nothing is written partially.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from citycarbon.commands import export as export_commands
from citycarbon.commands import ledger as ledger_commands
from citycarbon.commands.assets import assets_app
from citycarbon.commands.common import console, err, fail, state
from citycarbon.commands.db import db_app
from citycarbon.commands.indicators import indicators_app
from citycarbon.commands.ingest import ingest_app
from citycarbon.commands.intake import import_command, template
from citycarbon.commands.lake import lake_app
from citycarbon.commands.meters import meters_app
from citycarbon.commands.monitoring import monitoring_app
from citycarbon.commands.pathways import pathways_app
from citycarbon.commands.reports import audit_app, report_app, user_app
from citycarbon.commands.simulate import simulate_app
from citycarbon.commands.web import serve
from citycarbon.errors import CitycarbonError

if TYPE_CHECKING:
    from citycarbon.accounting.inventory_result import InventoryResult

app = typer.Typer(
    help="citycarbon — 低碳城市建设管理平台 / low-carbon city management platform",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
inventory_app = typer.Typer(help="温室气体清单 / GHG inventory", no_args_is_help=True)
refdata_app = typer.Typer(
    help="参考数据（排放因子库）/ reference data (factor library)", no_args_is_help=True
)
app.add_typer(inventory_app, name="inventory")
app.add_typer(refdata_app, name="refdata")
# Sub-commands of the system of record, one module each under citycarbon.commands.
app.add_typer(db_app, name="db")
app.command("import")(import_command)
app.command("template")(template)
ledger_commands.mount(app, inventory_app)  # ledger, emitters, inventory store|runs|diff…
inventory_app.command("export")(export_commands.inventory_export)
app.add_typer(report_app, name="report")
app.add_typer(user_app, name="user")
app.add_typer(audit_app, name="audit")
app.command("serve")(serve)
app.add_typer(indicators_app, name="indicators")
app.add_typer(pathways_app, name="pathways")
app.add_typer(assets_app, name="assets")
app.add_typer(meters_app, name="meters")
app.add_typer(ingest_app, name="ingest")
app.add_typer(simulate_app, name="simulate")
app.add_typer(monitoring_app, name="monitoring")
app.add_typer(lake_app, name="lake")


class By(StrEnum):
    category = "category"
    region = "region"
    entity = "entity"


class Classification(StrEnum):
    ipcc2006 = "ipcc2006"
    cn_provincial = "cn_provincial"
    gpc = "gpc"


@app.callback()
def main(
    lang: Annotated[str, typer.Option(help="zh 或 en / zh or en")] = "zh",
    db: Annotated[
        str | None,
        typer.Option(
            envvar="CITYCARBON_DATABASE_URL",
            help="数据库 URL（默认为数据目录中的 SQLite）/ database URL (default: SQLite in the "
            "data directory)",
        ),
    ] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            envvar="CITYCARBON_DATA_DIR", help="数据目录（默认 ~/.citycarbon）/ data directory"
        ),
    ] = None,
    user: Annotated[
        str | None,
        typer.Option(
            envvar="CITYCARBON_USER",
            help="以该用户身份操作（默认本地管理员）/ act as this user (default: local admin)",
        ),
    ] = None,
) -> None:
    state.lang = "en" if lang.startswith("en") else "zh"
    state.db_url, state.data_dir, state.username = db, data_dir, user


COLUMN_LABELS = {
    "year": "年份",
    "scope": "口径",
    "category": "类别",
    "gas": "气体",
    "before": "重算前",
    "after": "重算后",
    "difference_pct": "变化 %",
    "co2e_t": "tCO2e",
    "uncertainty_pct": "不确定性 %",
    "name": "名称",
    "status": "状态",
    "explanation": "说明",
    "table_id": "表",
    "title": "标题",
    "edition": "版本",
    "table": "原表号",
    "rows": "行数",
}


def _columns(grid: Table, *names: str) -> None:
    """Column headers in the chosen language (Chinese by default)."""
    for name in names:
        grid.add_column(COLUMN_LABELS.get(name, name) if state.lang == "zh" else name)


def _fail(exc: CitycarbonError) -> None:
    fail(exc)


def _compute(path: Path, factor_set: str | None, gwp: str, strict: bool) -> InventoryResult:
    from citycarbon.accounting import methods
    from citycarbon.accounting.inventory import compute_inventory
    from citycarbon.io.activity_files import read_activity
    from citycarbon.refdata.loader import load_factor_set, load_gwp

    methods.load_all()
    table = read_activity(path)
    return compute_inventory(
        table, load_factor_set(factor_set), load_gwp(gwp), strict=strict, file=str(path)
    )


def _print_warnings(result: InventoryResult) -> None:
    lang = state.lang
    if result.warnings:
        err.print(
            f"[yellow]{'警告' if lang == 'zh' else 'warnings'} ({len(result.warnings)})[/yellow]"
        )
        for issue in result.warnings:
            err.print(f"  {issue.describe(lang)}", markup=False, highlight=False)


@inventory_app.command("compute")
def inventory_compute(
    activity: Annotated[Path, typer.Argument(help="活动水平数据 CSV/Parquet / activity records")],
    gwp: Annotated[str, typer.Option(help="GWP 版本 / GWP set: AR4, AR5, AR6")] = "AR5",
    by: Annotated[By, typer.Option(help="汇总维度 / aggregate by")] = By.category,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="输出 CSV/Parquet")] = None,
    factor_set: Annotated[str | None, typer.Option(help="因子集 name@version")] = None,
    classification: Annotated[
        Classification, typer.Option(help="类别体系 / category classification (for --by category)")
    ] = Classification.ipcc2006,
    strict: Annotated[
        bool,
        typer.Option(help="严格模式：非致命问题也报错 / strict: non-fatal problems are errors too"),
    ] = True,
) -> None:
    """计算清单 / compute an inventory from activity records."""
    from citycarbon.accounting import views
    from citycarbon.io.activity_files import write_table
    from citycarbon.refdata.trees import load_category_tree

    try:
        result = _compute(activity, factor_set, gwp, strict)
    except CitycarbonError as exc:
        _fail(exc)
        return
    if by is By.category:
        table = views.category_totals(result, load_category_tree("ipcc2006"), classification.value)
    elif by is By.region:
        table = views.region_totals(result)
    else:
        table = result.entity_table
    _print_warnings(result)
    if output is not None:
        write_table(table, output)
    _print_summary(result)
    if output is not None:
        console.print(
            f"{'已写入' if state.lang == 'zh' else 'written'}: {output} ({table.num_rows} rows)"
        )


def _print_summary(result: InventoryResult) -> None:
    zh = state.lang == "zh"
    grid = Table(
        title=("清单汇总" if zh else "inventory summary")
        + f" — {result.factor_set}, GWP {result.gwp_set}"
    )
    for column in (
        ("年份", "year"),
        ("直接排放 tCO2e", "direct tCO2e"),
        ("碳汇 tCO2e", "sinks tCO2e"),
        ("调入电力 tCO2e", "net import tCO2e"),
        ("总排放 tCO2e", "gross tCO2e"),
        ("净排放 tCO2e", "net tCO2e"),
        ("能源消费 tce", "energy tce"),
    ):
        grid.add_column(column[0] if zh else column[1], justify="right")
    for year in result.years:
        t = result.totals(year)
        grid.add_row(
            str(year),
            f"{t['direct_co2e_t']:,.0f}",
            f"{t['sink_co2e_t']:,.0f}",
            f"{t['indirect_net_import_co2e_t']:,.0f}",
            f"{t['gross_co2e_t']:,.0f}",
            f"{t['net_co2e_t']:,.0f}",
            f"{t['energy_total_tce']:,.0f}",
        )
    console.print(grid)


@inventory_app.command("recalc")
def inventory_recalc(
    activity: Annotated[Path, typer.Argument(help="活动水平数据 / activity records")],
    before: Annotated[str, typer.Option(help="原因子集 / factor set before")],
    after: Annotated[str, typer.Option(help="新因子集 / factor set after")],
    gwp: Annotated[str, typer.Option(help="GWP 版本 / GWP set")] = "AR5",
    output: Annotated[Path | None, typer.Option("-o", "--output")] = None,
    strict: Annotated[bool, typer.Option()] = True,
) -> None:
    """历史清单重算 / recalculate under another factor-set version and show the difference."""
    from citycarbon.accounting.views import recalculation
    from citycarbon.io.activity_files import write_table

    try:
        diff = recalculation(
            _compute(activity, before, gwp, strict), _compute(activity, after, gwp, strict)
        )
    except CitycarbonError as exc:
        _fail(exc)
        return
    if output is not None:
        write_table(diff, output)
    grid = Table(title=f"{before} → {after}")
    _columns(grid, "year", "scope", "category", "gas", "before", "after", "difference_pct")
    for row in diff.to_pylist():
        if row["gas"] == "CO2e" and row["difference"]:
            pct = row["difference_pct"]
            grid.add_row(
                str(row["year"]),
                row["scope"],
                row["category"],
                row["gas"],
                f"{row['before']:,.1f}",
                f"{row['after']:,.1f}",
                "-" if pct is None else f"{pct:+.2f}%",
            )
    console.print(grid)


@inventory_app.command("explain")
def inventory_explain(
    activity: Annotated[Path, typer.Argument()],
    year: Annotated[int, typer.Option()],
    region: Annotated[str, typer.Option()],
    category: Annotated[str, typer.Option()],
    gwp: Annotated[str, typer.Option()] = "AR5",
    factor_set: Annotated[str | None, typer.Option()] = None,
    strict: Annotated[bool, typer.Option()] = True,
) -> None:
    """追溯一个数字的来源 / explain a figure down to its activity data and factors (JSON)."""
    try:
        result = _compute(activity, factor_set, gwp, strict)
    except CitycarbonError as exc:
        _fail(exc)
        return
    json.dump(result.explain(year, region, category), sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


@inventory_app.command("uncertainty")
def inventory_uncertainty(
    activity: Annotated[Path, typer.Argument()],
    gwp: Annotated[str, typer.Option()] = "AR5",
    factor_set: Annotated[str | None, typer.Option()] = None,
    output: Annotated[Path | None, typer.Option("-o", "--output")] = None,
    strict: Annotated[bool, typer.Option()] = True,
) -> None:
    """不确定性（IPCC 方法1）/ uncertainty by IPCC Approach 1, per category and total."""
    from citycarbon.accounting.quality import uncertainty
    from citycarbon.io.activity_files import write_table
    from citycarbon.refdata.loader import load_factor_set, load_gwp

    try:
        result = _compute(activity, factor_set, gwp, strict)
    except CitycarbonError as exc:
        _fail(exc)
        return
    table = uncertainty(result, load_factor_set(factor_set), load_gwp(gwp))
    if output is not None:
        write_table(table, output)
    grid = Table(title="Approach 1")
    _columns(grid, "year", "category", "co2e_t", "uncertainty_pct")
    for row in table.to_pylist():
        grid.add_row(
            str(row["year"]),
            row["category"],
            f"{row['co2e_t']:,.0f}",
            f"±{row['uncertainty_pct']:.1f}%",
        )
    console.print(grid)


@inventory_app.command("completeness")
def inventory_completeness(
    activity: Annotated[Path, typer.Argument()],
    notation: Annotated[
        Path | None,
        typer.Option(help="注释键 CSV：category,key,explanation / notation keys CSV"),
    ] = None,
    factor_set: Annotated[str | None, typer.Option()] = None,
    output: Annotated[Path | None, typer.Option("-o", "--output")] = None,
    strict: Annotated[bool, typer.Option()] = True,
) -> None:
    """完整性与注释键（NO、NE、IE、C、NA）/ completeness per category with notation keys."""
    import csv

    from citycarbon.accounting.quality import completeness
    from citycarbon.io.activity_files import write_table
    from citycarbon.refdata.trees import load_category_tree

    try:
        result = _compute(activity, factor_set, "AR5", strict)
        keys: dict[str, tuple[str, str]] = {}
        if notation is not None:
            with notation.open(encoding="utf-8") as handle:
                for row in csv.DictReader(handle):
                    keys[row["category"].strip()] = (
                        row["key"].strip(),
                        (row.get("explanation") or "").strip(),
                    )
        table = completeness(result, load_category_tree("ipcc2006"), keys)
    except CitycarbonError as exc:
        _fail(exc)
        return
    if output is not None:
        write_table(table, output)
    zh = state.lang == "zh"
    grid = Table(title="完整性" if zh else "completeness")
    _columns(grid, "category", "name", "status", "explanation")
    for row in table.to_pylist():
        grid.add_row(
            row["category"],
            row["name_zh"] if zh else row["name_en"],
            ("⚠ " if row["missing"] else "") + (row["status_zh"] if zh else row["status_en"]),
            row["explanation"],
        )
    console.print(grid)


@refdata_app.command("list")
def refdata_list() -> None:
    """列出参考数据表与因子集 / list packaged tables and factor sets."""
    from citycarbon.refdata.loader import catalogue

    zh = state.lang == "zh"
    grid = Table(title="参考数据目录" if zh else "reference data catalogue")
    _columns(grid, "table_id", "title", "edition", "table", "status", "rows")
    for t in catalogue()["tables"]:
        grid.add_row(
            t["table_id"],
            t["title_zh"] if zh else t["title_en"],
            t["edition"][:40],
            t["table_number"][:30],
            t["status"][:40],
            str(t["rows"]),
        )
    console.print(grid)
    for spec in catalogue()["factor_sets"]:
        console.print(
            f"{spec['name']}@{spec['version']}: "
            f"{spec['description_zh'] if zh else spec['description_en']}"
        )


@refdata_app.command("show")
def refdata_show(table_id: Annotated[str, typer.Argument()]) -> None:
    """显示一张表及其来源 / show one table with its source."""
    from citycarbon.refdata.loader import catalogue, load_codelist, load_table

    info = next((t for t in catalogue()["tables"] if t["table_id"] == table_id), None)
    if info is None:
        err.print(f"未知的表 / unknown table: {table_id}")
        raise typer.Exit(code=2)
    for key in (
        "title_zh",
        "title_en",
        "document",
        "edition",
        "table_number",
        "licence",
        "status",
        "url",
        "notes",
        "sha256",
    ):
        console.print(f"[bold]{key}[/bold]: {info.get(key, '')}", highlight=False)
    if info.get("kind") == "codelist":
        for row in load_codelist(table_id):
            console.print(" | ".join(row.values()), markup=False, highlight=False)
        return
    for f in load_table(table_id):
        console.print(
            f"{f.factor_id} = {f.value} {f.unit}"
            + (f" ±{f.uncertainty_pct}%" if f.uncertainty_pct is not None else "")
            + (f"  {f.label_zh}" if f.label_zh else ""),
            markup=False,
            highlight=False,
        )


@refdata_app.command("validate")
def refdata_validate() -> None:
    """校验参考数据（校验和、单位、因子集）/ check checksums, units and factor sets."""
    from citycarbon.refdata.loader import catalogue, validate

    problems = validate()
    for problem in problems:
        err.print(problem, markup=False)
    if problems:
        raise typer.Exit(code=1)
    console.print(
        f"OK: {len(catalogue()['tables'])} tables, {len(catalogue()['factor_sets'])} factor sets"
    )


@refdata_app.command("cases")
def refdata_cases(path: Annotated[Path, typer.Argument(help="reference cases JSON")]) -> None:
    """运行参考算例 / run worked reference cases against the engine."""
    from citycarbon.accounting import methods
    from citycarbon.testing.reference_cases import run_case

    methods.load_all()
    cases = json.loads(path.read_text(encoding="utf-8"))
    failed = 0
    for outcome in map(run_case, cases):
        ok = outcome.passed
        failed += not ok
        console.print(
            f"{'PASS' if ok else 'FAIL'} {outcome.case_id} [{outcome.adapter}]"
            + (f" {outcome.error}" if outcome.error else ""),
            markup=False,
        )
        for c in outcome.comparisons:
            if not c.passed:
                console.print(
                    f"    {c.key}: expected {c.expected}, computed {c.computed}", markup=False
                )
    console.print(f"{len(cases) - failed}/{len(cases)} passed")
    if failed:
        raise typer.Exit(code=1)


@app.command("demo")
def demo(
    data_dir: Annotated[
        Path | None, typer.Option(help="数据目录（默认 ~/.citycarbon/demo）/ data directory")
    ] = None,
    gwp: Annotated[str, typer.Option()] = "AR5",
    serve: Annotated[
        bool, typer.Option(help="载入后启动 Web 平台 / serve the platform after loading")
    ] = True,
    host: Annotated[str, typer.Option(help="监听地址 / address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="端口 / port")] = 8000,
    enterprises: Annotated[
        int, typer.Option(min=30, help="演示企业数 / number of demo enterprises")
    ] = 2000,
) -> None:
    """演示城市（镇江，合成数据），然后启动平台 / the demo city (Zhenjiang, synthetic data),
    then serve the platform."""
    from citycarbon.commands.web import print_logins, serve_app
    from citycarbon.demo.run import run_demo
    from citycarbon.demo.seed import DEMO_PASSWORD

    try:
        folder = data_dir or (state.data_dir or Path.home() / ".citycarbon") / "demo"
        run_demo(folder, gwp, console, state.lang, state.db_url, enterprises=enterprises)
        if serve:
            from citycarbon.commands.demo_ingest import start_demo_ingest, stop_demo_ingest

            print_logins(folder, state.db_url, DEMO_PASSWORD)
            ingest = start_demo_ingest(folder, state.db_url)
            try:
                serve_app(data_dir=folder, db_url=state.db_url, host=host, port=port)
            finally:
                stop_demo_ingest(ingest)
    except CitycarbonError as exc:
        _fail(exc)
