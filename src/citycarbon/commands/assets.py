"""``citycarbon assets allocate | post | status | statement | deadline``: enterprise carbon
assets (企业碳资产) — allowance allocation, the ledger and compliance (配额清缴与履约)."""

from __future__ import annotations

import datetime as dt
import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from citycarbon.commands.common import actor, console, fail, sessions, tr
from citycarbon.errors import CitycarbonError, InputDataError, Issue, Message

if TYPE_CHECKING:
    from citycarbon.service.carbon_assets import AssetStatus

assets_app = typer.Typer(
    help="企业碳资产：配额分配、台账与履约 / carbon assets: allocation, ledger, compliance",
    no_args_is_help=True,
)


class Kind(StrEnum):
    allocation = "allocation"
    allocation_return = "allocation_return"
    purchase = "purchase"
    sale = "sale"
    transfer_in = "transfer_in"
    transfer_out = "transfer_out"
    surrender = "surrender"
    offset_surrender = "offset_surrender"


CreditCode = Annotated[str, typer.Argument(help="统一社会信用代码 / credit code")]
Year = Annotated[int, typer.Option("--year", help="履约年度 / compliance year")]


def _date(text: str | None, field: str) -> dt.date:
    if text is None:
        from citycarbon.service.carbon_assets import china_today

        return china_today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        fail(
            InputDataError(
                [
                    Issue(
                        Message(zh="日期应为 YYYY-MM-DD", en="a date must read YYYY-MM-DD"),
                        field=field,
                        value=text,
                    )
                ]
            )
        )


def _spec(path: Path) -> dict[str, Any]:
    try:
        spec = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        fail(
            InputDataError(
                [
                    Issue(
                        Message(
                            zh=f"无法读取分配参数文件（{exc}）",
                            en=f"cannot read the allocation spec ({exc})",
                        ),
                        file=str(path),
                    )
                ]
            )
        )
    if not isinstance(spec, dict):
        fail(
            InputDataError(
                [
                    Issue(
                        Message(
                            zh="分配参数应为 JSON 对象",
                            en="the allocation spec must be a JSON object",
                        ),
                        file=str(path),
                    )
                ]
            )
        )
    return spec


@assets_app.command("allocate")
def allocate_command(
    credit_code: CreditCode,
    year: Year,
    spec: Annotated[
        Path | None, typer.Option(help="分配参数 JSON 文件 / allocation spec (JSON)")
    ] = None,
    true_up: Annotated[
        bool, typer.Option("--true-up", help="按核查产量核定并调整 / true up on verified output")
    ] = False,
    on: Annotated[str | None, typer.Option(help="签发日期 / issue date (YYYY-MM-DD)")] = None,
) -> None:
    """分配配额（预分配）或核定调整 / pre-allocate allowances, or true them up."""
    from citycarbon.enterprise.allocation import AllocationError
    from citycarbon.service.carbon_assets_allocate import allocate, settle_true_up

    who = actor()
    issue_on = _date(on, "on")
    if not true_up and spec is None:
        fail(
            InputDataError(
                [
                    Issue(
                        Message(zh="请给出 --spec 或 --true-up", en="give --spec or --true-up"),
                        field="spec",
                    )
                ]
            )
        )
    try:
        with sessions().begin() as session:
            if true_up:
                row = settle_true_up(session, who, credit_code, year, issue_on=issue_on)
            else:
                assert spec is not None
                row = allocate(session, who, credit_code, year, _spec(spec), issue_on=issue_on)
            pre, final, adjust = row.pre_t, row.final_t, row.true_up_t
            method = row.method
    except AllocationError as exc:
        where = str(spec) if spec is not None and not true_up else None
        fail(InputDataError([Issue(exc.message, field=exc.field, file=where)]))
    except CitycarbonError as exc:
        fail(exc)
    console.print(
        f"{tr('方法', 'method')}: {method}  {tr('预分配', 'pre-allocated')}: {pre:,.0f} t"
    )
    if final is not None and adjust is not None:
        console.print(
            f"{tr('最终核定', 'final')}: {final:,.0f} t  {tr('调整', 'true-up')}: {adjust:+,.0f} t"
        )


@assets_app.command("post")
def post_command(
    credit_code: CreditCode,
    year: Year,
    kind: Annotated[Kind | None, typer.Option(help="条目类型 / entry kind")] = None,
    quantity: Annotated[float | None, typer.Option(help="数量 t / quantity (t)")] = None,
    on: Annotated[str | None, typer.Option(help="日期 / date (YYYY-MM-DD)")] = None,
    counterparty: Annotated[str, typer.Option(help="交易对方 / counterparty")] = "",
    price: Annotated[float | None, typer.Option(help="价格 元/t / price CNY/t")] = None,
    reference: Annotated[str, typer.Option(help="凭证号 / reference")] = "",
    note: Annotated[str, typer.Option(help="备注 / note")] = "",
    reverses: Annotated[
        int | None, typer.Option(help="冲正条目编号 / reverse this entry id")
    ] = None,
) -> None:
    """登记台账条目，或冲正一条 / post a ledger entry, or reverse one (--reverses ID --note)."""
    from citycarbon.service.carbon_assets import EntryInput, post_entry, reverse_entry

    who = actor()
    day = _date(on, "on")
    try:
        with sessions().begin() as session:
            if reverses is not None:
                row = reverse_entry(session, who, reverses, day, note)
            else:
                if kind is None or quantity is None:
                    fail(
                        InputDataError(
                            [
                                Issue(
                                    Message(
                                        zh="请给出 --kind 与 --quantity",
                                        en="give --kind and --quantity",
                                    ),
                                    field="kind" if kind is None else "quantity",
                                )
                            ]
                        )
                    )
                entry = EntryInput(kind.value, day, quantity, counterparty, price, reference, note)
                row = post_entry(session, who, credit_code, year, entry)
            entry_id = row.id
    except CitycarbonError as exc:
        fail(exc)
    console.print(tr(f"已登记条目 #{entry_id}", f"posted entry #{entry_id}"))


