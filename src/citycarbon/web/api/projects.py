"""Project carbon assessment (项目碳评估) over HTTP: submit a proposed project, list and read
the ones you may see, assess it, decide on it, download its assessment report (PDF), and
read the benchmark table the assessment compares with.

Routes are thin: who may do what, and which step fits the project's state, is the service
layer's (:mod:`citycarbon.service.projects`). Writes run in one transaction each.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from citycarbon.service.access import Permission, holds
from citycarbon.service.actor import Actor
from citycarbon.service.projects import (
    ProjectFilters,
    assess,
    benchmark_rows,
    decide,
    get_project,
    history,
    intake_from_mapping,
    list_projects,
    proposal_dict,
    regions_of,
    submit,
)
from citycarbon.store.models import AuditEntry
from citycarbon.web.api.reports import csv_download
from citycarbon.web.deps import ReadSession, Sessions, SignedInDep
from citycarbon.web.responses import JsonResponse

router = APIRouter(tags=["project assessment"])

ProjectId = Annotated[int, PathParam(ge=1, le=2**63 - 1)]
Format = Annotated[Literal["json", "csv"], Query(alias="format", description="json or csv")]
LangParam = Annotated[Literal["zh", "en"] | None, Query()]
Status = Literal["submitted", "assessed", "approved", "approved_with_conditions", "rejected"]

PROJECT_CSV = (
    "id", "name_zh", "name_en", "applicant", "region_code", "region_zh", "function_zone",
    "industry", "product", "annual_output", "output_unit", "output_value_10k_cny",
    "start_year", "status", "status_zh", "status_en", "grade", "emissions_t", "energy_tce",
    "two_high", "conditions", "decision_reason", "submitted_at", "assessed_at", "decided_at",
)  # fmt: skip


def history_dicts(entries: list[AuditEntry]) -> list[dict[str, Any]]:
    return [
        {
            "at": e.at, "actor": e.actor, "action": e.action,
            "status_before": (e.before or {}).get("status"),
            "status_after": (e.after or {}).get("status"),
            "grade": (e.after or {}).get("grade"), "reason": e.reason,
        }
        for e in entries
    ]  # fmt: skip


def steps_for(actor: Actor, status: str) -> list[str]:
    """The steps the actor may take on a project in this state (the service decides again
    when a step is posted)."""
    if not holds(actor, Permission.ASSESS_PROJECT):
        return []
    if status == "submitted":
        return ["assess"]
    if status == "assessed":
        return ["assess", "approve", "approve_with_conditions", "reject"]
    return []


def project_detail(session: Session, actor: Actor, project_id: int) -> dict[str, Any]:
    """One project: intake, state, result, audit trail and the steps open to the actor."""
    row = get_project(session, actor, project_id)
    detail = proposal_dict(row, regions_of(session, [row]).get(row.region_code))
    detail["history"] = history_dicts(history(session, actor, project_id))
    detail["steps"] = steps_for(actor, row.status)
    detail["url"] = f"/api/v1/projects/{row.id}"
    detail["report_url"] = f"/api/v1/projects/{row.id}/report.pdf"
    return detail


@router.get(
    "/projects",
    summary="项目碳评估列表 / proposed projects you may see (state, grade)",
)
async def get_projects(
    actor: SignedInDep,
    session: ReadSession,
    status: Status | None = None,
    region: Annotated[str | None, Query(max_length=12, description="region and below")] = None,
    output: Format = "json",
) -> Response:
    rows = list_projects(session, actor, ProjectFilters(status=status, region_code=region))
    regions = regions_of(session, rows)
    items = [proposal_dict(r, regions.get(r.region_code)) for r in rows]
    if output == "csv":
        return csv_download(items, PROJECT_CSV, "projects")
    for item in items:
        item.pop("result")
        item["url"] = f"/api/v1/projects/{item['id']}"
    return JsonResponse({"total": len(items), "projects": items})


class FuelBody(BaseModel):
    fuel: str = Field(max_length=60)
    quantity: float
    unit: str = Field(max_length=30)


class ProjectBody(BaseModel):
    name_zh: str = Field(max_length=200)
    name_en: str = Field(default="", max_length=300)
    applicant: str = Field(default="", max_length=200)
    region_code: str = Field(max_length=12, description="the township (GB/T 2260 / 统计用区划代码)")
    industry: str = Field(max_length=5, description="GB/T 4754-2017 code, 2–4 digits")
    product: str = Field(default="", max_length=60, description="a benchmark product code")
    capacity: float | None = None
    capacity_unit: str = Field(default="", max_length=30)
    annual_output: float
    output_unit: str = Field(default="", max_length=30)
    output_value_10k_cny: float = Field(description="annual output value, 万元")
    energy: list[FuelBody] = Field(default_factory=list, max_length=50)
    electricity_mwh: float = 0.0
    heat_gj: float = 0.0
    process_emissions_t: float = Field(default=0.0, description="t CO2e a year, as given")
    start_year: int = Field(ge=1900, le=2200)


@router.post(
    "/projects",
    summary="申报项目碳评估 / submit a proposed project",
    status_code=201,
    responses={400: {"description": "the field that is wrong, in zh and en"}},
)
def post_project(body: ProjectBody, actor: SignedInDep, sessions: Sessions) -> Response:
    with sessions.begin() as session:
        row = submit(session, actor, intake_from_mapping(body.model_dump()))
        detail = project_detail(session, actor, row.id)
    return JsonResponse(detail, status_code=201)


@router.get("/projects/{project_id}", summary="一个项目：申报、评估结果、审批记录 / one project")
async def get_one_project(
    project_id: ProjectId, actor: SignedInDep, session: ReadSession
) -> Response:
    return JsonResponse(project_detail(session, actor, project_id))


@router.post(
    "/projects/{project_id}/assess",
    summary="开展（或重新开展）碳评估 / assess (or re-assess) a project",
)
def post_assess(project_id: ProjectId, actor: SignedInDep, sessions: Sessions) -> Response:
    with sessions.begin() as session:
        assess(session, actor, project_id)
        detail = project_detail(session, actor, project_id)
    return JsonResponse(detail)


class DecisionBody(BaseModel):
    decision: Literal["approve", "approve_with_conditions", "reject"]
    conditions: str = Field(default="", max_length=4000)
    reason: str = Field(default="", max_length=4000)


@router.post(
    "/projects/{project_id}/decision",
    summary="审批决定：同意、有条件同意、不同意 / decide: approve, with conditions, reject",
)
def post_decision(
    project_id: ProjectId, body: DecisionBody, actor: SignedInDep, sessions: Sessions
) -> Response:
    with sessions.begin() as session:
        decide(
            session, actor, project_id, body.decision,
            conditions=body.conditions, reason=body.reason,
        )  # fmt: skip
        detail = project_detail(session, actor, project_id)
    return JsonResponse(detail)


@router.get(
    "/projects/{project_id}/report.pdf",
    summary="项目碳评估报告 PDF / the assessment report as a PDF",
    responses={200: {"content": {"application/pdf": {}}}},
)
def get_project_report(
    request: Request,
    project_id: ProjectId,
    actor: SignedInDep,
    sessions: Sessions,
    lang: LangParam = None,
) -> Response:
    from citycarbon.reports.project_document import render_project_pdf
    from citycarbon.web.templating import lang_of

    language = lang or lang_of(request)
    with sessions() as session:
        detail = project_detail(session, actor, project_id)
    body = render_project_pdf(detail, language, request.app.state.settings.notice)
    return Response(
        body,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="project-{project_id}.pdf"'},
    )


@router.get(
    "/project-benchmarks",
    summary="项目对标值（先进值、准入值、限定值）/ sector benchmarks for projects",
)
async def get_project_benchmarks(output: Format = "json") -> Response:
    rows = [dict(r) for r in benchmark_rows()]
    if output == "csv":
        return csv_download(rows, list(rows[0]) if rows else [], "project-benchmarks")
    return JsonResponse({"table": "citycarbon_project_benchmarks", "benchmarks": rows})
