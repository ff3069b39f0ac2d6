"""Scenarios: driver trees that inherit from a parent, and their projection to the end year.

A scenario (LEAP's key assumptions → activity × intensity, CURB's growth factors) holds named
drivers, and per sector an activity driver, an energy intensity and a fuel mix; per fuel its
emission factors; the grid factor's trajectory for electricity; the sinks. For sector ``s``,
fuel ``f``, gas ``g`` and year ``t``:

* energy          ``E_{s,t} = A_{s,t} · I_{s,t}`` (tce), with ``A`` the sector's activity
  driver and ``I_{s,t} = I_{s,t_0} · (1 - k_s)^(t - t_0)`` for a yearly improvement rate
  ``k_s``, or linear between intensity milestones;
* energy by fuel  ``E_{s,f,t} = E_{s,t} · w_{s,f,t}``, the shares ``w`` linear between their
  milestone years (held outside them) and summing to 1 in every sector-year;
* emissions       ``M_{s,g,t} = Σ_f E_{s,f,t} · F_{f,g}`` for the fuels, plus for
  electricity (the reserved fuel name ``electricity``) ``E_{s,el,t} / c · G_t`` of CO2, with
  ``c`` the tce per MWh (0.1229, the calorific equivalent, unless stated) and ``G_t`` the
  grid factor (t CO2 per MWh);
* CO2e            ``Σ_g M_{s,g,t} · GWP_g`` (GWP of CO2 = 1; CH4 and N2O need a stated GWP as
  soon as any factor for them is non-zero);
* non-energy sources ``o`` (industrial processes, agriculture, waste: ``other``) emit
  ``M_{o,g,t} = A_{o,t} · F_{o,g} · (1 - k_o)^(t - t_0)``, with ``F`` tonnes of gas per unit of
  the activity driver in the base year and ``k_o`` a yearly decline rate of that factor;
* totals ``CO2e_t = Σ_s CO2e_{s,t} + Σ_o CO2e_{o,t}`` (gross) and net ``= CO2e_t - sinks_t``.

All of it is numpy, vectorised over years × sectors × fuels (:func:`compile_arrays` turns a
scenario into arrays once; :func:`project` multiplies them out).

Inheritance. Scenarios are defined as dicts (the form of a YAML file). A child names its
``parent`` and lists only what it changes; :func:`resolve` deep-merges the chain from the
root down (mappings merge key by key, anything else is replaced; a ``None`` value deletes the
key, e.g. ``growth: null`` to give a driver milestones instead) and validates the result.
A child with no overrides is its parent under another name, number for number.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt

from citycarbon.errors import Message
from citycarbon.pathways.drivers import (
    Driver,
    DriverError,
    FloatArray,
    check_years,
    grow,
)

ELECTRICITY = "electricity"
GASES = ("CO2", "CH4", "N2O")
TCE_PER_MWH = 0.1229  # calorific equivalent of 1 MWh (当量值)
_SHARE_TOLERANCE = 1e-6
CONSTANT = 0  # the "year" of a share given as one number: a single knot, held everywhere


class ScenarioError(DriverError):
    """A scenario definition is malformed, or its inheritance chain is broken."""


def scenario_error(zh: str, en: str, where: str | None = None) -> ScenarioError:
    return ScenarioError(Message(zh=zh, en=en), field=where)


@dataclass(frozen=True, slots=True)
class Fuel:
    """Emission factors of one fuel, tonnes of gas per tce."""

    co2: float
    ch4: float = 0.0
    n2o: float = 0.0

    def factors(self) -> tuple[float, float, float]:
        return (self.co2, self.ch4, self.n2o)


@dataclass(frozen=True, slots=True)
class OtherSource:
    """A non-energy source: tonnes of each gas per unit of its activity driver in the base
    year, the factors declining at ``improvement`` a year."""

    activity: str
    co2: float = 0.0
    ch4: float = 0.0
    n2o: float = 0.0
    improvement: float = 0.0

    def factors(self) -> tuple[float, float, float]:
        return (self.co2, self.ch4, self.n2o)


@dataclass(frozen=True, slots=True)
class Sector:
    """One sector: its activity driver, base-year intensity (tce per unit of activity) with a
    yearly improvement rate or milestones, and the fuel shares (``fuel → ((year, share), …)``;
    one pair = a constant share)."""

    activity: str
    intensity: float
    mix: Mapping[str, tuple[tuple[int, float], ...]]
    improvement: float = 0.0
    intensity_milestones: tuple[tuple[int, float], ...] = ()


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    base_year: int
    end_year: int
    drivers: Mapping[str, Driver]
    sectors: Mapping[str, Sector]
    fuels: Mapping[str, Fuel]
    grid: Driver | None = None  # t CO2 per MWh; needed when any sector uses electricity
    sinks: Driver | None = None  # t CO2 removed per year
    parent: str | None = None
    gwp: Mapping[str, float] = field(default_factory=dict)
    electricity_tce_per_mwh: float = TCE_PER_MWH
    other: Mapping[str, OtherSource] = field(default_factory=dict)  # non-energy sources
    # parameter address → distribution, as data (see montecarlo.uncertain_from_dict)
    uncertainty: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("drivers", "sectors", "fuels", "gwp", "other", "uncertainty"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))
        self._validate()

    def _validate(self) -> None:
        label = self.name
        if not self.name.strip():
            raise scenario_error("情景需要名称", "a scenario needs a name", "name")
        self._check_horizon()
        if not self.sectors:
            raise scenario_error(
                f"情景 {label} 没有部门", f"scenario {label} has no sectors", "sectors"
            )
        if ELECTRICITY in self.fuels:
            raise scenario_error(
                f"情景 {label}：electricity 由电网排放因子计算，不能在 fuels 中给出因子",
                f"scenario {label}: electricity uses the grid factor; do not list it in fuels",
                f"fuels.{ELECTRICITY}",
            )
        if not self.electricity_tce_per_mwh > 0:
            raise scenario_error(
                f"情景 {label}：electricity_tce_per_mwh 必须大于 0",
                f"scenario {label}: electricity_tce_per_mwh must be positive",
                "electricity_tce_per_mwh",
            )
        for fuel_name, fuel in self.fuels.items():
            self._check_factors(
                fuel.factors(), f"燃料 {fuel_name}", f"fuel {fuel_name}", f"fuels.{fuel_name}"
            )
        for sector_name, sector in self.sectors.items():
            self._validate_sector(sector_name, sector)
        for source_name, source in self.other.items():
            self._validate_other(source_name, source)
        # Evaluating every trajectory once surfaces horizon errors (milestones before the base
        # year …) at definition time rather than at projection time.
        try:
            compile_arrays(self)
        except ScenarioError:
            raise
        except DriverError as error:  # e.g. intensity milestones, named by their full path
            raise ScenarioError(error.message, field=error.field) from None

    def _check_horizon(self) -> None:
        try:
            check_years(self.base_year, self.end_year)
        except DriverError as error:
            raise ScenarioError(error.message, field=error.field) from None

    def _validate_other(self, name: str, source: OtherSource) -> None:
        where = f"other.{name}"
        if name in self.sectors:
            raise scenario_error(
                f"非能源排放源 {name} 与部门同名",
                f"non-energy source {name} has the name of a sector",
                where,
            )
        if source.activity not in self.drivers:
            raise scenario_error(
                f"排放源 {name} 的活动水平驱动因素 {source.activity!r} 未定义",
                f"source {name}: activity driver {source.activity!r} is not defined",
                f"{where}.activity",
            )
        if not (np.isfinite(source.improvement) and source.improvement < 1):
            raise scenario_error(
                f"排放源 {name} 的因子年下降率必须小于 100%：{source.improvement}",
                f"source {name}: the yearly factor decline must be below 100 %",
                f"{where}.improvement",
            )
        self._check_factors(source.factors(), f"排放源 {name}", f"source {name}", where)

    def _check_factors(
        self, factors: tuple[float, float, float], owner_zh: str, owner_en: str, where: str
    ) -> None:
        """Emission factors of a fuel or a source: finite, >= 0, and a GWP for each non-CO2 gas."""
        for gas, value in zip(GASES, factors, strict=True):
            if not (np.isfinite(value) and value >= 0):
                raise scenario_error(
                    f"{owner_zh} 的 {gas} 排放因子必须是非负有限数：{value}",
                    f"{owner_en}: the {gas} factor must be finite and >= 0 ({value})",
                    f"{where}.{gas.lower()}",
                )
            if gas != "CO2" and value and not self.gwp.get(gas, 0) > 0:
                raise scenario_error(
                    f"{owner_zh} 有 {gas} 排放因子，但情景未给出 {gas} 的 GWP",
                    f"{owner_en} emits {gas} but the scenario states no positive GWP for it",
                    f"gwp.{gas}",
                )

    def _validate_sector(self, name: str, sector: Sector) -> None:
        where = f"sectors.{name}"
        if sector.activity not in self.drivers:
            raise scenario_error(
                f"部门 {name} 的活动水平驱动因素 {sector.activity!r} 未定义",
                f"sector {name}: activity driver {sector.activity!r} is not defined",
                f"{where}.activity",
            )
        if not (np.isfinite(sector.intensity) and sector.intensity >= 0):
            raise scenario_error(
                f"部门 {name} 的能耗强度必须是非负有限数：{sector.intensity}",
                f"sector {name}: the energy intensity must be finite and >= 0",
                f"{where}.intensity",
            )
        if not (np.isfinite(sector.improvement) and sector.improvement < 1):
            raise scenario_error(
                f"部门 {name} 的强度年下降率必须小于 100%：{sector.improvement}",
                f"sector {name}: the yearly intensity improvement must be below 100 %",
                f"{where}.improvement",
            )
        if sector.improvement and sector.intensity_milestones:
            raise scenario_error(
                f"部门 {name} 只能给出 improvement 或 intensity_milestones 之一",
                f"sector {name}: give either improvement or intensity_milestones, not both",
                f"{where}.improvement",
            )
        if not sector.mix:
            raise scenario_error(
                f"部门 {name} 没有能源结构", f"sector {name} has no fuel mix", f"{where}.mix"
            )
        for fuel in sector.mix:
            if fuel != ELECTRICITY and fuel not in self.fuels:
                raise scenario_error(
                    f"部门 {name} 使用的燃料 {fuel!r} 没有排放因子",
                    f"sector {name} uses fuel {fuel!r}, which has no emission factors",
                    f"{where}.mix.{fuel}",
                )
            if fuel == ELECTRICITY and self.grid is None:
                raise scenario_error(
                    f"部门 {name} 用电，但情景未给出电网排放因子 grid",
                    f"sector {name} uses electricity but the scenario has no grid factor",
                    "grid",
                )


# --- arrays ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScenarioArrays:
    """A scenario as arrays: ``T`` years, ``S`` sectors, ``F`` fuels (electricity last)."""

    years: FloatArray  # (T,)
    sectors: tuple[str, ...]
    fuels: tuple[str, ...]
    activity: FloatArray  # (T, S)
    intensity: FloatArray  # (T, S) tce per unit of activity
    shares: FloatArray  # (T, S, F)
    factors: FloatArray  # (F, G) t gas per tce; the electricity row is zero
    gwp: FloatArray  # (G,)
    grid: FloatArray  # (T,) t CO2 per MWh (zeros without electricity)
    sinks: FloatArray  # (T,)
    tce_per_mwh: float
    other: tuple[str, ...] = ()
    other_activity: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))  # (T, O)
    other_factors: FloatArray = field(default_factory=lambda: np.zeros((0, 0, 3)))  # (T, O, G)

    @property
    def fuel_co2e(self) -> FloatArray:
        """CO2e per tce of each fuel, electricity excluded (F,)."""
        out: FloatArray = self.factors @ self.gwp
        return out


def intensity_path(sector: Sector, base_year: int, end_year: int, name: str = "") -> FloatArray:
    """``I_0 (1 - k)^(t - t_0)``, or linear between the intensity milestones."""
    if sector.intensity_milestones:
        driver = Driver(
            base=sector.intensity,
            milestones=sector.intensity_milestones,
            name=f"sectors.{name}.intensity",
        )
        return driver.evaluate(base_year, end_year)
    # the same cumulative product as a growth driver, so that the Monte Carlo matches exactly
    return grow(sector.intensity, np.full(end_year - base_year, -sector.improvement))


def share_path(pairs: tuple[tuple[int, float], ...], years: FloatArray) -> FloatArray:
    knots = np.array([y for y, _ in pairs], dtype=np.float64)
    values = np.array([v for _, v in pairs], dtype=np.float64)
    return np.interp(years, knots, values)


def _evaluate(driver: Driver, base_year: int, end_year: int, where: str) -> FloatArray:
    """Evaluate a driver; its errors become scenario errors naming the full field path."""
    try:
        return driver.evaluate(base_year, end_year)
    except ScenarioError:
        raise
    except DriverError as error:
        field = error.field or driver.name
        if field.split(".")[0] == driver.name:
            field = where + field[len(driver.name) :]
        raise ScenarioError(error.message, field=field) from None


def compile_arrays(scenario: Scenario) -> ScenarioArrays:
    """Evaluate every trajectory of a scenario over its years and stack them."""
    t0, t1 = scenario.base_year, scenario.end_year
    years = np.arange(t0, t1 + 1, dtype=np.float64)
    paths = {name: _evaluate(d, t0, t1, f"drivers.{name}") for name, d in scenario.drivers.items()}
    sectors = tuple(scenario.sectors)
    used = {f for s in scenario.sectors.values() for f in s.mix}
    fuels = (*sorted(f for f in scenario.fuels if f != ELECTRICITY), ELECTRICITY)
    if ELECTRICITY not in used:
        fuels = fuels[:-1]
    shares = np.zeros((years.size, len(sectors), len(fuels)))
    for j, (name, sector) in enumerate(scenario.sectors.items()):
        for fuel, pairs in sector.mix.items():
            values = share_path(pairs, years)
            if np.any(values < 0) or np.any(values > 1):
                raise scenario_error(
                    f"部门 {name} 燃料 {fuel} 的份额必须在 0 到 1 之间",
                    f"sector {name}: the share of {fuel} must lie between 0 and 1",
                    f"sectors.{name}.mix.{fuel}",
                )
            shares[:, j, fuels.index(fuel)] = values
        sums = shares[:, j, :].sum(axis=1)
        bad = np.flatnonzero(np.abs(sums - 1.0) > _SHARE_TOLERANCE)
        if bad.size:
            year = int(years[bad[0]])
            raise scenario_error(
                f"部门 {name} 在 {year} 年的燃料份额之和为 {sums[bad[0]]:.6g}，应为 1",
                f"sector {name}: fuel shares sum to {sums[bad[0]]:.6g} in {year}, not 1",
                f"sectors.{name}.mix",
            )
    factors = np.array(
        [scenario.fuels[f].factors() if f != ELECTRICITY else (0.0, 0.0, 0.0) for f in fuels]
    ).reshape(len(fuels), len(GASES))
    zeros = np.zeros(years.size)
    sources = scenario.other.values()
    decline = [grow(1.0, np.full(t1 - t0, -o.improvement)) for o in sources]
    return ScenarioArrays(
        years=years,
        sectors=sectors,
        fuels=fuels,
        activity=np.stack([paths[s.activity] for s in scenario.sectors.values()], axis=1),
        intensity=np.stack(
            [intensity_path(s, t0, t1, n) for n, s in scenario.sectors.items()], axis=1
        ),
        shares=shares,
        factors=factors,
        gwp=np.array([1.0, *(scenario.gwp.get(g, 0.0) for g in GASES[1:])]),
        grid=zeros if scenario.grid is None else _evaluate(scenario.grid, t0, t1, "grid"),
        sinks=zeros if scenario.sinks is None else _evaluate(scenario.sinks, t0, t1, "sinks"),
        tce_per_mwh=scenario.electricity_tce_per_mwh,
        other=tuple(scenario.other),
        other_activity=np.stack([paths[o.activity] for o in sources], axis=1)
        if sources
        else np.zeros((years.size, 0)),
        other_factors=np.stack(
            [d[:, None] * np.array(o.factors()) for o, d in zip(sources, decline, strict=True)],
            axis=1,
        )
        if sources
        else np.zeros((years.size, 0, len(GASES))),
    )


# --- projection --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Projection:
    """Results per year to the end year. Axes: years × sectors × fuels / gases."""

    years: npt.NDArray[np.int64]
    sectors: tuple[str, ...]
    fuels: tuple[str, ...]
    gases: tuple[str, ...]
    energy: FloatArray  # (T, S) tce
    energy_by_fuel: FloatArray  # (T, S, F) tce
    emissions: FloatArray  # (T, S, G) tonnes of each gas
    co2e: FloatArray  # (T, S) t CO2e
    sinks: FloatArray  # (T,) t CO2 removed
    total_energy: FloatArray  # (T,) tce
    total_co2e: FloatArray  # (T,) t CO2e
    emissions_by_gas: FloatArray  # (T, G) tonnes of each gas, all sectors
    net: FloatArray  # (T,) t CO2e after sinks: the gap to neutrality in each year
    other: tuple[str, ...]  # non-energy sources
    other_emissions: FloatArray  # (T, O, G) tonnes of each gas
    other_co2e: FloatArray  # (T, O) t CO2e

    @property
    def energy_co2e(self) -> FloatArray:
        """CO2e of the energy sectors only (T,)."""
        out: FloatArray = self.co2e.sum(axis=1)
        return out


def project(scenario: Scenario | ScenarioArrays) -> Projection:
    """Energy and emissions by sector, fuel and gas for every year (see module doc)."""
    arrays = scenario if isinstance(scenario, ScenarioArrays) else compile_arrays(scenario)
    energy = arrays.activity * arrays.intensity
    by_fuel = energy[:, :, None] * arrays.shares
    emissions = by_fuel @ arrays.factors  # (T, S, G)
    if arrays.fuels and arrays.fuels[-1] == ELECTRICITY:
        grid = arrays.grid / arrays.tce_per_mwh
        emissions[:, :, 0] += by_fuel[:, :, -1] * grid[:, None]
    co2e = emissions @ arrays.gwp
    other_emissions = arrays.other_activity[:, :, None] * arrays.other_factors
    other_co2e = other_emissions @ arrays.gwp
    total = co2e.sum(axis=1) + other_co2e.sum(axis=1)
    return Projection(
        years=arrays.years.astype(np.int64),
        sectors=arrays.sectors,
        fuels=arrays.fuels,
        gases=GASES,
        energy=energy,
        energy_by_fuel=by_fuel,
        emissions=emissions,
        co2e=co2e,
        sinks=arrays.sinks,
        total_energy=energy.sum(axis=1),
        total_co2e=total,
        emissions_by_gas=emissions.sum(axis=1) + other_emissions.sum(axis=1),
        net=total - arrays.sinks,
        other=arrays.other,
        other_emissions=other_emissions,
        other_co2e=other_co2e,
    )
