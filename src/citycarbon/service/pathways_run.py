"""Run a stored pathway scenario: projection, outcomes against the targets, Monte Carlo.

The result is a JSON-ready dict (every array a list over ``years``), computed afresh on each
call (nothing is cached here; the web caches by region, scenario and versions):

* the projection (:func:`citycarbon.pathways.scenario.project`) by sector, gas and source;
* the outcomes (:func:`citycarbon.pathways.outcomes.evaluate_outcomes`) against the targets:
  the packaged national defaults (code list ``citycarbon_pathway_targets``), each intensity
  target replaced (same indicator and years) or joined by the region's stored plan targets of
  ``carbon_intensity`` and ``energy_intensity``; the history before the base year (gross
  emissions and intensities from the stored inventories and statistics, same GWP set) lets a
  target that starts before the base year be judged, and a past peak be seen;
* the Monte Carlo (:func:`citycarbon.pathways.montecarlo.simulate`) of the scenario's
  ``uncertainty`` block, ``DEFAULT_DRAWS`` draws with the fixed seed ``SEED`` (so a run is
  reproducible): P5/P50/P95 of gross emissions, the peak year's P5/P50/P95 over the draws that
  peaked, and the probability of having peaked by each year;
* the trace: the stored runs of the base year and the history (ids, factor set, GWP set), the
  statistics' sources, and the version of every scenario in the chain.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from citycarbon.errors import CitycarbonError, Message
from citycarbon.pathways.iamc import CO2E_UNIT, FINAL_ENERGY, KYOTO
from citycarbon.pathways.montecarlo import MonteCarloResult, simulate, uncertain_from_dict
from citycarbon.pathways.outcomes import (
    IntensityTarget,
    Outcomes,
    PathwayTargets,
    evaluate_outcomes,
    targets_from_rows,
)
from citycarbon.pathways.peak import PLATEAU_TOLERANCE, PathPeaks, detect_peak, detect_peaks
from citycarbon.pathways.scenario import Projection, Scenario, project
from citycarbon.refdata.loader import load_codelist, load_gwp, table_infos
from citycarbon.service.access import Permission
from citycarbon.service.actor import Actor
from citycarbon.service.explorer import latest_by_year, runs_covering
from citycarbon.service.pathways_calibrate import GASES, assumption_rows
from citycarbon.service.pathways_store import (
    EXTERNAL,
    MODEL,
    chain_of,
    region_for,
    resolved_scenario,
    row_of,
    rows_of,
    stored_body,
)
from citycarbon.store.models import InventoryRun, InventoryValue, RegionStatistic, RegionTarget

TARGETS_TABLE = "citycarbon_pathway_targets"
DEFAULT_DRAWS = 1000
SEED = 2030
MAX_DRAWS = 20000
PLAN_INDICATORS = {"carbon_intensity": "carbon", "energy_intensity": "energy"}
COMPARE_YEARS = (2030, 2060)
PER_MEGA = 1e6  # Mt → t


def _ints(values: Iterable[Any]) -> list[int]:
    return [int(v) for v in values]


def _floats(values: Iterable[Any]) -> list[float | None]:
    return [float(v) if math.isfinite(float(v)) else None for v in values]


# ---- targets and history


def pathway_targets(session: Session, region_code: str) -> PathwayTargets:
    """The packaged national targets, with the region's own plan intensity targets."""
    base = (
        targets_from_rows(load_codelist(TARGETS_TABLE))
        if TARGETS_TABLE in table_infos()
        else PathwayTargets()
    )
    intensity = list(base.intensity)
    for row in session.scalars(
        select(RegionTarget)
        .where(
            RegionTarget.region_code == region_code,
            RegionTarget.indicator.in_(sorted(PLAN_INDICATORS)),
        )
        .order_by(RegionTarget.plan, RegionTarget.indicator)
    ):
        if not row.baseline_value:
            continue
        own = IntensityTarget(
            code=f"{row.plan}:{row.indicator}",
            indicator="carbon" if PLAN_INDICATORS[row.indicator] == "carbon" else "energy",
            start=row.baseline_year,
            end=row.target_year,
            reduction=1.0 - row.target_value / row.baseline_value,
            label=Message(
                zh=f"本地区规划目标（{row.plan}）", en=f"the region's plan target ({row.plan})"
            ),
            source=f"region_target {row.id} ({row.plan})",
        )
        intensity = [
            t
            for t in intensity
            if (t.indicator, t.start, t.end) != (own.indicator, own.start, own.end)
        ]
        intensity.append(own)
    return PathwayTargets(
        peak_by=base.peak_by,
        neutral_by=base.neutral_by,
        intensity=tuple(sorted(intensity, key=lambda t: (t.end, t.start, t.indicator))),
        peak_source=base.peak_source,
        neutral_source=base.neutral_source,
    )


