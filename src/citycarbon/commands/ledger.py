"""``citycarbon ledger``, ``citycarbon emitters rank`` and the stored-inventory commands
``citycarbon inventory store | runs | show | recompute | diff | publish``.

Mounted on the application by :func:`mount` (two lines in ``cli.py``)."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from citycarbon.commands.common import actor, console, fail, sessions, state
from citycarbon.errors import CitycarbonError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from citycarbon.service.actor import Actor
    from citycarbon.service.inventory_inputs import EnergyRule
    from citycarbon.store.models import InventoryRun


class Energy(StrEnum):
    activity = "activity"
    balance = "balance"


emitters_app = typer.Typer(
    help="重点排放单位与重点用能单位 / key emitters and key energy users", no_args_is_help=True
)

LABELS = {
    "month": ("月份", "month"),
    "category": ("类别", "category"),
    "activity": ("排放源", "source"),
    "scope": ("范围", "scope"),
    "co2": ("CO2 t", "CO2 t"),
    "ch4": ("CH4 t", "CH4 t"),
    "n2o": ("N2O t", "N2O t"),
    "co2e": ("tCO2e", "tCO2e"),
    "direct": ("直接 tCO2e", "direct tCO2e"),
    "indirect": ("间接 tCO2e", "indirect tCO2e"),
    "biogenic": ("生物质 CO2 t", "biogenic CO2 t"),
    "tce": ("能耗 tce", "energy tce"),
    "report": ("报告 #编号 v版本 状态", "report #id vVersion state"),
    "verified": ("已核查", "verified"),
    "district": ("县区", "county"),
    "rank": ("名次", "rank"),
    "entity": ("统一社会信用代码", "credit code"),
    "name": ("名称", "name"),
    "share": ("占比", "share"),
    "cumulative": ("累计", "cum."),
    "flags": ("重点单位", "key unit"),
    "id": ("编号", "id"),
    "region": ("地区", "region"),
    "year": ("年份", "year"),
    "factor_set": ("因子集", "factor set"),
    "gwp": ("GWP", "GWP"),
    "rows": ("输入行数", "input rows"),
    "published": ("已发布", "published"),
    "measure": ("指标", "measure"),
    "before": ("之前", "before"),
    "after": ("之后", "after"),
    "change": ("变化", "change"),
    "change_pct": ("变化 %", "change %"),
    "unit": ("单位", "unit"),
    "value": ("数值", "value"),
}

NUMBERS = frozenset({"co2e", "tce", "direct", "indirect", "share", "cumulative", "before", "after",
                     "change", "value"})  # fmt: skip


def _t(key: str) -> str:
    zh, en = LABELS[key]
    return zh if state.lang == "zh" else en


def _grid(title: str, *keys: str) -> Table:
    grid = Table(title=title)
    for key in keys:
        if key == "entity":  # a credit code is never cut
            grid.add_column(_t(key), no_wrap=True, min_width=18)
        elif key in NUMBERS:  # nor a number
            grid.add_column(_t(key), no_wrap=True, justify="right")
        else:
            grid.add_column(_t(key))
    return grid


def _yes(flag: bool) -> str:
    if state.lang == "zh":
        return "是" if flag else "否"
    return "yes" if flag else "no"


def _month(month: int) -> str:
    if month == 0:
        return "年报" if state.lang == "zh" else "annual"
    return str(month)


def ledger(
    credit_code: Annotated[str, typer.Argument(help="统一社会信用代码 / credit code")],
    year: Annotated[int, typer.Option(help="年份 / year")],
    factor_set: Annotated[str | None, typer.Option(help="因子集 name@version")] = None,
    gwp: Annotated[str | None, typer.Option(help="GWP 版本 / GWP set")] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="输出全部气体明细 JSON / all gases as JSON")
    ] = False,
) -> None:
    """企业碳排放台账 / an enterprise's carbon ledger by month and source."""
    from citycarbon.service.ledger import enterprise_ledger

    who = actor()
    try:
        with sessions()() as session:
            found = enterprise_ledger(
                session, who, credit_code, year, factor_set=factor_set, gwp=gwp
            )
    except CitycarbonError as exc:
        fail(exc)
    led = found.ledger
    zh = state.lang == "zh"
    name = found.name_zh if zh or not found.name_en else found.name_en
    title = (
        f"{name} {found.credit_code} {year} "
        + ("碳排放台账" if zh else "carbon ledger")
        + f" — {led.factor_set}, GWP {led.gwp_set}"
    )
    if as_json:
        payload = {
            "credit_code": found.credit_code,
            "year": year,
            "factor_set": led.factor_set,
            "gwp_set": led.gwp_set,
            "basis": led.basis,
            "by_source": [row.as_dict() for row in led.by_source],
            "by_month": [row.as_dict() for row in led.by_month],
            "year_total": led.year_total.as_dict(),
        }
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=1) + "\n")
        return
    grid = _grid(title, "month", "category", "activity", "co2e", "tce", "report")
    for row in led.by_source:
        grid.add_row(
            _month(row.month),
            row.category,
            row.activity,
            f"{row.co2e_t:,.2f}",
            f"{row.energy_tce:,.2f}",
            "; ".join(f"#{r} v{v} {s}" for r, v, s in sorted(row.reports)),
        )
    console.print(grid)
    months = _grid(
        "按月合计" if zh else "by month", "month", "direct", "indirect", "co2e", "tce", "verified"
    )
    for row in (*led.by_month, led.year_total):
        label = _month(row.month) if row is not led.year_total else ("全年" if zh else "year")
        months.add_row(
            label,
            f"{row.direct_co2e_t:,.2f}",
            f"{row.indirect_co2e_t:,.2f}",
            f"{row.co2e_t:,.2f}",
            f"{row.energy_tce:,.2f}",
            _yes(row.verified),
        )
    console.print(months)
    basis = {
        "annual_report": ("全年合计取自年度报告", "the year's total is the annual report's"),
        "monthly_sum": ("全年合计为各月之和", "the year's total is the sum of the months"),
    }[led.basis]
    console.print(basis[0] if zh else basis[1], markup=False)
    if not led.verified:
        console.print(
            "[yellow]"
            + (
                "部分数字来自尚未核查的报告版本"
                if zh
                else "some figures are from unverified reports"
            )
            + "[/yellow]"
        )


