"""Online energy monitoring over HTTP: monitored enterprises and their live load curve,
budgets (read and set), alerts (list, evaluate now), the park map, the district electricity
carbon nowcast, rejected readings and the metered-vs-reported reconciliation of a report.

Routes are thin: access and every rule are the service layer's. ``at`` (epoch seconds) asks
for the view at another moment than now (the lake's readings up to then)."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from citycarbon.errors import CitycarbonError, Message
from citycarbon.lake.layout import lake_root
from citycarbon.service.access import Permission, require
from citycarbon.service.monitoring_alerts import MAX_AHEAD_S, evaluate_alerts, list_alerts
from citycarbon.service.monitoring_budgets import (
    list_budgets,
    local_month,
    monitored_enterprise,
    set_budget,
)
from citycarbon.service.monitoring_dashboards import (
    district_nowcast,
    load_curve,
    monitored_list,
    park_map,
    rejected_readings,
)
from citycarbon.service.monitoring_reconcile import reconcile_report
from citycarbon.web.api.reports import RecordId
from citycarbon.web.deps import ReadSession, Sessions, SignedInDep
from citycarbon.web.responses import JsonResponse

router = APIRouter(tags=["online energy monitoring"])
LOG = logging.getLogger(__name__)

CreditCode = Annotated[str, PathParam(min_length=18, max_length=18, pattern=r"^[0-9A-Z]{18}$")]
CreditQuery = Annotated[str | None, Query(min_length=18, max_length=18, pattern=r"^[0-9A-Z]{18}$")]
YearPath = Annotated[int, PathParam(ge=1900, le=9999)]
MonthPath = Annotated[int, PathParam(ge=1, le=12)]
# up to the end of 9999 in local time: months are computed in calendar arithmetic
At = Annotated[
    int | None, Query(ge=0, le=253_402_271_999, description="epoch seconds; default now")
]
Hours = Annotated[int, Query(ge=1, le=168)]
AlertState = Literal["open", "cleared", "all"]


def now_or(at: int | None) -> int:
    return int(time.time()) if at is None else at


def lake_of(request: Request) -> Path:
    return lake_root(request.app.state.settings.data_dir)


@router.get("/monitoring/enterprises", summary="可查看的在线监测企业 / monitored enterprises")
async def get_enterprises(actor: SignedInDep, session: ReadSession) -> Response:
    return JsonResponse({"enterprises": monitored_list(session, actor)})


@router.get(
    "/monitoring/enterprises/{credit_code}/load",
    summary="企业实时负荷曲线、今日用能、预算进度与告警 / live load curve, budgets, alerts",
)
async def get_load(
    request: Request,
    credit_code: CreditCode,
    actor: SignedInDep,
    session: ReadSession,
    hours: Hours = 24,
    at: At = None,
) -> Response:
    # the lake queries take tens of milliseconds: off the event loop, which serves the rest
    model = await run_in_threadpool(
        load_curve, session, lake_of(request), actor, credit_code, now_or(at), hours=hours
    )
    return JsonResponse(model)


@router.get("/monitoring/budgets", summary="能耗与碳排放预算 / energy and carbon budgets")
async def get_budgets(
    actor: SignedInDep,
    session: ReadSession,
    year: Annotated[int | None, Query(ge=1900, le=9999)] = None,
    month: Annotated[int | None, Query(ge=1, le=12)] = None,
    enterprise: CreditQuery = None,
) -> Response:
    ids = None
    if enterprise is not None:
        ids = [monitored_enterprise(session, actor, enterprise).id]
    rows = list_budgets(session, actor, year=year, month=month, enterprise_ids=ids)
    return JsonResponse({"budgets": rows})


class BudgetBody(BaseModel):
    amount: float = Field(gt=0, description="tce (energy) or t CO2e (carbon) unless unit says")
    unit: str | None = Field(default=None, max_length=20, description="default tce or t")


@router.put(
    "/monitoring/budgets/{credit_code}/{year}/{month}/{kind}",
    summary="设定企业月度能耗或碳排放预算 / set an enterprise's monthly budget",
)
async def put_budget(
    credit_code: CreditCode,
    year: YearPath,
    month: MonthPath,
    kind: Annotated[Literal["energy", "carbon"], PathParam()],
    body: BudgetBody,
    actor: SignedInDep,
    sessions: Sessions,
) -> Response:
    with sessions.begin() as session:
        row = set_budget(session, actor, credit_code, year, month, kind, body.amount, body.unit)
    return JsonResponse(row)


@router.get("/monitoring/alerts", summary="告警（未解除/近期已解除）/ alerts")
async def get_alerts(
    actor: SignedInDep,
    session: ReadSession,
    state: Annotated[AlertState, Query()] = "open",
    enterprise: CreditQuery = None,
    at: At = None,
) -> Response:
    ids = None
    if enterprise is not None:
        ids = [monitored_enterprise(session, actor, enterprise).id]
    rows = list_alerts(session, actor, state=state, enterprise_ids=ids, now=now_or(at))
    return JsonResponse({"alerts": rows})


@router.post(
    "/monitoring/alerts/evaluate",
    summary="立即评估告警规则 / evaluate the alert rules now",
)
async def post_evaluate(
    request: Request, actor: SignedInDep, sessions: Sessions, at: At = None
) -> Response:
    require(actor, Permission.MANAGE_MONITORING)
    moment = now_or(at)
    if moment > time.time() + MAX_AHEAD_S:
        # an evaluation in the future would make every later real one stale for its alerts
        raise CitycarbonError(
            Message(
                zh=f"评估时刻 {moment} 晚于当前时间，不能预先评估",
                en=f"the moment {moment} lies in the future: alerts cannot be evaluated ahead",
            ),
            field="at",
        )
    with sessions.begin() as session:
        result = evaluate_alerts(session, lake_of(request), moment)
    return JsonResponse(result.as_dict())


@router.get("/monitoring/parks", summary="园区能耗地图 / the park energy map")
async def get_parks(
    request: Request, actor: SignedInDep, session: ReadSession, at: At = None
) -> Response:
    return JsonResponse(
        await run_in_threadpool(park_map, session, lake_of(request), actor, now_or(at))
    )


@router.get(
    "/monitoring/nowcast",
    summary="区县用电碳排放本月实时估算 / district electricity carbon nowcast",
)
async def get_nowcast(
    request: Request, actor: SignedInDep, session: ReadSession, at: At = None
) -> Response:
    return JsonResponse(
        await run_in_threadpool(district_nowcast, session, lake_of(request), actor, now_or(at))
    )


@router.get("/monitoring/rejected", summary="拒收读数及原因 / rejected readings")
async def get_rejected(
    actor: SignedInDep,
    session: ReadSession,
    code: Annotated[str | None, Query(max_length=20)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> Response:
    return JsonResponse({"rejected": rejected_readings(session, actor, code=code, limit=limit)})


@router.get(
    "/monitoring/reports/{report_id}/reconciliation",
    summary="计量与填报用能对账 / metered vs reported energy of a monthly report",
)
async def get_reconciliation(
    request: Request, report_id: RecordId, actor: SignedInDep, session: ReadSession, at: At = None
) -> Response:
    model: dict[str, Any] | None = await run_in_threadpool(
        reconcile_report, session, lake_of(request), actor, report_id, now=now_or(at)
    )
    return JsonResponse({"reconciliation": model})


def this_month(at: int | None = None) -> tuple[int, int]:
    return local_month(now_or(at))


# ---- the background evaluation -------------------------------------------------------------

ALERT_INTERVAL_ENV = "CITYCARBON_ALERT_INTERVAL_S"
DEFAULT_ALERT_INTERVAL_S = 300.0  # five minutes: a third of a silent meter's hour


def alert_interval(settings: object) -> float:
    """Seconds between background evaluations; 0 switches them off. ``alert_interval_s`` of
    the web settings if they have one, else ``CITYCARBON_ALERT_INTERVAL_S``, else 300."""
    configured: object = getattr(settings, "alert_interval_s", None)
    if configured is None:
        configured = os.environ.get(ALERT_INTERVAL_ENV, str(DEFAULT_ALERT_INTERVAL_S))
    if not isinstance(configured, str | int | float):
        return DEFAULT_ALERT_INTERVAL_S
    try:
        value = float(configured)
    except (TypeError, ValueError):
        return DEFAULT_ALERT_INTERVAL_S
    return max(value, 0.0)


def evaluate_once(state: Any) -> dict[str, int]:
    """One evaluation in its own transaction (run in a worker thread by the loop below)."""
    with state.sessions.begin() as session:
        result = evaluate_alerts(session, lake_root(state.settings.data_dir), int(time.time()))
    return result.as_dict()


async def evaluate_periodically(state: Any, interval_s: float) -> None:
    """Evaluate the alert rules every ``interval_s`` seconds until cancelled; a failed round
    is logged and the next one tries again (a lake being compacted, a locked database)."""
    while True:
        try:
            await asyncio.to_thread(evaluate_once, state)
        except Exception:  # the loop must outlive one bad round
            LOG.exception("alert evaluation failed")
        await asyncio.sleep(interval_s)
