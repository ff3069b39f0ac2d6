"""The city cockpit's read model: the four indicators with their trend and target pace,
emissions by sector, the districts for the map, sinks and net emissions, top emitters.

Figures come from stored inventories only: per year the run the explorer would show for the
region (:func:`citycarbon.service.explorer.runs_covering`), all under the GWP set of the
chosen year's run (a trend that mixed GWP sets would compare unlike figures). GDP and
population are the region statistics ``gdp`` (万元) and ``population`` (万人).

The four indicators (四项指标): total energy = ``energy_tce`` (direct + net imported
electricity, tce); total carbon = ``gross_CO2e`` (direct + net imported electricity, sinks
apart); energy intensity = energy / GDP (tce/万元); carbon intensity = carbon / GDP
(t CO2e/万元).

Target pace: the straight line from the base year to the target year of the region's own
stored plan targets (``RegionTarget``, carbon and energy intensity). A region without them
gets the national 14th Five-Year Plan reductions, a **default assumption** kept as the
setting ``cockpit_pace`` (see :data:`DEFAULT_PACE`, which cites its source). A year is on
pace when its intensity is at or below the line.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from citycarbon.accounting.inventory_result import scope_of
from citycarbon.refdata.trees import load_category_tree
from citycarbon.service.actor import LOCAL_ADMIN, Actor
from citycarbon.service.explorer import (
    default_region,
    latest_by_year,
    readable_region,
    region_info,
    run_info,
    runs_covering,
)
from citycarbon.service.inventories import TOTAL
from citycarbon.service.ledger import not_found
from citycarbon.store.models import (
    InventoryRun,
    InventoryValue,
    Region,
    RegionStatistic,
    RegionTarget,
    Setting,
)

PACE_SETTING = "cockpit_pace"
DEFAULT_PACE: dict[str, Any] = {
    "assumption": True,
    "source_zh": "《中华人民共和国国民经济和社会发展第十四个五年规划和2035年远景目标纲要》"
    "（2021）：单位国内生产总值能源消耗和二氧化碳排放分别降低13.5%、18%（2020—2025年）",
    "source_en": "Outline of the 14th Five-Year Plan (2021–2025) for National Economic and "
    "Social Development of the PRC (2021): energy and CO2 per unit of GDP down 13.5 % and "
    "18 % from 2020 to 2025",
    "carbon_intensity": {"base_year": 2020, "target_year": 2025, "reduction_pct": 18.0},
    "energy_intensity": {"base_year": 2020, "target_year": 2025, "reduction_pct": 13.5},
}
INDICATORS = (
    ("energy_total", "能源消费总量", "Total energy consumption", "tce"),
    ("carbon_total", "碳排放总量", "Total carbon emissions", "t CO2e"),
    ("energy_intensity", "能耗强度", "Energy intensity", "tce/万元"),
    ("carbon_intensity", "碳排放强度", "Carbon intensity", "t CO2e/万元"),
)
TOP_EMITTERS = 10


@dataclass(frozen=True)
class CockpitPlan:
    """What the cockpit of a region and year is built from (cheap to find: one query)."""

    region: Region
    year: int
    run: InventoryRun
    runs: dict[int, InventoryRun]  # per year, the chosen run's GWP set only
    pace: dict[str, Any]

    @property
    def run_ids(self) -> tuple[int, ...]:
        return tuple(r.id for r in self.runs.values())


def pace_assumption(session: Session) -> dict[str, Any]:
    stored = session.get(Setting, PACE_SETTING)
    return dict(stored.value) if stored is not None else dict(DEFAULT_PACE)


def pace_of(session: Session, region_code: str) -> dict[str, Any]:
    """The region's own stored plan targets for the two intensities when it has them (the
    plan with the latest target year), else the default assumption."""
    rows = session.scalars(
        select(RegionTarget)
        .where(
            RegionTarget.region_code == region_code,
            RegionTarget.indicator.in_(("energy_intensity", "carbon_intensity")),
        )
        .order_by(RegionTarget.target_year, RegionTarget.id)
    ).all()
    latest = {row.indicator: row for row in rows if row.baseline_value > 0}
    if not latest:
        return pace_assumption(session)
    plans = sorted({row.plan for row in latest.values()})
    pace: dict[str, Any] = {
        "assumption": False,
        "source_zh": f"平台上保存的规划目标（{'、'.join(plans)}）",
        "source_en": f"plan targets stored on the platform ({', '.join(plans)})",
    }
    for key, row in latest.items():
        pace[key] = {
            "base_year": row.baseline_year,
            "target_year": row.target_year,
            "reduction_pct": round((1.0 - row.target_value / row.baseline_value) * 100.0, 4),
        }
    return pace


def plan(session: Session, actor: Actor, region_code: str, year: int | None = None) -> CockpitPlan:
    """The runs the cockpit of ``region_code`` shows the actor (the public: published
    runs only); ``year`` defaults to the latest year with a visible run."""
    region = readable_region(session, actor, region_code)
    by_year = latest_by_year(runs_covering(session, actor, region))
    if not by_year:
        raise not_found(f"{region.name_zh}可查看的清单", "visible inventory for", region.code)
    if year is None:
        year = max(by_year)
    if year not in by_year:
        raise not_found(f"{region.name_zh} {year} 年可查看的清单", "visible inventory", year)
    chosen = by_year[year]
    same_gwp = {y: r for y, r in by_year.items() if r.gwp_set == chosen.gwp_set}
    return CockpitPlan(region, year, chosen, same_gwp, pace_of(session, region.code))


def _values(
    session: Session, runs: dict[int, InventoryRun], codes: list[str]
) -> dict[int, dict[str, dict[tuple[str, str], float]]]:
    """year → region → (category, measure) → value."""
    by_run = {r.id: y for y, r in runs.items()}
    out: dict[int, dict[str, dict[tuple[str, str], float]]] = defaultdict(lambda: defaultdict(dict))
    rows = session.execute(
        select(
            InventoryValue.run_id,
            InventoryValue.region_code,
            InventoryValue.category,
            InventoryValue.measure,
            InventoryValue.value,
        ).where(InventoryValue.run_id.in_(list(by_run)), InventoryValue.region_code.in_(codes))
    )
    for run_id, region, category, measure, value in rows:
        out[by_run[run_id]][region][(category, measure)] = value
    return out


def _statistics(session: Session, codes: list[str]) -> dict[tuple[str, int], dict[str, float]]:
    out: dict[tuple[str, int], dict[str, float]] = defaultdict(dict)
    rows = session.execute(
        select(
            RegionStatistic.region_code,
            RegionStatistic.year,
            RegionStatistic.indicator,
            RegionStatistic.value,
        ).where(
            RegionStatistic.region_code.in_(codes),
            RegionStatistic.indicator.in_(("gdp", "population")),
        )
    )
    for region, year, indicator, value in rows:
        out[(region, year)][indicator] = value
    return out


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def indicators_of(
    totals: dict[tuple[str, str], float], stats: dict[str, float]
) -> dict[str, float | None]:
    energy = totals.get((TOTAL, "energy_tce"))
    carbon = totals.get((TOTAL, "gross_CO2e"))
    gdp = stats.get("gdp")
    return {
        "energy_total": energy,
        "carbon_total": carbon,
        "energy_intensity": _ratio(energy, gdp),
        "carbon_intensity": _ratio(carbon, gdp),
    }


def pace_line(actual: dict[int, float | None], rule: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """year → {pace, on_pace} on the straight line from the base year's value down by
    ``reduction_pct`` at the target year (base year … target year; empty without a base)."""
    base_year, target_year = int(rule["base_year"]), int(rule["target_year"])
    base = actual.get(base_year)
    if base is None or target_year <= base_year:
        return {}
    drop = float(rule["reduction_pct"]) / 100.0
    out = {}
    for year in range(base_year, target_year + 1):
        pace = base * (1.0 - drop * (year - base_year) / (target_year - base_year))
        value = actual.get(year)
        out[year] = {
            "pace": pace,
            "actual": value,
            "on_pace": None if value is None else value <= pace * (1 + 1e-9),
        }
    return out


def build(session: Session, plan_: CockpitPlan) -> dict[str, Any]:
    """The cockpit without its top emitters (see :func:`top_emitters`)."""
    region = plan_.region
    children = list(
        session.scalars(
            select(Region).where(Region.parent_code == region.code).order_by(Region.code)
        ).all()
    )
    codes = [region.code, *(c.code for c in children)]
    values = _values(session, plan_.runs, codes)
    stats = _statistics(session, codes)
    years = sorted(plan_.runs)
    trend: dict[str, dict[int, float | None]] = {key: {} for key, *_ in INDICATORS}
    for year in years:
        found = indicators_of(values[year][region.code], stats.get((region.code, year), {}))
        for key, value in found.items():
            trend[key][year] = value
    pace: dict[str, dict[int, dict[str, Any]]] = {
        key: pace_line(trend[key], plan_.pace[key])
        for key in ("energy_intensity", "carbon_intensity")
        if key in plan_.pace
    }
    current = values[plan_.year][region.code]
    return {
        "region": region_info(region),
        "year": plan_.year,
        "years": years,
        "gwp_set": plan_.run.gwp_set,
        "factor_set": plan_.run.factor_set,
        "run": run_info(plan_.run),
        "runs": {str(y): run_info(r) for y, r in plan_.runs.items()},
        "indicators": [
            _indicator(key, zh, en, unit, trend[key], plan_.year, pace.get(key))
            for key, zh, en, unit in INDICATORS
        ],
        "pace": {
            "assumption": bool(plan_.pace.get("assumption", True)),
            "source_zh": plan_.pace.get("source_zh", ""),
            "source_en": plan_.pace.get("source_en", ""),
            "rules": {
                k: plan_.pace[k]
                for k in ("energy_intensity", "carbon_intensity")
                if k in plan_.pace
            },
        },
        "sectors": sectors(current),
        "districts": [
            _district(
                child,
                values[plan_.year].get(child.code, {}),
                stats.get((child.code, plan_.year), {}),
            )
            for child in children
        ],
        "sinks": [
            {
                "year": y,
                "gross": values[y][region.code].get((TOTAL, "gross_CO2e")),
                "sinks": values[y][region.code].get((TOTAL, "sink_CO2e")),
                "net": values[y][region.code].get((TOTAL, "net_CO2e")),
            }
            for y in years
        ],
        "totals": {m: v for (c, m), v in current.items() if c == TOTAL},
        "net": current.get((TOTAL, "net_CO2e")),
        "sink": current.get((TOTAL, "sink_CO2e")),
        "units": {"co2e": "t CO2e", "energy": "tce"},
        "top_emitters": None,
    }


def _indicator(
    key: str,
    zh: str,
    en: str,
    unit: str,
    trend: dict[int, float | None],
    year: int,
    pace: dict[int, dict[str, Any]] | None,
) -> dict[str, Any]:
    value = trend.get(year)
    before = trend.get(year - 1)
    return {
        "key": key,
        "name_zh": zh,
        "name_en": en,
        "unit": unit,
        "value": value,
        "previous": before,
        "change_pct": (value - before) / before * 100.0 if value is not None and before else None,
        "trend": [{"year": y, "value": v} for y, v in sorted(trend.items())],
        "pace": [{"year": y, **p} for y, p in sorted(pace.items())] if pace else None,
        "on_pace": pace.get(year, {}).get("on_pace") if pace else None,
    }


SECTOR_NAMES = {
    "sinks": ("碳汇（土地利用）", "Sinks (land use)"),
    "net_import": ("调入电力", "Net imported electricity"),
}


def sectors(values: dict[tuple[str, str], float]) -> list[dict[str, Any]]:
    """CO2e of the year by IPCC sector (direct emissions), net imported electricity and
    sinks apart; enterprises' purchases are a memo and not shown."""
    tree = load_category_tree("ipcc2006")
    found: dict[str, float] = defaultdict(float)
    for (category, measure), value in values.items():
        if measure != "CO2e" or category == TOTAL:
            continue
        scope = scope_of(category)
        if scope == "sink":
            found["sinks"] += value
        elif scope == "indirect_net_import":
            found["net_import"] += value
        elif scope == "direct" and category in tree:
            root = ([category, *tree.ancestors(category)])[-1]
            found[root] += value
    out = []
    for code in (*tree.roots(), "net_import", "sinks"):
        if code not in found:
            continue
        if code in SECTOR_NAMES:
            zh, en = SECTOR_NAMES[code]
        else:
            zh, en = tree.name(code, "zh"), tree.name(code, "en")
        out.append(
            {"code": code, "name_zh": zh, "name_en": en, "value": found[code], "unit": "t CO2e"}
        )
    return out