def gdp_components() -> list[str]:
    return [r["target"] for r in assumption_rows() if r["code"] == "gdp_component"]


def history(
    session: Session, actor: Actor, region_code: str, base_year: int
) -> tuple[dict[str, dict[int, float]], list[InventoryRun]]:
    """Gross emissions and intensities of the years before ``base_year`` (stored runs of the
    newest GWP set, GDP = the sum of the GDP components), with the runs used."""
    region = region_for(session, actor, region_code, Permission.READ_PATHWAYS)
    by_year = latest_by_year(runs_covering(session, actor, region))
    if by_year:
        gwp = by_year[max(by_year)].gwp_set
        by_year = {y: r for y, r in by_year.items() if r.gwp_set == gwp}
    runs = {y: r for y, r in by_year.items() if y <= base_year}
    out: dict[str, dict[int, float]] = {"emissions": {}, "carbon": {}, "energy": {}}
    if not runs:
        return out, []
    totals: dict[int, dict[str, float]] = {}
    for run_id, measure, value in session.execute(
        select(InventoryValue.run_id, InventoryValue.measure, InventoryValue.value).where(
            InventoryValue.run_id.in_([r.id for r in runs.values()]),
            InventoryValue.region_code == region_code,
            InventoryValue.category == "TOTAL",
            InventoryValue.measure.in_(["gross_CO2e", "energy_tce"]),
        )
    ):
        year = next(y for y, r in runs.items() if r.id == run_id)
        totals.setdefault(year, {})[measure] = value
    components = gdp_components()
    gdp: dict[int, float] = {}
    counts: dict[int, int] = {}
    for year, value in session.execute(
        select(RegionStatistic.year, RegionStatistic.value).where(
            RegionStatistic.region_code == region_code,
            RegionStatistic.indicator.in_(components),
        )
    ):
        gdp[year] = gdp.get(year, 0.0) + value
        counts[year] = counts.get(year, 0) + 1
    for year, figures in totals.items():
        if "gross_CO2e" in figures:
            out["emissions"][year] = figures["gross_CO2e"]
        if counts.get(year) == len(components) and gdp[year] > 0:
            if "gross_CO2e" in figures:
                out["carbon"][year] = figures["gross_CO2e"] / gdp[year]
            if "energy_tce" in figures:
                out["energy"][year] = figures["energy_tce"] / gdp[year]
    return out, [runs[y] for y in sorted(runs)]


def gwp_set_of(scenario: Scenario, runs: Sequence[InventoryRun]) -> str | None:
    """The GWP set the scenario's values are (that of the stored runs when they agree)."""
    for run in runs[-1:]:
        table = load_gwp(run.gwp_set)
        if all(
            math.isclose(scenario.gwp.get(g, table.gwp(g)), table.gwp(g), rel_tol=1e-12)
            for g in GASES[1:]
        ):
            return run.gwp_set
    return None


# ---- the run


def _monte_carlo(scenario: Scenario, draws: int, seed: int) -> MonteCarloResult | None:
    uncertain = uncertain_from_dict(scenario.uncertainty)
    if not uncertain:
        return None
    return simulate(scenario, uncertain, draws, seed)


