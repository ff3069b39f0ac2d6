"""Monte Carlo: distributions, parameters, collapse to the projection, bands and peaks."""

from __future__ import annotations

import copy
import re
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from citycarbon.pathways.montecarlo import (
    LogNormal,
    MonteCarloError,
    Normal,
    Triangular,
    Uncertain,
    Uniform,
    peak_statistics,
    simulate,
)
from citycarbon.pathways.scenario import Scenario, project
from citycarbon.pathways.scenario_dict import scenario_from_dict

HAS_CJK = re.compile(r"[\u4e00-\u9fff]")

CITY: dict[str, Any] = {
    "name": "bau",
    "base_year": 2020,
    "end_year": 2040,
    "drivers": {
        "va_industry": {"base": 100, "growth": 0.06, "growth_changes": {2031: 0.03}},
        "va_services": {"base": 80, "growth": 0.07},
        "population": {"base": 10, "milestones": {2030: 11, 2040: 11.5}},
    },
    "sectors": {
        "industry": {
            "activity": "va_industry",
            "intensity": 1.2,
            "improvement": 0.04,
            "mix": {"coal": {2020: 0.7, 2040: 0.4}, "electricity": {2020: 0.3, 2040: 0.6}},
        },
        "services": {
            "activity": "va_services",
            "intensity": 0.3,
            "improvement": 0.03,
            "mix": {"gas": 0.3, "electricity": 0.7},
        },
        "homes": {
            "activity": "population",
            "intensity": 0.5,
            "intensity_milestones": {2040: 0.4},
            "mix": {"gas": 0.5, "electricity": 0.5},
        },
    },
    "fuels": {"coal": {"co2": 2.66}, "gas": {"co2": 1.64, "ch4": 0.001}},
    "gwp": {"CH4": 28},
    "grid": {"base": 0.58, "growth": -0.03},
    "sinks": {"base": 20, "end_value": 40, "end_year": 2040},
}


def city(**changes: Any) -> Scenario:
    data = copy.deepcopy(CITY)
    data.update(changes)
    return scenario_from_dict(data)


def zero_variance() -> list[Uncertain]:
    return [
        Uncertain("drivers.va_services.growth", Normal(0.07, 0.0)),
        Uncertain("drivers.va_industry.growth_shift", Uniform(0.0, 0.0)),
        Uncertain("drivers.population.change_scale", LogNormal(1.0, 0.0)),
        Uncertain("sectors.industry.improvement", Triangular(0.04, 0.04, 0.04)),
        Uncertain("grid.growth", Normal(-0.03, 0.0)),
        Uncertain("sinks.change_scale", Uniform(1.0, 1.0)),
    ]


def spread() -> list[Uncertain]:
    return [
        Uncertain("drivers.va_services.growth", Normal(0.07, 0.02)),
        Uncertain("drivers.va_industry.growth_shift", Uniform(-0.02, 0.02)),
        Uncertain("drivers.population.change_scale", LogNormal(1.0, 0.2)),
        Uncertain("sectors.industry.improvement", Triangular(0.01, 0.04, 0.06)),
        Uncertain("grid.growth", Normal(-0.03, 0.01)),
    ]


def test_with_zero_variance_the_bands_collapse_onto_the_projection() -> None:
    scenario = city()
    deterministic = project(scenario)
    result = simulate(scenario, zero_variance(), draws=50, seed=1)
    for band in (result.p5, result.p50, result.p95):
        assert band == pytest.approx(deterministic.total_co2e, rel=1e-12)
    assert result.net_bands == pytest.approx(np.tile(deterministic.net, (3, 1)), rel=1e-12)
    assert result.energy == pytest.approx(np.tile(deterministic.total_energy, (50, 1)), rel=1e-12)
    assert result.years.tolist() == list(range(2020, 2041))


def test_without_any_uncertain_parameter_every_draw_is_the_projection() -> None:
    scenario = city()
    result = simulate(scenario, [], draws=3, seed=0)
    assert result.gross == pytest.approx(np.tile(project(scenario).total_co2e, (3, 1)), rel=1e-12)


def test_seeds_are_reproducible() -> None:
    scenario = city()
    first = simulate(scenario, spread(), draws=200, seed=42)
    again = simulate(scenario, spread(), draws=200, seed=42)
    other = simulate(scenario, spread(), draws=200, seed=43)
    assert np.array_equal(first.gross, again.gross)
    assert np.array_equal(first.peak_year, again.peak_year)
    assert not np.array_equal(first.gross, other.gross)
    # the spread is real: draws differ from one another in the last year
    assert first.p95[-1] > first.p5[-1]


