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
  soon as any factor for them is non-zero); net ``= Σ_s CO2e_{s,t} - sinks_t``.

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
    driver_from_dict,
    driver_to_dict,
    grow,
    year_key,
    year_pairs,
)

ELECTRICITY = "electricity"
GASES = ("CO2", "CH4", "N2O")
TCE_PER_MWH = 0.1229  # calorific equivalent of 1 MWh (当量值)
_SHARE_TOLERANCE = 1e-6
CONSTANT = 0  # the "year" of a share given as one number: a single knot, held everywhere


class ScenarioError(DriverError):
    """A scenario definition is malformed, or its inheritance chain is broken."""


def _error(zh: str, en: str, where: str | None = None) -> ScenarioError:
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

    def __post_init__(self) -> None:
        for name in ("drivers", "sectors", "fuels", "gwp"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))
        self._validate()

    def _validate(self) -> None:
        label = self.name
        if not self.name.strip():
            raise _error("情景需要名称", "a scenario needs a name", "name")
        self._check_horizon()
        if not self.sectors:
            raise _error(f"情景 {label} 没有部门", f"scenario {label} has no sectors", "sectors")
        if ELECTRICITY in self.fuels:
            raise _error(
                f"情景 {label}：electricity 由电网排放因子计算，不能在 fuels 中给出因子",
                f"scenario {label}: electricity uses the grid factor; do not list it in fuels",
                f"fuels.{ELECTRICITY}",
            )
        if not self.electricity_tce_per_mwh > 0:
            raise _error(
                f"情景 {label}：electricity_tce_per_mwh 必须大于 0",
                f"scenario {label}: electricity_tce_per_mwh must be positive",
                "electricity_tce_per_mwh",
            )
        for fuel_name, fuel in self.fuels.items():
            for gas, value in zip(GASES, fuel.factors(), strict=True):
                if not (np.isfinite(value) and value >= 0):
                    raise _error(
                        f"燃料 {fuel_name} 的 {gas} 排放因子必须是非负有限数：{value}",
                        f"fuel {fuel_name}: the {gas} factor must be finite and >= 0 ({value})",
                        f"fuels.{fuel_name}.{gas.lower()}",
                    )
                if gas != "CO2" and value and not self.gwp.get(gas, 0) > 0:
                    raise _error(
                        f"燃料 {fuel_name} 有 {gas} 排放因子，但情景未给出 {gas} 的 GWP",
                        f"fuel {fuel_name} emits {gas} but the scenario states no positive GWP "
                        "for it",
                        f"gwp.{gas}",
                    )
        for sector_name, sector in self.sectors.items():
            self._validate_sector(sector_name, sector)
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

    def _validate_sector(self, name: str, sector: Sector) -> None:
        where = f"sectors.{name}"
        if sector.activity not in self.drivers:
            raise _error(
                f"部门 {name} 的活动水平驱动因素 {sector.activity!r} 未定义",
                f"sector {name}: activity driver {sector.activity!r} is not defined",
                f"{where}.activity",
            )
        if not (np.isfinite(sector.intensity) and sector.intensity >= 0):
            raise _error(
                f"部门 {name} 的能耗强度必须是非负有限数：{sector.intensity}",
                f"sector {name}: the energy intensity must be finite and >= 0",
                f"{where}.intensity",
            )
        if not (np.isfinite(sector.improvement) and sector.improvement < 1):
            raise _error(
                f"部门 {name} 的强度年下降率必须小于 100%：{sector.improvement}",
                f"sector {name}: the yearly intensity improvement must be below 100 %",
                f"{where}.improvement",
            )
        if sector.improvement and sector.intensity_milestones:
            raise _error(
                f"部门 {name} 只能给出 improvement 或 intensity_milestones 之一",
                f"sector {name}: give either improvement or intensity_milestones, not both",
                f"{where}.improvement",
            )
        if not sector.mix:
            raise _error(
                f"部门 {name} 没有能源结构", f"sector {name} has no fuel mix", f"{where}.mix"
            )
        for fuel in sector.mix:
            if fuel != ELECTRICITY and fuel not in self.fuels:
                raise _error(
                    f"部门 {name} 使用的燃料 {fuel!r} 没有排放因子",
                    f"sector {name} uses fuel {fuel!r}, which has no emission factors",
                    f"{where}.mix.{fuel}",
                )
            if fuel == ELECTRICITY and self.grid is None:
                raise _error(
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
                raise _error(
                    f"部门 {name} 燃料 {fuel} 的份额必须在 0 到 1 之间",
                    f"sector {name}: the share of {fuel} must lie between 0 and 1",
                    f"sectors.{name}.mix.{fuel}",
                )
            shares[:, j, fuels.index(fuel)] = values
        sums = shares[:, j, :].sum(axis=1)
        bad = np.flatnonzero(np.abs(sums - 1.0) > _SHARE_TOLERANCE)
        if bad.size:
            year = int(years[bad[0]])
            raise _error(
                f"部门 {name} 在 {year} 年的燃料份额之和为 {sums[bad[0]]:.6g}，应为 1",
                f"sector {name}: fuel shares sum to {sums[bad[0]]:.6g} in {year}, not 1",
                f"sectors.{name}.mix",
            )
    factors = np.array(
        [scenario.fuels[f].factors() if f != ELECTRICITY else (0.0, 0.0, 0.0) for f in fuels]
    ).reshape(len(fuels), len(GASES))
    zeros = np.zeros(years.size)
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
        total_co2e=co2e.sum(axis=1),
        emissions_by_gas=emissions.sum(axis=1),
        net=co2e.sum(axis=1) - arrays.sinks,
    )