def _percentiles(values: np.ndarray[Any, Any]) -> dict[str, int | None]:
    if values.size == 0:
        return {"p5": None, "p50": None, "p95": None}
    p5, p50, p95 = np.percentile(values, (5.0, 50.0, 95.0), method="nearest")
    return {"p5": int(p5), "p50": int(p50), "p95": int(p95)}


def peaks_with_history(result: MonteCarloResult, before: dict[int, float]) -> PathPeaks:
    """The draws' peaks over the stored history followed by each draw (the rule of
    ``outcomes``: a pathway that never regains a past maximum peaked in the past)."""
    first = int(result.years[0])
    past = sorted(y for y in before if y < first)
    if not past or past != list(range(past[0], first)):
        return result.peaks
    head = np.broadcast_to(np.array([before[y] for y in past]), (result.gross.shape[0], len(past)))
    years = np.arange(past[0], int(result.years[-1]) + 1)
    return detect_peaks(years, np.hstack([head, result.gross]))


def uncertainty_dict(
    scenario: Scenario,
    result: MonteCarloResult | None,
    peaks: PathPeaks | None,
    draws: int,
    seed: int,
    peak_by: int,
) -> dict[str, Any]:
    parameters = [{"parameter": k, "distribution": v} for k, v in scenario.uncertainty.items()]
    if result is None or peaks is None:
        return {
            "draws": 0,
            "seed": seed,
            "parameters": parameters,
            "p5": None,
            "p50": None,
            "p95": None,
            "peak_year": _percentiles(np.array([])),
            "probability_peaked_by": None,
            "probability_peak_by_2030": None,
        }
    peaked = peaks.has_peaked()
    years = [int(y) for y in result.years]
    offset = len(peaks.years) - len(years)
    return {
        "draws": draws,
        "seed": seed,
        "parameters": parameters,
        "p5": _floats(result.p5),
        "p50": _floats(result.p50),
        "p95": _floats(result.p95),
        "net_p5": _floats(result.net_bands[0]),
        "net_p95": _floats(result.net_bands[2]),
        "peak_year": _percentiles(peaks.peak_year[peaked]),
        "share_peaked": float(np.mean(peaked)),
        "probability_peaked_by": _floats(peaks.probability_curve()[offset:]),
        "probability_peak_by_2030": peaks.probability_peaked_by(peak_by),
        "with_history": offset > 0,
    }


def projection_dict(projection: Projection) -> dict[str, Any]:
    energy_by_sector = {
        s: _floats(projection.energy[:, j]) for j, s in enumerate(projection.sectors)
    }
    co2e_by_sector = {s: _floats(projection.co2e[:, j]) for j, s in enumerate(projection.sectors)}
    return {
        "energy": {"total": _floats(projection.total_energy), "by_sector": energy_by_sector},
        "emissions": {
            "gross": _floats(projection.total_co2e),
            "net": _floats(projection.net),
            "sinks": _floats(projection.sinks),
            "energy": _floats(projection.energy_co2e),
            "by_sector": co2e_by_sector,
            "by_gas": {
                g: _floats(projection.emissions_by_gas[:, k])
                for k, g in enumerate(projection.gases)
            },
            "other": {
                o: _floats(projection.other_co2e[:, k]) for k, o in enumerate(projection.other)
            },
        },
    }


def checks_dict(outcomes: Outcomes) -> dict[str, Any]:
    data = outcomes.as_dict()
    return {
        "peak": {"by": data["peak"]["by"], "met": data["peak"]["met"]},
        "intensity": data["intensity"],
        "neutrality": data["neutrality"],
        "gdp_source": data["gdp_source"],
    }


