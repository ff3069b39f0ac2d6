"""Project carbon assessment pages: ``/projects`` (the list with state and grade, CSV, and
the intake form with fuel rows) and ``/projects/{id}`` (intake, result, benchmark levels,
两高 flag, zone rules, district budget, grade with every reason, the Assess button, the
decision form, the audit trail and the PDF).

Forms post and redirect back; a refused or invalid step renders the page again with the
problem (400/409/422), and an invalid intake renders the list with the form as entered.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from citycarbon.assessment.project import FUEL_UNITS
from citycarbon.assessment.project_workflow import ProjectState
from citycarbon.errors import CitycarbonError, Message
from citycarbon.refdata.boundaries import load_boundaries
from citycarbon.refdata.loader import load_codelist, load_table
from citycarbon.service.access import Permission, holds
from citycarbon.service.actor import Actor
from citycarbon.service.projects import (
    ProjectFilters,
    assess,
    benchmark_rows,
    decide,
    fuel_choices,
    intake_from_mapping,
    list_projects,
    proposal_dict,
    regions_of,
    submit,
    townships,
)
from citycarbon.web.api.projects import ProjectId, project_detail
from citycarbon.web.app import status_of
from citycarbon.web.deps import ReadSession, Sessions, SignedInDep
from citycarbon.web.pages.cockpit import script_json
from citycarbon.web.pages.portal import back
from citycarbon.web.templating import lang_of, render

router = APIRouter(include_in_schema=False)

FUEL_ROWS = 4
FIELDS = (
    "name_zh", "name_en", "applicant", "region_code", "industry", "product", "capacity",
    "capacity_unit", "annual_output", "output_unit", "output_value_10k_cny", "start_year",
    "electricity_mwh", "heat_gj", "process_emissions_t",
)  # fmt: skip
DONE = {
    "submitted": Message("已申报", "submitted"),
    "assess": Message("已完成评估", "assessed"),
    "approve": Message("已同意", "approved"),
    "approve_with_conditions": Message("已有条件同意", "approved with conditions"),
    "reject": Message("已不同意", "rejected"),
}
STATUSES = tuple((state.value, state.label) for state in ProjectState)


@cache
def zone_labels() -> dict[str, Message]:
    return {
        r["code"]: Message(r["name_zh"], r["name_en"])
        for r in load_codelist("cn_main_function_zones")
    }


@cache
def fuel_labels() -> dict[str, Message]:
    labels = {f: Message(f, f) for f in fuel_choices()}
    for factor in load_table("cn_provincial_fuel"):
        if factor.subject in labels and factor.label_zh:
            labels[factor.subject] = Message(factor.label_zh, factor.label_en or factor.subject)
    return labels


def _list_page(
    request: Request,
    session: Session,
    actor: Actor,
    *,
    status_filter: str | None = None,
    form: dict[str, Any] | None = None,
    problem: Message | None = None,
    field: str | None = None,
    status: int = 200,
) -> Response:
    rows = list_projects(session, actor, ProjectFilters(status=status_filter or None))
    regions = regions_of(session, rows)
    blank: dict[str, Any] = dict.fromkeys(FIELDS, "") | {"start_year": "2026"}
    form = form or blank
    fuels = list(form.get("energy") or [])
    fuels += [{"fuel": "", "quantity": "", "unit": ""}] * (FUEL_ROWS - len(fuels))
    context = {
        "projects": [proposal_dict(r, regions.get(r.region_code)) for r in rows],
        "status_filter": status_filter or "",
        "statuses": STATUSES,
        "townships": townships(session, actor),
        "benchmarks": benchmark_rows(),
        "fuels": fuel_labels(),
        "fuel_units": FUEL_UNITS,
        "zones": zone_labels(),
        "form": form,
        "fuel_rows": fuels,
        "problem": problem,
        "field": field,
    }
    return render(request, "projects.html", context, status)


@router.get("/projects")
async def projects_page(
    request: Request, actor: SignedInDep, session: ReadSession, status: str | None = None
) -> Response:
    return _list_page(request, session, actor, status_filter=status)


def _form_data(form: Any) -> dict[str, Any]:
    data: dict[str, Any] = {k: str(form.get(k) or "").strip() for k in FIELDS}
    data["energy"] = [
        {
            "fuel": str(form.get(f"fuel_{n}") or "").strip(),
            "quantity": str(form.get(f"quantity_{n}") or "").strip(),
            "unit": str(form.get(f"unit_{n}") or "").strip(),
        }
        for n in range(FUEL_ROWS)
    ]
    return data


@router.post("/projects")
async def post_project_form(request: Request, actor: SignedInDep, sessions: Sessions) -> Response:
    data = _form_data(await request.form())
    try:
        with sessions.begin() as session:
            new_id = submit(session, actor, intake_from_mapping(data)).id
    except CitycarbonError as exc:
        status = status_of(exc)
        if status not in (400, 409, 422):
            raise
        with sessions() as session:
            return _list_page(
                request, session, actor, form=data, problem=exc.message, field=exc.field,
                status=status,
            )  # fmt: skip
    return back(f"/projects/{new_id}?done=submitted")


def district_map(detail: dict[str, Any], lang: str) -> tuple[str, str] | None:
    """The city's districts with the project's district highlighted (ECharts options as
    script JSON, and the city code whose boundaries the map loads), when the project is
    assessed and its city's boundaries are packaged."""
    result = detail.get("result") or {}
    district = str((result.get("district") or {}).get("code") or "")
    if len(district) < 6:  # not a GB/T 2260 county code
        return None
    city = district[:4] + "00"  # GB/T 2260: the city is the first four digits
    boundaries = load_boundaries(city)
    if boundaries is None:
        return None
    key = "name_en" if lang == "en" else "name_zh"
    names = {f["properties"]["code"]: f["properties"][key] for f in boundaries["features"]}
    if district not in names:
        return None
    option = {
        "title": {
            "text": ("项目所在区县" if lang == "zh" else "The project's district"),
            "left": "center",
            "textStyle": {"fontSize": 13},
        },
        "series": [
            {
                "type": "map", "map": city, "nameProperty": key, "roam": False,
                "label": {"show": True, "fontSize": 11}, "selectedMode": False,
                "itemStyle": {"areaColor": "#eef1f3", "borderColor": "#9aa5a0"},
                "data": [{"name": names[district], "value": 1,
                          "itemStyle": {"areaColor": "#c5621b"}}],
            }
        ],
    }  # fmt: skip
    return script_json(option), city