# --- dict form and inheritance -----------------------------------------------------------------

_SCENARIO_KEYS = frozenset(
    {
        "name",
        "parent",
        "base_year",
        "end_year",
        "drivers",
        "sectors",
        "fuels",
        "grid",
        "sinks",
        "gwp",
        "electricity_tce_per_mwh",
    }
)
_SECTOR_KEYS = frozenset({"activity", "intensity", "improvement", "intensity_milestones", "mix"})
_FUEL_KEYS = frozenset({"co2", "ch4", "n2o"})


def _mapping(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _error(f"{where} 应为映射", f"{where} must be a mapping", where)
    return value


def _known(data: Mapping[str, Any], allowed: frozenset[str], where: str) -> None:
    unknown = sorted(str(k) for k in data if k not in allowed)
    if unknown:
        raise _error(
            f"{where} 含未知字段：{', '.join(unknown)}",
            f"{where} has unknown field(s): {', '.join(unknown)}",
            where,
        )


def _number(data: Mapping[str, Any], key: str, where: str, default: float | None = None) -> float:
    value = data.get(key, default)
    if value is None:
        raise _error(f"{where} 缺少 {key}", f"{where} needs {key}", f"{where}.{key}")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _error(
            f"{where}.{key} 必须是数值：{value!r}",
            f"{where}.{key} must be a number, got {value!r}",
            f"{where}.{key}",
        )
    return float(value)


def _sector_from_dict(name: str, data: object) -> Sector:
    where = f"sectors.{name}"
    body = _mapping(data, where)
    _known(body, _SECTOR_KEYS, where)
    mix: dict[str, tuple[tuple[int, float], ...]] = {}
    for fuel, shares in _mapping(body.get("mix", {}), f"{where}.mix").items():
        if isinstance(shares, Mapping):
            mix[str(fuel)] = year_pairs(shares, f"{where}.mix.{fuel}")
        else:
            mix[str(fuel)] = (
                (CONSTANT, _number({"share": shares}, "share", f"{where}.mix.{fuel}")),
            )
    activity = body.get("activity")
    if not isinstance(activity, str):
        raise _error(
            f"{where} 需要活动水平驱动因素 activity",
            f"{where} needs an activity driver",
            f"{where}.activity",
        )
    return Sector(
        activity=activity,
        intensity=_number(body, "intensity", where),
        improvement=_number(body, "improvement", where, 0.0),
        intensity_milestones=year_pairs(
            body.get("intensity_milestones") or {}, f"{where}.intensity_milestones"
        ),
        mix=mix,
    )


def _driver(data: object, name: str, where: str) -> Driver:
    try:
        return driver_from_dict(data, name)
    except DriverError as error:
        field = error.field or name
        if field.split(".")[0] == name:
            field = where + field[len(name) :]
        raise ScenarioError(error.message, field=field) from None


def scenario_from_dict(data: Mapping[str, Any]) -> Scenario:
    """Build and validate a (fully resolved) scenario from its dict form."""
    try:
        return _scenario_from_dict(data)
    except ScenarioError:
        raise
    except DriverError as error:  # a year or number in a sector, already named by its path
        raise ScenarioError(error.message, field=error.field) from None


def _scenario_from_dict(data: Mapping[str, Any]) -> Scenario:
    body = _mapping(data, "scenario")
    _known(body, _SCENARIO_KEYS, "scenario")
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise _error("情景需要名称 name", "a scenario needs a name", "name")
    for key in ("base_year", "end_year"):
        if key not in body:
            raise _error(f"情景 {name} 缺少 {key}", f"scenario {name} needs {key}", key)
    fuels = {}
    for fuel, factors in _mapping(body.get("fuels", {}), "fuels").items():
        where = f"fuels.{fuel}"
        _known(_mapping(factors, where), _FUEL_KEYS, where)
        fuels[str(fuel)] = Fuel(
            co2=_number(factors, "co2", where),
            ch4=_number(factors, "ch4", where, 0.0),
            n2o=_number(factors, "n2o", where, 0.0),
        )
    grid, sinks = body.get("grid"), body.get("sinks")
    return Scenario(
        name=name,
        parent=None if body.get("parent") is None else str(body["parent"]),
        base_year=year_key(body["base_year"], "base_year"),
        end_year=year_key(body["end_year"], "end_year"),
        drivers={
            str(k): _driver(v, str(k), f"drivers.{k}")
            for k, v in _mapping(body.get("drivers", {}), "drivers").items()
        },
        sectors={
            str(k): _sector_from_dict(str(k), v)
            for k, v in _mapping(body.get("sectors", {}), "sectors").items()
        },
        fuels=fuels,
        grid=None if grid is None else _driver(grid, "grid", "grid"),
        sinks=None if sinks is None else _driver(sinks, "sinks", "sinks"),
        gwp={
            str(g): _number(body["gwp"], g, "gwp") for g in _mapping(body.get("gwp") or {}, "gwp")
        },
        electricity_tce_per_mwh=_number(body, "electricity_tce_per_mwh", "scenario", TCE_PER_MWH),
    )


def scenario_to_dict(scenario: Scenario) -> dict[str, Any]:
    """The dict form; ``scenario_from_dict(scenario_to_dict(s)) == s``."""

    def sector(s: Sector) -> dict[str, Any]:
        out: dict[str, Any] = {"activity": s.activity, "intensity": s.intensity}
        if s.improvement:
            out["improvement"] = s.improvement
        if s.intensity_milestones:
            out["intensity_milestones"] = dict(s.intensity_milestones)
        out["mix"] = {
            fuel: pairs[0][1] if pairs[:1] == pairs and pairs[0][0] == CONSTANT else dict(pairs)
            for fuel, pairs in s.mix.items()
        }
        return out

    out: dict[str, Any] = {"name": scenario.name}
    if scenario.parent is not None:
        out["parent"] = scenario.parent
    out.update(
        base_year=scenario.base_year,
        end_year=scenario.end_year,
        drivers={k: driver_to_dict(d) for k, d in scenario.drivers.items()},
        sectors={k: sector(s) for k, s in scenario.sectors.items()},
        fuels={k: {"co2": f.co2, "ch4": f.ch4, "n2o": f.n2o} for k, f in scenario.fuels.items()},
    )
    if scenario.grid is not None:
        out["grid"] = driver_to_dict(scenario.grid)
    if scenario.sinks is not None:
        out["sinks"] = driver_to_dict(scenario.sinks)
    if scenario.gwp:
        out["gwp"] = dict(scenario.gwp)
    if scenario.electricity_tce_per_mwh != TCE_PER_MWH:
        out["electricity_tce_per_mwh"] = scenario.electricity_tce_per_mwh
    return out


def deep_merge(parent: Mapping[Any, Any], child: Mapping[Any, Any]) -> dict[Any, Any]:
    """Mappings merge key by key; other values replace; a ``None`` in the child deletes."""
    out = dict(parent)
    for key, value in child.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def resolved_dict(definitions: Mapping[str, Mapping[str, Any]], name: str) -> dict[str, Any]:
    """The merged dict form of ``name`` with its whole parent chain (not yet validated)."""
    chain: list[str] = []
    current: str | None = name
    while current is not None:
        if current in chain:
            cycle = " → ".join([*chain, current])
            raise _error(
                f"情景继承出现循环：{cycle}", f"scenario inheritance has a cycle: {cycle}", "parent"
            )
        if current not in definitions:
            wanted_by = chain[-1] if chain else None
            zh = f"未知情景 {current!r}" + (f"（{wanted_by} 的父情景）" if wanted_by else "")
            en = f"unknown scenario {current!r}" + (
                f" (the parent of {wanted_by})" if wanted_by else ""
            )
            raise _error(zh, en, "parent")
        chain.append(current)
        parent = _mapping(definitions[current], f"scenario {current}").get("parent")
        current = None if parent is None else str(parent)
    merged: dict[str, Any] = {}
    for link in reversed(chain):
        merged = deep_merge(merged, definitions[link])
    merged["name"] = name
    own_parent = definitions[name].get("parent")
    merged.pop("parent", None)
    if own_parent is not None:
        merged["parent"] = own_parent
    return merged


def resolve(definitions: Mapping[str, Mapping[str, Any]], name: str) -> Scenario:
    """The fully resolved, validated scenario ``name`` (its parents' values plus its own)."""
    return scenario_from_dict(resolved_dict(definitions, name))
