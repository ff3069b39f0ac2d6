"""LMDI attribution of a pathway's change: exact, by the effects a reader expects."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from citycarbon.pathways.attribution import (
    EFFECTS,
    AttributionError,
    PathwayState,
    attribute,
    state_at,
)
from citycarbon.pathways.scenario import project
from citycarbon.pathways.scenario_dict import scenario_from_dict

CITY: dict[str, Any] = {
    "name": "city",
    "base_year": 2024,
    "end_year": 2040,
    "drivers": {
        "va_industry": {"base": 1000.0, "growth": 0.04},
        "va_services": {"base": 1500.0, "growth": 0.06},
        "population": {"base": 300.0, "growth": 0.003},
    },
    "sectors": {
        "industry": {
            "activity": "va_industry",
            "intensity": 0.5,
            "improvement": 0.03,
            "mix": {"coal": {2024: 0.7, 2040: 0.3}, "electricity": {2024: 0.3, 2040: 0.7}},
        },
        "services": {
            "activity": "va_services",
            "intensity": 0.05,
            "improvement": 0.02,
            "mix": {"gas": 0.4, "electricity": 0.6},
        },
        "homes": {
            "activity": "population",
            "intensity": 0.4,
            "mix": {"gas": 0.5, "electricity": 0.5},
        },
    },
    "fuels": {"coal": {"co2": 2.66}, "gas": {"co2": 1.63, "ch4": 0.0001}},
    "gwp": {"CH4": 28},
    "grid": {"base": 0.58, "milestones": {2040: 0.3}},
    "other": {"cement": {"activity": "va_industry", "co2": 0.2, "improvement": 0.02}},
}


def test_effects_add_up_to_the_change_of_gross_emissions_exactly() -> None:
    scenario = scenario_from_dict(CITY)
    projection = project(scenario)
    start, end = state_at(scenario, projection, 2024), state_at(scenario, projection, 2035)
    assert start.total == pytest.approx(projection.total_co2e[0], rel=1e-12)
    assert end.total == pytest.approx(projection.total_co2e[11], rel=1e-12)
    result = attribute(start, end)
    assert tuple(result.effects) == EFFECTS
    assert sum(result.effects.values()) == pytest.approx(end.total - start.total, rel=1e-9)
    assert result.multiplicative is not None
    product = 1.0
    for value in result.multiplicative.values():
        product *= value
    assert product == pytest.approx(end.total / start.total, rel=1e-9)
    # signs a reader expects: growth pushes up, falling intensity and a cleaner grid pull down
    assert result.effects["affluence"] > 0
    assert result.effects["population"] > 0
    assert result.effects["intensity"] < 0
    assert result.effects["emission_factor"] < 0
    # the cement source is its own effect: 0.2·VA·0.98^k
    cement = projection.other_co2e[:, 0]
    assert result.effects["non_energy"] == pytest.approx(cement[11] - cement[0])
    assert start.per_capita == frozenset({"homes"})


def test_households_carry_no_affluence_or_structure_effect() -> None:
    only_homes = copy.deepcopy(CITY)
    only_homes["sectors"] = {"homes": CITY["sectors"]["homes"]}
    del only_homes["other"]
    scenario = scenario_from_dict(only_homes)
    projection = project(scenario)
    result = attribute(state_at(scenario, projection, 2024), state_at(scenario, projection, 2040))
    assert result.effects["affluence"] == 0.0
    assert result.effects["structure"] == 0.0
    # constant energy per head: all of the energy change is population
    assert result.effects["intensity"] == pytest.approx(0.0, abs=1e-9)
    assert result.effects["population"] > 0


@settings(max_examples=40, deadline=None)
@given(
    # zero or at least 1e-6: subnormal cells are outside what LMDI handles (see lmdi)
    st.lists(st.one_of(st.just(0.0), st.floats(1e-6, 1e6)), min_size=8, max_size=8),
    st.floats(1.0, 1e7),
    st.floats(1.0, 1e9),
)
def test_attribution_of_arbitrary_states_is_exact(
    cells: list[float], people: float, gdp: float
) -> None:
    def state(year: int, values: list[float], other: float) -> PathwayState:
        a, b, c, d = values
        return PathwayState(
            year=year,
            population=people * (1 + year % 3),
            gdp=gdp * (1 + year % 5),
            value_added={"industry": a + 1.0},
            energy={"industry": {"coal": a, "gas": b}, "homes": {"gas": c}},
            emissions={"industry": {"coal": 2.5 * a, "gas": 1.6 * b}, "homes": {"gas": 1.6 * c}},
            per_capita=frozenset({"homes"}),
            other_co2e=d,
        )

    start, end = state(2020, cells[:4], cells[3]), state(2030, cells[4:], cells[7])
    result = attribute(start, end)
    change = end.total - start.total
    assert sum(result.effects.values()) == pytest.approx(change, rel=1e-9, abs=1e-6)


def test_years_outside_the_projection_and_missing_drivers_are_refused() -> None:
    scenario = scenario_from_dict(CITY)
    projection = project(scenario)
    with pytest.raises(AttributionError, match="outside") as excinfo:
        state_at(scenario, projection, 2050)
    assert excinfo.value.field == "year"
    no_people = copy.deepcopy(CITY)
    no_people["drivers"]["people"] = no_people["drivers"].pop("population")
    no_people["sectors"]["homes"]["activity"] = "people"
    other = scenario_from_dict(no_people)
    with pytest.raises(AttributionError, match="no population driver"):
        state_at(other, project(other), 2030)
