"""The online energy monitoring pages (重点用能单位在线监测): the overview with open alerts,
an enterprise's live load curve with its budgets and alerts (the page polls the JSON API so
the curve moves as readings arrive), the park energy map, the district electricity carbon
nowcast and the rejected readings. Chart options are built here and embedded in the page."""

from __future__ import annotations

import datetime as dt
import time
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from citycarbon.errors import CitycarbonError
from citycarbon.monitoring.budgets import BudgetError
from citycarbon.monitoring.quality import CST_OFFSET_S
from citycarbon.service.access import Permission, holds, require
from citycarbon.service.actor import Actor
from citycarbon.service.monitoring_alerts import evaluate_alerts, list_alerts
from citycarbon.service.monitoring_budgets import local_month, set_budget
from citycarbon.service.monitoring_dashboards import (
    district_nowcast,
    load_curve,
    monitored_list,
    park_map,
    rejected_readings,
)
from citycarbon.service.roles import Role
from citycarbon.store.models import Enterprise, Region
from citycarbon.web.api.monitoring import CreditCode, lake_of
from citycarbon.web.deps import ReadSession, Sessions, SignedInDep
from citycarbon.web.pages.cockpit import script_json
from citycarbon.web.pages.portal import back, local_target
from citycarbon.web.templating import lang_of, render

router = APIRouter(include_in_schema=False)

POLL_MS = 5000  # the live curve asks for new readings this often
MAP_COLORS = ["#eef7ee", "#bfe3c0", "#7cc47f", "#3f9a4a", "#1d6b30"]


def local_time(epoch: int | None) -> str:
    if epoch is None:
        return "—"
    moment = dt.datetime.fromtimestamp(epoch + CST_OFFSET_S, dt.UTC)
    return moment.strftime("%Y-%m-%d %H:%M")


SHIFT_MS = CST_OFFSET_S * 1000  # the curve's axis shows China time whatever the browser's


def shifted(points: list[list[float]]) -> list[list[float]]:
    return [[t + SHIFT_MS, kw] for t, kw in points]


def load_option(model: dict[str, Any], lang: str) -> dict[str, Any]:
    zh = lang == "zh"
    return {
        "useUTC": True,  # with the timestamps shifted by +8 h: labels in China time
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 64, "right": 16, "top": 36, "bottom": 40},
        "xAxis": {"type": "time"},
        "yAxis": {"type": "value", "name": "kW", "scale": True},
        "legend": {"top": 0},
        "series": [
            {
                "name": "用电负荷" if zh else "electric load",
                "type": "line",
                "showSymbol": False,
                "data": shifted(model["points"]),
                "areaStyle": {"opacity": 0.15},
            }
        ],
        "animation": False,
    }


@router.get("/monitoring")
async def monitoring_home(request: Request, actor: SignedInDep, session: ReadSession) -> Response:
    enterprises = monitored_list(session, actor)
    if actor.role is Role.ENTERPRISE and actor.enterprise_id is not None:
        own = session.get(Enterprise, actor.enterprise_id)
        if own is not None:
            return RedirectResponse(f"/monitoring/enterprises/{own.credit_code}", status_code=303)
    now = int(time.time())
    return render(
        request,
        "monitoring.html",
        {
            "enterprises": enterprises,
            "alerts": list_alerts(session, actor, state="open"),
            "cleared": list_alerts(session, actor, state="cleared", now=now, limit=20),
            "manage": holds(actor, Permission.MANAGE_MONITORING),
            "regional": actor.role not in (Role.ENTERPRISE, Role.VERIFIER),
            "local_time": local_time,
            "done": request.query_params.get("done"),
        },
    )


def _enterprise_page(
    request: Request,
    session: Session,
    actor: Actor,
    credit_code: str,
    *,
    problem: CitycarbonError | None = None,
    status: int = 200,
) -> Response:
    now = int(time.time())
    model = load_curve(session, lake_of(request), actor, credit_code, now)
    year, month = local_month(now)
    return render(
        request,
        "monitoring_enterprise.html",
        {
            "m": model,
            "options": {"opt-load": script_json(load_option(model, lang_of(request)))},
            "poll_ms": POLL_MS,
            "shift_ms": SHIFT_MS,
            "year": year,
            "month": month,
            "manage": holds(actor, Permission.MANAGE_MONITORING),
            "local_time": local_time,
            "problem": problem,
            "done": request.query_params.get("done"),
        },
        status,
    )


@router.get("/monitoring/enterprises/{credit_code}")
async def enterprise_page(
    request: Request, credit_code: CreditCode, actor: SignedInDep, session: ReadSession
) -> Response:
    return await run_in_threadpool(_enterprise_page, request, session, actor, credit_code)