def _district(
    region: Region, values: dict[tuple[str, str], float], stats: dict[str, float]
) -> dict[str, Any]:
    gross = values.get((TOTAL, "gross_CO2e"))
    population = stats.get("population")  # 万人
    return {
        **region_info(region),
        "gross_co2e": gross,
        "net_co2e": values.get((TOTAL, "net_CO2e")),
        "energy_tce": values.get((TOTAL, "energy_tce")),
        "per_capita": gross / (population * 1e4) if gross is not None and population else None,
        "carbon_intensity": _ratio(gross, stats.get("gdp")),
        "gdp": stats.get("gdp"),
        "population": population,
    }


def top_emitters(
    firms: list[dict[str, Any]], districts: dict[str, dict[str, str]], limit: int = TOP_EMITTERS
) -> list[dict[str, Any]]:
    """The largest direct emitters among ``firms`` (enterprise figures the actor may see,
    from :func:`citycarbon.service.figure_trace.enterprise_figures`), with their district."""
    ranked = sorted(firms, key=lambda f: -f["direct_co2e_t"])[:limit]
    return [
        {**f, "rank": i + 1, "district": districts.get(f["region_code"])}
        for i, f in enumerate(ranked)
        if f["direct_co2e_t"] > 0
    ]


def district_names(session: Session, region: Region) -> dict[str, dict[str, str]]:
    """Region code (the region's subtree) → the county-level region above it (or the
    region itself when none is): code and names, for the top-emitters table."""
    rows = session.scalars(
        select(Region).where(Region.path.startswith(region.path, autoescape=True))
    ).all()
    above = session.scalars(
        select(Region).where(Region.code.in_([c for c in region.path.split("/") if c]))
    ).all()
    by_code = {r.code: r for r in (*rows, *above)}
    out = {}
    for r in rows:
        codes = [c for c in r.path.split("/") if c]
        county = next(
            (by_code[c] for c in codes if c in by_code and by_code[c].level == "county"), region
        )
        out[r.code] = {"code": county.code, "name_zh": county.name_zh, "name_en": county.name_en}
    return out


def runs_to_warm(session: Session) -> list[int]:
    """The runs a freshly started server recomputes before anyone asks: the default
    region's latest run of the latest year (what signed-in cockpits show first) and its
    latest published one (what the public sees)."""
    top = default_region(session, LOCAL_ADMIN)
    region = readable_region(session, LOCAL_ADMIN, top)
    runs = runs_covering(session, LOCAL_ADMIN, region)
    by_year = latest_by_year(runs)
    published = latest_by_year([r for r in runs if r.published])
    chosen = [by_year[max(by_year)].id] if by_year else []
    if published and published[max(published)].id not in chosen:
        chosen.append(published[max(published)].id)
    return chosen
