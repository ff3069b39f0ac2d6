"""ECharts options of the pathway pages, built from the service's run, comparison and
decomposition dicts (the same read models the API serves): the pathway chart (gross
emissions of each scenario, the selected one's P5–P95 band, net emissions dashed, the peak
target year and each peak), energy and emissions by sector (stacked), emissions by gas and
the decomposition waterfall, and the structure path's value added (stacked). Emissions are
shown in Mt CO2e, energy in 万 tce, value added in 亿元."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

EMISSIONS_SCALE = 1e-6  # t CO2e → Mt CO2e
ENERGY_SCALE = 1e-4  # tce → 万 tce
COLOURS = ["#1d6b4f", "#c0504d", "#27548a", "#b36b00", "#5b3b7a", "#3f9a4a", "#7a5c3a"]
BAND = "#8fc7a8"


def _scaled(values: Sequence[float | None], factor: float, digits: int = 4) -> list[float | None]:
    return [None if v is None else round(float(v) * factor, digits) for v in values]


def _label(item: Mapping[str, Any], lang: str) -> str:
    label = item.get("label") or {}
    text = label.get("en") if lang == "en" else label.get("zh")
    return str(text or item.get("scenario") or "")


def _base(title: str, unit: str, years: Sequence[int]) -> dict[str, Any]:
    return {
        "title": {"text": title, "left": 4, "textStyle": {"fontSize": 13}},
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 30, "left": 4, "type": "scroll", "textStyle": {"fontSize": 11}},
        "grid": {"left": 64, "right": 24, "top": 96, "bottom": 32},
        "xAxis": {"type": "category", "data": [str(y) for y in years], "boundaryGap": False},
        "yAxis": {"type": "value", "name": unit, "scale": False},
        "animation": False,
    }


def pathway_option(
    runs: Sequence[Mapping[str, Any]], selected: str | None, lang: str, peak_by: int = 2030
) -> dict[str, Any]:
    """Gross emissions of every run, the selected run's P5–P95 band (stacked: the P5 line
    invisible, the P95 − P5 difference filled above it), net emissions dashed, a vertical
    marker at the peak-by year and a point at each scenario's peak."""
    zh = lang != "en"
    past = next((r["history"].get("emissions") for r in runs if r.get("history")), None) or {}
    history = {int(y): v for y, v in past.items()}
    modelled = [r for r in runs if r.get("years") and r.get("emissions")]
    if history and modelled:  # the base year is the stored inventory too: join the lines there
        first = modelled[0]
        history.setdefault(int(first["years"][0]), first["emissions"]["gross"][0])
    years = sorted({int(y) for run in runs for y in run["years"]} | set(history))
    axis = [str(y) for y in years]
    option = _base(
        "排放路径（毛排放与净排放）" if zh else "Emission pathways (gross and net)",
        "Mt CO2e",
        years,
    )
    series: list[dict[str, Any]] = []
    if history:
        series.append(
            {
                "name": "历史排放（清单）" if zh else "history (inventories)",
                "type": "line",
                "data": _scaled([history.get(y) for y in years], EMISSIONS_SCALE),
                "symbol": "circle",
                "symbolSize": 4,
                "itemStyle": {"color": "#5d6b73"},
                "lineStyle": {"width": 2},
                "z": 4,
            }
        )
    for index, run in enumerate(runs):
        colour = COLOURS[index % len(COLOURS)]
        name = _label(run, lang)
        at = {int(y): i for i, y in enumerate(run["years"])}

        def on_axis(values: Sequence[float | None], at: dict[int, int] = at) -> list[float | None]:
            return [None if y not in at else values[at[y]] for y in years]

        gross = _scaled(on_axis(run["emissions"]["gross"]), EMISSIONS_SCALE)
        is_selected = run["scenario"] == selected
        external = run.get("kind") == "external"
        line: dict[str, Any] = {
            "name": name,
            "type": "line",
            "data": gross,
            "symbol": "none",
            "itemStyle": {"color": colour},
            "lineStyle": {"width": 3 if is_selected else 1.5},
            "connectNulls": True,
            "z": 3,
        }
        if external:  # imported series: dotted, with its points
            line.update(symbol="circle", symbolSize=4, lineStyle={"type": "dotted", "width": 2})
        peak = run.get("peak") or {}
        if peak.get("year") is not None and peak.get("value") is not None:
            line["markPoint"] = {
                "symbol": "pin",
                "symbolSize": 36,
                "label": {"formatter": str(peak["year"]), "fontSize": 10},
                "data": [
                    {
                        "name": "峰值" if zh else "peak",
                        "coord": [str(peak["year"]), round(peak["value"] * EMISSIONS_SCALE, 4)],
                    }
                ],
            }
        if is_selected and str(peak_by) in axis:
            line["markLine"] = {
                "symbol": "none",
                "silent": True,
                "lineStyle": {"type": "dotted", "color": "#b3261e"},
                "label": {"formatter": (f"{peak_by} 年前达峰" if zh else f"peak by {peak_by}")},
                "data": [{"xAxis": str(peak_by)}],
            }
        series.append(line)
        if run["emissions"].get("net"):
            series.append(
                {
                    "name": f"{name} · {'净排放' if zh else 'net'}",
                    "type": "line",
                    "data": _scaled(on_axis(run["emissions"]["net"]), EMISSIONS_SCALE),
                    "symbol": "none",
                    "itemStyle": {"color": colour},
                    "lineStyle": {"type": "dashed", "width": 1.5 if is_selected else 1},
                }
            )
        uncertainty = run.get("uncertainty") or {}
        if is_selected and uncertainty.get("p5") and uncertainty.get("p95"):
            low = _scaled(on_axis(uncertainty["p5"]), EMISSIONS_SCALE)
            high = _scaled(on_axis(uncertainty["p95"]), EMISSIONS_SCALE)
            width = [
                None if lo is None or hi is None else round(hi - lo, 4)
                for lo, hi in zip(low, high, strict=True)
            ]
            band = "P5–P95"
            series.append(
                {
                    "name": band,
                    "type": "line",
                    "stack": "band",
                    "data": low,
                    "symbol": "none",
                    "lineStyle": {"opacity": 0},
                    "tooltip": {"show": False},
                    "itemStyle": {"color": BAND},
                }
            )
            series.append(
                {
                    "name": band,
                    "type": "line",
                    "stack": "band",
                    "data": width,
                    "symbol": "none",
                    "lineStyle": {"opacity": 0},
                    "areaStyle": {"color": BAND, "opacity": 0.45},
                    "itemStyle": {"color": BAND},
                    "tooltip": {"show": False},
                }
            )
    option["series"] = series
    return option


