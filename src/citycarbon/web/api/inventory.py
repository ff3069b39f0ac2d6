"""Stored inventories over HTTP: the city cockpit, the inventory explorer, the trace of a
figure, regions with their boundaries, and the inventory documents (PDF, XLSX).

Read models are built once per (runs, what the actor may see) and kept as encoded JSON in
``app.state.cache`` (bounded LRUs): a cached answer costs two or three small queries (the
runs the actor may see, the region) and no encoding. A run's recomputation (for traces and
enterprise figures) takes seconds on a large city: it runs in a worker thread, once per
run, and concurrent requests wait for the same computation.
"""

from __future__ import annotations

import asyncio
import csv
import io
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from contextlib import AbstractContextManager, nullcontext
from typing import Annotated, Any, Literal, TypeVar

import orjson
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from citycarbon.errors import Message
from citycarbon.refdata.boundaries import load_boundaries
from citycarbon.service import cockpit as cockpit_service
from citycarbon.service.actor import Actor
from citycarbon.service.explorer import (
    CSV_COLUMNS,
    ExplorerQueryError,
    FigureQuery,
    csv_rows,
    default_region,
    explore,
    region_with_children,
    resolve,
    visible_firms,
)
from citycarbon.service.figure_trace import (
    Recomputation,
    enterprise_figures,
    recompute,
    trace_figure,
)
from citycarbon.service.ledger import not_found
from citycarbon.store.models import InventoryRun
from citycarbon.web.deps import ActorDep, ReadSession, Sessions
from citycarbon.web.responses import JSON_OPTIONS

router = APIRouter(tags=["inventory"])
T = TypeVar("T")

JSON = "application/json"
MODEL_CACHE = "inventory.models"  # encoded read models
RUN_CACHE = "inventory.recomputations"  # heavy: a few runs only
MODELS_KEPT = 512
RUNS_KEPT = 4

RegionParam = Annotated[str | None, Query(min_length=2, max_length=12, pattern=r"^\d+$")]
YearParam = Annotated[int | None, Query(ge=1900, le=2200)]
RunParam = Annotated[int | None, Query(ge=1, le=2**31 - 1)]
RunRequired = Annotated[int, Query(ge=1, le=2**31 - 1)]
RegionRequired = Annotated[str, Query(min_length=2, max_length=12, pattern=r"^\d+$")]
CategoryParam = Annotated[str | None, Query(max_length=20)]
GasParam = Annotated[str, Query(max_length=20)]
FormatParam = Annotated[Literal["json", "csv"], Query(alias="format")]


class Lru(OrderedDict[Hashable, Any]):
    """A dict that forgets its least recently used entries beyond ``size``."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def lookup(self, key: Hashable) -> Any:
        found = self.get(key)
        if found is not None:
            self.move_to_end(key)
        return found

    def keep(self, key: Hashable, value: Any) -> None:
        self[key] = value
        self.move_to_end(key)
        while len(self) > self.size:
            self.popitem(last=False)


def lru(request: Request, name: str, size: int) -> Lru:
    return lru_of(request.app.state, name, size)


def lru_of(state: Any, name: str, size: int) -> Lru:
    store: dict[str, Any] = state.cache
    found = store.get(name)
    if not isinstance(found, Lru):
        found = store[name] = Lru(size)
    return found


def scope_of(actor: Actor) -> tuple[object, ...]:
    """What decides which records an actor may see: equal scopes see the same."""
    return (actor.role.value, actor.region_path, actor.enterprise_id, actor.user_id is None)


async def recomputation(request: Request, run: InventoryRun) -> Recomputation:
    """The run's recomputation, made once in a worker thread (the caller checked access)."""
    return await recomputation_of(request.app.state, run.id)


async def warm_up(state: Any) -> None:
    """Recompute, in the background, the runs the first cockpits will show (a run of a
    large city takes seconds; without this the first signed-in visitor waits for it)."""
    sessions: sessionmaker[Session] = state.sessions
    with sessions() as session:
        run_ids = cockpit_service.runs_to_warm(session)
    for run_id in run_ids:
        await recomputation_of(state, run_id)


