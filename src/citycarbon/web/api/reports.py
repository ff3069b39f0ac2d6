"""Enterprise reporting and verification (MRV) over HTTP: reports, their lines, production,
spreadsheet uploads and evidence, and the workflow steps (enterprises, ledgers, templates
and deadlines: :mod:`citycarbon.web.api.enterprises`).

Routes are thin: every decision (who may see or change what, which step is possible) is the
service layer's. Reads are ``async def`` returning orjson bytes; writes are ``def`` routes
in one transaction each, so a refused or invalid request writes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, File, Query, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from citycarbon.enterprise.workflow import ReportState
from citycarbon.errors import InputDataError, Issue, Message
from citycarbon.service.access import Permission, require_grant
from citycarbon.service.actor import Actor
from citycarbon.service.ledger import RecordNotFoundError
from citycarbon.service.report_contents import (
    MAX_ATTACHMENT_BYTES,
    attach,
    put_production,
    remove_line,
)
from citycarbon.service.report_desk import (
    available_steps,
    import_into_report,
    replace_lines,
)
from citycarbon.service.report_queries import (
    ReportFilters,
    ReportSummary,
    ReportView,
    attachment_content,
    count_reports,
    get_report,
    list_reports,
)
from citycarbon.service.report_workflow import (
    assign_verifier,
    check,
    lock,
    restate,
    return_report,
    submit,
    verify,
)
from citycarbon.service.reports import (
    LineInput,
    ProductionInput,
    open_report,
)
from citycarbon.store.models import Report
from citycarbon.web.deps import ReadSession, Sessions, SignedInDep
from citycarbon.web.responses import JsonResponse

router = APIRouter(tags=["reports (MRV)"])

Format = Annotated[Literal["json", "csv"], Query(alias="format", description="json or csv")]
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_ID = 2**63 - 1  # a database integer key
RecordId = Annotated[int, PathParam(ge=1, le=MAX_ID)]
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".csv", ".txt")


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


# ---- what reports look like over the API


def summary_dict(s: ReportSummary) -> dict[str, Any]:
    return {
        "id": s.id, "credit_code": s.credit_code, "enterprise_zh": s.enterprise_zh,
        "enterprise_en": s.enterprise_en, "region_code": s.region_code, "year": s.year,
        "month": s.month, "period": s.period, "version": s.version,
        "is_current": s.is_current, "state": s.state.value, "state_zh": s.state.label.zh,
        "state_en": s.state.label.en, "due_date": s.due_date, "verifier": s.verifier,
        "overdue": None if s.overdue is None else {"zh": s.overdue.zh, "en": s.overdue.en},
        "url": f"/api/v1/reports/{s.id}",
    }  # fmt: skip


def history_dicts(view: ReportView) -> list[dict[str, Any]]:
    return [
        {
            "at": e.at,
            "actor": e.actor,
            "action": e.action,
            "state_before": (e.before or {}).get("state"),
            "state_after": (e.after or {}).get("state"),
            "reason": e.reason,
        }
        for e in view.history
    ]


REPORT_FIELDS = (
    "factor_set", "gwp_set", "return_reason", "supersedes_id",
    "submitted_at", "checked_at", "verified_at", "locked_at",
)  # fmt: skip


def detail_dict(view: ReportView, steps: Iterable[str]) -> dict[str, Any]:
    """One report: its summary, lines, production, evidence, history, deadline and the
    steps the asking user may take now."""
    s = view.summary
    return {
        **summary_dict(s),
        **{k: view.report.get(k) for k in REPORT_FIELDS},
        "deadline": {
            "due_date": s.due_date,
            "overdue": None if s.overdue is None else {"zh": s.overdue.zh, "en": s.overdue.en},
        },
        "lines": view.lines,
        "production": view.production,
        "attachments": [{**a, "url": f"/api/v1/attachments/{a['id']}"} for a in view.attachments],
        "history": history_dicts(view),
        "steps": sorted(steps),
    }


def report_detail(session: Session, actor: Actor, report_id: int) -> dict[str, Any]:
    view = get_report(session, actor, report_id, today=today())
    return detail_dict(view, available_steps(session, actor, report_id))


def csv_download(
    rows: Iterable[Mapping[str, Any]], columns: Sequence[str], filename: str
) -> Response:
    """A CSV download (UTF-8 with BOM, so spreadsheet programs read the Chinese) with a
    header even when there are no rows."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if row.get(k) is None else row[k] for k in columns})
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'},
    )


