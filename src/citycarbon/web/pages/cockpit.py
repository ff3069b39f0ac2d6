"""The city cockpit page: four indicators against the target pace, sectors, the district
map, sinks and net emissions, top emitters. Chart options are built here from the same read
model the API serves and embedded in the page, so the browser makes no further request but
the map's boundaries (cached)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from citycarbon.service.ledger import RecordNotFoundError
from citycarbon.web.api.inventory import RegionParam, YearParam, cockpit_model, reuse
from citycarbon.web.deps import ActorDep, ReadSession
from citycarbon.web.templating import lang_of, render

router = APIRouter(include_in_schema=False)

MapMeasure = Literal["gross_co2e", "per_capita", "carbon_intensity"]
MAP_MEASURES: dict[str, tuple[str, str, str]] = {
    "gross_co2e": ("碳排放总量", "Total carbon emissions", "Mt CO2e"),
    "per_capita": ("人均碳排放", "Per capita emissions", "t CO2e/人"),
    "carbon_intensity": ("碳排放强度", "Carbon intensity", "t CO2e/万元"),
}
SCALE = {"t CO2e": (1e-6, "Mt CO2e"), "tce": (1e-4, "万 tce")}
PALETTE = ["#eef7ee", "#bfe3c0", "#7cc47f", "#3f9a4a", "#1d6b30"]


def script_json(option: dict[str, Any]) -> str:
    """JSON safe inside ``<script type="application/json">``."""
    return orjson.dumps(option).decode("utf-8").replace("</", "<\\/")


def scaled(value: float | None, unit: str) -> tuple[float | None, str]:
    factor, shown = SCALE.get(unit, (1.0, unit))
    return (None if value is None else value * factor), shown


def _name(item: dict[str, Any], lang: str) -> str:
    return str(item["name_en"] if lang == "en" and item.get("name_en") else item["name_zh"])


def map_option(model: dict[str, Any], lang: str, measure: str) -> dict[str, Any]:
    zh, en, unit = MAP_MEASURES[measure]
    year = model["year"]
    data = []
    for d in model["districts"]:
        value = d.get(measure)
        if measure == "gross_co2e" and value is not None:
            value = value * 1e-6
        data.append(
            {
                "name": _name(d, lang),
                "value": None if value is None else round(value, 4),
                "code": d["code"],
                "url": f"/explorer?region={d['code']}&year={year}",
            }
        )
    values = [x["value"] for x in data if x["value"] is not None]
    return {
        "tooltip": {"trigger": "item", "formatter": "{b}<br/>{c} " + unit},
        "visualMap": {
            "min": min(values, default=0.0),
            "max": max(values, default=1.0),
            "left": 8,
            "bottom": 8,
            "calculable": True,
            "text": [("高" if lang == "zh" else "high"), ("低" if lang == "zh" else "low")],
            "inRange": {"color": PALETTE},
        },
        "title": {
            "text": (zh if lang == "zh" else en) + f"（{unit}）",
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
                "emphasis": {"label": {"show": True}},
                "data": data,
            }
        ],
    }


def indicator_option(indicator: dict[str, Any], lang: str) -> dict[str, Any]:
    factor, unit = SCALE.get(indicator["unit"], (1.0, indicator["unit"]))
    years = [p["year"] for p in indicator["trend"]]
    pace = {p["year"]: p["pace"] for p in indicator["pace"] or []}
    years_all = sorted(set(years) | set(pace))
    actual = {p["year"]: p["value"] for p in indicator["trend"]}

    def at(series: dict[int, float | None], y: int) -> float | None:
        v = series.get(y)
        return None if v is None else round(v * factor, 4)

    series: list[dict[str, Any]] = [
        {
            "name": "实际" if lang == "zh" else "actual",
            "type": "line",
            "smooth": False,
            "data": [at(actual, y) for y in years_all],
            "symbolSize": 5,
        },
    ]
    if pace:
        series.append(
            {
                "name": "目标进度（默认假设）"
                if lang == "zh"
                else "target pace (default assumption)",
                "type": "line",
                "data": [at(pace, y) for y in years_all],
                "lineStyle": {"type": "dashed"},
                "symbol": "none",
                "connectNulls": True,
            }
        )
    return {
        "title": {"text": _name(indicator, lang), "left": 4, "textStyle": {"fontSize": 13}},
        "tooltip": {"trigger": "axis"},
        # title, legend and the axis unit each get their own line: they overlap otherwise
        "legend": {"top": 22, "left": 4, "textStyle": {"fontSize": 11}},
        "grid": {"left": 56, "right": 12, "top": 72, "bottom": 28},
        "xAxis": {"type": "category", "data": [str(y) for y in years_all]},
        "yAxis": {"type": "value", "name": unit, "scale": True},
        "series": series,
        "animation": False,
    }


def sector_option(model: dict[str, Any], lang: str) -> dict[str, Any]:
    rows = list(reversed(model["sectors"]))
    return {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "grid": {"left": 150, "right": 24, "top": 16, "bottom": 28},
        "xAxis": {"type": "value", "name": "Mt CO2e"},
        "yAxis": {
            "type": "category",
            "data": [_name(r, lang) for r in rows],
            "axisLabel": {"width": 140, "overflow": "truncate"},
        },
        "series": [
            {
                "type": "bar",
                "data": [
                    {
                        "value": round(r["value"] * 1e-6, 4),
                        "itemStyle": {"color": "#3f9a4a" if r["value"] < 0 else "#c0504d"},
                    }
                    for r in rows
                ],
                "label": {"show": True, "position": "right", "formatter": "{c}"},
            }
        ],
        "animation": False,
    }


def sinks_option(model: dict[str, Any], lang: str) -> dict[str, Any]:
    years = [str(p["year"]) for p in model["sinks"]]

    def mt(v: float | None) -> float | None:
        return None if v is None else round(v * 1e-6, 4)

    zh = lang == "zh"
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 56, "right": 12, "top": 36, "bottom": 28},
        "xAxis": {"type": "category", "data": years},
        "yAxis": {"type": "value", "name": "Mt CO2e"},
        "series": [
            {
                "name": "总排放" if zh else "gross",
                "type": "bar",
                "stack": "t",
                "data": [mt(p["gross"]) for p in model["sinks"]],
                "itemStyle": {"color": "#c0504d"},
            },
            {
                "name": "碳汇" if zh else "sinks",
                "type": "bar",
                "stack": "t",
                "data": [mt(p["sinks"]) for p in model["sinks"]],
                "itemStyle": {"color": "#3f9a4a"},
            },
            {
                "name": "净排放" if zh else "net",
                "type": "line",
                "data": [mt(p["net"]) for p in model["sinks"]],
                "itemStyle": {"color": "#1f4e79"},
            },
        ],
        "animation": False,
    }


@router.get("/cockpit")
async def cockpit_page(
    request: Request,
    actor: ActorDep,
    session: ReadSession,
    region: RegionParam = None,
    year: YearParam = None,
    measure: Annotated[MapMeasure, Query()] = "gross_co2e",
) -> Response:
    lang = lang_of(request)
    try:
        model, _ = await cockpit_model(request, actor, reuse(session), region, year)
    except RecordNotFoundError as exc:
        return render(request, "cockpit.html", {"model": None, "missing": exc.message}, 404)
    has_map = bool(model["districts"]) and model["region"]["level"] == "city"
    options = {
        f"opt-ind-{i['key']}": script_json(indicator_option(i, lang)) for i in model["indicators"]
    }
    options["opt-sectors"] = script_json(sector_option(model, lang))
    options["opt-sinks"] = script_json(sinks_option(model, lang))
    if has_map:
        options["opt-map"] = script_json(map_option(model, lang, measure))
    return render(
        request,
        "cockpit.html",
        {
            "model": model,
            "options": options,
            "has_map": has_map,
            "measure": measure,
            "measures": MAP_MEASURES,
            "scaled": scaled,
        },
    )