def _stacked(
    title: str,
    unit: str,
    years: Sequence[int],
    by: Mapping[str, Sequence[float]],
    names: Mapping[str, str],
    factor: float,
) -> dict[str, Any]:
    option = _base(title, unit, years)
    option["series"] = [
        {
            "name": names.get(key, key),
            "type": "line",
            "stack": "total",
            "areaStyle": {"opacity": 0.8},
            "symbol": "none",
            "lineStyle": {"width": 0.5},
            "itemStyle": {"color": COLOURS[i % len(COLOURS)]},
            "data": _scaled(list(values), factor),
        }
        for i, (key, values) in enumerate(by.items())
    ]
    return option


def sector_energy_option(
    run: Mapping[str, Any], names: Mapping[str, str], lang: str
) -> dict[str, Any]:
    zh = lang != "en"
    return _stacked(
        "分部门能源消费" if zh else "Energy by sector",
        "万 tce",
        run["years"],
        run["energy"]["by_sector"],
        names,
        ENERGY_SCALE,
    )


def sector_emissions_option(
    run: Mapping[str, Any], names: Mapping[str, str], lang: str
) -> dict[str, Any]:
    """Energy sectors and the non-energy sources (IPPU, agriculture, waste) stacked."""
    zh = lang != "en"
    by = dict(run["emissions"]["by_sector"])
    for key, values in (run["emissions"].get("other") or {}).items():
        by.setdefault(key, values)
    return _stacked(
        "分部门排放（毛排放）" if zh else "Emissions by sector (gross)",
        "Mt CO2e",
        run["years"],
        by,
        names,
        EMISSIONS_SCALE,
    )


