"""Scenario definitions, inheritance and the projection (worked by hand)."""

from __future__ import annotations

import copy
import re
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from citycarbon.pathways.scenario import Projection, ScenarioError, project
from citycarbon.pathways.scenario_dict import (
    deep_merge,
    resolve,
    scenario_from_dict,
    scenario_to_dict,
)

HAS_CJK = re.compile(r"[\u4e00-\u9fff]")

# Two sectors over 2020-2022.
BAU: dict[str, Any] = {
    "name": "bau",
    "base_year": 2020,
    "end_year": 2022,
    "drivers": {
        "va_industry": {"base": 100, "growth": 0.1},  # 100, 110, 121
        "population": {"base": 10, "milestones": {2022: 12}},  # 10, 11, 12
    },
    "sectors": {
        "industry": {
            "activity": "va_industry",
            "intensity": 2.0,  # tce per unit; halves every year: 2, 1, 0.5
            "improvement": 0.5,
            "mix": {
                "coal": {2020: 1.0, 2022: 0.5},  # 1, 0.75, 0.5
                "electricity": {2020: 0.0, 2022: 0.5},  # 0, 0.25, 0.5
            },
        },
        "homes": {"activity": "population", "intensity": 1.0, "mix": {"gas": 1.0}},
    },
    "fuels": {"coal": {"co2": 2.5}, "gas": {"co2": 1.5, "ch4": 0.01}},
    "gwp": {"CH4": 25},
    "grid": {"base": 0.5, "milestones": {2022: 0.3}},  # 0.5, 0.4, 0.3 t CO2 per MWh
    "electricity_tce_per_mwh": 0.125,  # 8 MWh per tce
    "sinks": {"base": 10, "growth": 0.0},
}


