"""The dict form of scenarios (the shape of a YAML file) and their inheritance.

A child names its ``parent`` and lists only what it changes; :func:`resolve` deep-merges the
chain from the root down (mappings merge key by key, anything else is replaced; a ``None``
value deletes the key, e.g. ``growth: null`` to give a driver milestones instead) and
validates the result. A child with no overrides is its parent under another name, number for
number. The ``uncertainty`` block is carried through untouched (and inherited like the rest):
it belongs to :mod:`citycarbon.pathways.montecarlo`, not to the scenario's numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from citycarbon.pathways.drivers import (
    Driver,
    DriverError,
    driver_from_dict,
    driver_to_dict,
    year_key,
    year_pairs,
)
from citycarbon.pathways.montecarlo import uncertain_from_dict
from citycarbon.pathways.scenario import (
    CONSTANT,
    TCE_PER_MWH,
    Fuel,
    OtherSource,
    Scenario,
    ScenarioError,
    Sector,
    scenario_error,
)

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
        "other",
        "uncertainty",
    }
)
_SECTOR_KEYS = frozenset({"activity", "intensity", "improvement", "intensity_milestones", "mix"})
_FUEL_KEYS = frozenset({"co2", "ch4", "n2o"})
_OTHER_KEYS = frozenset({"activity", "co2", "ch4", "n2o", "improvement"})


def _mapping(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise scenario_error(f"{where} 应为映射", f"{where} must be a mapping", where)
    return value


def _known(data: Mapping[str, Any], allowed: frozenset[str], where: str) -> None:
    unknown = sorted(str(k) for k in data if k not in allowed)
    if unknown:
        raise scenario_error(
            f"{where} 含未知字段：{', '.join(unknown)}",
            f"{where} has unknown field(s): {', '.join(unknown)}",
            where,
        )


def _number(data: Mapping[str, Any], key: str, where: str, default: float | None = None) -> float:
    value = data.get(key, default)
    if value is None:
        raise scenario_error(f"{where} 缺少 {key}", f"{where} needs {key}", f"{where}.{key}")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise scenario_error(
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
        raise scenario_error(
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


def _other_from_dict(name: str, data: object) -> OtherSource:
    where = f"other.{name}"
    body = _mapping(data, where)
    _known(body, _OTHER_KEYS, where)
    activity = body.get("activity")
    if not isinstance(activity, str):
        raise scenario_error(
            f"{where} 需要活动水平驱动因素 activity",
            f"{where} needs an activity driver",
            f"{where}.activity",
        )
    return OtherSource(
        activity=activity,
        co2=_number(body, "co2", where, 0.0),
        ch4=_number(body, "ch4", where, 0.0),
        n2o=_number(body, "n2o", where, 0.0),
        improvement=_number(body, "improvement", where, 0.0),
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
        raise scenario_error("情景需要名称 name", "a scenario needs a name", "name")
    for key in ("base_year", "end_year"):
        if key not in body:
            raise scenario_error(f"情景 {name} 缺少 {key}", f"scenario {name} needs {key}", key)
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
    uncertainty = dict(_mapping(body.get("uncertainty") or {}, "uncertainty"))
    uncertain_from_dict(uncertainty)  # malformed distributions are refused with the scenario
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
        other={
            str(k): _other_from_dict(str(k), v)
            for k, v in _mapping(body.get("other") or {}, "other").items()
        },
        uncertainty=uncertainty,
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
    if scenario.other:
        out["other"] = {
            k: {"activity": o.activity, "co2": o.co2, "ch4": o.ch4, "n2o": o.n2o}
            | ({"improvement": o.improvement} if o.improvement else {})
            for k, o in scenario.other.items()
        }
    if scenario.uncertainty:
        out["uncertainty"] = dict(scenario.uncertainty)
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
            raise scenario_error(
                f"情景继承出现循环：{cycle}", f"scenario inheritance has a cycle: {cycle}", "parent"
            )
        if current not in definitions:
            wanted_by = chain[-1] if chain else None
            zh = f"未知情景 {current!r}" + (f"（{wanted_by} 的父情景）" if wanted_by else "")
            en = f"unknown scenario {current!r}" + (
                f" (the parent of {wanted_by})" if wanted_by else ""
            )
            raise scenario_error(zh, en, "parent")
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
