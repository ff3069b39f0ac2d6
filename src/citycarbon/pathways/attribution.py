"""LMDI attribution of a pathway's change in gross emissions between two years, exact.

A state of the city in one year (:class:`PathwayState`) holds population ``P``, GDP ``G``,
and per sector its energy and CO2e by fuel; production sectors also hold their value added
``G_i``. Their emissions follow the Kaya-style identity of
:func:`citycarbon.pathways.lmdi.kaya_decomposition` — population, affluence (``G/P``),
structure (``G_i/G``), energy intensity (``E_i/G_i``), mix (``E_ij/E_i``) and emission factor
(``C_ij/E_ij``). Sectors driven by population (households: ``per_capita``) follow
``C = P · (E_i/P) · mix · factor``; they go through the same identity with GDP and value added
set to ``P`` (affluence and structure are then 1 in both years and contribute nothing), so
their energy per head lands in the intensity effect. Non-energy sources (processes,
agriculture, waste) do not fit the identity; their change is its own effect ``non_energy``.

The additive effects of the parts add up to the change of the total exactly; the
multiplicative effects of the total are ``D_k = exp(ΔV_k / L(V^T, V^0))`` (LMDI-I's link
between the two forms), whose product is ``V^T / V^0`` exactly.

:func:`state_at` reads a state off a projection: CO2e per fuel from the fuels' factors and
for electricity the grid factor. For the stored history the service builds states from the
inventory (one "fuel" per sector when the inventory has no fuel split: its mix effect is 0).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from citycarbon.errors import CitycarbonError, Message
from citycarbon.pathways.lmdi import KAYA_FACTORS, KayaState, kaya_decomposition, logarithmic_mean
from citycarbon.pathways.outcomes import gdp_path
from citycarbon.pathways.scenario import ELECTRICITY, Projection, Scenario, compile_arrays

EFFECTS: tuple[str, ...] = (*KAYA_FACTORS, "non_energy")
POPULATION = "population"


class AttributionError(CitycarbonError):
    """A state cannot be attributed: no population or GDP, or a year outside the projection."""


def _fail(zh: str, en: str, field: str) -> AttributionError:
    return AttributionError(Message(zh=zh, en=en), field=field)


@dataclass(frozen=True, slots=True)
class PathwayState:
    year: int
    population: float
    gdp: float
    value_added: Mapping[str, float]  # production sectors only
    energy: Mapping[str, Mapping[str, float]]  # sector → fuel → tce
    emissions: Mapping[str, Mapping[str, float]]  # sector → fuel → t CO2e
    per_capita: frozenset[str] = frozenset()
    other_co2e: float = 0.0

    @property
    def total(self) -> float:
        energy = sum(v for by_fuel in self.emissions.values() for v in by_fuel.values())
        return energy + self.other_co2e


@dataclass(frozen=True, slots=True)
class Attribution:
    start: int
    end: int
    start_total: float
    end_total: float
    effects: dict[str, float]  # additive, t CO2e, in EFFECTS order
    multiplicative: dict[str, float] | None = field(default=None)

    def as_dict(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "start_total": self.start_total,
            "end_total": self.end_total,
            "change": self.end_total - self.start_total,
            "effects": dict(self.effects),
            "multiplicative": None if self.multiplicative is None else dict(self.multiplicative),
        }


def state_at(scenario: Scenario, projection: Projection, year: int) -> PathwayState:
    """The state of a projected year (sectors driven by ``population`` count per head)."""
    years = [int(y) for y in projection.years]
    if year not in years:
        raise _fail(
            f"{year} 年不在情景 {scenario.name} 的预测期 {years[0]}–{years[-1]} 内",
            f"{year} is outside scenario {scenario.name}'s years {years[0]}–{years[-1]}",
            "year",
        )
    if POPULATION not in scenario.drivers:
        raise _fail(
            f"情景 {scenario.name} 没有 population 驱动因素，无法做人口效应分解",
            f"scenario {scenario.name} has no population driver to attribute to",
            f"drivers.{POPULATION}",
        )
    gdp, _ = gdp_path(scenario)
    if gdp is None:
        raise _fail(
            f"情景 {scenario.name} 没有 gdp 或 va_* 驱动因素",
            f"scenario {scenario.name} has no gdp or va_* drivers",
            "drivers",
        )
    t = years.index(year)
    arrays = compile_arrays(scenario)
    co2e_per_tce = arrays.fuel_co2e.copy()
    if arrays.fuels and arrays.fuels[-1] == ELECTRICITY:
        co2e_per_tce[-1] = arrays.grid[t] / arrays.tce_per_mwh
    by_fuel = projection.energy_by_fuel[t]  # (S, F)
    per_capita = frozenset(name for name, s in scenario.sectors.items() if s.activity == POPULATION)
    return PathwayState(
        year=year,
        population=float(scenario.drivers[POPULATION].evaluate(years[0], years[-1])[t]),
        gdp=float(gdp[t]),
        value_added={
            name: float(arrays.activity[t, j])
            for j, name in enumerate(arrays.sectors)
            if name not in per_capita
        },
        energy={
            name: {f: float(by_fuel[j, k]) for k, f in enumerate(arrays.fuels)}
            for j, name in enumerate(arrays.sectors)
        },
        emissions={
            name: {f: float(by_fuel[j, k] * co2e_per_tce[k]) for k, f in enumerate(arrays.fuels)}
            for j, name in enumerate(arrays.sectors)
        },
        per_capita=per_capita,
        other_co2e=float(projection.other_co2e[t].sum()),
    )


def _kaya(
    start: PathwayState, end: PathwayState, sectors: list[str], fuels: list[str], per_head: bool
) -> dict[str, float]:
    def state(s: PathwayState) -> KayaState:
        energy = [[s.energy.get(i, {}).get(f, 0.0) for f in fuels] for i in sectors]
        emissions = [[s.emissions.get(i, {}).get(f, 0.0) for f in fuels] for i in sectors]
        if per_head:  # GDP and value added set to P: affluence and structure are 1
            return KayaState(s.population, s.population, [s.population] * len(sectors),
                             energy, emissions)  # fmt: skip
        value_added = [s.value_added.get(i, 0.0) for i in sectors]
        return KayaState(s.population, s.gdp, value_added, energy, emissions)

    if not sectors:
        return dict.fromkeys(KAYA_FACTORS, 0.0)
    return kaya_decomposition(state(start), state(end)).additive_effects()


def attribute(start: PathwayState, end: PathwayState) -> Attribution:
    """Additive (and, for positive totals, multiplicative) effects on gross CO2e."""
    sectors = sorted(set(start.energy) | set(end.energy))
    fuels = sorted({f for s in (start, end) for by in s.energy.values() for f in by})
    per_capita = start.per_capita | end.per_capita
    production = [s for s in sectors if s not in per_capita]
    households = [s for s in sectors if s in per_capita]
    effects = dict.fromkeys(EFFECTS, 0.0)
    for part in (
        _kaya(start, end, production, fuels, per_head=False),
        _kaya(start, end, households, fuels, per_head=True),
    ):
        for name, value in part.items():
            effects[name] += value
    effects["non_energy"] = end.other_co2e - start.other_co2e
    v0, v1 = start.total, end.total
    multiplicative = None
    if v0 > 0 and v1 > 0:
        weight = float(logarithmic_mean(v1, v0))
        multiplicative = {k: float(np.exp(v / weight)) for k, v in effects.items()}
    return Attribution(start.year, end.year, v0, v1, effects, multiplicative)
