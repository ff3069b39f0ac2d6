"""The enterprise portal: the enterprise's reports by period with their deadlines, opening
a month's report, the report page (data entry form, spreadsheet upload with its validation
report, evidence, workflow steps, history) and the enterprise's ledger.

The report page is shared with the review desks (``/review/reports/…``,
``/verify/reports/…``); what it offers is what :func:`available_steps` says the user may do.
Forms post and redirect back; a validation failure renders the page again with the rows as
entered and the validation report (422).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any
from urllib.parse import urlparse

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from citycarbon.errors import CitycarbonError, InputDataError, Issue, Message
from citycarbon.service.access import Permission, require_grant
from citycarbon.service.actor import Actor
from citycarbon.service.ledger import enterprise_ledger
from citycarbon.service.report_contents import remove_line
from citycarbon.service.report_desk import (
    assignable_verifiers,
    available_steps,
    credit_code_of,
    enterprise_facilities,
    list_enterprises,
    replace_lines,
)
from citycarbon.service.report_queries import get_report, list_reports
from citycarbon.service.reports import LineInput, open_report
from citycarbon.web.api.reports import (
    RecordId,
    attach_upload,
    history_dicts,
    import_upload,
    today,
)
from citycarbon.web.deps import ReadSession, Sessions, SignedInDep
from citycarbon.web.templating import render

router = APIRouter(include_in_schema=False)

BLANK_ROWS = 3
LINE_FIELDS = ("facility", "category", "activity", "qualifier", "quantity", "unit")
FIELD_LABELS: dict[str, Message] = {
    "facility": Message(zh="设施", en="facility"),
    "category": Message(zh="排放类别", en="category"),
    "activity": Message(zh="活动/燃料", en="activity"),
    "qualifier": Message(zh="限定", en="qualifier"),
    "quantity": Message(zh="数量", en="quantity"),
    "unit": Message(zh="单位", en="unit"),
    "overrides": Message(zh="实测参数", en="overrides"),
    "source": Message(zh="数据来源", en="source"),
    "credit_code": Message(zh="统一社会信用代码", en="credit code"),
    "year": Message(zh="年份", en="year"),
    "month": Message(zh="月份", en="month"),
    "file": Message(zh="文件", en="file"),
    "state": Message(zh="状态", en="state"),
    "reason": Message(zh="理由", en="reason"),
    "lines": Message(zh="数据行", en="lines"),
}
DESKS = {"portal", "review", "verify"}
DONE: dict[str, Message] = {
    "saved": Message(zh="已保存", en="saved"),
    "removed": Message(zh="已删除该行", en="the line was removed"),
    "uploaded": Message(zh="数据表已导入", en="the spreadsheet was imported"),
    "attached": Message(zh="证明材料已上传", en="the evidence was attached"),
    "submit": Message(zh="已提交", en="submitted"),
    "check": Message(zh="已审核通过", en="checked"),
    "return": Message(zh="已退回", en="returned"),
    "assign": Message(zh="已指派核查机构", en="verifier assigned"),
    "verify": Message(zh="已核查", en="verified"),
    "lock": Message(zh="已锁定", en="locked"),
    "restate": Message(zh="已建立更正版本", en="restated as a new version"),
}


# ---- the code lists the entry form offers (those the intake template and engine use)


@dataclass(frozen=True)
class Choice:
    code: str
    zh: str
    en: str


@dataclass(frozen=True)
class EntryChoices:
    categories: tuple[Choice, ...]
    activities: tuple[Choice, ...]
    units: tuple[str, ...]


@cache
def entry_choices() -> EntryChoices:
    """Categories an enterprise reports under (fuel combustion, industrial processes with a
    method, purchased electricity and heat), fuels and products, and the usual units."""
    from citycarbon.accounting import methods
    from citycarbon.accounting.registry import registered
    from citycarbon.refdata.loader import load_codelist, load_table

    methods.load_all()
    specs = registered()
    tree = load_codelist("categories_ipcc2006")
    parents = {row["parent"] for row in tree}
    categories = [
        Choice(row["code"], row["name_zh"], row["name_en"])
        for row in tree
        if row["code"] not in parents
        and (row["code"].startswith(("1.A.", "2.")) or row["code"] in ("IND.1", "IND.2"))
        and any(row["code"] == c or row["code"].startswith(c + ".") for c in specs)
    ]
    activities: dict[str, Choice] = {
        "electricity": Choice("electricity", "电力", "electricity"),
        "heat": Choice("heat", "热力", "heat"),
    }
    for factor in load_table("cn_provincial_fuel"):
        activities.setdefault(
            factor.subject, Choice(factor.subject, factor.label_zh, factor.label_en)
        )
    for spec in specs.values():
        for code in spec.activities:
            activities.setdefault(code, Choice(code, code, code))
    units = ("t", "10^4 Nm3", "Nm3", "m3", "MWh", "kWh", "GJ", "TJ", "kg", "tce")
    return EntryChoices(tuple(categories), tuple(activities.values()), units)


# ---- shared by the report pages


def local_target(target: str | None, fallback: str) -> str:
    """Only same-site paths: a form's ``next`` must not send the user elsewhere."""
    if not target:
        return fallback
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    return target


