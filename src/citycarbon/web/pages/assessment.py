"""The assessment pages: the board (赛马) with the district map coloured by score, a
district's traffic lights with its pace chart, score breakdown, bonus/penalty points and
measure projects, the target list with the decomposition form, the measure and
responsibility lists, and the rubric. Their forms post to ``assessment_forms``, which renders
these pages again (through the ``*_response`` builders) when the service refuses.

Chart options are built here from the same read models the API serves (see the cockpit)."""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from citycarbon.errors import CitycarbonError, Message
from citycarbon.service.access import Permission, Target, holds, may, require_grant
from citycarbon.service.actor import Actor
from citycarbon.service.assessment_rubric import (
    adjustments,
    assessment_band,
    rubric_data,
    rubric_is_stored,
)
from citycarbon.service.district_assessment import (
    board,
    default_city,
    district_assessment,
    districts_of,
    target_status,
)
from citycarbon.service.indicator_values import indicator_catalogue
from citycarbon.service.measures import STATUSES, grouped, list_measures, nine_actions
from citycarbon.service.targets import decompose, list_targets
from citycarbon.web.api.targets import DEFAULT_PLAN, today
from citycarbon.web.app import status_of
from citycarbon.web.deps import ReadSession, Sessions, SignedInDep
from citycarbon.web.pages.cockpit import script_json
from citycarbon.web.templating import lang_of, render

router = APIRouter(include_in_schema=False)

