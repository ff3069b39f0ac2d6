"""``citycarbon monitoring``: evaluate the alert rules now (cron or a one-off check), list
and set monthly budgets, list alerts. Thin adapters over the service layer, as ``--user``."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.table import Table

from citycarbon.commands.common import actor, console, fail, sessions, state, tr
from citycarbon.errors import CitycarbonError, Message

monitoring_app = typer.Typer(
    help="能耗在线监测：预算与告警 / online monitoring: budgets and alerts", no_args_is_help=True
)


@monitoring_app.command("evaluate")
def evaluate_command(
    at: Annotated[int | None, typer.Option(help="epoch seconds (default: now)")] = None,
) -> None:
    """评估告警规则（用量进度、读数突变、计量表无数据）/ evaluate the alert rules now."""
    from citycarbon.lake.layout import lake_root
    from citycarbon.service.access import Permission, require
    from citycarbon.service.monitoring_alerts import MAX_AHEAD_S, evaluate_alerts

    who = actor()
    moment = int(time.time()) if at is None else at
    if moment > time.time() + MAX_AHEAD_S:  # later real evaluations would be stale
        fail(
            CitycarbonError(
                Message(zh=f"评估时刻 {moment} 晚于当前时间", en=f"the moment {moment} is ahead"),
                field="at",
            )
        )
    try:
        require(who, Permission.MANAGE_MONITORING)
        with sessions().begin() as session:
            result = evaluate_alerts(session, lake_root(state.data_dir), moment)
    except CitycarbonError as exc:
        fail(exc)
    console.print(
        f"{tr('观测', 'observations')} {result.observations} · {tr('新告警', 'opened')} "
        f"{result.opened} · {tr('更新', 'refreshed')} {result.refreshed} · "
        f"{tr('解除', 'cleared')} {result.cleared}",
        markup=False,
    )


@monitoring_app.command("budgets")
def budgets_command(
    year: Annotated[int | None, typer.Option(min=1900, max=9999)] = None,
    month: Annotated[int | None, typer.Option(min=1, max=12)] = None,
    set_code: Annotated[
        str | None, typer.Option("--set", help="credit code of the enterprise to set")
    ] = None,
    kind: Annotated[str, typer.Option(help="energy (tce) | carbon (t CO2e)")] = "energy",
    amount: Annotated[float | None, typer.Option(help="the budget amount")] = None,
    unit: Annotated[str | None, typer.Option(help="default tce / t")] = None,
) -> None:
    """列出或设定月度预算 / list the monthly budgets, or set one with --set CODE --amount X."""
    from citycarbon.service.monitoring_budgets import list_budgets, local_month, set_budget

    who = actor()
    now_year, now_month = local_month(int(time.time()))
    try:
        if set_code is not None:
            if amount is None:
                raise typer.BadParameter("--amount is required with --set")
            with sessions().begin() as session:
                row = set_budget(session, who, set_code, year or now_year,
                                 month or now_month, kind, amount, unit)  # fmt: skip
            console.print(
                f"{tr('已设定', 'set')}: {row['credit_code']} {row['year']}-{row['month']:02d} "
                f"{row['kind']} {row['amount']:g} {row['unit']}",
                markup=False,
            )
            return
        with sessions()() as session:
            rows = list_budgets(session, who, year=year, month=month)
    except CitycarbonError as exc:
        fail(exc)
    table = Table(title=tr("月度预算", "monthly budgets"))
    for column in ("credit_code", "enterprise", "period", "kind", "amount"):
        table.add_column(column)
    for r in rows:
        name = r["enterprise_zh"] if state.lang == "zh" else r["enterprise_en"]
        table.add_row(r["credit_code"], name, f"{r['year']}-{r['month']:02d}", r["kind"],
                      f"{r['amount']:g} {r['unit']}")  # fmt: skip
    console.print(table)


@monitoring_app.command("alerts")
def alerts_command(
    which: Annotated[str, typer.Option("--state", help="open | cleared | all")] = "open",
) -> None:
    """列出告警 / list the alerts the user may see."""
    from citycarbon.service.monitoring_alerts import list_alerts

    who = actor()
    try:
        with sessions()() as session:
            rows = list_alerts(session, who, state=which, now=int(time.time()))
    except CitycarbonError as exc:
        fail(exc)
    table = Table(title=tr("告警", "alerts"))
    for column in ("kind", "state", "subject", "last_seen", "detail"):
        table.add_column(column)
    for r in rows:
        label = r["label_zh"] if state.lang == "zh" else r["label_en"]
        detail = r["message_zh"] if state.lang == "zh" else r["message_en"]
        table.add_row(label, r["state"], r["subject"], r["last_seen"][:16], detail)
    console.print(table)