def gas_option(run: Mapping[str, Any], lang: str) -> dict[str, Any]:
    zh = lang != "en"
    gwp = run.get("units", {}).get("gwp_set") or ""
    return _stacked(
        (f"分气体排放（{gwp}）" if zh else f"Emissions by gas ({gwp})"),
        "Mt CO2e",
        run["years"],
        run["emissions"]["by_gas"],
        {},
        EMISSIONS_SCALE,
    )


EFFECT_NAMES = {
    "population": ("人口", "population"),
    "affluence": ("人均产出（富裕程度）", "affluence"),
    "structure": ("产业结构", "structure"),
    "intensity": ("能源强度", "energy intensity"),
    "mix": ("能源结构", "energy mix"),
    "emission_factor": ("排放因子", "emission factor"),
    "non_energy": ("非能源排放", "non-energy"),
}


def effect_name(key: str, lang: str) -> str:
    zh, en = EFFECT_NAMES.get(key, (key, key))
    return en if lang == "en" else zh


def waterfall_option(result: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """A bar waterfall: the start total, each effect floating from the running total (rises
    red, falls green) and the end total. The invisible "base" series carries each floating
    bar's lower end."""
    zh = lang != "en"
    start, end = int(result["start"]), int(result["end"])
    effects: Mapping[str, float] = result["effects"]
    given = result.get("labels") or {}
    labels = [
        f"{start} {'排放' if zh else 'total'}",
        *(
            str(given[k]["en" if lang == "en" else "zh"]) if k in given else effect_name(k, lang)
            for k in effects
        ),
        f"{end} {'排放' if zh else 'total'}",
    ]
    base: list[float] = []
    rise: list[float | None] = []
    fall: list[float | None] = []
    total: list[float | None] = []
    level = float(result["start_total"])
    base.append(0.0)
    total.append(round(level * EMISSIONS_SCALE, 4))
    rise.append(None)
    fall.append(None)
    for value in effects.values():
        after = level + float(value)
        base.append(round(min(level, after) * EMISSIONS_SCALE, 4))
        size = round(abs(float(value)) * EMISSIONS_SCALE, 4)
        rise.append(size if value >= 0 else None)
        fall.append(size if value < 0 else None)
        total.append(None)
        level = after
    base.append(0.0)
    total.append(round(float(result["end_total"]) * EMISSIONS_SCALE, 4))
    rise.append(None)
    fall.append(None)
    invisible = {"color": "transparent", "borderColor": "transparent"}
    names = ("总量", "增加", "减少") if zh else ("total", "increase", "decrease")

    def bars(name: str, data: list[Any], colour: str, position: str) -> dict[str, Any]:
        return {
            "name": name,
            "type": "bar",
            "stack": "w",
            "data": data,
            "itemStyle": {"color": colour},
            "label": {"show": True, "position": position},
        }

    title = f"排放变化分解 {start}→{end}（LMDI）" if zh else f"Decomposition {start}→{end} (LMDI)"
    return {
        "title": {"text": title, "left": 4, "textStyle": {"fontSize": 13}},
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"top": 30, "left": 4, "data": list(names)},
        "grid": {"left": 64, "right": 24, "top": 84, "bottom": 72},
        "xAxis": {"type": "category", "data": labels, "axisLabel": {"interval": 0, "rotate": 30}},
        "yAxis": {"type": "value", "name": "Mt CO2e"},
        "series": [
            {
                "name": "base",
                "type": "bar",
                "stack": "w",
                "data": base,
                "itemStyle": invisible,
                "emphasis": {"itemStyle": invisible},
                "tooltip": {"show": False},
            },
            bars(names[0], total, "#27548a", "top"),
            bars(names[1], rise, "#c0504d", "top"),
            bars(names[2], fall, "#3f9a4a", "bottom"),
        ],
        "animation": False,
    }


VALUE_ADDED_SCALE = 1e-4  # 万元 → 亿元


def structure_option(
    path: Mapping[str, Any], names: Mapping[str, str], lang: str
) -> dict[str, Any]:
    """The structure path's value added by production sector at each milestone, stacked."""
    zh = lang != "en"
    rows = path["path"]
    return _stacked(
        "结构路径：分部门增加值" if zh else "Structure path: value added by sector",
        "亿元" if zh else "10⁸ yuan",
        [r["year"] for r in rows],
        {s: [r["value_added"][s] for r in rows] for s in path["sectors"]},
        names,
        VALUE_ADDED_SCALE,
    )