YearQuery = Annotated[int | None, Query(ge=1900, le=2200)]
PlanQuery = Annotated[str, Query(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")]
SCORE_PALETTE = ["#c0504d", "#f2c14e", "#bfe3c0", "#3f9a4a", "#1d6b30"]
METHODS = {
    "equal": ("平均分解", "equal"),
    "zone": ("按主体功能区（示意系数）", "by main-function zone (illustrative)"),
    "gdp": ("按 GDP 加权", "weighted by GDP"),
    "emissions": ("按排放加权", "weighted by emissions"),
    "manual": ("手工权重", "manual weights"),
}
DONE = {  # ?done= after a form's post-redirect-get
    "measure": Message("已新建措施项目", "measure project added"),
    "progress": Message("已更新进度", "progress updated"),
    "adjustment": Message("已记录加减分", "bonus or penalty points recorded"),
    "rubric": Message("已保存评分细则", "rubric saved"),
}


def _name(item: dict[str, Any], lang: str) -> str:
    return str(item["region_en"] if lang == "en" and item.get("region_en") else item["region_zh"])


def default_year(session: Session, actor: Actor, plan: str) -> int:
    """The latest year up to the plan's end in which the districts have any light."""
    for year in range(today().year, today().year - 8, -1):
        model = board(session, actor, year, plan)
        if any(d["targets"] - d["lights"]["none"] > 0 for d in model["districts"]):
            return year
    return today().year


def map_option(model: dict[str, Any], lang: str) -> dict[str, Any]:
    data = [
        {
            "name": _name(d, lang),
            "value": round(d["score"], 1),
            "code": d["region_code"],
            "rank": d["rank"],
            "url": d["url"],
        }
        for d in model["districts"]
    ]
    top = max((d["value"] for d in data), default=100.0)
    return {
        "tooltip": {"trigger": "item", "formatter": "{b}<br/>{c}"},
        "visualMap": {
            "min": 0,
            "max": max(100.0, top),
            "left": 8,
            "bottom": 8,
            "calculable": True,
            "text": [("高分" if lang == "zh" else "high"), ("低分" if lang == "zh" else "low")],
            "inRange": {"color": SCORE_PALETTE},
        },
        "title": {
            "text": "考核得分" if lang == "zh" else "Assessment score",
            "left": "center",
            "textStyle": {"fontSize": 13},
        },
        "series": [
            {
                "type": "map",
                "map": model["city"]["region_code"],
                "nameProperty": "name_en" if lang == "en" else "name_zh",
                "roam": False,
                "label": {"show": True, "fontSize": 11},
                "data": data,
            }
        ],
    }


def pace_option(row: dict[str, Any], lang: str) -> dict[str, Any]:
    years = [str(p["year"]) for p in row["trend"]]
    name = row["name_en"] if lang == "en" else row["name_zh"]
    return {
        "title": {"text": name, "left": 4, "textStyle": {"fontSize": 13}},
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 24, "left": 4, "textStyle": {"fontSize": 11}},
        "grid": {"left": 56, "right": 12, "top": 84, "bottom": 28},
        "xAxis": {"type": "category", "data": years},
        "yAxis": {"type": "value", "name": row["unit"], "scale": True},
        "series": [
            {
                "name": "实际" if lang == "zh" else "actual",
                "type": "line",
                "data": [
                    None if p["actual"] is None else round(p["actual"], 4) for p in row["trend"]
                ],
            },
            {
                "name": "目标进度" if lang == "zh" else "target pace",
                "type": "line",
                "lineStyle": {"type": "dashed"},
                "symbol": "none",
                "connectNulls": True,
                "data": [None if p["pace"] is None else round(p["pace"], 4) for p in row["trend"]],
            },
        ],
        "animation": False,
    }


@router.get("/assessment")
async def board_page(
    request: Request,
    actor: SignedInDep,
    session: ReadSession,
    year: YearQuery = None,
    plan: PlanQuery = DEFAULT_PLAN,
) -> Response:
    require_grant(actor, Permission.READ_TARGETS)
    lang = lang_of(request)
    try:
        year = year or default_year(session, actor, plan)
        model = board(session, actor, year, plan)
    except CitycarbonError as exc:
        return render(request, "assessment.html", {"model": None, "missing": exc.message}, 404)
    own = None
    codes = {d["region_code"] for d in model["districts"]}
    if actor.region_code is not None and actor.region_code in codes:
        # a district official lands on their own district's lights
        own = district_assessment(session, actor, year, actor.region_code, plan)
    options = {"opt-score-map": script_json(map_option(model, lang))}
    return render(
        request,
        "assessment.html",
        {
            "model": model,
            "own": own,
            "options": options,
            "plan": plan,
            "years": list(range(year - 4, year + 2)),
        },
    )


@router.get("/assessment/targets")
async def targets_page(
    request: Request,
    actor: SignedInDep,
    session: ReadSession,
    plan: PlanQuery = DEFAULT_PLAN,
    year: YearQuery = None,
) -> Response:
    try:
        city = default_city(session, plan)
        year = year or default_year(session, actor, plan)
        rows = target_status(session, actor, plan, year, city.code)
    except CitycarbonError:  # no plan yet: an empty list and the form
        city, rows = None, list_targets(session, actor, plan)
    city_rows = [r for r in rows if city is not None and r["region_code"] == city.code]
    return render(
        request,
        "assessment_targets.html",
        {
            "plan": plan,
            "targets": rows,
            "city_targets": city_rows,
            "methods": METHODS,
            "may_manage": holds(actor, Permission.MANAGE_TARGETS),
            "indicators": indicator_catalogue(),
        },
    )


@router.post("/assessment/targets/decompose")
def decompose_form(
    request: Request,
    actor: SignedInDep,
    sessions: Sessions,
    indicator: Annotated[str, Form(max_length=40)],
    method: Annotated[str, Form(max_length=20)],
    plan: Annotated[str, Form(max_length=40)] = DEFAULT_PLAN,
    calibrate: Annotated[bool, Form()] = False,
    save: Annotated[bool, Form()] = False,
) -> Response:
    """The decomposition preview (or, saved, its result) as a fragment for htmx."""
    try:
        if save:
            with sessions.begin() as session:
                result = decompose(
                    session, actor, plan, indicator, method, calibrate=calibrate, save=True
                )
        else:
            with sessions() as session:
                result = decompose(session, actor, plan, indicator, method, calibrate=calibrate)
    except CitycarbonError as exc:
        return render(
            request,
            "assessment_decomposition.html",
            {"result": None, "error": exc.message},
            status_of(exc),
        )
    return render(request, "assessment_decomposition.html", {"result": result, "error": None})


def measures_response(
    request: Request,
    session: Session,
    actor: Actor,
    *,
    day: dt.date | None = None,
    region: str | None = None,
    problem: Message | None = None,
    form: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    """The measure and responsibility lists with the progress and add forms (a refused form
    shows its problem and the values as entered)."""
    day = day or today()
    rows = list_measures(session, actor, day, region_code=region or None)
    may_manage = holds(actor, Permission.MANAGE_TARGETS)
    return render(
        request,
        "assessment_measures.html",
        {
            "on": day,
            "region_filter": region or "",
            "measures": rows,
            "by_action": grouped(rows, "action"),
            "by_department": grouped(rows, "department"),
            "overdue": [m for m in rows if m["overdue"]],
            # the service decides per measure; the page only hides the form from the rest
            "may_report": may_manage or holds(actor, Permission.REPORT_MEASURES),
            "may_manage": may_manage,
            "statuses": STATUSES,
            "actions": nine_actions(),
            "indicators": indicator_catalogue(),
            "regions": _manageable_regions(session, actor) if may_manage else [],
            "form": form or {},
            "problem": problem,
            "done": _done(request, status),
        },
        status,
    )


def _manageable_regions(session: Session, actor: Actor) -> list[dict[str, str]]:
    try:
        city = default_city(session, DEFAULT_PLAN)
    except CitycarbonError:  # no plan yet: no region to offer
        return []
    return [
        {"region_code": r.code, "region_zh": r.name_zh, "region_en": r.name_en}
        for r in (city, *districts_of(session, city))
        if may(actor, Permission.MANAGE_TARGETS, Target(region_path=r.path))
    ]


def _done(request: Request, status: int) -> Message | None:
    return DONE.get(request.query_params.get("done", "")) if status == 200 else None


@router.get("/assessment/measures")
async def measures_page(
    request: Request,
    actor: SignedInDep,
    session: ReadSession,
    region: Annotated[str | None, Query(max_length=12)] = None,
    on: Annotated[dt.date | None, Query()] = None,
) -> Response:
    return measures_response(request, session, actor, day=on, region=region)


def rubric_response(
    request: Request,
    session: Session,
    actor: Actor,
    *,
    problem: Message | None = None,
    form: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    """The rubric in force, where it comes from, and (for MANAGE_TARGETS) its edit form."""
    require_grant(actor, Permission.READ_TARGETS)
    data = {"full_marks": 100.0, "veto_floor": 0.0, **rubric_data(session)}
    catalogue = indicator_catalogue()
    items = [
        {
            **item,
            "name_zh": catalogue[item["indicator"]].name.zh if item["indicator"] in catalogue
            else item["indicator"],
            "name_en": catalogue[item["indicator"]].name.en if item["indicator"] in catalogue
            else item["indicator"],
        }
        for item in data.get("items", [])
    ]  # fmt: skip
    return render(
        request,
        "assessment_rubric.html",
        {
            "rubric": data,
            "items": items,
            "weight_sum": math.fsum(float(i["weight"]) for i in items),
            "band": assessment_band(session),
            "stored": rubric_is_stored(session),
            "may_manage": holds(actor, Permission.MANAGE_TARGETS),
            "form": form,
            "problem": problem,
            "done": _done(request, status),
        },
        status,
    )


@router.get("/assessment/rubric")
async def rubric_page(request: Request, actor: SignedInDep, session: ReadSession) -> Response:
    return rubric_response(request, session, actor)


def district_response(
    request: Request,
    session: Session,
    actor: Actor,
    region_code: str,
    *,
    year: int | None = None,
    plan: str = DEFAULT_PLAN,
    problem: Message | None = None,
    form: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    """A district's lights, score, adjustments of the year and measure projects, with the
    bonus/penalty form for MANAGE_TARGETS holders."""
    lang = lang_of(request)
    year = year or default_year(session, actor, plan)
    model = district_assessment(session, actor, year, region_code, plan)
    measures = list_measures(session, actor, today(), region_code=region_code)
    options = {
        f"opt-pace-{r['indicator']}": script_json(pace_option(r, lang))
        for r in model["indicators"]
        if r["kind"] == "intensity"
    }
    rubric = model["rubric"]
    items = {
        **{a["code"]: {**a, "kind": "bonus"} for a in rubric.get("bonuses", [])},
        **{a["code"]: {**a, "kind": "penalty"} for a in rubric.get("penalties", [])},
    }
    given = [
        {
            "code": adj.code,
            "points": adj.points,
            "note": adj.note,
            "item": items.get(adj.code),
        }
        for adj in adjustments(session, [region_code], year)
    ]
    return render(
        request,
        "assessment_district.html",
        {
            "model": model,
            "measures": measures,
            "options": options,
            "plan": plan,
            "years": list(range(year - 4, year + 2)),
            "adjustment_items": list(items.values()),
            "given": given,
            "may_manage": holds(actor, Permission.MANAGE_TARGETS),
            "form": form or {},
            "problem": problem,
            "done": _done(request, status),
        },
        status,
    )


@router.get("/assessment/{region_code}")
async def district_page(
    request: Request,
    region_code: Annotated[str, Path(max_length=12)],
    actor: SignedInDep,
    session: ReadSession,
    year: YearQuery = None,
    plan: PlanQuery = DEFAULT_PLAN,
) -> Response:
    return district_response(request, session, actor, region_code, year=year, plan=plan)
