"""Targets and the district assessment over HTTP: indicator definitions, plan targets and
their decomposition, the yearly board (赛马) and a district's lights with its PDF report,
measure projects with the three lists and overdue warnings, the rubric and bonus/penalty
points. Routes are thin: access and every rule are the service layer's."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from citycarbon.service.access import Permission, require_grant
from citycarbon.service.assessment_rubric import (
    assessment_band,
    rubric_data,
    set_adjustment,
    set_band,
    set_rubric,
)
from citycarbon.service.district_assessment import board, district_assessment, target_status
from citycarbon.service.indicator_values import indicator_catalogue
from citycarbon.service.measures import (
    create_measure,
    grouped,
    list_measures,
    measure_dict,
    update_measure,
)
from citycarbon.service.targets import decompose, list_targets, set_target, target_dict
from citycarbon.web.api.reports import Format, csv_download
from citycarbon.web.deps import ReadSession, Sessions, SignedInDep
from citycarbon.web.read_cache import json_answer, remembered
from citycarbon.web.responses import JsonResponse

router = APIRouter(tags=["targets and assessment"])

DEFAULT_PLAN = "14fyp"
PlanPath = Annotated[str, PathParam(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")]
PlanQuery = Annotated[str, Query(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")]
YearPath = Annotated[int, PathParam(ge=1900, le=2200)]
RegionPath = Annotated[str, PathParam(min_length=1, max_length=12)]
MeasureId = Annotated[int, PathParam(ge=1, le=2**63 - 1)]
LangParam = Annotated[Literal["zh", "en"] | None, Query()]


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _in_transaction(sessions: Sessions, work: Callable[[Session], Any]) -> Any:
    with sessions.begin() as session:
        return work(session)


# ---- indicators and targets

INDICATOR_CSV = (
    "code",
    "name_zh",
    "name_en",
    "unit",
    "direction",
    "binding",
    "kind",
    "accumulation",
    "dimension",
    "formula",
    "note",
)


@router.get("/indicators", summary="规划与考核指标定义 / the plan and assessment indicators")
async def get_indicators(output: Format = "json") -> Response:
    rows = []
    for ind in indicator_catalogue().values():
        d = ind.definition
        rows.append(
            {
                "code": d.code,
                "name_zh": d.name_zh,
                "name_en": d.name_en,
                "unit": d.unit,
                "direction": d.direction.value,
                "binding": d.binding.value,
                "kind": d.kind.value,
                "accumulation": d.accumulation.value,
                "dimension": ind.dimension,
                "formula": d.formula,
                "note": ind.note,
            }
        )
    if output == "csv":
        return csv_download(rows, INDICATOR_CSV, "indicators")
    return JsonResponse({"indicators": rows})


TARGET_CSV = (
    "id",
    "plan",
    "region_code",
    "region_zh",
    "region_en",
    "indicator",
    "name_zh",
    "name_en",
    "unit",
    "binding",
    "baseline_year",
    "baseline_value",
    "target_year",
    "target_value",
    "change_pct",
    "method",
    "parent_id",
    "note",
    "year",
    "actual",
    "expected",
    "year_progress",
    "light",
    "rank",
)


@router.get("/plans/{plan}/targets", summary="规划目标（目标清单）/ the plan's targets")
async def get_targets(
    plan: PlanPath,
    actor: SignedInDep,
    session: ReadSession,
    region: Annotated[str | None, Query(max_length=12)] = None,
    year: Annotated[
        int | None, Query(ge=1900, le=2200, description="add this year's light and progress")
    ] = None,
    output: Format = "json",
) -> Response:
    if year is None:
        rows = list_targets(session, actor, plan, region or None)
    else:
        rows = [
            t
            for t in target_status(session, actor, plan, year)
            if not region or t["region_code"] == region
        ]
    if output == "csv":
        return csv_download(rows, TARGET_CSV, f"targets-{plan}")
    return JsonResponse({"plan": plan, "targets": rows})


class TargetBody(BaseModel):
    region_code: str = Field(min_length=1, max_length=12)
    indicator: str = Field(min_length=1, max_length=40)
    baseline_year: int | None = Field(default=None, ge=1900, le=2200)
    baseline_value: float | None = None
    target_year: int = Field(ge=1900, le=2200)
    target_value: float
    note: str = Field(default="", max_length=2000)


@router.put("/plans/{plan}/targets", summary="设定一项规划目标 / set one plan target")
def put_target(
    plan: PlanPath, body: TargetBody, actor: SignedInDep, sessions: Sessions
) -> Response:
    def work(session: Session) -> dict[str, Any]:
        row = set_target(
            session,
            actor,
            plan,
            body.region_code,
            body.indicator,
            baseline_year=body.baseline_year,
            baseline_value=body.baseline_value,
            target_year=body.target_year,
            target_value=body.target_value,
            note=body.note,
        )
        return target_dict(row)

    return JsonResponse(_in_transaction(sessions, work))


class DecomposeBody(BaseModel):
    indicator: str = Field(min_length=1, max_length=40)
    method: Literal["equal", "zone", "gdp", "emissions", "potential", "manual"]
    region_code: str | None = Field(default=None, max_length=12, description="the city")
    zones: dict[str, str] | None = None
    manual: dict[str, float] | None = None
    potential: dict[str, float] | None = None
    calibrate: bool = False
    save: bool = Field(default=False, description="false: a preview, nothing is written")


@router.post(
    "/plans/{plan}/decompose",
    summary="分解城市目标到区县（预览或保存）/ decompose a city target (preview or save)",
)
def post_decompose(
    plan: PlanPath, body: DecomposeBody, actor: SignedInDep, sessions: Sessions
) -> Response:
    def work(session: Session) -> dict[str, Any]:
        return decompose(
            session,
            actor,
            plan,
            body.indicator,
            body.method,
            region_code=body.region_code,
            zones=body.zones,
            manual=body.manual,
            potential=body.potential,
            calibrate=body.calibrate,
            save=body.save,
        )

    if body.save:
        return JsonResponse(_in_transaction(sessions, work))
    with sessions() as session:  # a preview writes nothing
        return JsonResponse(work(session))


# ---- the assessment

BOARD_CSV = (
    "rank",
    "region_code",
    "region_zh",
    "region_en",
    "score",
    "base",
    "bonus",
    "penalty",
    "vetoed",
    "vetoed_by",
    "green",
    "yellow",
    "red",
    "none",
)
LIGHT_CSV = (
    "indicator",
    "name_zh",
    "name_en",
    "unit",
    "binding",
    "baseline_year",
    "baseline_value",
    "target_year",
    "target_value",
    "actual",
    "expected",
    "progress",
    "year_progress",
    "light",
)


@router.get("/assessments/{year}", summary="区县考核排名（赛马）/ the districts' board (赛马)")
async def get_board(
    request: Request,
    year: YearPath,
    actor: SignedInDep,
    plan: PlanQuery = DEFAULT_PLAN,
    city: Annotated[str | None, Query(max_length=12)] = None,
    output: Format = "json",
) -> Response:
    model, body = await remembered(
        request, actor, ("board", year, plan, city),
        lambda session: board(session, actor, year, plan, city or None),
    )  # fmt: skip
    if output == "csv":
        rows = [
            {**r, **r["lights"], "vetoed_by": " ".join(r["vetoed_by"])} for r in model["districts"]
        ]
        return csv_download(rows, BOARD_CSV, f"assessment-{plan}-{year}")
    return json_answer(body)


@router.get(
    "/assessments/{year}/{region_code}",
    summary="一个区县的考核：红黄绿灯、得分与排名 / one district's lights, score and rank",
)
async def get_district(
    request: Request,
    year: YearPath,
    region_code: RegionPath,
    actor: SignedInDep,
    plan: PlanQuery = DEFAULT_PLAN,
    output: Format = "json",
) -> Response:
    model, body = await remembered(
        request, actor, ("district", year, region_code, plan),
        lambda session: district_assessment(session, actor, year, region_code, plan),
    )  # fmt: skip
    if output == "csv":
        return csv_download(model["indicators"], LIGHT_CSV, f"assessment-{region_code}-{year}")
    return json_answer(body)


@router.get(
    "/assessments/{year}/{region_code}/report.pdf",
    summary="区县考核报告 PDF / the district assessment report as PDF",
    responses={200: {"content": {"application/pdf": {}}}},
)
def get_district_pdf(
    request: Request,
    year: YearPath,
    region_code: RegionPath,
    actor: SignedInDep,
    sessions: Sessions,
    plan: PlanQuery = DEFAULT_PLAN,
    lang: LangParam = None,
) -> Response:
    from citycarbon.reports.assessment_document import render_assessment_pdf
    from citycarbon.web.templating import lang_of

    language = lang if lang in ("zh", "en") else lang_of(request)
    with sessions() as session:
        model = district_assessment(session, actor, year, region_code, plan)
        measures = list_measures(session, actor, today(), region_code=region_code)
    body = render_assessment_pdf(model, measures, language, request.app.state.settings.notice)
    name = f"assessment-{region_code}-{year}-{plan}.pdf"
    return Response(
        body,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


class AdjustmentBody(BaseModel):
    code: str = Field(min_length=1, max_length=40)
    points: float = Field(ge=0, description="0 removes the points")
    note: str = Field(min_length=1, max_length=2000, description="the reason")


@router.post(
    "/assessments/{year}/{region_code}/adjustments",
    summary="加分或减分（附理由）/ give bonus or penalty points, with the reason",
)
def post_adjustment(
    year: YearPath,
    region_code: RegionPath,
    body: AdjustmentBody,
    actor: SignedInDep,
    sessions: Sessions,
) -> Response:
    def work(session: Session) -> dict[str, Any]:
        row = set_adjustment(session, actor, region_code, year, body.code, body.points, body.note)
        return {
            "region_code": row.region_code,
            "year": row.year,
            "code": row.code,
            "points": row.points,
            "note": row.note,
        }

    return JsonResponse(_in_transaction(sessions, work))


# ---- rubric


@router.get("/rubric", summary="考核评分细则 / the assessment rubric")
async def get_rubric(actor: SignedInDep, session: ReadSession) -> Response:
    require_grant(actor, Permission.READ_TARGETS)
    return JsonResponse({"rubric": rubric_data(session), "band": assessment_band(session)})


class RubricItemBody(BaseModel):
    indicator: str = Field(max_length=40)
    weight: float
    binding: bool = False


class AdjustmentItemBody(BaseModel):
    code: str = Field(max_length=40)
    name_zh: str = Field(default="", max_length=200)
    name_en: str = Field(default="", max_length=200)
    max_points: float


class RubricBody(BaseModel):
    items: list[RubricItemBody] = Field(max_length=100)
    bonuses: list[AdjustmentItemBody] = Field(default_factory=list, max_length=100)
    penalties: list[AdjustmentItemBody] = Field(default_factory=list, max_length=100)
    full_marks: float = 100.0
    veto_floor: float = 0.0
    band: float | None = Field(default=None, description="the yellow band; unchanged if absent")


@router.put("/rubric", summary="修改考核评分细则（权重之和须为 1）/ set the rubric")
def put_rubric(body: RubricBody, actor: SignedInDep, sessions: Sessions) -> Response:
    def work(session: Session) -> dict[str, Any]:
        rubric = set_rubric(session, actor, body.model_dump(exclude={"band"}))
        if body.band is not None:
            set_band(session, actor, body.band)
        return {"rubric": rubric, "band": assessment_band(session)}

    return JsonResponse(_in_transaction(sessions, work))


# ---- measure projects and the lists

MEASURE_CSV = (
    "id",
    "region_code",
    "region_zh",
    "action",
    "action_zh",
    "action_en",
    "name_zh",
    "name_en",
    "department",
    "start_date",
    "due_date",
    "status",
    "completion",
    "schedule",
    "indicators",
    "investment_10k_cny",
    "expected_reduction_t",
    "overdue_zh",
    "overdue_en",
)
NULLABLE = ("investment_10k_cny", "expected_reduction_t")
OnParam = Annotated[dt.date | None, Query(description="the day overdue is judged on")]


def _measure_csv(rows: list[dict[str, Any]], name: str) -> Response:
    flat = [
        {
            **m,
            "indicators": " ".join(m["indicators"]),
            "overdue_zh": (m["overdue"] or {}).get("zh"),
            "overdue_en": (m["overdue"] or {}).get("en"),
        }
        for m in rows
    ]
    return csv_download(flat, MEASURE_CSV, name)


@router.get("/measures", summary="措施项目（措施清单、责任清单）/ measure projects and lists")
async def get_measures(
    actor: SignedInDep,
    session: ReadSession,
    region: Annotated[str | None, Query(max_length=12)] = None,
    group: Annotated[Literal["action", "department"] | None, Query()] = None,
    on: OnParam = None,
    output: Format = "json",
) -> Response:
    rows = list_measures(session, actor, on or today(), region_code=region or None)
    if output == "csv":
        return _measure_csv(rows, "measures")
    if group:
        return JsonResponse({"group": group, "groups": grouped(rows, group)})
    return JsonResponse({"measures": rows})


@router.get("/measures/overdue", summary="逾期预警 / overdue measure projects")
async def get_overdue(
    actor: SignedInDep,
    session: ReadSession,
    region: Annotated[str | None, Query(max_length=12)] = None,
    on: OnParam = None,
    output: Format = "json",
) -> Response:
    rows = list_measures(
        session, actor, on or today(), region_code=region or None, overdue_only=True
    )
    if output == "csv":
        return _measure_csv(rows, "measures-overdue")
    return JsonResponse({"on": (on or today()).isoformat(), "measures": rows})


class MeasureBody(BaseModel):
    region_code: str = Field(min_length=1, max_length=12)
    action: str = Field(max_length=30)
    name_zh: str = Field(min_length=1, max_length=200)
    name_en: str = Field(default="", max_length=300)
    department: str = Field(min_length=1, max_length=100)
    start_date: dt.date
    due_date: dt.date
    status: str = Field(default="planned", max_length=20)
    completion: float = 0.0
    indicators: list[str] = Field(default_factory=list, max_length=30)
    investment_10k_cny: float | None = None
    expected_reduction_t: float | None = None
    note: str = Field(default="", max_length=2000)


class MeasureChange(BaseModel):
    action: str | None = Field(default=None, max_length=30)
    name_zh: str | None = Field(default=None, max_length=200)
    name_en: str | None = Field(default=None, max_length=300)
    department: str | None = Field(default=None, max_length=100)
    start_date: dt.date | None = None
    due_date: dt.date | None = None
    status: str | None = Field(default=None, max_length=20)
    completion: float | None = None
    indicators: list[str] | None = Field(default=None, max_length=30)
    investment_10k_cny: float | None = None
    expected_reduction_t: float | None = None
    note: str | None = Field(default=None, max_length=2000)


@router.post("/measures", summary="新建措施项目 / add a measure project")
def post_measure(body: MeasureBody, actor: SignedInDep, sessions: Sessions) -> Response:
    def work(session: Session) -> dict[str, Any]:
        row = create_measure(session, actor, body.model_dump())
        return measure_dict(row, None, today())

    return JsonResponse(_in_transaction(sessions, work), status_code=201)


@router.patch("/measures/{measure_id}", summary="更新措施项目进度 / update a measure project")
def patch_measure(
    measure_id: MeasureId, body: MeasureChange, actor: SignedInDep, sessions: Sessions
) -> Response:
    def work(session: Session) -> dict[str, Any]:
        given = body.model_dump(exclude_unset=True)
        # null clears only the optional numbers; elsewhere it means "leave as it is"
        changes = {k: v for k, v in given.items() if v is not None or k in NULLABLE}
        row = update_measure(session, actor, measure_id, changes)
        return measure_dict(row, None, today())

    return JsonResponse(_in_transaction(sessions, work))