REPORT_CSV = (
    "id", "credit_code", "enterprise_zh", "enterprise_en", "region_code", "period", "version",
    "state", "state_zh", "state_en", "due_date", "verifier", "overdue_zh", "overdue_en",
)  # fmt: skip


# ---- reading reports


@router.get("/reports", summary="报告列表（含逾期标记）/ reports you may see, with overdue flags")
async def get_reports(
    actor: SignedInDep,
    session: ReadSession,
    enterprise: Annotated[str | None, Query(max_length=18, description="credit code")] = None,
    year: Annotated[int | None, Query(ge=1900, le=2200)] = None,
    month: Annotated[int | None, Query(ge=0, le=12, description="0 = annual")] = None,
    state: ReportState | None = None,
    region: Annotated[str | None, Query(max_length=12, description="region and below")] = None,
    overdue: bool = False,
    all_versions: bool = False,
    on: Annotated[dt.date | None, Query(description="the day overdue is judged on")] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    output: Format = "json",
) -> Response:
    require_grant(actor, Permission.READ_REPORT)
    day = on or today()
    filters = ReportFilters(
        year=year, month=month, state=state, credit_code=enterprise or None,
        region_code=region or None, all_versions=all_versions, overdue_only=overdue,
    )  # fmt: skip
    found = list_reports(session, actor, today=day, limit=limit, offset=offset, **filters)
    page = [summary_dict(s) for s in found]
    if output == "csv":
        for row in page:
            late = row["overdue"] or {}
            row["overdue_zh"], row["overdue_en"] = late.get("zh"), late.get("en")
        return csv_download(page, REPORT_CSV, "reports")
    total = count_reports(session, actor, today=day, **filters)
    return JsonResponse({"total": total, "offset": offset, "reports": page})


@router.get("/reports/{report_id}", summary="一份报告：数据、证明材料、历史、期限 / one report")
async def get_one_report(report_id: RecordId, actor: SignedInDep, session: ReadSession) -> Response:
    return JsonResponse(report_detail(session, actor, report_id))


@router.get("/attachments/{attachment_id}", summary="下载证明材料 / download evidence")
async def get_attachment(
    attachment_id: RecordId, actor: SignedInDep, session: ReadSession
) -> Response:
    row = attachment_content(session, actor, attachment_id)
    return Response(
        row.content,
        media_type="application/octet-stream",
        headers={
            # a download, never shown in our origin (an uploaded page must not run here)
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(row.filename)}",
            "Content-Security-Policy": "sandbox",
            "X-Checksum-SHA256": row.sha256,
        },
    )


# ---- opening and editing


class OpenReport(BaseModel):
    credit_code: str = Field(min_length=1, max_length=30)
    year: int = Field(ge=1900, le=2200)
    month: int = Field(ge=0, le=12, description="1–12, 0 = the annual report")
    gwp_set: str = Field(default="AR5", max_length=10)
    factor_set: str | None = Field(default=None, max_length=60)


def _in_transaction(sessions: Sessions, work: Callable[[Session], Any]) -> Any:
    with sessions.begin() as session:
        return work(session)


@router.post(
    "/reports",
    summary="打开（或新建）某期报告 / open the current report of a period",
)
def post_report(body: OpenReport, actor: SignedInDep, sessions: Sessions) -> Response:
    def work(session: Session) -> dict[str, Any]:
        report = open_report(
            session, actor, body.credit_code, body.year, body.month,
            gwp_set=body.gwp_set, factor_set=body.factor_set,
        )  # fmt: skip
        return report_detail(session, actor, report.id)

    return JsonResponse(_in_transaction(sessions, work))


class LineBody(BaseModel):
    category: str = Field(max_length=40)
    activity: str = Field(max_length=80)
    quantity: float
    unit: str = Field(max_length=40)
    facility: str = Field(default="", max_length=40)
    qualifier: str = Field(default="", max_length=80)
    overrides: str = Field(default="", max_length=400)
    source: str = Field(default="", max_length=400)


class LinesBody(BaseModel):
    lines: list[LineBody] = Field(max_length=5000)
    replace: bool = Field(
        default=False,
        description="true: the report's lines become exactly these (others are removed); "
        "false: add these, replacing lines with the same facility/category/activity/qualifier",
    )


def line_inputs(lines: Sequence[LineBody]) -> list[LineInput]:
    """Row numbers are positions in the list, from 1."""
    return [LineInput(**line.model_dump(), row=n) for n, line in enumerate(lines, start=1)]