@router.post("/monitoring/enterprises/{credit_code}/budgets")
async def post_budget_form(
    request: Request,
    credit_code: CreditCode,
    actor: SignedInDep,
    sessions: Sessions,
    year: Annotated[int, Form(ge=1900, le=9999)],
    month: Annotated[int, Form(ge=1, le=12)],
    kind: Annotated[str, Form(max_length=10)],
    amount: Annotated[str, Form(max_length=30)],
) -> Response:
    try:
        value = float(amount.replace(",", "").strip())
    except ValueError:
        value = float("nan")  # the core Budget names the field and the reason
    try:
        with sessions.begin() as session:
            set_budget(session, actor, credit_code, year, month, kind, value)
    except BudgetError as exc:
        with sessions() as session:
            return _enterprise_page(request, session, actor, credit_code, problem=exc, status=422)
    return back(f"/monitoring/enterprises/{credit_code}?done=budget")


@router.post("/monitoring/alerts/evaluate")
async def post_evaluate_form(
    request: Request,
    actor: SignedInDep,
    sessions: Sessions,
    next_url: Annotated[str, Form(alias="next", max_length=300)] = "/monitoring",
) -> Response:
    require(actor, Permission.MANAGE_MONITORING)
    with sessions.begin() as session:
        evaluate_alerts(session, lake_of(request), int(time.time()))
    target = local_target(next_url, "/monitoring")
    joiner = "&" if "?" in target else "?"
    return back(f"{target}{joiner}done=evaluated")


def _city(session: Session) -> Region | None:
    return session.scalar(select(Region).where(Region.level == "city").order_by(Region.code))


def park_option(model: dict[str, Any], lang: str, city: str) -> dict[str, Any]:
    zh = lang == "zh"
    points = [
        {
            "name": e["name_zh"] if zh else e["name_en"],
            "value": [e["lon"], e["lat"], round(e["tce"], 3)],
            "park": p["name_zh"] if zh else p["name_en"],
            "url": f"/monitoring/enterprises/{e['credit_code']}",
        }
        for p in model["parks"]
        for e in p["enterprises"]
        if e["lon"] is not None and e["lat"] is not None
    ]
    values = [pt["value"][2] for pt in points]
    top = max(values, default=1.0) or 1.0
    return {
        "tooltip": {"trigger": "item"},
        "geo": {
            "map": city,
            "roam": True,
            "nameProperty": "name_zh" if zh else "name_en",
            "label": {"show": True, "fontSize": 11, "color": "#666"},
            "itemStyle": {"areaColor": "#f6f8f6", "borderColor": "#999"},
        },
        "visualMap": {
            "min": 0,
            "max": round(top, 3),
            "precision": 3,
            "dimension": 2,
            "left": 8,
            "bottom": 8,
            "calculable": True,
            "text": ["tce", ""],
            "inRange": {"color": MAP_COLORS[1:], "symbolSize": [6, 26]},
        },
        "series": [
            {
                "name": "本月至今能耗" if zh else "energy this month",
                "type": "scatter",
                "coordinateSystem": "geo",
                "data": points,
            }
        ],
        "animation": False,
    }


@router.get("/monitoring/parks")
async def parks_page(request: Request, actor: SignedInDep, session: ReadSession) -> Response:
    model = await run_in_threadpool(park_map, session, lake_of(request), actor, int(time.time()))
    city = _city(session)
    options = {}
    if city is not None:
        options["opt-parks"] = script_json(park_option(model, lang_of(request), city.code))
    return render(
        request,
        "monitoring_parks.html",
        {"m": model, "city": city, "options": options, "local_time": local_time},
    )


def nowcast_option(model: dict[str, Any], lang: str) -> dict[str, Any]:
    zh = lang == "zh"
    rows = model["districts"]
    names = [r["name_zh"] if zh else r["name_en"] for r in rows]
    return {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"top": 0},
        "grid": {"left": 64, "right": 16, "top": 36, "bottom": 48},
        "xAxis": {"type": "category", "data": names, "axisLabel": {"interval": 0, "rotate": 20}},
        "yAxis": {"type": "value", "name": "t CO2"},
        "series": [
            {
                "name": "本月至今" if zh else "month to date",
                "type": "bar",
                "data": [None if r["tco2"] is None else round(r["tco2"], 3) for r in rows],
                "itemStyle": {"color": "#c0504d"},
            },
            {
                "name": "月末预测" if zh else "projected month end",
                "type": "bar",
                "data": [
                    None if r["projected_tco2"] is None else round(r["projected_tco2"], 3)
                    for r in rows
                ],
                "itemStyle": {"color": "#e6b0aa"},
            },
        ],
        "animation": False,
    }


@router.get("/monitoring/nowcast")
async def nowcast_page(request: Request, actor: SignedInDep, session: ReadSession) -> Response:
    model = await run_in_threadpool(
        district_nowcast, session, lake_of(request), actor, int(time.time())
    )
    return render(
        request,
        "monitoring_nowcast.html",
        {
            "m": model,
            "options": {"opt-nowcast": script_json(nowcast_option(model, lang_of(request)))},
            "local_time": local_time,
        },
    )


@router.get("/monitoring/rejected")
async def rejected_page(request: Request, actor: SignedInDep, session: ReadSession) -> Response:
    rows = rejected_readings(session, actor)
    return render(request, "monitoring_rejected.html", {"rows": rows, "local_time": local_time})