def _detail_page(
    request: Request,
    session: Session,
    actor: Actor,
    project_id: int,
    *,
    problem: Message | None = None,
    status: int = 200,
) -> Response:
    detail = project_detail(session, actor, project_id)
    shown_map = district_map(detail, lang_of(request))
    context = {
        "p": detail,
        "r": detail["result"],
        "map_option": shown_map[0] if shown_map else None,
        "map_city": shown_map[1] if shown_map else None,
        "zones": zone_labels(),
        "may_assess": holds(actor, Permission.ASSESS_PROJECT),
        "problem": problem,
        "done": DONE.get(request.query_params.get("done", "")) if status == 200 else None,
    }
    return render(request, "projects_detail.html", context, status)


@router.get("/projects/{project_id}")
async def project_page(
    request: Request, project_id: ProjectId, actor: SignedInDep, session: ReadSession
) -> Response:
    return _detail_page(request, session, actor, project_id)


def _step(
    request: Request, project_id: int, actor: Actor, sessions: Any, step: str, **texts: str
) -> Response:
    try:
        with sessions.begin() as session:
            if step == "assess":
                assess(session, actor, project_id)
            else:
                decide(session, actor, project_id, step, **texts)
    except CitycarbonError as exc:
        status = status_of(exc)
        if status not in (400, 409, 422):
            raise
        with sessions() as session:
            return _detail_page(
                request, session, actor, project_id, problem=exc.message, status=status
            )
    return back(f"/projects/{project_id}?done={step}")


@router.post("/projects/{project_id}/assess")
def post_assess_form(
    request: Request, project_id: ProjectId, actor: SignedInDep, sessions: Sessions
) -> Response:
    return _step(request, project_id, actor, sessions, "assess")


@router.post("/projects/{project_id}/decision")
def post_decision_form(
    request: Request,
    project_id: ProjectId,
    actor: SignedInDep,
    sessions: Sessions,
    decision: Annotated[str, Form(max_length=40)],
    conditions: Annotated[str, Form(max_length=4000)] = "",
    reason: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    return _step(
        request, project_id, actor, sessions, decision, conditions=conditions, reason=reason
    )