def test_parameter_semantics_by_hand() -> None:
    # One sector, coal only: 100 units growing 10 %/yr, 1 tce per unit, 2 t CO2 per tce.
    data: dict[str, Any] = {
        "name": "one",
        "base_year": 2020,
        "end_year": 2022,
        "drivers": {"va": {"base": 100, "growth": 0.1}},
        "sectors": {"s": {"activity": "va", "intensity": 1.0, "mix": {"coal": 1.0}}},
        "fuels": {"coal": {"co2": 2.0}},
        "sinks": {"base": 50, "growth": 0.0},
    }
    one = scenario_from_dict(data)
    # change_scale 0 freezes the driver at its base: 200 t every year
    flat = simulate(one, [Uncertain("drivers.va.change_scale", Uniform(0, 0))], 2, seed=0)
    assert flat.p50 == pytest.approx([200.0, 200.0, 200.0])
    # growth_shift +0.1 → 20 %: 200, 240, 288; net subtracts 50 t of sinks
    fast = simulate(one, [Uncertain("drivers.va.growth_shift", Uniform(0.1, 0.1))], 2, seed=0)
    assert fast.p50 == pytest.approx([200.0, 240.0, 288.0])
    assert fast.net_bands[1] == pytest.approx([150.0, 190.0, 238.0])
    # an improvement of 50 %: intensity 1, 0.5, 0.25 → 200, 110, 60.5
    better = simulate(one, [Uncertain("sectors.s.improvement", Uniform(0.5, 0.5))], 2, seed=0)
    assert better.p50 == pytest.approx([200.0, 110.0, 60.5])
    assert better.peaked.all()
    assert better.peak_year.tolist() == [2020, 2020]


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), sd=st.floats(0.0, 0.05, allow_nan=False))
def test_bands_are_ordered_and_the_peak_probability_never_falls(seed: int, sd: float) -> None:
    scenario = city()
    uncertain = [
        Uncertain("drivers.va_services.growth", Normal(0.02, sd)),
        Uncertain("drivers.va_industry.growth_shift", Normal(-0.05, sd)),
        Uncertain("sectors.industry.improvement", Triangular(0.0, 0.04, 0.04 + sd)),
        Uncertain("grid.growth_shift", Normal(0.0, sd)),
    ]
    result = simulate(scenario, uncertain, draws=300, seed=seed, plateau=0.01)
    assert np.all(result.p5 <= result.p50)
    assert np.all(result.p50 <= result.p95)
    assert np.all(result.net_bands[0] <= result.net_bands[2])
    probability = result.probability_peaked_by
    assert np.all(np.diff(probability) >= 0)
    assert probability[0] >= 0.0
    assert probability[-1] <= 1.0
    assert probability[-1] == pytest.approx(result.peaked.mean())


def test_peak_statistics_by_hand() -> None:
    years = np.array([2020, 2021, 2022, 2023])
    totals = np.array(
        [
            [1.0, 3.0, 2.0, 1.0],  # peaks in 2021
            [1.0, 2.0, 3.0, 4.0],  # still rising: not peaked
            [5.0, 5.0, 5.0, 5.0],  # flat from the start: the maximum comes first, 2020
            [1.0, 9.5, 10.0, 8.0],  # maximum in 2022; within 10 % of it from 2021
        ]
    )
    peaked, peak_year, probability = peak_statistics(totals, years, plateau=0.1)
    assert peaked.tolist() == [True, False, True, True]
    assert peak_year[peaked].tolist() == [2021, 2020, 2021]
    # peaked by 2020: the flat row; by 2021: three rows of four
    assert probability.tolist() == [0.25, 0.75, 0.75, 0.75]
    _, strict_year, _ = peak_statistics(totals, years)
    assert strict_year[3] == 2022


@pytest.mark.parametrize(
    ("make", "english"),
    [
        (lambda: Normal(0.0, -1.0), "sd may not be negative"),
        (lambda: Normal(float("nan"), 1.0), "finite"),
        (lambda: LogNormal(0.0, 0.1), "median must be positive"),
        (lambda: LogNormal(1.0, -0.1), "sigma may not be negative"),
        (lambda: Uniform(2.0, 1.0), "low may not exceed high"),
        (lambda: Triangular(0.0, 2.0, 1.0), "low ≤ mode ≤ high"),
    ],
)
def test_bad_distributions_are_refused(make: Any, english: str) -> None:
    with pytest.raises(MonteCarloError) as excinfo:
        make()
    assert HAS_CJK.search(excinfo.value.message.zh)
    assert english in excinfo.value.message.en


@pytest.mark.parametrize(
    ("parameter", "distribution", "english"),
    [
        ("drivers.gdp.growth", Normal(0.05, 0.01), "unknown driver"),
        ("drivers.va_services.speed", Normal(0.05, 0.01), "unknown uncertain parameter"),
        ("sectors.mining.improvement", Normal(0.05, 0.01), "unknown sector"),
        ("sectors.homes.improvement", Normal(0.05, 0.01), "given by milestones"),
        ("drivers.population.growth", Normal(0.05, 0.01), "not a growth driver"),
        ("drivers.va_industry.growth", Normal(0.05, 0.01), "piecewise growth"),
        ("drivers.va_services.growth", Uniform(-1.5, -1.0), "at or below -100 %"),
        ("sectors.industry.improvement", Uniform(1.0, 1.0), "reaches 100 %"),
        ("drivers.population.change_scale", Uniform(-50.0, -50.0), "go negative"),
    ],
)
def test_bad_parameters_are_refused(parameter: str, distribution: Any, english: str) -> None:
    with pytest.raises(MonteCarloError) as excinfo:
        simulate(city(), [Uncertain(parameter, distribution)], draws=10, seed=0)
    error = excinfo.value
    assert HAS_CJK.search(error.message.zh)
    assert english in error.message.en
    assert error.field == parameter


def test_a_parameter_given_twice_and_bad_draw_counts_are_refused() -> None:
    twice = [Uncertain("grid.growth", Normal(-0.03, 0.01))] * 2
    with pytest.raises(MonteCarloError, match="given twice"):
        simulate(city(), twice, draws=10, seed=0)
    for draws in (0, -3, True):
        with pytest.raises(MonteCarloError, match="positive integer"):
            simulate(city(), [], draws=draws, seed=0)
    with pytest.raises(MonteCarloError, match="plateau"):
        simulate(city(), [], draws=10, seed=0, plateau=1.0)
    no_grid = copy.deepcopy(CITY)
    del no_grid["sinks"]
    with pytest.raises(MonteCarloError, match="has no sinks"):
        simulate(scenario_from_dict(no_grid), [Uncertain("sinks.growth", Normal(0, 0))], 1)