def back(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def issue_rows(exc: CitycarbonError) -> list[dict[str, Any]]:
    """The validation report: row, field and reason, each in both languages."""
    issues = exc.issues if isinstance(exc, InputDataError) else [Issue(exc.message, exc.field)]
    return [
        {
            "file": i.file,
            "sheet": i.sheet,
            "row": i.row,
            "field": i.field or "",
            "field_label": FIELD_LABELS.get(i.field or "", Message(i.field or "", i.field or "")),
            "value": i.value,
            "reason": i.reason,
        }
        for i in issues
    ]


def report_page(
    request: Request,
    session: Session,
    actor: Actor,
    report_id: int,
    desk: str = "portal",
    *,
    status: int = 200,
    form_rows: list[dict[str, str]] | None = None,
    issues: list[dict[str, Any]] | None = None,
    problem: Message | None = None,
) -> Response:
    view = get_report(session, actor, report_id, today=today())
    steps = available_steps(session, actor, report_id)
    facilities = (
        enterprise_facilities(session, actor, view.report["enterprise_id"])
        if "edit" in steps
        else []
    )
    verifiers = assignable_verifiers(session, actor) if "assign" in steps else []
    rows = form_rows
    if rows is None:
        rows = [
            {k: _text(line[k]) for k in LINE_FIELDS} | {"id": line["id"]} for line in view.lines
        ]
        rows += [dict.fromkeys(LINE_FIELDS, "") for _ in range(BLANK_ROWS)]
    bad_fields: dict[int, set[str]] = {}
    for issue in issues or []:
        if issue["row"] is not None:
            bad_fields.setdefault(issue["row"], set()).add(issue["field"])
    context = {
        "view": view,
        "s": view.summary,
        "steps": steps,
        "workflow_steps": steps - {"edit", "attach"},
        "desk": desk if desk in DESKS else "portal",
        "rows": rows,
        "bad_rows": set(bad_fields),
        "bad_fields": bad_fields,
        "issues": issues,
        "problem": problem,
        "facilities": facilities,
        "verifiers": verifiers,
        "choices": entry_choices(),
        "history": history_dicts(view),
        "done": DONE.get(request.query_params.get("done", "")) if status == 200 else None,
        # metered vs reported energy, for the district check and the verifier (issue 7)
        "reconciliation": metered_vs_reported(request, session, actor, report_id, desk),
    }
    return render(request, "report.html", context, status)


def metered_vs_reported(
    request: Request, session: Session, actor: Actor, report_id: int, desk: str
) -> dict[str, Any] | None:
    if desk not in ("review", "verify"):
        return None
    from citycarbon.lake.layout import lake_root
    from citycarbon.service.monitoring_reconcile import reconcile_report

    root = lake_root(request.app.state.settings.data_dir)
    return reconcile_report(
        session, root, actor, report_id, now=int(dt.datetime.now(dt.UTC).timestamp())
    )


def _text(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".")
    return "" if value is None else str(value)


# ---- the portal home


@router.get("/portal")
async def portal_home(
    request: Request,
    actor: SignedInDep,
    session: ReadSession,
    year: int | None = None,
    enterprise: str | None = None,
    q: str | None = None,
) -> Response:
    require_grant(actor, Permission.EDIT_REPORT)
    credit_code = (
        credit_code_of(session, actor, actor.enterprise_id)
        if actor.enterprise_id is not None
        else (enterprise or "").strip().upper() or None
    )
    if credit_code is None:  # an administrator picks the enterprise to act for
        total, firms = list_enterprises(session, actor, search=q, limit=50)
        return render(request, "portal_pick.html", {"firms": firms, "total": total, "q": q or ""})
    reports = list_reports(session, actor, today=today(), credit_code=credit_code)
    years = sorted({r.year for r in reports}, reverse=True)
    shown_year = year if year is not None else (years[0] if years else today().year)
    ledger = None
    if reports:
        ledger = enterprise_ledger(session, actor, credit_code, shown_year)
    last_month = today().replace(day=1) - dt.timedelta(days=1)
    context = {
        "credit_code": credit_code,
        "firm": reports[0] if reports else None,
        "reports": [r for r in reports if r.year == shown_year],
        "overdue": [r for r in reports if r.overdue is not None],
        "years": years,
        "year": shown_year,
        "ledger": ledger,
        "open_year": last_month.year,
        "open_month": last_month.month,
        "this_year": today().year,
    }
    return render(request, "portal.html", context)


@router.post("/portal/open")
def portal_open(
    actor: SignedInDep,
    sessions: Sessions,
    credit_code: Annotated[str, Form(max_length=30)],
    year: Annotated[int, Form(ge=1900, le=2200)],
    month: Annotated[int, Form(ge=0, le=12)],
) -> Response:
    with sessions.begin() as session:
        report = open_report(session, actor, credit_code, year, month)
        report_id = report.id
    return back(f"/portal/reports/{report_id}")


# ---- one report


@router.get("/portal/reports/{report_id}")
async def portal_report(
    request: Request, report_id: RecordId, actor: SignedInDep, session: ReadSession
) -> Response:
    return report_page(request, session, actor, report_id, "portal")


@router.get("/portal/reports/{report_id}/row")
async def blank_row(
    request: Request, report_id: RecordId, actor: SignedInDep, session: ReadSession
) -> Response:
    """One more empty row for the entry form (htmx appends it)."""
    steps = available_steps(session, actor, report_id)
    view = get_report(session, actor, report_id, today=today())
    facilities = (
        enterprise_facilities(session, actor, view.report["enterprise_id"])
        if "edit" in steps
        else []
    )
    context = {
        "row": dict.fromkeys(LINE_FIELDS, ""),
        "facilities": facilities,
        "choices": entry_choices(),
        "bad": False,
        "s": view.summary,
        "report_id": report_id,
    }
    return render(request, "report_row.html", context)


def _number(text: str) -> float:
    """A quantity as typed (thousands separators allowed); NaN when it is not a number, so
    the service names the row and field."""
    try:
        value = float(text.replace(",", "").strip())
    except ValueError:
        return math.nan
    return value


@router.post("/portal/reports/{report_id}/lines")
def save_lines(
    request: Request,
    report_id: RecordId,
    actor: SignedInDep,
    sessions: Sessions,
    category: Annotated[list[str], Form()],
    activity: Annotated[list[str], Form()],
    quantity: Annotated[list[str], Form()],
    unit: Annotated[list[str], Form()],
    facility: Annotated[list[str] | None, Form()] = None,
    qualifier: Annotated[list[str] | None, Form()] = None,
) -> Response:
    """The report's lines become the rows of the form (empty rows are skipped); all or
    nothing. Rows are numbered as the form shows them."""
    count = len(category)
    columns = {
        "category": category, "activity": activity, "quantity": quantity, "unit": unit,
        "facility": facility or [""] * count, "qualifier": qualifier or [""] * count,
    }  # fmt: skip
    rows = [
        {k: (v[n] if n < len(v) else "").strip() for k, v in columns.items()} for n in range(count)
    ]
    lines = [
        LineInput(
            category=r["category"],
            activity=r["activity"],
            quantity=_number(r["quantity"]),
            unit=r["unit"],
            facility=r["facility"],
            qualifier=r["qualifier"],
            row=n,
        )
        for n, r in enumerate(rows, start=1)
        if any(r.values())
    ]
    try:
        with sessions.begin() as session:
            replace_lines(session, actor, report_id, lines)
    except InputDataError as exc:
        issues = issue_rows(exc)
        for issue in issues:  # show the quantity as typed, not the NaN it became
            if issue["field"] == "quantity" and issue["row"] and issue["row"] <= len(rows):
                issue["value"] = rows[issue["row"] - 1]["quantity"]
        with sessions() as session:
            return report_page(
                request, session, actor, report_id, "portal",
                status=422, form_rows=rows, issues=issues,
            )  # fmt: skip
    return back(f"/portal/reports/{report_id}?done=saved#lines")


@router.post("/portal/reports/{report_id}/lines/{line_id}/delete")
def delete_line(
    report_id: RecordId, line_id: RecordId, actor: SignedInDep, sessions: Sessions
) -> Response:
    with sessions.begin() as session:
        view = get_report(session, actor, report_id, today=today())
        line = next((x for x in view.lines if x["id"] == line_id), None)
        if line is not None:
            remove_line(
                session, actor, report_id, line["category"], line["activity"],
                facility=line["facility"], qualifier=line["qualifier"],
            )  # fmt: skip
    return back(f"/portal/reports/{report_id}?done=removed#lines")


@router.post("/portal/reports/{report_id}/upload")
def upload_sheet(
    request: Request,
    report_id: RecordId,
    actor: SignedInDep,
    sessions: Sessions,
    file: Annotated[UploadFile, File()],
) -> Response:
    try:
        with sessions.begin() as session:
            import_upload(session, actor, report_id, file)
    except InputDataError as exc:
        with sessions() as session:
            return report_page(
                request, session, actor, report_id, "portal", status=422, issues=issue_rows(exc)
            )
    return back(f"/portal/reports/{report_id}?done=uploaded#lines")


@router.post("/portal/reports/{report_id}/attachments")
def upload_attachment(
    request: Request,
    report_id: RecordId,
    actor: SignedInDep,
    sessions: Sessions,
    file: Annotated[UploadFile, File()],
    next: Annotated[str, Form()] = "",
) -> Response:
    try:
        with sessions.begin() as session:
            attach_upload(session, actor, report_id, file)
    except InputDataError as exc:
        with sessions() as session:
            return report_page(
                request, session, actor, report_id, "portal", status=422, issues=issue_rows(exc)
            )
    target = local_target(next, f"/portal/reports/{report_id}").split("?")[0]
    return back(f"{target}?done=attached#evidence")