async def recomputation_of(state: Any, run_id: int) -> Recomputation:
    cache = lru_of(state, RUN_CACHE, RUNS_KEPT)
    pending = cache.lookup(run_id)
    if pending is not None and (
        pending.get_loop() is not asyncio.get_running_loop() or pending.cancelled()
    ):
        pending = None  # made by a server (event loop) that has stopped: make it again
    if pending is None:
        sessions: sessionmaker[Session] = state.sessions

        def build() -> Recomputation:
            with sessions() as session:
                stored = session.get(InventoryRun, run_id)
                if stored is None:
                    raise not_found("该清单", "inventory run", run_id)
                return recompute(session, stored)

        pending = asyncio.ensure_future(run_in_threadpool(build))
        cache.keep(run_id, pending)
    try:
        found: Recomputation = await pending
    except Exception:
        cache.pop(run_id, None)
        raise
    return found


FRONT_CACHE = "inventory.front"  # answers by request, for FRESH_S seconds
FRONT_KEPT = 2048
FRESH_S = 5.0


def fresh(request: Request, key: Hashable) -> tuple[dict[str, Any], bytes] | None:
    """A recent answer to the same request from an actor of the same scope: served with no
    query at all. Runs are immutable, so the only staleness is a new or newly published run
    (another process may store or publish one), seen within ``FRESH_S`` seconds."""
    hit = lru(request, FRONT_CACHE, FRONT_KEPT).lookup(key)
    if hit is None or hit[0] < time.monotonic():
        return None
    return hit[1]  # type: ignore[no-any-return]


def keep_fresh(request: Request, key: Hashable, answer: tuple[dict[str, Any], bytes]) -> None:
    lru(request, FRONT_CACHE, FRONT_KEPT).keep(key, (time.monotonic() + FRESH_S, answer))


def encoded(model: Any) -> bytes:
    return orjson.dumps(model, option=JSON_OPTIONS)


def json_bytes(body: bytes) -> Response:
    return Response(body, media_type=JSON)


# ---- the cockpit -----------------------------------------------------------------------------


SessionSource = Callable[[], AbstractContextManager[Session]]


def reuse(session: Session) -> SessionSource:
    """A page that already holds a session lends it to the read models."""
    return lambda: nullcontext(session)


def own_session(request: Request) -> SessionSource:
    """A session opened only when an answer is not cached (the hot path opens none)."""
    factory: sessionmaker[Session] = request.app.state.sessions
    return factory


async def cockpit_model(
    request: Request, actor: Actor, source: SessionSource, region: str | None, year: int | None
) -> tuple[dict[str, Any], bytes]:
    front = ("cockpit", region, year, scope_of(actor))
    answer = fresh(request, front)
    if answer is None:
        with source() as session:
            answer = await _cockpit_model(request, actor, session, region, year)
        keep_fresh(request, front, answer)
    return answer


async def _cockpit_model(
    request: Request, actor: Actor, session: Session, region: str | None, year: int | None
) -> tuple[dict[str, Any], bytes]:
    plan = cockpit_service.plan(session, actor, region or default_region(session, actor), year)
    key = ("cockpit", plan.region.code, plan.year, plan.run_ids, repr(plan.pace), scope_of(actor))
    cache = lru(request, MODEL_CACHE, MODELS_KEPT)
    hit = cache.lookup(key)
    if hit is not None:
        return hit  # type: ignore[no-any-return]
    model = cockpit_service.build(session, plan)
    if visible_firms(session, actor, plan.region):
        query = FigureQuery(plan.region, plan.run, [plan.run], "TOTAL", "CO2e")
        found = await recomputation(request, plan.run)
        firms = enterprise_figures(session, actor, query, found)
        districts = cockpit_service.district_names(session, plan.region)
        model["top_emitters"] = cockpit_service.top_emitters(firms, districts)
    result = (model, encoded(model))
    cache.keep(key, result)
    return result


@router.get(
    "/cockpit",
    summary="城市驾驶舱：四项指标、进度、分部门、分区县、碳汇、重点排放单位 / the city cockpit",
    responses={200: {"content": {JSON: {}}}, 404: {"description": "no visible inventory"}},
)
async def get_cockpit(
    request: Request,
    actor: ActorDep,
    region: RegionParam = None,
    year: YearParam = None,
) -> Response:
    """The four indicators with their trend over every stored year and the default target
    pace, emissions by sector, districts (for the map), sinks and net emissions, and the
    top ten direct emitters. The public sees published inventories and no enterprise."""
    _, body = await cockpit_model(request, actor, own_session(request), region, year)
    return json_bytes(body)