def _statistics_source(
    session: Session, region_code: str, scenario: Scenario
) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for code, unit, source in session.execute(
        select(RegionStatistic.indicator, RegionStatistic.unit, RegionStatistic.source).where(
            RegionStatistic.region_code == region_code,
            RegionStatistic.year == scenario.base_year,
            RegionStatistic.indicator.in_(sorted(scenario.drivers)),
        )
    ):
        out[code] = {"year": scenario.base_year, "unit": unit, "source": source}
    return out


def run_scenario(
    session: Session,
    actor: Actor,
    region_code: str,
    name: str,
    *,
    draws: int = DEFAULT_DRAWS,
    seed: int = SEED,
) -> dict[str, Any]:
    """Projection, outcomes and Monte Carlo of a stored scenario (see the module doc)."""
    region_for(session, actor, region_code, Permission.READ_PATHWAYS)
    if isinstance(draws, bool) or not 1 <= draws <= MAX_DRAWS:
        raise CitycarbonError(
            Message(
                zh=f"抽样次数须在 1—{MAX_DRAWS} 之间：{draws}",
                en=f"draws must lie between 1 and {MAX_DRAWS}: {draws}",
            ),
            field="draws",
        )
    scenario = resolved_scenario(session, region_code, name)
    rows = rows_of(session, region_code)
    row = row_of(session, region_code, name)
    projection = project(scenario)
    past, runs = history(session, actor, region_code, scenario.base_year)
    targets = pathway_targets(session, region_code)
    before = {
        k: {y: v for y, v in series.items() if y < scenario.base_year} for k, series in past.items()
    }
    outcomes = evaluate_outcomes(scenario, projection, targets, history=before)
    result = _monte_carlo(scenario, draws, seed)
    peaks = None if result is None else peaks_with_history(result, before.get("emissions", {}))
    peak = outcomes.peak
    base_runs = [r for r in runs if r.year == scenario.base_year]
    gwp_set = gwp_set_of(scenario, base_runs or runs)
    return {
        "region": region_code,
        "scenario": name,
        "kind": MODEL,
        "label": {"zh": row.label_zh or name, "en": row.label_en or name},
        "chain": [r.name for r in chain_of(rows, name)],
        "base_year": scenario.base_year,
        "end_year": scenario.end_year,
        "years": _ints(projection.years),
        "units": {"energy": "tce", "emissions": "t CO2e", "gwp_set": gwp_set},
        **projection_dict(projection),
        "peak": {
            "year": peak.peak_year,
            "value": peak.peak_value,
            "status": peak.status.value,
            "plateau_start": peak.plateau_start,
            "plateau_end": peak.plateau_end,
            "tolerance": PLATEAU_TOLERANCE,
        },
        "uncertainty": uncertainty_dict(scenario, result, peaks, draws, seed, targets.peak_by),
        "checks": checks_dict(outcomes),
        "history": {k: {str(y): v for y, v in sorted(s.items())} for k, s in before.items()},
        "trace": {
            "base_run_ids": [r.id for r in base_runs],
            "history_run_ids": [r.id for r in runs if r.year < scenario.base_year],
            "factor_set": base_runs[0].factor_set if base_runs else None,
            "gwp_set": gwp_set,
            "statistics_source": _statistics_source(session, region_code, scenario),
            "scenario_versions": {r.name: r.version for r in chain_of(rows, name)},
            "targets_source": TARGETS_TABLE if TARGETS_TABLE in table_infos() else None,
            "seed": seed,
        },
    }