def definitions(**children: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {"bau": copy.deepcopy(BAU), **children}


def assert_identical(a: Projection, b: Projection) -> None:
    for name in ("years", "energy", "energy_by_fuel", "emissions", "co2e", "sinks", "net"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert (a.sectors, a.fuels, a.gases) == (b.sectors, b.fuels, b.gases)


def test_two_sector_projection_by_hand() -> None:
    result = project(scenario_from_dict(BAU))
    # energy = activity × intensity. industry: 100·2, 110·1, 121·0.5; homes: 10, 11, 12
    assert result.energy == pytest.approx(np.array([[200.0, 10.0], [110.0, 11.0], [60.5, 12.0]]))
    assert result.fuels == ("coal", "gas", "electricity")
    # industry 2021: coal 0.75·110 = 82.5 tce, electricity 27.5 tce
    assert result.energy_by_fuel[1, 0] == pytest.approx([82.5, 0.0, 27.5])
    # industry CO2: 2020 200·2.5 = 500
    #   2021 82.5·2.5 + 27.5 tce · 8 MWh/tce · 0.4 = 206.25 + 88 = 294.25
    #   2022 30.25·2.5 + 30.25·8·0.3 = 75.625 + 72.6 = 148.225
    assert result.emissions[:, 0, 0] == pytest.approx([500.0, 294.25, 148.225])
    # homes: CO2 1.5 per tce, CH4 0.01 t per tce → 10·0.01 = 0.1 t CH4 in 2020
    assert result.emissions[:, 1, :] == pytest.approx(
        np.array([[15.0, 0.1, 0.0], [16.5, 0.11, 0.0], [18.0, 0.12, 0.0]])
    )
    # CO2e homes: 15 + 0.1·25 = 17.5; 16.5 + 2.75 = 19.25; 18 + 3 = 21
    assert result.co2e[:, 1] == pytest.approx([17.5, 19.25, 21.0])
    assert result.total_co2e == pytest.approx([517.5, 313.5, 169.225])
    assert result.total_energy == pytest.approx([210.0, 121.0, 72.5])
    assert result.net == pytest.approx([507.5, 303.5, 159.225])  # less 10 t of sinks
    assert result.emissions_by_gas[0] == pytest.approx([515.0, 0.1, 0.0])
    assert result.years.tolist() == [2020, 2021, 2022]


def test_dict_round_trip() -> None:
    scenario = scenario_from_dict(BAU)
    assert scenario_from_dict(scenario_to_dict(scenario)) == scenario


def test_a_child_without_overrides_reproduces_its_parent_exactly() -> None:
    defs = definitions(copy={"name": "copy", "parent": "bau"})
    child = resolve(defs, "copy")
    assert child.name == "copy"
    assert child.parent == "bau"
    assert_identical(project(child), project(resolve(defs, "bau")))


def test_an_override_changes_only_what_it_overrides() -> None:
    # A cleaner grid: only electricity's CO2 in industry changes.
    defs = definitions(clean={"parent": "bau", "grid": {"milestones": {2022: 0.1}}})
    parent, child = project(resolve(defs, "bau")), project(resolve(defs, "clean"))
    assert np.array_equal(child.energy_by_fuel, parent.energy_by_fuel)
    assert np.array_equal(child.co2e[:, 1], parent.co2e[:, 1])  # homes use no electricity
    assert np.array_equal(child.emissions[:, :, 1:], parent.emissions[:, :, 1:])
    # grid 0.5, 0.3, 0.1: 2021 82.5·2.5 + 27.5·8·0.3 = 272.25; 2022 75.625 + 30.25·8·0.1
    assert child.emissions[:, 0, 0] == pytest.approx([500.0, 272.25, 99.825])


def test_a_three_level_chain_and_replacing_a_rule_with_none() -> None:
    defs = definitions(
        policy={"parent": "bau", "sectors": {"industry": {"improvement": 0.0}}},
        enhanced={
            "parent": "policy",
            # replace the growth rule by milestones: growth is deleted with None
            "drivers": {"va_industry": {"growth": None, "milestones": {2022: 100}}},
        },
    )
    policy, enhanced = resolve(defs, "policy"), resolve(defs, "enhanced")
    assert enhanced.parent == "policy"
    assert enhanced.sectors["industry"].improvement == 0.0  # inherited from policy
    assert project(policy).energy[:, 0] == pytest.approx([200.0, 220.0, 242.0])
    assert project(enhanced).energy[:, 0] == pytest.approx([200.0, 200.0, 200.0])
    # the parent definitions are untouched by the merge
    assert defs["bau"] == BAU


def test_deep_merge_by_key() -> None:
    parent = {"a": {"x": 1, "y": {"p": 1}}, "b": 2}
    assert deep_merge(parent, {"a": {"y": {"q": 2}}, "b": None, "c": 3}) == {
        "a": {"x": 1, "y": {"p": 1, "q": 2}},
        "c": 3,
    }


def _refused(excinfo: pytest.ExceptionInfo[ScenarioError]) -> ScenarioError:
    error = excinfo.value
    assert HAS_CJK.search(error.message.zh), error.message.zh
    assert not HAS_CJK.search(error.message.en), error.message.en
    return error


def test_cycles_and_unknown_parents_are_refused() -> None:
    defs = definitions(a={"parent": "b"}, b={"parent": "a"}, orphan={"parent": "nowhere"})
    with pytest.raises(ScenarioError) as excinfo:
        resolve(defs, "a")
    assert "cycle: a → b → a" in _refused(excinfo).message.en
    with pytest.raises(ScenarioError) as excinfo:
        resolve(defs, "orphan")
    assert "unknown scenario 'nowhere' (the parent of orphan)" in _refused(excinfo).message.en
    with pytest.raises(ScenarioError, match="unknown scenario 'missing'"):
        resolve(defs, "missing")


def _with(path: str, value: Any) -> dict[str, Any]:
    """BAU with one value replaced (``None`` deletes), addressed by a dotted path."""
    data = copy.deepcopy(BAU)
    *parents, last = path.split(".")
    node: Any = data
    for key in parents:
        node = node[int(key) if key.isdigit() else key]
    if value is None:
        del node[int(last) if last.isdigit() else last]
    else:
        node[int(last) if last.isdigit() else last] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "field", "english"),
    [
        ("sectors.industry.mix.coal.2022", 0.6, "sectors.industry.mix",
         "fuel shares sum to 1.05 in 2021"),
        ("sectors.homes.mix.gas", 1.5, "sectors.homes.mix.gas", "between 0 and 1"),
        ("sectors.homes.mix", {"peat": 1.0}, "sectors.homes.mix.peat", "no emission factors"),
        ("sectors.homes.activity", "households", "sectors.homes.activity", "not defined"),
        ("sectors.homes.intensity", -1.0, "sectors.homes.intensity", "finite and >= 0"),
        ("sectors.homes.improvement", 1.0, "sectors.homes.improvement", "below 100 %"),
        ("sectors.homes.intensity_milestones", {2022: 2.0}, "sectors.homes.improvement", None),
        ("sectors.homes.colour", "red", "sectors.homes", "unknown field(s): colour"),
        ("grid", None, "grid", "uses electricity but the scenario has no grid"),
        ("gwp", None, "gwp.CH4", "emits CH4 but the scenario states no positive GWP"),
        ("fuels.electricity", {"co2": 1.0}, "fuels.electricity", "grid factor"),
        ("fuels.coal.co2", -2.5, "fuels.coal.co2", "finite and >= 0"),
        ("end_year", 2061, "end_year", "may not be after 2060"),
        ("end_year", 2020, "end_year", "must be after the base year"),
        ("base_year", None, "base_year", "needs base_year"),
        ("name", " ", "name", "needs a name"),
        ("sectors", {}, "sectors", "no sectors"),
        ("drivers.population.milestones", {2019: 3}, "drivers.population", "after the base year"),
        ("targets", 3, "scenario", "unknown field(s): targets"),
        ("drivers.population.milestones", {2030: -1}, "drivers.population.milestones.2030",
         "may not be negative"),
        ("grid.growth", 0.1, "grid", "exactly one of"),
        ("sectors.homes.intensity_milestones", {2019: 0.3}, "sectors.homes.intensity",
         "after the base year"),
        ("sectors.homes.mix.gas", {"later": 1.0}, "sectors.homes.mix.gas", "invalid year"),
        ("electricity_tce_per_mwh", 0, "electricity_tce_per_mwh", "must be positive"),
    ],
)  # fmt: skip
def test_bad_definitions_are_refused_with_a_message_naming_the_field(
    path: str, value: Any, field: str, english: str | None
) -> None:
    if path == "sectors.homes.intensity_milestones" and english is None:
        data = _with(path, value)
        data["sectors"]["homes"]["improvement"] = 0.1
    else:
        data = _with(path, value)
    with pytest.raises(ScenarioError) as excinfo:
        scenario_from_dict(data)
    error = _refused(excinfo)
    assert error.field == field
    if english is not None:
        assert english in error.message.en


