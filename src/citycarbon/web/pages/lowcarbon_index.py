"""The public low-carbon index pages: ``/index`` (ranking, map, dimension chart, sensitivity,
the city comparison with the CEADs citation) and ``/index/method`` (the methodology, built
from the same definitions the index is computed from). Chart options are built here and
embedded, as on the cockpit."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from citycarbon.indicators.validation import IndexInputError
from citycarbon.service import lowcarbon_index as service
from citycarbon.web.api.inventory import RegionParam, YearParam
from citycarbon.web.api.lowcarbon_index import (
    AggregationParam,
    CityYearParam,
    NormalisationParam,
    WeightingParam,
)
from citycarbon.web.deps import ActorDep, ReadSession
from citycarbon.web.pages.cockpit import PALETTE, script_json
from citycarbon.web.templating import lang_of, render

router = APIRouter(include_in_schema=False)


def _name(item: dict[str, Any], lang: str) -> str:
    return str(item["name_en"] if lang == "en" and item.get("name_en") else item["name_zh"])


def map_option(model: dict[str, Any], lang: str) -> dict[str, Any]:
    """The cockpit's district choropleth, coloured by the index score."""
    data = [
        {"name": _name(r, lang), "value": round(r["score"], 1), "code": r["code"]}
        for r in model["regions"]
    ]
    zh = lang != "en"
    return {
        "tooltip": {"trigger": "item", "formatter": "{b}<br/>{c}"},
        "visualMap": {
            "min": 0,
            "max": 100,
            "left": 8,
            "bottom": 8,
            "calculable": True,
            "text": ["高" if zh else "high", "低" if zh else "low"],
            "inRange": {"color": PALETTE},
        },
        "title": {
            "text": ("低碳发展指数（0—100）" if zh else "Low-carbon index (0-100)"),
            "left": "center",
            "textStyle": {"fontSize": 13},
        },
        "series": [
            {
                "type": "map",
                "map": model["region"]["code"],
                "nameProperty": "name_en" if lang == "en" else "name_zh",
                "roam": False,
                "label": {"show": True, "fontSize": 11},
                "data": data,
            }
        ],
    }


def dimension_option(model: dict[str, Any], lang: str) -> dict[str, Any]:
    """Grouped bars: one group per dimension, one bar per region."""
    dims = [d for d in model["dimensions"] if d["weight"] > 0]
    return {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"top": 0, "textStyle": {"fontSize": 11}},
        "grid": {"left": 40, "right": 12, "top": 48, "bottom": 28},
        "xAxis": {"type": "category", "data": [_name(d, lang) for d in dims]},
        "yAxis": {"type": "value", "min": 0, "max": 100},
        "series": [
            {
                "name": _name(r, lang),
                "type": "bar",
                "data": [
                    None
                    if r["dimensions"][d["code"]] is None
                    else round(r["dimensions"][d["code"]], 1)
                    for d in dims
                ],
            }
            for r in model["regions"]
        ],
        "animation": False,
    }


@router.get("/index")
async def index_page(
    request: Request,
    actor: ActorDep,
    session: ReadSession,
    region: RegionParam = None,
    year: YearParam = None,
    normalisation: NormalisationParam = "min_max",
    weighting: WeightingParam = "expert",
    aggregation: AggregationParam = "weighted_sum",
    city_year: CityYearParam = None,
) -> Response:
    lang = lang_of(request)
    method = {"normalisation": normalisation, "weighting": weighting, "aggregation": aggregation}
    model: dict[str, Any] | None = None
    cities: dict[str, Any] | None = None
    problem = None
    try:
        model = service.district_index(session, actor, region=region, year=year, **method)
        cities = service.city_index(year=city_year, **method)
    except IndexInputError as exc:
        problem = exc.message
    options = {}
    if model is not None:
        options["opt-index-map"] = script_json(map_option(model, lang))
        options["opt-index-dims"] = script_json(dimension_option(model, lang))
    return render(
        request,
        "lowcarbon_index.html",
        {
            "model": model,
            "cities": cities,
            "problem": problem,
            "method": method,
            "options": options,
            "choices": service.method_texts(),
            "query": "&".join(f"{k}={v}" for k, v in method.items()),
        },
        422 if problem is not None else 200,
    )


@router.get("/index/method")
async def index_method_page(request: Request) -> Response:
    return render(request, "lowcarbon_index_method.html", {"m": service.methodology()})