def compare(
    session: Session,
    actor: Actor,
    region_code: str,
    names: Sequence[str] | None = None,
    *,
    draws: int = DEFAULT_DRAWS,
    seed: int = SEED,
) -> list[dict[str, Any]]:
    """One row per scenario (all of the region's when ``names`` is None): peak year and
    value with the Monte Carlo band, P(peak by 2030), 2030/2060 figures and the checks.
    External (imported) scenarios give what their series hold; the rest is None."""
    region_for(session, actor, region_code, Permission.READ_PATHWAYS)
    rows = rows_of(session, region_code)
    kinds = {r.name: r.kind for r in rows}
    chosen = [r.name for r in rows] if names is None else list(names)
    out = []
    for name in chosen:
        if kinds.get(name) == EXTERNAL:
            out.append(_external_row(external_pathway(session, actor, region_code, name)))
            continue
        run = run_scenario(session, actor, region_code, name, draws=draws, seed=seed)
        years = run["years"]
        out.append(
            {
                "scenario": name,
                "kind": MODEL,
                "label": run["label"],
                "parent": run["chain"][-2] if len(run["chain"]) > 1 else None,
                "version": run["trace"]["scenario_versions"][name],
                "peak_year": run["peak"]["year"],
                "peak_value": run["peak"]["value"],
                "peak_status": run["peak"]["status"],
                "peak_year_p5": run["uncertainty"]["peak_year"]["p5"],
                "peak_year_p50": run["uncertainty"]["peak_year"]["p50"],
                "peak_year_p95": run["uncertainty"]["peak_year"]["p95"],
                "probability_peak_by_2030": run["uncertainty"]["probability_peak_by_2030"],
                "emissions_2030": _at(run["emissions"]["gross"], years, 2030),
                "emissions_2060": _at(run["emissions"]["gross"], years, 2060),
                "net_2060": _at(run["emissions"]["net"], years, 2060),
                "energy_2030": _at(run["energy"]["total"], years, 2030),
                "checks": run["checks"],
            }
        )
    return out


def _at(series: list[float | None], years: list[int], year: int) -> float | None:
    return series[years.index(year)] if year in years else None


def _external_row(data: dict[str, Any]) -> dict[str, Any]:
    years, peak = data["years"], data["peak"] or {}
    return {
        "scenario": data["scenario"],
        "kind": EXTERNAL,
        "label": data["label"],
        "parent": None,
        "version": data["version"],
        "peak_year": peak.get("year"),
        "peak_value": peak.get("value"),
        "peak_status": peak.get("status"),
        "peak_year_p5": None,
        "peak_year_p50": None,
        "peak_year_p95": None,
        "probability_peak_by_2030": None,
        "emissions_2030": _at(data["emissions"]["gross"], years, 2030),
        "emissions_2060": _at(data["emissions"]["gross"], years, 2060),
        "net_2060": None,
        "energy_2030": _at(data["energy"]["total"], years, 2030),
        "checks": None,
    }


def external_pathway(session: Session, actor: Actor, region_code: str, name: str) -> dict[str, Any]:
    """An external scenario's gross emissions and final energy (t CO2e, tce) by year, with
    its peak, for charts and the comparison table."""
    region_for(session, actor, region_code, Permission.READ_PATHWAYS)
    row = row_of(session, region_code, name)
    data = stored_body(row)
    series = data.get("series", {})
    kyoto = next(
        (v for k, v in series.items() if k.startswith(KYOTO) and v["unit"] == CO2E_UNIT), None
    )
    energy = series.get(FINAL_ENERGY)
    years = sorted({int(y) for v in series.values() for y in v["values"]})
    gross = [kyoto["values"].get(str(y)) if kyoto else None for y in years]
    out_gross = [None if v is None else v * PER_MEGA for v in gross]
    peak = None
    known = [(y, v) for y, v in zip(years, out_gross, strict=True) if v is not None]
    if len(known) >= 2:
        found = detect_peak([y for y, _ in known], [v for _, v in known])
        peak = {"year": found.peak_year, "value": found.peak_value, "status": found.status.value}
    return {
        "region": region_code,
        "scenario": name,
        "kind": EXTERNAL,
        "label": {"zh": row.label_zh or name, "en": row.label_en or name},
        "model": data.get("model"),
        "years": years,
        "emissions": {"gross": out_gross},
        "energy": {
            "total": [
                None
                if energy is None or str(y) not in energy["values"]
                else energy["values"][str(y)] * PER_MEGA
                for y in years
            ]
        },
        "peak": peak,
        "variables": sorted(series),
        "version": row.version,
    }
