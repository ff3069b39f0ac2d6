"""The industry structure of a pathway scenario over time, and sector peak targets.

* :func:`production_inputs` — the inputs of the structure LP prepared from a scenario's
  projection, for every projected year at once (shared by
  :func:`citycarbon.service.pathways_analysis.optimise` and :func:`structure_path`): the
  production sectors are the value-added drivers (``va_*``); each one's carbon (t CO2e) and
  energy (tce) intensity per 万元 are those of the scenario sectors and non-energy sources it
  drives, in that year; emissions and energy driven by anything else (population: households,
  waste) do not move with the structure and are reported as ``fixed``, to be taken off the caps.
* :func:`structure_path` — the myopic structure path
  (:func:`citycarbon.pathways.structure.solve_structure_path`) over milestone years: by default
  every 5 years from the first multiple of 5 after the base year to 2060 (or the scenario's end
  year), each milestone's carbon cap the scenario's own gross emissions in that year (the most
  value added while staying on this pathway). A cap too low for the sectors at their lowest
  growth raises the core's ``CapInfeasibleError`` naming the year and the cap.
* :func:`sector_targets` — sector peak targets
  (:func:`citycarbon.pathways.structure.sector_peak_targets`) from the scenario's projection:
  every energy sector and non-energy source with its share of gross emissions in each year; the
  city's peak is the first year of maximum gross emissions in the projection.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy.orm import Session

from citycarbon.errors import Message
from citycarbon.pathways.scenario import Projection, Scenario, project
from citycarbon.pathways.structure import (
    CapInfeasibleError,
    Milestone,
    sector_peak_targets,
    solve_structure_path,
)
from citycarbon.service.access import Permission
from citycarbon.service.actor import Actor
from citycarbon.service.pathways_store import (
    PathwayInputError,
    chain_of,
    region_for,
    resolved_scenario,
    rows_of,
)

FloatArray = NDArray[np.float64]

PATH_END = 2060  # the default structure path runs to the neutrality year
PATH_STEP = 5  # years between the default milestones (five-year plans)
UNITS = {
    "value_added": "万元",
    "emissions": "t CO2e",
    "energy": "tce",
    "carbon_intensity": "t CO2e / 万元",
    "energy_intensity": "tce / 万元",
    "carbon_shadow_price": "万元 / t CO2e",
    "energy_shadow_price": "万元 / tce",
}


@dataclass(frozen=True, slots=True, eq=False)
class ProductionInputs:
    """The structure LP's inputs for every projected year: arrays are ``(years, sectors)``
    or ``(years,)``, the sectors being the scenario's value-added drivers."""

    sectors: tuple[str, ...]
    years: tuple[int, ...]
    value_added: FloatArray  # projected 万元
    carbon_intensity: FloatArray  # t CO2e per 万元
    energy_intensity: FloatArray  # tce per 万元
    fixed_emissions: FloatArray  # t CO2e not moving with the structure
    fixed_energy: FloatArray  # tce not moving with the structure

    def at(self, year: int) -> int:
        return self.years.index(year)


def production_inputs(scenario: Scenario, projection: Projection) -> ProductionInputs:
    """Intensities of the value-added drivers and the fixed remainder, year by year."""
    t0, t1 = scenario.base_year, scenario.end_year
    paths = {n: d.evaluate(t0, t1) for n, d in scenario.drivers.items()}
    production = [n for n in scenario.drivers if n.startswith("va_")]
    size = len(projection.years)
    emissions = {n: np.zeros(size) for n in production}
    energy = {n: np.zeros(size) for n in production}
    fixed_emissions = np.zeros(size)
    fixed_energy = np.zeros(size)
    for j, name in enumerate(projection.sectors):
        activity = scenario.sectors[name].activity
        if activity in emissions:
            emissions[activity] += projection.co2e[:, j]
            energy[activity] += projection.energy[:, j]
        else:
            fixed_emissions += projection.co2e[:, j]
            fixed_energy += projection.energy[:, j]
    for k, name in enumerate(projection.other):
        activity = scenario.other[name].activity
        if activity in emissions:
            emissions[activity] += projection.other_co2e[:, k]
        else:
            fixed_emissions += projection.other_co2e[:, k]
    value_added = (
        np.array([paths[n] for n in production], dtype=np.float64).reshape(len(production), size).T
    )

    def per_unit(totals: dict[str, FloatArray]) -> FloatArray:
        columns = [
            np.divide(totals[n], paths[n], out=np.zeros(size), where=paths[n] > 0)
            for n in production
        ]
        return np.array(columns, dtype=np.float64).reshape(len(production), size).T

    return ProductionInputs(
        sectors=tuple(production),
        years=tuple(int(y) for y in projection.years),
        value_added=value_added,
        carbon_intensity=per_unit(emissions),
        energy_intensity=per_unit(energy),
        fixed_emissions=fixed_emissions,
        fixed_energy=fixed_energy,
    )