@emitters_app.command("rank")
def emitters_rank(
    year: Annotated[int, typer.Option(help="年份 / year")],
    region: Annotated[str | None, typer.Option(help="地区代码 / region code")] = None,
    apply: Annotated[
        bool, typer.Option(help="写入企业的重点单位标识 / write the flags to the enterprises")
    ] = False,
    factor_set: Annotated[str | None, typer.Option(help="因子集 name@version")] = None,
    gwp: Annotated[str, typer.Option(help="GWP 版本 / GWP set")] = "AR5",
) -> None:
    """各县区企业排放排名与重点单位识别 / rank enterprises per district, flag key units."""
    from citycarbon.service.ledger import rank_key_units, thresholds

    who = actor()
    try:
        with sessions()() as session, session.begin():
            ranking = rank_key_units(
                session, who, year, region, apply=apply, factor_set=factor_set, gwp=gwp
            )
        limits = thresholds()
    except CitycarbonError as exc:
        fail(exc)
    zh = state.lang == "zh"
    ref = f"{ranking[0].totals.factor_set}, GWP {ranking[0].totals.gwp_set}" if ranking else ""
    districts = sorted({item.totals.district for item in ranking})
    for district in districts:
        head = f"{year} 年 {district} 重点单位排名" if zh else f"{district} key units {year}"
        grid = _grid(
            head + (f" — {ref}" if ref else ""),
            "rank", "entity", "co2e", "tce", "share", "cumulative", "flags",
        )  # fmt: skip
        for item in ranking:
            if item.totals.district != district:
                continue
            t = item.totals
            marks = (
                (item.is_key_emitter, "E"),
                (item.is_key_energy_user, "U"),
                (item.designated_candidate, "(U)"),
            )
            grid.add_row(
                str(item.rank),
                t.entity,
                f"{t.co2e_t:,.0f}" + ("" if t.verified else "*"),
                f"{t.energy_tce:,.0f}",
                f"{item.share:.1%}",
                f"{item.cumulative_share:.1%}",
                " ".join(label for on, label in marks if on) or "-",
            )
        console.print(grid)
    for mark, limit in (
        ("E", limits.key_emitter),
        ("U", limits.key_energy_user),
        ("(U)", limits.designated),
    ):
        name = f"{mark} = " + (limit.name_zh if zh else limit.name_en)
        band = f" – < {limit.upper_limit:,.0f}" if limit.upper_limit is not None else ""
        console.print(
            f"{name}: ≥ {limit.threshold:,.0f}{band} {limit.unit} ({limit.document})",
            markup=False,
        )
    if any(not item.totals.verified for item in ranking):
        console.print(
            "* 含尚未核查的报告数据" if zh else "* includes figures from unverified reports",
            markup=False,
        )
    if apply:
        console.print("已写入标识" if zh else "flags written", markup=False)


def inventory_store(
    region: Annotated[str, typer.Option(help="地区代码 / region code")],
    year: Annotated[int, typer.Option(help="年份 / year")],
    factor_set: Annotated[str | None, typer.Option(help="因子集 name@version")] = None,
    gwp: Annotated[str, typer.Option(help="GWP 版本 / GWP set")] = "AR5",
    energy: Annotated[
        Energy, typer.Option(help="能源口径 activity 或 balance / energy rule: activity or balance")
    ] = Energy.activity,
) -> None:
    """由库中数据计算并保存清单 / compute an inventory from stored data and keep it."""
    from citycarbon.service.inventories import compute_and_store

    who = actor()
    try:
        with sessions()() as session, session.begin():
            rule: EnergyRule = "balance" if energy is Energy.balance else "activity"
            run = compute_and_store(session, who, region, year, factor_set, gwp, energy=rule)
            _print_runs([run])
            _print_totals(session, who, run.id)
    except CitycarbonError as exc:
        fail(exc)


