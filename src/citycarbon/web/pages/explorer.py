"""The inventory explorer: drill city → district → township → enterprise and along the
category tree, per gas, year and run (factor version); every figure opens its trace."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import urlencode

import orjson
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from citycarbon.service.figure_trace import ledger_line_trace
from citycarbon.service.ledger import enterprise_ledger, region_by_code
from citycarbon.web.api.inventory import (
    CategoryParam,
    GasParam,
    RegionParam,
    RegionRequired,
    RunParam,
    RunRequired,
    YearParam,
    explorer_model,
    reuse,
    trace_model,
)
from citycarbon.web.deps import ActorDep, ReadSession
from citycarbon.web.templating import lang_of, render

router = APIRouter(include_in_schema=False)

TOTAL_LABELS = (
    ("gross_CO2e", "总排放（直接 + 调入电力）", "Gross (direct + net imported electricity)"),
    ("sink_CO2e", "碳汇", "Sinks"),
    ("net_CO2e", "净排放", "Net"),
    (
        "entity_ind_CO2e",
        "企业外购电力热力（备忘）",
        "Enterprises' purchased electricity and heat (memo)",
    ),
    ("energy_tce", "能源消费", "Energy"),
)


def figure_link(run: int, region: str, category: str, gas: str) -> str:
    return "/explorer/trace?" + urlencode(
        {"run": run, "region": region, "category": category, "gas": gas}
    )


def explore_link(model: dict[str, Any], **changes: object) -> str:
    """The explorer's URL for the current figure with some parameters changed."""
    params: dict[str, object] = {
        "region": model["region"]["code"],
        "year": model["year"],
        "category": model["category"]["code"],
        "gas": model["measure"],
    }
    params.update(changes)
    return "/explorer?" + urlencode({k: v for k, v in params.items() if v is not None})


@router.get("/explorer")
async def explorer_page(
    request: Request,
    actor: ActorDep,
    session: ReadSession,
    region: RegionParam = None,
    year: YearParam = None,
    category: CategoryParam = None,
    gas: GasParam = "CO2e",
    run: RunParam = None,
    enterprises: bool | None = None,
) -> Response:
    model, _ = await explorer_model(
        request, actor, reuse(session), region=region, year=year, category=category, gas=gas,
        run=run, enterprises=enterprises,
    )  # fmt: skip
    return render(
        request,
        "explorer.html",
        {
            "m": model,
            "figure_link": figure_link,
            "explore_link": lambda **kw: explore_link(model, **kw),
            "pinned_run": run,
            "total_labels": TOTAL_LABELS,
        },
    )


@router.get("/explorer/trace")
async def trace_page(
    request: Request,
    actor: ActorDep,
    session: ReadSession,
    run: RunRequired,
    region: RegionRequired,
    category: CategoryParam = None,
    gas: GasParam = "CO2e",
) -> Response:
    """The trace as a partial for the explorer's dialog (htmx), or as a page of its own."""
    model = await trace_model(
        request, actor, session, run=run, region=region, category=category, gas=gas
    )
    template = "trace.html" if request.headers.get("HX-Request") else "trace_page.html"
    return render(request, template, {"t": model})


@router.get("/explorer/enterprise/{credit_code}")
async def enterprise_page(
    request: Request,
    actor: ActorDep,
    session: ReadSession,
    credit_code: Annotated[str, Path(max_length=30)],
    year: YearParam = None,
) -> Response:
    """An enterprise's ledger for the year (READ_LEDGER), each line with its trace."""
    if year is None:
        year = _last_year()
    found = enterprise_ledger(session, actor, credit_code, year)
    region = region_by_code(session, found.region_code)
    lang = lang_of(request)
    rows = [r for r in found.ledger.by_source if r.month == 0] or list(found.ledger.by_source)
    by_source: dict[tuple[str, str], float] = {}
    for figure in found.ledger.figures:
        key = (figure.line.category, figure.line.activity)
        by_source[key] = by_source.get(key, 0.0) + figure.co2e_t
    chart = {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "grid": {"left": 160, "right": 24, "top": 16, "bottom": 28},
        "xAxis": {"type": "value", "name": "t CO2e"},
        "yAxis": {"type": "category", "data": [f"{c} {a}" for c, a in by_source]},
        "series": [{"type": "bar", "data": [round(v, 3) for v in by_source.values()]}],
        "animation": False,
    }
    return render(
        request,
        "explorer_enterprise.html",
        {
            "e": found,
            "region": region,
            "year": year,
            "rows": rows,
            "chart": orjson.dumps(chart).decode("utf-8").replace("</", "<\\/"),
            "lang_": lang,
        },
    )


def _last_year() -> int:
    """The last full year: what an enterprise's ledger shows when no year is asked."""
    return dt.datetime.now(dt.UTC).year - 1


@router.get("/explorer/enterprise/{credit_code}/trace")
async def enterprise_line_trace(
    request: Request,
    actor: ActorDep,
    session: ReadSession,
    credit_code: Annotated[str, Path(max_length=30)],
    year: Annotated[int, Query(ge=1900, le=2200)],
    line: Annotated[int, Query(ge=0, le=1_000_000)],
) -> Response:
    model = ledger_line_trace(session, actor, credit_code, year, line)
    template = "trace_line.html" if request.headers.get("HX-Request") else "trace_line_page.html"
    return render(request, template, {"t": model})
