"""The business-as-usual scenario of a region, calibrated on its stored inventory.

Base year: the latest year with a stored inventory run the actor may read for the region
(the runs the explorer and the indicators use: :func:`~citycarbon.service.explorer.runs_covering`,
the region's own runs first, then newest), all under the GWP set of the newest run.

Sectors (code list ``citycarbon_pathway_sectors``): each stored category of the region goes to
the row with the longest matching prefix. For an *energy* sector ``s`` with activity driver
``A`` (a ``RegionStatistic`` of the base year):

* intensity ``I_s = energy_tce_s / A_{t0}`` (tce per unit of the statistic);
* one fuel ``<s>_fuels`` with the inventory's implied factors ``CO2_s / E_s``, ``CH4_s / E_s``,
  ``N2O_s / E_s`` (t gas per tce), so the base year reproduces the stored figures exactly;
  any CO2e the three gases do not explain (F-gases) is added to the CO2 factor as CO2e;
* the mix is 100 % ``<s>_fuels``; packaged fuels ``coal`` (raw coal), ``natural_gas`` and
  ``oil`` (diesel) are added for policy mixes, their factors from the run's factor set:
  CO2 = carbon content × oxidation × 44/12, CH4 and N2O = the IPCC Tier 1 factors of
  manufacturing, per TJ × 0.0293076 TJ/tce (29.3076 GJ/tce, through the units registry).

Net imported electricity (role *electricity*) becomes a sector that uses only electricity,
and the grid factor's base value is its implied ``CO2e / (energy_tce / 0.1229)`` t CO2/MWh.
Non-energy categories become ``other`` sources with t gas per unit of their activity; sinks
are ``-CO2e`` of the sink categories. Drivers are the activity statistics and the GDP
components (``gdp_component`` rows: GDP = their sum, see ``pathways.outcomes``), each growing
at its own average yearly rate over the five years before the base year, stepped down per
period by the ``growth_step`` rows of ``citycarbon_pathway_assumptions``; improvements, the
grid's and the sinks' yearly change come from the same list.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from citycarbon import units
from citycarbon.accounting.energy import CO2_PER_C
from citycarbon.errors import CitycarbonError, Message
from citycarbon.pathways.scenario import TCE_PER_MWH
from citycarbon.refdata.loader import load_codelist, load_factor_set, load_gwp
from citycarbon.service.access import Permission
from citycarbon.service.actor import Actor
from citycarbon.service.explorer import latest_by_year, runs_covering
from citycarbon.service.pathways_store import region_for
from citycarbon.store.models import InventoryRun, InventoryValue, RegionStatistic

SECTORS_TABLE = "citycarbon_pathway_sectors"
ASSUMPTIONS_TABLE = "citycarbon_pathway_assumptions"
GROWTH_YEARS = 5
GASES = ("CO2", "CH4", "N2O")
# packaged fuels offered for policy mixes: scenario name → factor-set subject
REAL_FUELS = {"coal": "raw_coal", "natural_gas": "natural_gas", "oil": "diesel"}
FUEL_QUALIFIER = "manufacturing_construction"  # CH4/N2O Tier 1 factors (IPCC Table 2.3)
_RESIDUAL = 1e-9


class CalibrationError(CitycarbonError):
    """The stored inventory or statistics do not support a calibrated scenario."""


def _fail(zh: str, en: str, field: str) -> CalibrationError:
    return CalibrationError(Message(zh=zh, en=en), field=field)


def sector_rows() -> list[dict[str, str]]:
    return [dict(r) for r in load_codelist(SECTORS_TABLE)]


def assumption_rows() -> list[dict[str, str]]:
    return [dict(r) for r in load_codelist(ASSUMPTIONS_TABLE)]


def sector_of(category: str, rows: list[dict[str, str]]) -> dict[str, str] | None:
    """The code-list row with the longest prefix ``category`` equals or starts with."""
    best: dict[str, str] | None = None
    for row in rows:
        prefix = row["prefix"]
        if (category == prefix or category.startswith(prefix + ".")) and (
            best is None or len(prefix) > len(best["prefix"])
        ):
            best = row
    return best


def base_run(
    session: Session, actor: Actor, region_code: str, base_year: int | None = None
) -> InventoryRun:
    """The run the base year is calibrated on (see the module doc)."""
    region = region_for(session, actor, region_code, Permission.READ_PATHWAYS)
    by_year = latest_by_year(runs_covering(session, actor, region))
    if by_year:
        gwp = by_year[max(by_year)].gwp_set
        by_year = {y: r for y, r in by_year.items() if r.gwp_set == gwp}
    if not by_year:
        raise _fail(
            f"{region.name_zh}（{region_code}）没有可读取的已保存清单，无法校准基准情景",
            f"region {region_code} has no stored inventory you may read; no baseline can be "
            "calibrated",
            "base_year",
        )
    year = max(by_year) if base_year is None else base_year
    if year not in by_year:
        shown = ", ".join(str(y) for y in by_year)
        raise _fail(
            f"{year} 年没有已保存的清单（有：{shown}）",
            f"no stored inventory for {year} (there are: {shown})",
            "base_year",
        )
    return by_year[year]


def stored_figures(
    session: Session, run: InventoryRun, region_code: str
) -> dict[str, dict[str, float]]:
    """category → measure → value of the region in the run."""
    out: dict[str, dict[str, float]] = defaultdict(dict)
    for category, measure, value in session.execute(
        select(InventoryValue.category, InventoryValue.measure, InventoryValue.value).where(
            InventoryValue.run_id == run.id, InventoryValue.region_code == region_code
        )
    ):
        out[category][measure] = value
    return dict(out)


def statistics(
    session: Session, region_code: str, codes: set[str]
) -> dict[str, dict[int, tuple[float, str, str]]]:
    """indicator → year → (value, unit, source)."""
    out: dict[str, dict[int, tuple[float, str, str]]] = defaultdict(dict)
    for code, year, value, unit, source in session.execute(
        select(
            RegionStatistic.indicator,
            RegionStatistic.year,
            RegionStatistic.value,
            RegionStatistic.unit,
            RegionStatistic.source,
        ).where(RegionStatistic.region_code == region_code, RegionStatistic.indicator.in_(codes))
    ):
        out[code][year] = (value, unit, source)
    return dict(out)


def historical_growth(series: dict[int, tuple[float, str, str]], base_year: int) -> float:
    """Average yearly growth over the (up to) five years before the base year."""
    earlier = [y for y in series if base_year - GROWTH_YEARS <= y < base_year and series[y][0] > 0]
    if not earlier or series[base_year][0] <= 0:
        return 0.0
    start = min(earlier)
    return float((series[base_year][0] / series[start][0]) ** (1 / (base_year - start)) - 1)


def growth_rule(rate: float, base_year: int, end_year: int) -> dict[str, Any]:
    """``growth`` and ``growth_changes`` from the historical rate and the step-downs."""
    steps = sorted(
        (int(r["start_year"]), float(r["value"]))
        for r in assumption_rows()
        if r["code"] == "growth_step"
    )
    first = base_year + 1
    current = next((m for start, m in reversed(steps) if start <= first), 1.0)
    changes = {start: rate * m for start, m in steps if first < start <= end_year}
    out: dict[str, Any] = {"growth": rate * current}
    if changes:
        out["growth_changes"] = changes
    return out


def _assumption(code: str, target: str, default: float = 0.0) -> float:
    for row in assumption_rows():
        if row["code"] == code and row["target"] in (target, "*"):
            return float(row["value"])
    return default


def real_fuels(factor_ref: str) -> tuple[dict[str, dict[str, float]], list[str]]:
    """The packaged fuels in t gas per tce, and the factor ids they come from."""
    factors = load_factor_set(factor_ref)
    tj_per_tce = units.factor("tce", "TJ")
    fuels: dict[str, dict[str, float]] = {}
    used: list[str] = []
    for name, subject in REAL_FUELS.items():
        carbon = factors.get("carbon_content", subject)
        oxidation = factors.get("oxidation_factor", subject)
        ch4 = factors.get("ef_ch4", subject, FUEL_QUALIFIER)
        n2o = factors.get("ef_n2o", subject, FUEL_QUALIFIER)
        co2_per_tj = carbon.value * units.factor(carbon.unit, "t/TJ") * oxidation.value * CO2_PER_C
        fuels[name] = {
            "co2": co2_per_tj * tj_per_tce,
            "ch4": ch4.value * units.factor(ch4.unit, "t/TJ") * tj_per_tce,
            "n2o": n2o.value * units.factor(n2o.unit, "t/TJ") * tj_per_tce,
        }
        used += [f.factor_id for f in (carbon, oxidation, ch4, n2o)]
    return fuels, used


def _gas_totals(figures: dict[str, float]) -> dict[str, float]:
    return {g: figures.get(g, 0.0) for g in (*GASES, "CO2e", "energy_tce")}


def _residual(totals: dict[str, float], gwp: dict[str, float]) -> float:
    """CO2e the three gases do not explain (F-gases), in t CO2e."""
    explained = totals["CO2"] + gwp["CH4"] * totals["CH4"] + gwp["N2O"] * totals["N2O"]
    gap = totals["CO2e"] - explained
    return gap if abs(gap) > _RESIDUAL * max(abs(totals["CO2e"]), 1.0) else 0.0


def group_figures(
    figures: dict[str, dict[str, float]],
) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, str]], dict[str, list[str]]]:
    """Sum a run's categories by scenario sector (memo items left out): sector → measure →
    value, sector → its code-list row, sector → its categories."""
    rows = sector_rows()
    grouped: dict[str, dict[str, float]] = {}
    roles: dict[str, dict[str, str]] = {}
    categories: dict[str, list[str]] = defaultdict(list)
    for category in sorted(figures):
        if category == "TOTAL":
            continue
        row = sector_of(category, rows)
        if row is None:
            raise _fail(
                f"清单类别 {category} 不在代码表 {SECTORS_TABLE} 中，无法归入情景部门",
                f"inventory category {category} is not in code list {SECTORS_TABLE}; it has "
                "no scenario sector",
                category,
            )
        if row["role"] == "memo":
            continue
        sector = row["sector"]
        roles.setdefault(sector, row)
        categories[sector].append(category)
        totals = grouped.setdefault(sector, dict.fromkeys((*GASES, "CO2e", "energy_tce"), 0.0))
        for measure, value in _gas_totals(figures[category]).items():
            totals[measure] += value
    return grouped, roles, dict(categories)


def calibrate_bau(  # noqa: PLR0912, PLR0915 - one calibration, read top to bottom
    session: Session, actor: Actor, region_code: str, base_year: int | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The BAU definition (dict form, no name) and its trace (see the module doc)."""
    run = base_run(session, actor, region_code, base_year)
    t0 = run.year
    end_year = int(_assumption("end_year", "*", 2060))
    figures = stored_figures(session, run, region_code)
    table = load_gwp(run.gwp_set)
    gwp = {"CH4": table.gwp("CH4"), "N2O": table.gwp("N2O")}
    grouped, roles, categories = group_figures(figures)
    components = [r["target"] for r in assumption_rows() if r["code"] == "gdp_component"]
    activities = {roles[s]["activity"] for s in grouped if roles[s]["role"] != "sink"}
    stats = statistics(session, region_code, activities | set(components))
    drivers: dict[str, dict[str, Any]] = {}
    sources: dict[str, dict[str, Any]] = {}
    for code in sorted(activities | {c for c in components if c in stats}):
        series = stats.get(code, {})
        if t0 not in series:
            raise _fail(
                f"缺少 {t0} 年的统计数据 {code}（{region_code}），无法校准",
                f"statistic {code} of {region_code} for {t0} is missing; cannot calibrate",
                code,
            )
        value, unit, source = series[t0]
        rate = historical_growth(series, t0)
        drivers[code] = {"base": value, **growth_rule(rate, t0, end_year)}
        sources[code] = {
            "base_year": t0,
            "value": value,
            "unit": unit,
            "source": source,
            "historical_growth": rate,
            "growth_years": sorted(y for y in series if t0 - GROWTH_YEARS <= y <= t0),
        }
    fuels, fuel_factor_ids = real_fuels(run.factor_set)
    sectors: dict[str, dict[str, Any]] = {}
    other: dict[str, dict[str, Any]] = {}
    grid: dict[str, Any] | None = None
    sink_total = 0.0
    notes: list[dict[str, str]] = []
    for sector, totals in grouped.items():
        row = roles[sector]
        role, activity = row["role"], row["activity"]
        if role == "sink":
            sink_total -= totals["CO2e"]
            continue
        base = drivers[activity]["base"]
        residual = _residual(totals, gwp)
        if residual:
            notes.append(
                {
                    "zh": f"{sector}：三种气体以外的 {residual:.6g} t CO2e（含氟气体）"
                    "计入 CO2 因子",
                    "en": f"{sector}: {residual:.6g} t CO2e beyond the three gases (F-gases) "
                    "counted in the CO2 factor",
                }
            )
        improvement = _assumption("improvement", sector)
        energy = totals["energy_tce"]
        if role == "electricity" and energy < 0:
            # A sector cannot be negative in the scenario model; dropping the export would
            # no longer reproduce the stored base year. Say so rather than calibrate wrongly.
            raise _fail(
                f"{sector}：{t0} 年为电力净调出（{-energy:.6g} tce，{totals['CO2e']:.6g} t CO2e），"
                "情景模型中部门不能为负，无法按此清单校准基准情景",
                f"{sector}: {t0} shows a net export of electricity ({-energy:.6g} tce, "
                f"{totals['CO2e']:.6g} t CO2e); scenario sectors cannot be negative, so this "
                "inventory cannot be calibrated",
                sector,
            )
        if role in ("energy", "electricity") and energy > 0 and base > 0:
            if role == "electricity":
                mwh = energy / TCE_PER_MWH
                grid = {
                    "base": totals["CO2e"] / mwh,
                    "growth": _assumption("grid_growth", "grid"),
                }
                mix: dict[str, Any] = {"electricity": 1.0}
            else:
                fuel = f"{sector}_fuels"
                fuels[fuel] = {
                    "co2": (totals["CO2"] + residual) / energy,
                    "ch4": totals["CH4"] / energy,
                    "n2o": totals["N2O"] / energy,
                }
                mix = {fuel: 1.0}
            sectors[sector] = {
                "activity": activity,
                "intensity": energy / base,
                "improvement": improvement,
                "mix": mix,
            }
        elif base > 0 and (totals["CO2e"] or any(totals[g] for g in GASES)):
            other[sector] = {
                "activity": activity,
                "co2": (totals["CO2"] + residual) / base,
                "ch4": totals["CH4"] / base,
                "n2o": totals["N2O"] / base,
                "improvement": improvement,
            }
    if not sectors:
        raise _fail(
            f"{t0} 年清单没有能源消费（energy_tce），无法校准",
            f"the {t0} inventory has no energy use (energy_tce); cannot calibrate",
            "energy_tce",
        )
    definition: dict[str, Any] = {
        "base_year": t0,
        "end_year": end_year,
        "drivers": drivers,
        "sectors": sectors,
        "fuels": fuels,
        "gwp": gwp,
    }
    if other:
        definition["other"] = other
    if grid is not None:
        definition["grid"] = grid
    if sink_total > 0:
        definition["sinks"] = {"base": sink_total, "growth": _assumption("sinks_growth", "sinks")}
    totals_all = figures.get("TOTAL", {})
    trace = {
        "region": region_code,
        "base_year": t0,
        "base_run_ids": [run.id],
        "factor_set": run.factor_set,
        "gwp_set": run.gwp_set,
        "gwp_source": table.source,
        "statistics_source": sources,
        "categories": categories,
        "sector_table": SECTORS_TABLE,
        "assumptions_table": ASSUMPTIONS_TABLE,
        "fuel_factor_ids": fuel_factor_ids,
        "fuel_subjects": REAL_FUELS,
        "tce_per_mwh": TCE_PER_MWH,
        "inventory_totals": {
            k: totals_all[k] for k in ("energy_tce", "gross_CO2e", "net_CO2e") if k in totals_all
        },
        "notes": notes,
    }
    return definition, trace