@router.put(
    "/reports/{report_id}/lines",
    summary="录入活动数据行（全部有效才写入）/ put lines (all valid, or nothing is written)",
    responses={422: {"description": "issues name the row (from 1) and field, in zh and en"}},
)
def put_report_lines(
    report_id: RecordId, body: LinesBody, actor: SignedInDep, sessions: Sessions
) -> Response:
    def work(session: Session) -> dict[str, Any]:
        lines = line_inputs(body.lines)
        if body.replace:
            written, removed = replace_lines(session, actor, report_id, lines)
        else:
            from citycarbon.service.report_contents import put_lines

            written, removed = len(put_lines(session, actor, report_id, lines)), 0
        return {"written": written, "removed": removed,
                "report": report_detail(session, actor, report_id)}  # fmt: skip

    return JsonResponse(_in_transaction(sessions, work))


@router.delete("/reports/{report_id}/lines/{line_id}", summary="删除一行 / remove one line")
def delete_report_line(
    report_id: RecordId, line_id: RecordId, actor: SignedInDep, sessions: Sessions
) -> Response:
    def work(session: Session) -> dict[str, Any]:
        view = get_report(session, actor, report_id, today=today())
        line = next((x for x in view.lines if x["id"] == line_id), None)
        if line is None:
            raise RecordNotFoundError(
                Message(
                    zh=f"报告 {report_id} 没有编号为 {line_id} 的数据行",
                    en=f"report {report_id} has no line {line_id}",
                ),
                field="line",
            )
        remove_line(
            session, actor, report_id, line["category"], line["activity"],
            facility=line["facility"], qualifier=line["qualifier"],
        )  # fmt: skip
        return {"removed": line, "report": report_detail(session, actor, report_id)}

    return JsonResponse(_in_transaction(sessions, work))


class ProductionBody(BaseModel):
    product: str = Field(max_length=80)
    quantity: float
    unit: str = Field(max_length=40)
    facility: str = Field(default="", max_length=40)
    output_value_10k_cny: float | None = None


class ProductionList(BaseModel):
    production: list[ProductionBody] = Field(max_length=1000)


@router.put("/reports/{report_id}/production", summary="录入产品产量 / put production")
def put_report_production(
    report_id: RecordId, body: ProductionList, actor: SignedInDep, sessions: Sessions
) -> Response:
    def work(session: Session) -> dict[str, Any]:
        rows = [
            ProductionInput(**item.model_dump(), row=n)
            for n, item in enumerate(body.production, start=1)
        ]
        stored = put_production(session, actor, report_id, rows)
        return {"written": len(stored), "report": report_detail(session, actor, report_id)}

    return JsonResponse(_in_transaction(sessions, work))


def file_error(zh: str, en: str, file: str | None) -> InputDataError:
    return InputDataError([Issue(Message(zh=zh, en=en), field="file", file=file)])


def read_upload(upload: UploadFile, limit: int) -> bytes:
    """The uploaded bytes; more than ``limit`` is an input error, read no further."""
    content = upload.file.read(limit + 1)
    if len(content) > limit:
        mb = limit // 1024 // 1024
        raise file_error(f"文件超过 {mb} MB", f"the file is larger than {mb} MB", upload.filename)
    return content


def safe_name(filename: str | None, fallback: str) -> str:
    """A file name without directories or control characters (kept for the user to see)."""
    name = re.split(r"[\\/]", filename or "")[-1]
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip()
    return name[:200] or fallback


@contextmanager
def saved_upload(upload: UploadFile) -> Iterator[tuple[str, Path]]:
    """An uploaded spreadsheet in a temporary folder (the intake reads files), removed
    afterwards: its shown name and its path."""
    name = safe_name(upload.filename, "upload.csv")
    suffix = Path(name).suffix.lower()
    if suffix not in SPREADSHEET_SUFFIXES:
        raise file_error(
            f"不支持的文件类型 {suffix or '（无扩展名）'}：请上传 .xlsx 或 .csv",
            f"unsupported file type {suffix or '(none)'}: upload .xlsx or .csv",
            name,
        )
    content = read_upload(upload, MAX_UPLOAD_BYTES)
    with tempfile.TemporaryDirectory(prefix="citycarbon-upload-") as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(content)
        yield name, path


def import_upload(
    session: Session, actor: Actor, report_id: int, upload: UploadFile
) -> dict[str, int]:
    """An uploaded spreadsheet into the report, imported as the acting user all or
    nothing."""
    with saved_upload(upload) as (name, path):
        return import_into_report(session, actor, report_id, path, name)