def _print_runs(runs: list[InventoryRun]) -> None:
    grid = _grid(
        "清单" if state.lang == "zh" else "inventories",
        "id", "region", "year", "factor_set", "gwp", "rows", "published",
    )  # fmt: skip
    for run in runs:
        grid.add_row(
            str(run.id),
            run.region_code,
            str(run.year),
            run.factor_set,
            run.gwp_set,
            str(run.input_rows),
            _yes(run.published),
        )
    console.print(grid)


def _print_totals(session: Session, who: Actor, run_id: int) -> None:
    from citycarbon.service.inventories import TOTAL, get_run

    stored = get_run(session, who, run_id)
    grid = _grid(
        f"{stored.run.region_code} {stored.run.year} — {stored.run.factor_set}, "
        f"GWP {stored.run.gwp_set}",
        "region", "measure", "value", "unit",
    )  # fmt: skip
    for v in stored.values:
        if v.category == TOTAL:
            grid.add_row(v.region_code, v.measure, f"{v.value:,.2f}", v.unit)
    console.print(grid)


def inventory_runs(
    region: Annotated[str | None, typer.Option(help="地区代码 / region code")] = None,
    year: Annotated[int | None, typer.Option(help="年份 / year")] = None,
) -> None:
    """已保存的清单 / stored inventories the user may see."""
    from citycarbon.service.inventories import list_runs

    who = actor()
    try:
        with sessions()() as session:
            _print_runs(list(list_runs(session, who, region, year)))
    except CitycarbonError as exc:
        fail(exc)


def inventory_show(run: Annotated[int, typer.Argument(help="清单编号 / run id")]) -> None:
    """显示一份已保存清单的合计 / show the totals of a stored inventory."""
    who = actor()
    try:
        with sessions()() as session:
            _print_totals(session, who, run)
    except CitycarbonError as exc:
        fail(exc)


def inventory_recompute(
    run: Annotated[int, typer.Argument(help="清单编号 / run id")],
    factor_set: Annotated[str | None, typer.Option(help="因子集 name@version")] = None,
    gwp: Annotated[str | None, typer.Option(help="GWP 版本 / GWP set")] = None,
) -> None:
    """以现有数据（或另一因子集）重算 / recompute from the data as it is now."""
    from citycarbon.service.inventories import recompute

    who = actor()
    try:
        with sessions()() as session, session.begin():
            new = recompute(session, who, run, factor_set, gwp)
            _print_runs([new])
    except CitycarbonError as exc:
        fail(exc)


def inventory_diff(
    before: Annotated[int, typer.Argument(help="原清单编号 / run before")],
    after: Annotated[int, typer.Argument(help="新清单编号 / run after")],
    all_rows: Annotated[
        bool, typer.Option("--all", help="也显示未变化的行 / show unchanged rows too")
    ] = False,
) -> None:
    """比较两份已保存清单 / the difference between two stored inventories."""
    from citycarbon.service.inventories import diff_runs

    who = actor()
    try:
        with sessions()() as session:
            rows = diff_runs(session, who, before, after)
    except CitycarbonError as exc:
        fail(exc)
    title = f"{before} → {after}"
    if rows:
        title += f" ({rows[0]['factor_set_before']} → {rows[0]['factor_set_after']}, "
        title += f"GWP {rows[0]['gwp_set']})"
    grid = _grid(title, "region", "category", "measure", "before", "after", "change",
                 "change_pct", "unit")  # fmt: skip
    shown = [row for row in rows if all_rows or row["change"] != 0]
    if not shown:
        console.print("两份清单没有差异" if state.lang == "zh" else "no differences", markup=False)
        return
    for row in shown:
        pct = row["change_pct"]
        grid.add_row(
            row["region"],
            row["category"],
            row["measure"],
            f"{row['before']:,.3f}",
            f"{row['after']:,.3f}",
            f"{row['change']:+,.3f}",
            "-" if pct is None else f"{pct:+.2f}%",
            row["unit"],
        )
    console.print(grid)


def inventory_publish(run: Annotated[int, typer.Argument(help="清单编号 / run id")]) -> None:
    """发布清单（公众可见）/ publish a stored inventory."""
    from citycarbon.service.inventories import publish

    who = actor()
    try:
        with sessions()() as session, session.begin():
            done = publish(session, who, run)
            _print_runs([done])
    except CitycarbonError as exc:
        fail(exc)


def mount(app: typer.Typer, inventory_app: typer.Typer) -> None:
    """Add these commands to the application and to its ``inventory`` group."""
    app.command("ledger")(ledger)
    app.add_typer(emitters_app, name="emitters")
    for name, command in (
        ("store", inventory_store),
        ("runs", inventory_runs),
        ("show", inventory_show),
        ("recompute", inventory_recompute),
        ("diff", inventory_diff),
        ("publish", inventory_publish),
    ):
        inventory_app.command(name)(command)