# ---- the explorer ----------------------------------------------------------------------------


async def explorer_model(
    request: Request,
    actor: Actor,
    source: SessionSource,
    *,
    region: str | None,
    year: int | None = None,
    category: str | None = None,
    gas: str = "CO2e",
    run: int | None = None,
    enterprises: bool | None = None,
) -> tuple[dict[str, Any], bytes]:
    front = ("explorer", region, year, category, gas, run, enterprises, scope_of(actor))
    answer = fresh(request, front)
    if answer is None:
        with source() as session:
            answer = await _explorer_model(
                request, actor, session, region, year, category, gas, run, enterprises
            )
        keep_fresh(request, front, answer)
    return answer


async def _explorer_model(
    request: Request,
    actor: Actor,
    session: Session,
    region: str | None,
    year: int | None,
    category: str | None,
    gas: str,
    run: int | None,
    enterprises: bool | None,
) -> tuple[dict[str, Any], bytes]:
    query = resolve(
        session, actor, region or default_region(session, actor), year, category, gas, run
    )
    with_firms = query.region.level == "township" if enterprises is None else enterprises
    key = ("explorer", query.key, tuple(r.id for r in query.runs), with_firms, scope_of(actor))
    cache = lru(request, MODEL_CACHE, MODELS_KEPT)
    hit = cache.lookup(key)
    if hit is not None:
        return hit  # type: ignore[no-any-return]
    model = explore(session, query)
    if query.measure not in model["measures"] and query.measure not in ("CO2e", "energy_tce"):
        raise ExplorerQueryError(
            Message(
                zh=f"该清单没有指标 {query.measure}（可用：{'、'.join(model['measures'])}）",
                en=f"this inventory has no measure {query.measure} "
                f"(available: {', '.join(model['measures'])})",
            ),
            field="gas",
        )
    if with_firms and visible_firms(session, actor, query.region):
        found = await recomputation(request, query.run)
        model["enterprises"] = enterprise_figures(session, actor, query, found)
    result = (model, encoded(model))
    cache.keep(key, result)
    return result