@router.post(
    "/reports/{report_id}/upload",
    summary="上传月度数据表（xlsx/CSV，企业月度活动数据模板）/ upload monthly data",
    responses={422: {"description": "the validation report: file, row, field, zh, en"}},
)
def post_report_upload(
    report_id: RecordId,
    file: Annotated[UploadFile, File(description="enterprise-activity xlsx or csv")],
    actor: SignedInDep,
    sessions: Sessions,
) -> Response:
    def work(session: Session) -> dict[str, Any]:
        summary = import_upload(session, actor, report_id, file)
        return {"import": summary, "report": report_detail(session, actor, report_id)}

    return JsonResponse(_in_transaction(sessions, work))


def attach_upload(
    session: Session, actor: Actor, report_id: int, upload: UploadFile
) -> dict[str, Any]:
    content = read_upload(upload, MAX_ATTACHMENT_BYTES)
    media = (upload.content_type or "application/octet-stream")[:100]
    row = attach(session, actor, report_id, safe_name(upload.filename, "evidence"), content, media)
    return {
        "id": row.id, "report_id": row.report_id, "filename": row.filename,
        "media_type": row.media_type, "size": row.size, "sha256": row.sha256,
        "url": f"/api/v1/attachments/{row.id}",
    }  # fmt: skip


@router.post(
    "/reports/{report_id}/attachments",
    summary="上传证明材料（保存 SHA-256）/ attach evidence",
    status_code=201,
)
def post_attachment(
    report_id: RecordId,
    file: Annotated[UploadFile, File(description="evidence, at most 50 MB")],
    actor: SignedInDep,
    sessions: Sessions,
) -> Response:
    def work(session: Session) -> dict[str, Any]:
        return attach_upload(session, actor, report_id, file)

    return JsonResponse(_in_transaction(sessions, work), status_code=201)


# ---- the workflow


def _step(sessions: Sessions, actor: Actor, step: Callable[[Session], Report]) -> Response:
    def work(session: Session) -> dict[str, Any]:
        report = step(session)
        return report_detail(session, actor, report.id)

    return JsonResponse(_in_transaction(sessions, work))


class Reason(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class Assignment(BaseModel):
    verifier: str = Field(min_length=1, max_length=80, description="a verifier's user name")


@router.post("/reports/{report_id}/submit", summary="提交 / submit (the enterprise)")
def post_submit(report_id: RecordId, actor: SignedInDep, sessions: Sessions) -> Response:
    return _step(sessions, actor, lambda s: submit(s, actor, report_id))


@router.post("/reports/{report_id}/check", summary="县区审核通过 / district check")
def post_check(report_id: RecordId, actor: SignedInDep, sessions: Sessions) -> Response:
    return _step(sessions, actor, lambda s: check(s, actor, report_id))


@router.post("/reports/{report_id}/return", summary="退回（须说明理由）/ return with a reason")
def post_return(
    report_id: RecordId, body: Reason, actor: SignedInDep, sessions: Sessions
) -> Response:
    return _step(sessions, actor, lambda s: return_report(s, actor, report_id, body.reason))


@router.post("/reports/{report_id}/assign", summary="指派核查机构 / assign a verifier (city)")
def post_assign(
    report_id: RecordId, body: Assignment, actor: SignedInDep, sessions: Sessions
) -> Response:
    return _step(sessions, actor, lambda s: assign_verifier(s, actor, report_id, body.verifier))


@router.post("/reports/{report_id}/verify", summary="核查通过 / verify (the assigned verifier)")
def post_verify(report_id: RecordId, actor: SignedInDep, sessions: Sessions) -> Response:
    return _step(sessions, actor, lambda s: verify(s, actor, report_id))


@router.post("/reports/{report_id}/lock", summary="锁定 / lock (city office)")
def post_lock(report_id: RecordId, actor: SignedInDep, sessions: Sessions) -> Response:
    return _step(sessions, actor, lambda s: lock(s, actor, report_id))


@router.post(
    "/reports/{report_id}/restate",
    summary="更正：新版本草稿，旧版本保留 / restate: a new draft version, the old one kept",
)
def post_restate(
    report_id: RecordId, body: Reason, actor: SignedInDep, sessions: Sessions
) -> Response:
    # the answer is the new version (its id differs from report_id)
    return _step(sessions, actor, lambda s: restate(s, actor, report_id, body.reason))