def room(cap: float | None, fixed: float) -> float | None:
    """What a cap leaves for the production sectors once the fixed part is taken off."""
    return None if cap is None else max(cap - fixed, 0.0)


def with_fixed_note(
    error: CapInfeasibleError, fixed_emissions: float, fixed_energy: float
) -> CapInfeasibleError:
    """The core's infeasibility error, saying what was taken off the caps first."""
    note = Message(
        zh=f"（已先扣除不随产业结构变化的排放 {fixed_emissions:.6g} t CO2e、"
        f"能耗 {fixed_energy:.6g} tce）",
        en=f" (after the {fixed_emissions:.6g} t CO2e and {fixed_energy:.6g} tce that do "
        "not move with the structure)",
    )
    return CapInfeasibleError(
        Message(zh=error.message.zh + note.zh, en=error.message.en + note.en),
        error.field or "carbon_cap",
        error.shortfalls,
        error.year,
    )


# ---- structure path


def default_years(base_year: int, end_year: int) -> list[int]:
    """Every ``PATH_STEP`` years from the first multiple after the base year to 2060."""
    first = (base_year // PATH_STEP + 1) * PATH_STEP
    return list(range(first, min(PATH_END, end_year) + 1, PATH_STEP))


def scenario_versions(session: Session, region_code: str, name: str) -> dict[str, int]:
    """The version of every scenario in the chain the result was computed from (its trace)."""
    return {r.name: r.version for r in chain_of(rows_of(session, region_code), name)}


def _bad(zh: str, en: str, field: str) -> PathwayInputError:
    return PathwayInputError(Message(zh=zh, en=en), field=field)


def _milestone_years(years: Sequence[int] | None, inputs: ProductionInputs, base: int) -> list[int]:
    chosen = default_years(base, inputs.years[-1]) if years is None else list(years)
    if not chosen:
        raise _bad("至少需要一个目标年份", "at least one milestone year is needed", "years")
    outside = [y for y in chosen if y not in inputs.years or y <= base]
    if outside:
        raise _bad(
            f"目标年份 {outside[0]} 须在情景的预测期 {base + 1}–{inputs.years[-1]} 内",
            f"milestone year {outside[0]} must lie in the scenario's projected years "
            f"{base + 1}–{inputs.years[-1]}",
            "years",
        )
    if any(b <= a for a, b in itertools.pairwise(chosen)):
        raise _bad("目标年份须严格递增", "milestone years must be strictly increasing", "years")
    return chosen


def _caps(
    caps: Mapping[int, float | None] | None, years: list[int], field: str, zh: str
) -> dict[int, float | None]:
    given = dict(caps or {})
    stray = sorted(y for y in given if y not in years)
    if stray:
        raise _bad(
            f"{zh}给出的年份 {stray[0]} 不是目标年份之一（{', '.join(map(str, years))}）",
            f"{field} names {stray[0]}, which is not one of the milestone years "
            f"({', '.join(map(str, years))})",
            field,
        )
    for year, value in given.items():
        if value is not None and not (np.isfinite(value) and value >= 0):
            raise _bad(
                f"{zh}（{year} 年）须为有限的非负数",
                f"{field} of {year} must be a finite non-negative number",
                field,
            )
    return given


def structure_path(
    session: Session,
    actor: Actor,
    region_code: str,
    scenario: str,
    years: Sequence[int] | None = None,
    *,
    carbon_caps: Mapping[int, float | None] | None = None,
    energy_caps: Mapping[int, float | None] | None = None,
    min_growth: float = 0.0,
    max_growth: float = 0.1,
) -> dict[str, Any]:
    """The structure path of the scenario's production sectors (see the module doc).

    A year missing from ``carbon_caps`` is capped at the scenario's gross emissions of that
    year; ``None`` there means no carbon cap. ``energy_caps`` caps only the years it names."""
    region_for(session, actor, region_code, Permission.READ_PATHWAYS)
    resolved = resolved_scenario(session, region_code, scenario)
    projection = project(resolved)
    inputs = production_inputs(resolved, projection)
    base = resolved.base_year
    chosen = _milestone_years(years, inputs, base)
    carbon_given = _caps(carbon_caps, chosen, "carbon_caps", "碳排放上限")
    energy_given = _caps(energy_caps, chosen, "energy_caps", "能耗上限")
    gross = {int(y): float(v) for y, v in zip(projection.years, projection.total_co2e, strict=True)}
    carbon = {y: carbon_given.get(y, gross[y]) for y in chosen}
    energy = {y: energy_given.get(y) for y in chosen}
    milestones = []
    for year in chosen:
        t = inputs.at(year)
        milestones.append(
            Milestone(
                year=year,
                carbon_cap=room(carbon[year], float(inputs.fixed_emissions[t])),
                energy_cap=room(energy[year], float(inputs.fixed_energy[t])),
                carbon_intensity=inputs.carbon_intensity[t],
                energy_intensity=inputs.energy_intensity[t],
                min_growth=min_growth,
                max_growth=max_growth,
            )
        )
    try:
        path = solve_structure_path(
            inputs.sectors, base, inputs.value_added[inputs.at(base)], milestones
        )
    except CapInfeasibleError as error:
        t = inputs.at(error.year) if error.year in inputs.years else 0
        raise with_fixed_note(
            error, float(inputs.fixed_emissions[t]), float(inputs.fixed_energy[t])
        ) from None

    def named(values: FloatArray) -> dict[str, float]:
        return dict(zip(inputs.sectors, values.tolist(), strict=True))

    rows = []
    for year, solution in zip(chosen, path.solutions, strict=True):
        t = inputs.at(year)
        fixed_e, fixed_n = float(inputs.fixed_emissions[t]), float(inputs.fixed_energy[t])
        rows.append(
            {
                "year": year,
                "value_added": named(solution.value_added),
                "value_added_projected": named(inputs.value_added[t]),
                "shares": named(solution.shares),
                "emissions_by_sector": named(solution.sector_emissions),
                "total_value_added": solution.total_value_added,
                "projected_value_added": float(inputs.value_added[t].sum()),
                "emissions": solution.emissions + fixed_e,
                "energy": solution.energy + fixed_n,
                "fixed": {"emissions": fixed_e, "energy": fixed_n},
                "carbon_cap": carbon[year],
                "energy_cap": energy[year],
                "binding_caps": list(solution.binding_caps),
                "shadow_prices": {
                    "carbon": solution.carbon_shadow_price,
                    "energy": solution.energy_shadow_price,
                },
                "carbon_intensity": named(inputs.carbon_intensity[t]),
                "energy_intensity": named(inputs.energy_intensity[t]),
            }
        )
    return {
        "region": region_code,
        "scenario": scenario,
        "base_year": base,
        "sectors": list(inputs.sectors),
        "base_value_added": named(inputs.value_added[inputs.at(base)]),
        "years": chosen,
        "path": rows,
        "inputs": {
            "carbon_caps": {str(y): carbon[y] for y in chosen},
            "carbon_caps_default": {str(y): y not in carbon_given for y in chosen},
            "energy_caps": {str(y): energy[y] for y in chosen},
            "growth": {"min": min_growth, "max": max_growth},
        },
        "units": UNITS,
        "scenario_versions": scenario_versions(session, region_code, scenario),
    }


# ---- sector peak targets


def sector_targets(
    session: Session, actor: Actor, region_code: str, scenario: str
) -> dict[str, Any]:
    """Each energy sector's and non-energy source's peak target (see the module doc)."""
    region_for(session, actor, region_code, Permission.READ_PATHWAYS)
    resolved = resolved_scenario(session, region_code, scenario)
    projection = project(resolved)
    gross = projection.total_co2e
    names = [*projection.sectors, *projection.other]
    kinds = ["energy"] * len(projection.sectors) + ["other"] * len(projection.other)
    by_source = np.concatenate([projection.co2e, projection.other_co2e], axis=1)
    shares = np.divide(
        by_source, gross[:, None], out=np.zeros_like(by_source), where=gross[:, None] > 0
    )
    # rounding can lift a row a hair above 1; the core refuses rows summing to more than 1
    totals = shares.sum(axis=1)
    shares = np.where(totals[:, None] > 1.0, shares / np.maximum(totals, 1.0)[:, None], shares)
    result = sector_peak_targets(projection.years, gross, names, projection.years, shares)
    base_index = 0  # the projection starts at the base year
    rows = []
    for j, name in enumerate(names):
        base_value = float(by_source[base_index, j])
        target = float(result.targets[j])
        rows.append(
            {
                "sector": name,
                "kind": kinds[j],
                "share": float(result.shares[j]),
                "target_t": target,
                "emissions_base_year": base_value,
                "change_vs_base": (target - base_value) / base_value if base_value > 0 else None,
            }
        )
    return {
        "region": region_code,
        "scenario": scenario,
        "base_year": resolved.base_year,
        "peak_year": result.peak_year,
        "city_peak": result.city_peak,
        "peaked_in_horizon": result.peaked_in_horizon,
        "unallocated": result.unallocated,
        "rows": rows,
        "units": {"target_t": "t CO2e", "emissions_base_year": "t CO2e", "share": "1"},
        "scenario_versions": scenario_versions(session, region_code, scenario),
        "rule": {
            "zh": "各部门在全市峰值年达峰，目标 = 该年部门占毛排放比例 × 全市峰值",
            "en": "sectors peak in the city's peak year; target = the sector's share of gross "
            "emissions in that year × the city's peak",
        },
    }