def _status_lines(status: AssetStatus) -> list[str]:
    zh = tr("zh", "en")
    due_source = status.deadline.source.text(zh)
    firm = status.enterprise
    lines = [
        f"{tr(firm.name_zh, firm.name_en or firm.name_zh)} {firm.credit_code} {status.year}",
        f"{tr('配额余额', 'allowance balance')}: {status.balance_t:,.2f} t",
        f"{tr('履约状态', 'compliance status')}: {status.status_label.text(zh)}",
        f"{tr('清缴截止日', 'deadline')}: {status.deadline.on.isoformat()} ({due_source})",
    ]
    verified = status.verified
    lines.append(
        f"{tr('经核查直接 CO2', 'verified direct CO2')}: {verified.direct_co2_t:,.2f} t "
        f"({tr('完整', 'complete') if verified.complete else tr('不完整', 'incomplete')}; "
        f"{verified.factor_set} {verified.gwp_set})"
    )
    result = status.compliance
    if result is not None:
        offsets = (
            f"{result.offsets_accepted_t:,.2f} / {result.offset_cap_t:,.2f} t "
            f"[{result.offset_rule}]"
        )
        lines += [
            f"{tr('已清缴配额', 'surrendered')}: {result.surrendered_allowances_t:,.2f} t",
            f"{tr('CCER 抵销（计入/上限）', 'CCER (counted/cap)')}: {offsets}",
            f"{tr('缺口', 'shortfall')}: {result.shortfall_t:,.2f} t",
        ]
        lines += [f"! {w.message.text(zh)}" for w in result.warnings]
    return lines


@assets_app.command("status")
def status_command(
    year: Year,
    credit_code: Annotated[
        str | None, typer.Argument(help="统一社会信用代码（省略则列出全部）/ credit code")
    ] = None,
    today: Annotated[str | None, typer.Option(help="截至日期 / as of (YYYY-MM-DD)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON 输出 / JSON output")] = False,
) -> None:
    """履约状态（一家企业，或可见的全部企业）/ compliance status of one or all enterprises."""
    from citycarbon.service.carbon_assets import asset_status, overview
    from citycarbon.service.carbon_assets_payload import status_payload

    who = actor()
    day = _date(today, "today")
    try:
        with sessions()() as session:
            if credit_code is None:
                statuses = overview(session, who, year, day)
            else:
                statuses = [asset_status(session, who, credit_code, year, day)]
            payloads = [status_payload(s, full=credit_code is not None) for s in statuses]
            lines = [_status_lines(s) for s in statuses]
    except CitycarbonError as exc:
        fail(exc)
    if as_json:
        body = payloads[0] if credit_code is not None else payloads
        sys.stdout.write(json.dumps(body, ensure_ascii=False, indent=1, default=str) + "\n")
        return
    if not lines:
        console.print(tr(f"{year} 年度没有碳资产记录", f"no carbon assets for {year}"))
    for block in lines:
        for line in block:
            console.print(line, markup=False, highlight=False)
        console.print("")


@assets_app.command("statement")
def statement_command(
    credit_code: CreditCode,
    year: Year,
    as_json: Annotated[bool, typer.Option("--json", help="JSON 输出 / JSON output")] = False,
) -> None:
    """台账明细与滚动余额 / the ledger statement with its running balance."""
    from citycarbon.service.carbon_assets import asset_status
    from citycarbon.service.carbon_assets_payload import statement_payload

    who = actor()
    try:
        with sessions()() as session:
            status = asset_status(session, who, credit_code, year, _date(None, "today"))
            rows = statement_payload(status)
    except CitycarbonError as exc:
        fail(exc)
    if as_json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=1, default=str) + "\n")
        return
    grid = Table(title=f"{credit_code} {year} " + tr("碳资产台账", "carbon-asset ledger"))
    for head in (tr("编号", "id"), tr("日期", "date"), tr("类型", "kind"), tr("数量 t", "t"),
                 tr("余额 t", "balance t"), tr("交易对方", "counterparty"),
                 tr("凭证", "reference"), tr("状态", "state")):  # fmt: skip
        grid.add_column(head)
    for r in rows:
        label = r["label_zh"] if tr("zh", "en") == "zh" else r["label_en"]
        grid.add_row(str(r["id"]), str(r["date"]), str(label), f"{r['signed_t']:+,.2f}",
                     f"{r['balance_t']:,.2f}", str(r["counterparty"]), str(r["reference"]),
                     str(r["state"]))  # fmt: skip
    console.print(grid)


@assets_app.command("deadline")
def deadline_command(
    year: Year,
    on: Annotated[str, typer.Option(help="清缴截止日 / surrender deadline (YYYY-MM-DD)")],
) -> None:
    """设定履约年度的清缴截止日 / set the surrender deadline of a compliance year."""
    from citycarbon.service.carbon_assets import set_deadline

    who = actor()
    day = _date(on, "on")
    try:
        with sessions().begin() as session:
            found = set_deadline(session, who, year, day)
    except CitycarbonError as exc:
        fail(exc)
    console.print(f"{year}: {found.on.isoformat()}")
