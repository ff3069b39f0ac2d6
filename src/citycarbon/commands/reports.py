"""``citycarbon report`` (enterprise reporting and verification), ``citycarbon user`` and
``citycarbon audit``: thin adapters over the service layer, acting as ``--user``."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from citycarbon.commands.common import actor, console, fail, say, sessions, zh
from citycarbon.errors import CitycarbonError, InputDataError, Issue, Message

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from citycarbon.service.actor import Actor
    from citycarbon.service.reports import LineInput
    from citycarbon.store.models import Report

report_app = typer.Typer(
    help="企业碳排放报告与核查 / enterprise reports (MRV)", no_args_is_help=True
)
user_app = typer.Typer(help="用户与令牌 / users and API tokens", no_args_is_help=True)
audit_app = typer.Typer(help="审计日志 / audit log", no_args_is_help=True)


@contextmanager
def _work() -> Iterator[tuple[Session, Actor]]:
    """One transaction as the acting user; a refused or invalid request writes nothing."""
    who = actor()
    try:
        with sessions().begin() as session:
            yield session, who
    except CitycarbonError as exc:
        fail(exc)


def _period(report: Report) -> str:
    if report.month == 0:
        return f"{report.year} {'年报' if zh() else 'annual'}"
    return f"{report.year}-{report.month:02d}"


def _state_text(state: str) -> str:
    from citycarbon.enterprise.workflow import ReportState

    return ReportState(state).label.text("zh" if zh() else "en")


def _said(report: Report, done: Message) -> None:
    say(
        Message(
            zh=f"{done.zh}：报告 {report.id}（{_period(report)}，第 {report.version} 版）"
            f"→ {_state_text(report.state)}",
            en=f"{done.en}: report {report.id} ({_period(report)}, version {report.version})"
            f" → {_state_text(report.state)}",
        )
    )


# ---- reports


@report_app.command("open")
def report_open(
    credit_code: Annotated[str, typer.Argument(help="统一社会信用代码 / credit code")],
    year: Annotated[int, typer.Option(help="报告年份 / year")],
    month: Annotated[int, typer.Option(help="月份 1–12，0 为年报 / month, 0 = annual")] = 0,
    gwp: Annotated[str, typer.Option(help="GWP 版本 / GWP set")] = "AR5",
    factor_set: Annotated[str | None, typer.Option(help="因子集 name@version")] = None,
) -> None:
    """打开（或新建）某期报告 / open the current report of a period, creating a draft."""
    from citycarbon.service.reports import open_report

    with _work() as (session, who):
        report = open_report(
            session, who, credit_code, year, month, gwp_set=gwp, factor_set=factor_set
        )
        _said(report, Message(zh="报告", en="report"))
        say(Message(zh=f"截止日期 {report.due_date}", en=f"due {report.due_date}"))


LINE_COLUMNS = ("category", "activity", "quantity", "unit")
OPTIONAL_LINE_COLUMNS = ("facility", "qualifier", "overrides", "source")


def read_lines_csv(path: Path) -> list[LineInput]:
    """Report lines from a CSV file (header: category, activity, quantity, unit and
    optionally facility, qualifier, overrides, source); rows numbered as a spreadsheet
    numbers them (header = row 1)."""
    from citycarbon.service.reports import LineInput

    name = str(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            header = [h.strip() for h in reader.fieldnames or []]
            missing = [c for c in LINE_COLUMNS if c not in header]
            if missing:
                raise InputDataError(
                    [
                        Issue(
                            Message(zh="缺少必需的列", en="required column is missing"),
                            field=column,
                            row=1,
                            file=name,
                        )
                        for column in missing
                    ]
                )
            rows = [{(k or "").strip(): (v or "").strip() for k, v in r.items()} for r in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputDataError(
            [
                Issue(
                    Message(zh=f"无法读取文件：{exc}", en=f"cannot read the file: {exc}"), file=name
                )
            ]
        ) from None
    lines, issues = [], []
    for number, row in enumerate(rows, start=2):
        try:
            quantity = float(row["quantity"])
        except ValueError:
            issues.append(
                Issue(
                    Message(zh="数量不是数字", en="quantity is not a number"),
                    field="quantity",
                    row=number,
                    file=name,
                    value=row["quantity"],
                )
            )
            continue
        extra = {c: row.get(c, "") for c in OPTIONAL_LINE_COLUMNS}
        lines.append(
            LineInput(
                category=row["category"],
                activity=row["activity"],
                quantity=quantity,
                unit=row["unit"],
                row=number,
                **extra,
            )
        )
    if issues:
        raise InputDataError(issues)
    return lines


@report_app.command("lines")
def report_lines(
    report_id: Annotated[int, typer.Argument(help="报告编号 / report id")],
    path: Annotated[Path, typer.Argument(help="活动数据 CSV / lines CSV")],
) -> None:
    """录入或替换报告的活动数据行（全部有效才写入）/ add or replace lines from a CSV file."""
    from citycarbon.service.report_contents import put_lines

    with _work() as (session, who):
        rows = put_lines(session, who, report_id, read_lines_csv(path), file=str(path))
        say(
            Message(
                zh=f"报告 {report_id}：已写入 {len(rows)} 行",
                en=f"report {report_id}: {len(rows)} lines",
            )
        )


@report_app.command("attach")
def report_attach(
    report_id: Annotated[int, typer.Argument(help="报告编号 / report id")],
    path: Annotated[Path, typer.Argument(help="证明材料 / evidence file")],
    media_type: Annotated[str, typer.Option(help="MIME 类型 / media type")] = (
        "application/octet-stream"
    ),
) -> None:
    """上传证明材料（保存 SHA-256）/ attach evidence, stored with its SHA-256."""
    from citycarbon.service.report_contents import attach

    try:
        content = path.read_bytes()
    except OSError as exc:
        fail(
            CitycarbonError(
                Message(zh=f"无法读取文件 {path}：{exc}", en=f"cannot read {path}: {exc}")
            )
        )
    with _work() as (session, who):
        row = attach(session, who, report_id, path.name, content, media_type)
        say(
            Message(
                zh=f"附件 {row.id} sha256={row.sha256}",
                en=f"attachment {row.id} sha256={row.sha256}",
            )
        )


def _transition(done: Message, step: Callable[[Session, Actor], Report]) -> None:
    with _work() as (session, who):
        _said(step(session, who), done)


@report_app.command("submit")
def report_submit(report_id: Annotated[int, typer.Argument()]) -> None:
    """提交报告 / submit a report for the district check."""
    from citycarbon.service.report_workflow import submit

    _transition(Message(zh="已提交", en="submitted"), lambda s, a: submit(s, a, report_id))


@report_app.command("check")
def report_check(report_id: Annotated[int, typer.Argument()]) -> None:
    """县区审核通过 / the district check passes the report on to verification."""
    from citycarbon.service.report_workflow import check

    _transition(Message(zh="已审核", en="checked"), lambda s, a: check(s, a, report_id))


@report_app.command("return")
def report_return(
    report_id: Annotated[int, typer.Argument()],
    reason: Annotated[str, typer.Option(help="退回理由 / reason")] = "",
) -> None:
    """退回报告（须说明理由）/ return a report to the enterprise, with a reason."""
    from citycarbon.service.report_workflow import return_report

    _transition(
        Message(zh="已退回", en="returned"), lambda s, a: return_report(s, a, report_id, reason)
    )


@report_app.command("assign")
def report_assign(
    report_id: Annotated[int, typer.Argument()],
    verifier: Annotated[str, typer.Argument(help="核查机构用户名 / verifier's user name")],
) -> None:
    """指派第三方核查机构 / assign a third-party verifier."""
    from citycarbon.service.report_workflow import assign_verifier

    _transition(
        Message(zh=f"已指派 {verifier}", en=f"assigned to {verifier}"),
        lambda s, a: assign_verifier(s, a, report_id, verifier),
    )


@report_app.command("verify")
def report_verify(report_id: Annotated[int, typer.Argument()]) -> None:
    """核查通过 / verify a report (its numbers become immutable)."""
    from citycarbon.service.report_workflow import verify

    _transition(Message(zh="已核查", en="verified"), lambda s, a: verify(s, a, report_id))


@report_app.command("lock")
def report_lock(report_id: Annotated[int, typer.Argument()]) -> None:
    """锁定报告 / lock a verified report."""
    from citycarbon.service.report_workflow import lock

    _transition(Message(zh="已锁定", en="locked"), lambda s, a: lock(s, a, report_id))


@report_app.command("restate")
def report_restate(
    report_id: Annotated[int, typer.Argument()],
    reason: Annotated[str, typer.Option(help="更正理由 / reason")] = "",
) -> None:
    """更正已核查的报告（新版本，旧版本保留）/ restate: a new version, the old one kept."""
    from citycarbon.service.report_workflow import restate

    _transition(
        Message(zh="已建立更正版本", en="restated"), lambda s, a: restate(s, a, report_id, reason)
    )


@report_app.command("list")
def report_list(
    year: Annotated[int | None, typer.Option()] = None,
    month: Annotated[int | None, typer.Option()] = None,
    state: Annotated[str | None, typer.Option(help="draft, submitted, checked …")] = None,
    enterprise: Annotated[str | None, typer.Option(help="统一社会信用代码 / credit code")] = None,
    region: Annotated[str | None, typer.Option(help="地区代码（含下级）/ region and below")] = None,
    all_versions: Annotated[bool, typer.Option(help="含历史版本 / include old versions")] = False,
    overdue: Annotated[bool, typer.Option(help="仅逾期 / overdue only")] = False,
    today: Annotated[str | None, typer.Option(help="按此日期判断逾期 YYYY-MM-DD")] = None,
) -> None:
    """报告列表（标出逾期）/ reports you may see, with overdue flags."""
    from citycarbon.enterprise.workflow import ReportState
    from citycarbon.service.report_queries import list_reports

    lang = "zh" if zh() else "en"
    with _work() as (session, who):
        try:
            wanted = None if state is None else ReportState(state)
            day = dt.date.fromisoformat(today) if today else dt.datetime.now(dt.UTC).date()
        except ValueError as exc:
            raise CitycarbonError(
                Message(zh=f"参数无效：{exc}", en=f"invalid option: {exc}")
            ) from None
        summaries = list_reports(
            session, who, today=day, year=year, month=month, state=wanted,
            credit_code=enterprise, region_code=region, all_versions=all_versions,
            overdue_only=overdue,
        )  # fmt: skip
    grid = Table(title="企业报告" if lang == "zh" else "enterprise reports")
    headers = (
        ("编号", "id"), ("企业", "enterprise"), ("报告期", "period"), ("版本", "version"),
        ("状态", "state"), ("截止", "due"), ("核查机构", "verifier"), ("逾期", "overdue"),
    )  # fmt: skip
    for zh_name, en_name in headers:
        grid.add_column(zh_name if lang == "zh" else en_name)
    for s in summaries:
        name = s.enterprise_en if lang == "en" and s.enterprise_en else s.enterprise_zh
        grid.add_row(
            str(s.id),
            f"{s.credit_code} {name}",
            s.period,
            str(s.version),
            s.state.label.text(lang),
            s.due_date.isoformat(),
            s.verifier or "",
            s.overdue.text(lang) if s.overdue else "",
        )
    console.print(grid)


@report_app.command("show")
def report_show(
    report_id: Annotated[int, typer.Argument()],
    as_json: Annotated[bool, typer.Option("--json", help="JSON 输出 / JSON output")] = False,
) -> None:
    """报告详情、证明材料与历史 / a report with its lines, evidence and history."""
    from citycarbon.service.report_queries import get_report

    lang = "zh" if zh() else "en"
    with _work() as (session, who):
        view = get_report(session, who, report_id)
    history = [
        {
            "at": e.at.isoformat(), "actor": e.actor, "action": e.action,
            "state_before": (e.before or {}).get("state"),
            "state_after": (e.after or {}).get("state"), "reason": e.reason,
        }
        for e in view.history
    ]  # fmt: skip
    if as_json:
        payload = {
            "report": view.report, "lines": view.lines, "production": view.production,
            "attachments": view.attachments, "history": history,
            "overdue": view.summary.overdue.text(lang) if view.summary.overdue else None,
        }  # fmt: skip
        console.print_json(json.dumps(payload, ensure_ascii=False, default=str))
        return
    s = view.summary
    say(
        Message(
            zh=f"报告 {s.id}：{s.enterprise_zh}（{s.credit_code}）{s.period} 第 {s.version} 版，"
            f"{s.state.label.zh}，截止 {s.due_date}" + (f"，{s.overdue.zh}" if s.overdue else ""),
            en=f"report {s.id}: {s.enterprise_en or s.enterprise_zh} ({s.credit_code}) {s.period}"
            f" version {s.version}, {s.state.label.en}, due {s.due_date}"
            + (f", {s.overdue.en}" if s.overdue else ""),
        )
    )
    if view.report.get("return_reason"):
        say(
            Message(
                zh=f"退回理由：{view.report['return_reason']}",
                en=f"returned because: {view.report['return_reason']}",
            )
        )
    lines = Table(title="活动数据" if lang == "zh" else "lines")
    for column in ("facility", "category", "activity", "qualifier", "quantity", "unit"):
        lines.add_column(column)
    for line in view.lines:
        lines.add_row(
            line["facility"], line["category"], line["activity"], line["qualifier"],
            f"{line['quantity']:g}", line["unit"],
        )  # fmt: skip
    console.print(lines)
    for a in view.attachments:
        console.print(f"📎 {a['id']} {a['filename']} {a['size']} B sha256={a['sha256']}")
    trail = Table(title="历史" if lang == "zh" else "history")
    for column in ("at", "actor", "action", "state_before", "state_after", "reason"):
        trail.add_column(column)
    for h in history:
        trail.add_row(*(str(h[k] or "") for k in h))
    console.print(trail)


# ---- users


@user_app.command("add")
def user_add(
    username: Annotated[str, typer.Argument()],
    role: Annotated[
        str,
        typer.Option(
            help="admin, city_office, district_official, enterprise, verifier, "
            "project_reviewer, public"
        ),
    ],
    password: Annotated[str | None, typer.Option(help="密码（可不设，仅用令牌）/ password")] = None,
    region: Annotated[str | None, typer.Option(help="地区代码 / region code")] = None,
    enterprise: Annotated[str | None, typer.Option(help="统一社会信用代码 / credit code")] = None,
    display_name: Annotated[str, typer.Option()] = "",
) -> None:
    """新增用户 / add a user."""
    from citycarbon.service.roles import Role
    from citycarbon.service.users import create_user

    with _work() as (session, who):
        try:
            chosen = Role(role)
        except ValueError:
            raise CitycarbonError(
                Message(
                    zh=f"未知的角色 {role}（可选：{', '.join(Role)}）",
                    en=f"unknown role {role} (one of: {', '.join(Role)})",
                )
            ) from None
        user = create_user(
            session, who, username, chosen, password=password, display_name=display_name,
            region_code=region, credit_code=enterprise,
        )  # fmt: skip
        say(
            Message(
                zh=f"已新增用户 {user.username}（{chosen.label.zh}）",
                en=f"added user {user.username} ({chosen.label.en})",
            )
        )


@user_app.command("token")
def user_token(
    username: Annotated[str, typer.Argument()],
    name: Annotated[str, typer.Option(help="令牌用途 / what the token is for")] = "",
    days: Annotated[int, typer.Option(help="有效天数 / valid for days")] = 365,
) -> None:
    """签发 API 令牌（只显示这一次）/ issue an API token (shown once, only its hash is kept)."""
    from citycarbon.service.users import issue_token

    with _work() as (session, who):
        token = issue_token(session, who, username, name, days)
    console.print(token, markup=False, highlight=False)


@user_app.command("revoke")
def user_revoke(token_id: Annotated[int, typer.Argument(help="令牌编号 / token id")]) -> None:
    """吊销令牌 / revoke a token."""
    from citycarbon.service.users import revoke_token

    with _work() as (session, who):
        revoke_token(session, who, token_id)
    say(Message(zh=f"已吊销令牌 {token_id}", en=f"revoked token {token_id}"))


@user_app.command("list")
def user_list() -> None:
    """用户列表 / list users."""
    from citycarbon.service.roles import Role
    from citycarbon.service.users import list_users

    lang = "zh" if zh() else "en"
    with _work() as (session, who):
        users = list_users(session, who)
    grid = Table(title="用户" if lang == "zh" else "users")
    for zh_name, en_name in (
        ("用户名", "user"), ("角色", "role"), ("地区", "region"), ("企业", "enterprise"),
        ("启用", "active"),
    ):  # fmt: skip
        grid.add_column(zh_name if lang == "zh" else en_name)
    for u in users:
        grid.add_row(
            u.username, Role(u.role).label.text(lang), u.region_code or "",
            str(u.enterprise_id or ""), "✓" if u.is_active else "✗",
        )  # fmt: skip
    console.print(grid)


# ---- audit


@audit_app.command("list")
def audit_list(
    entity: Annotated[str | None, typer.Option(help="report, user, api_token, setting …")] = None,
    key: Annotated[str | None, typer.Option(help="记录编号 / record key")] = None,
    limit: Annotated[int, typer.Option(help="最近多少条 / newest entries")] = 100,
) -> None:
    """审计日志 / the audit log (who, when, what, before and after)."""
    from citycarbon.service.report_queries import list_audit

    lang = "zh" if zh() else "en"
    with _work() as (session, who):
        entries = list_audit(session, who, entity=entity, key=key, limit=limit)
    grid = Table(title="审计日志" if lang == "zh" else "audit log")
    for zh_name, en_name in (
        ("时间", "at"), ("用户", "actor"), ("操作", "action"), ("对象", "entity"),
        ("状态前", "before"), ("状态后", "after"), ("理由", "reason"),
    ):  # fmt: skip
        grid.add_column(zh_name if lang == "zh" else en_name)
    for e in entries:
        grid.add_row(
            e.at.isoformat(timespec="seconds"), e.actor, e.action, f"{e.entity} {e.entity_key}",
            str((e.before or {}).get("state", "")), str((e.after or {}).get("state", "")),
            e.reason or "",
        )  # fmt: skip
    console.print(grid)