def csv_download(rows: list[dict[str, Any]], columns: tuple[str, ...], name: str) -> Response:
    out = io.StringIO()
    out.write("\ufeff")  # spreadsheet programs then read the Chinese text as UTF-8
    writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return Response(
        out.getvalue().encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


@router.get(
    "/explorer",
    summary="清单浏览：一个数字及其下级（地区、类别、企业）/ a figure and its children",
    responses={200: {"content": {JSON: {}, "text/csv": {}}}},
)
async def get_explorer(
    request: Request,
    actor: ActorDep,
    region: RegionParam = None,
    year: YearParam = None,
    category: CategoryParam = None,
    gas: GasParam = "CO2e",
    run: RunParam = None,
    enterprises: bool | None = None,
    output: FormatParam = "json",
) -> Response:
    """The figure of (region, year, category, gas) in a stored run (the preferred run of
    the year unless ``run`` is given), its child regions and child categories, and the
    enterprises in the region (township level, or ``enterprises=true``; only those the
    actor may see). ``format=csv`` gives the rows as CSV."""
    model, body = await explorer_model(
        request,
        actor,
        own_session(request),
        region=region,
        year=year,
        category=category,
        gas=gas,
        run=run,
        enterprises=enterprises,
    )
    if output == "csv":
        name = f"inventory-{model['region']['code']}-{model['year']}-{model['category']['code']}"
        return csv_download(csv_rows(model), CSV_COLUMNS, name)
    return json_bytes(body)


# ---- the trace -------------------------------------------------------------------------------


async def trace_model(
    request: Request,
    actor: Actor,
    session: Session,
    *,
    run: int,
    region: str,
    category: str | None,
    gas: str,
) -> dict[str, Any]:
    query = resolve(session, actor, region, None, category, gas, run)
    key = ("trace", query.key, scope_of(actor))
    cache = lru(request, MODEL_CACHE, MODELS_KEPT)
    hit = cache.lookup(key)
    if hit is not None:
        return hit[0]  # type: ignore[no-any-return]
    found = await recomputation(request, query.run)
    model = trace_figure(session, actor, query, found)
    cache.keep(key, (model, b""))
    return model


@router.get(
    "/trace",
    summary="追溯一个数字：活动水平、因子、方程、中间值 / the trace of a stored figure",
    responses={200: {"content": {JSON: {}}}},
)
async def get_trace(
    request: Request,
    actor: ActorDep,
    session: ReadSession,
    run: RunRequired,
    region: RegionRequired,
    category: CategoryParam = None,
    gas: GasParam = "CO2e",
) -> Response:
    """The records, factors (with their source tables), equations and intermediate values
    behind a stored figure, recomputed from the run's inputs; says whether the inputs still
    match the run's digest and whether the contributions add up to the stored value."""
    model = await trace_model(
        request, actor, session, run=run, region=region, category=category, gas=gas
    )
    return json_bytes(encoded(model))


# ---- regions ---------------------------------------------------------------------------------


@router.get(
    "/regions/{code}", summary="一个地区及其上下级 / a region with its parents and children"
)
async def get_region(
    actor: ActorDep,
    session: ReadSession,
    code: Annotated[str, Path(min_length=2, max_length=12)],
) -> Response:
    return json_bytes(encoded(region_with_children(session, actor, code)))


@router.get(
    "/regions/{code}/boundaries.geojson",
    summary="区县边界 GeoJSON（公开）/ county-level boundaries of a city (public)",
    responses={200: {"content": {"application/geo+json": {}}}, 404: {"description": "none"}},
)
async def get_boundaries(
    request: Request, code: Annotated[str, Path(min_length=2, max_length=12)]
) -> Response:
    cache = lru(request, MODEL_CACHE, MODELS_KEPT)
    body = cache.lookup(("boundaries", code))
    if body is None:
        data = load_boundaries(code)
        if data is None:
            raise not_found("该城市的边界数据", "boundaries of", code)
        body = encoded(data)
        cache.keep(("boundaries", code), body)
    return Response(
        body,
        media_type="application/geo+json",
        headers={"Cache-Control": "public, max-age=86400"},
    )


# ---- inventory documents -----------------------------------------------------------------------

DOCUMENT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _document(
    request: Request,
    sessions: sessionmaker[Session],
    actor: Actor,
    run_id: int,
    lang: str | None,
    kind: str,
) -> Response:
    from citycarbon.reports.inventory_document import build_inventory_document
    from citycarbon.reports.pdf import render_inventory_pdf
    from citycarbon.reports.xlsx import render_inventory_xlsx
    from citycarbon.web.templating import lang_of

    language = lang if lang in ("zh", "en") else lang_of(request)
    with sessions() as session:
        doc = build_inventory_document(
            session, actor, run_id, language, notice=request.app.state.settings.notice
        )
    render: Callable[[Any], bytes] = (
        render_inventory_pdf if kind == "pdf" else render_inventory_xlsx
    )
    body = render(doc)
    name = f"inventory-{doc.region_code}-{doc.year}-run{doc.run_id}.{kind}"
    return Response(
        body,
        media_type=DOCUMENT_TYPES[kind],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


RunPath = Annotated[int, Path(ge=1, le=2**31 - 1)]
LangParam = Annotated[Literal["zh", "en"] | None, Query()]


@router.get(
    "/inventories/{run_id}/document.pdf",
    summary="清单报告 PDF / the inventory as a PDF document",
    responses={200: {"content": {"application/pdf": {}}}},
)
def get_document_pdf(
    request: Request, actor: ActorDep, sessions: Sessions, run_id: RunPath, lang: LangParam = None
) -> Response:
    return _document(request, sessions, actor, run_id, lang, "pdf")


@router.get(
    "/inventories/{run_id}/document.xlsx",
    summary="清单报告 XLSX / the inventory as a workbook",
    responses={200: {"content": {DOCUMENT_TYPES["xlsx"]: {}}}},
)
def get_document_xlsx(
    request: Request, actor: ActorDep, sessions: Sessions, run_id: RunPath, lang: LangParam = None
) -> Response:
    return _document(request, sessions, actor, run_id, lang, "xlsx")