shares = st.floats(0.0, 1.0, allow_nan=False)


@settings(max_examples=40, deadline=None)
@given(
    coal=shares,
    growth=st.floats(-0.2, 0.2, allow_nan=False),
    scale=st.floats(0.5, 4.0, allow_nan=False),
    improvement=st.floats(-0.1, 0.3, allow_nan=False),
)
def test_projection_identities(
    coal: float, growth: float, scale: float, improvement: float
) -> None:
    data = copy.deepcopy(BAU)
    data["end_year"] = 2030
    data["drivers"]["va_industry"]["growth"] = growth
    data["sectors"]["industry"]["improvement"] = improvement
    data["sectors"]["industry"]["mix"] = {"coal": coal, "electricity": 1.0 - coal}
    result = project(scenario_from_dict(data))
    # fuels add up to the sector's energy; CO2e is the GWP-weighted sum of the gases
    assert result.energy_by_fuel.sum(axis=2) == pytest.approx(result.energy, rel=1e-12)
    assert result.co2e == pytest.approx(result.emissions[:, :, 0] + 25 * result.emissions[:, :, 1])
    # doubling the activity base scales the sector's energy and emissions by the same factor
    data["drivers"]["va_industry"]["base"] = 100 * scale
    scaled = project(scenario_from_dict(data))
    assert scaled.energy[:, 0] == pytest.approx(scale * result.energy[:, 0], rel=1e-12)
    assert scaled.co2e[:, 0] == pytest.approx(scale * result.co2e[:, 0], rel=1e-12)
    assert np.array_equal(scaled.co2e[:, 1], result.co2e[:, 1])


def test_non_energy_sources_by_hand() -> None:
    data = copy.deepcopy(BAU)
    # 0.5 t CO2 and 0.01 t CH4 per unit of industrial value added, falling 10 % a year
    data["other"] = {"cement": {"activity": "va_industry", "co2": 0.5, "ch4": 0.01,
                                "improvement": 0.1}}  # fmt: skip
    with_cement = project(scenario_from_dict(data))
    without = project(scenario_from_dict(BAU))
    # CO2: 100·0.5 = 50, 110·0.45 = 49.5, 121·0.405 = 49.005; CH4 × GWP 25 adds half of that
    assert with_cement.other == ("cement",)
    assert with_cement.other_emissions[:, 0, 0] == pytest.approx([50.0, 49.5, 49.005])
    assert with_cement.other_co2e[:, 0] == pytest.approx([75.0, 74.25, 73.5075])
    assert with_cement.total_co2e - without.total_co2e == pytest.approx([75.0, 74.25, 73.5075])
    assert with_cement.net - without.net == pytest.approx([75.0, 74.25, 73.5075])
    # energy and the energy sectors' CO2e are untouched
    assert np.array_equal(with_cement.energy, without.energy)
    assert np.array_equal(with_cement.energy_co2e, without.total_co2e)
    assert with_cement.emissions_by_gas[:, 1] - without.emissions_by_gas[:, 1] == pytest.approx(
        [1.0, 0.99, 0.9801]
    )
    again = scenario_from_dict(scenario_to_dict(scenario_from_dict(data)))
    assert again == scenario_from_dict(data)


@pytest.mark.parametrize(
    ("other", "english", "field"),
    [
        ({"homes": {"activity": "population", "co2": 1}}, "name of a sector", "other.homes"),
        ({"x": {"activity": "gdp", "co2": 1}}, "is not defined", "other.x.activity"),
        ({"x": {"activity": "population", "co2": -1}}, "finite and >= 0", "other.x.co2"),
        ({"x": {"activity": "population", "n2o": 1}}, "no positive GWP", "gwp.N2O"),
        ({"x": {"activity": "population", "improvement": 1}}, "below 100 %", "other.x.improvement"),
        ({"x": {"activity": "population", "so2": 1}}, "unknown field", "other.x"),
        ({"x": {"co2": 1}}, "needs an activity driver", "other.x.activity"),
    ],
)
def test_bad_non_energy_sources_name_their_field(
    other: dict[str, Any], english: str, field: str
) -> None:
    data = copy.deepcopy(BAU)
    data["other"] = other
    with pytest.raises(ScenarioError) as excinfo:
        scenario_from_dict(data)
    assert english in excinfo.value.message.en
    assert HAS_CJK.search(excinfo.value.message.zh)
    assert excinfo.value.field == field
