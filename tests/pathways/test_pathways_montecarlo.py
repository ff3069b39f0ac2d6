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
    simulate,
    uncertain_from_dict,
)
from citycarbon.pathways.peak import PeakError, PeakStatus, detect_peak
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
    # cement process CO2 per unit of industrial value added, falling 2 % a year
    "other": {"cement": {"activity": "va_industry", "co2": 0.05, "improvement": 0.02}},
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
    # a process source on the same driver, 0.5 t per unit falling 10 %/yr, is sampled with it
    data["other"] = {"process": {"activity": "va", "co2": 0.5, "improvement": 0.1}}
    with_process = simulate(
        scenario_from_dict(data), [Uncertain("drivers.va.change_scale", Uniform(0, 0))], 2, seed=0
    )
    assert with_process.p50 == pytest.approx([250.0, 245.0, 240.5])


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
    result = simulate(scenario, uncertain, draws=300, seed=seed, tolerance=0.01)
    assert np.all(result.p5 <= result.p50)
    assert np.all(result.p50 <= result.p95)
    assert np.all(result.net_bands[0] <= result.net_bands[2])
    probability = result.probability_peaked_by
    assert np.all(np.diff(probability) >= 0)
    assert probability[0] >= 0.0
    assert probability[-1] <= 1.0
    assert probability[-1] == pytest.approx(result.peaked.mean())


def test_each_draw_peaks_by_the_same_rule_as_a_single_pathway() -> None:
    scenario = city(end_year=2040)
    result = simulate(scenario, spread(), draws=40, seed=7, tolerance=0.01, confirm_years=3)
    statuses = set()
    for row in range(40):
        one = detect_peak(result.years, result.gross[row], tolerance=0.01, confirm_years=3)
        statuses.add(one.status)
        assert result.peaks.status(row) == one.status
        assert result.peak_year[row] == one.peak_year
        assert result.peaked[row] == (one.status in {PeakStatus.PEAKED, PeakStatus.PLATEAU})
    assert len(statuses) > 1  # the spread gives draws that peak and draws that do not
    by_2030 = result.probability_peaked_by[2030 - 2020]
    assert by_2030 == pytest.approx(np.mean(result.peaked & (result.peak_year <= 2030)))


def test_uncertainty_as_data() -> None:
    parsed = uncertain_from_dict(
        {
            "drivers.va_services.growth": {"normal": {"mean": 0.07, "sd": 0.02}},
            "grid.change_scale": {"triangular": {"low": 0.8, "mode": 1, "high": 1.1}},
            "sinks.change_scale": {"uniform": {"low": 0.5, "high": 1.5}},
            "drivers.population.change_scale": {"lognormal": {"median": 1, "sigma": 0.1}},
        }
    )
    assert [u.parameter for u in parsed][:2] == ["drivers.va_services.growth", "grid.change_scale"]
    assert parsed[0].distribution == Normal(0.07, 0.02)
    assert parsed[1].distribution == Triangular(0.8, 1.0, 1.1)
    # the block travels with the scenario dict and is inherited like any other key
    assert city(uncertainty={"grid.growth": {"normal": {"mean": -0.03, "sd": 0.01}}}).uncertainty


@pytest.mark.parametrize(
    ("block", "english", "field"),
    [
        (
            {"grid.growth": {"gauss": {"mean": 0, "sd": 1}}},
            "unknown distribution",
            "uncertainty.grid.growth",
        ),
        (
            {"grid.growth": {"normal": {"mean": 0}}},
            "takes exactly mean, sd",
            "uncertainty.grid.growth.normal",
        ),
        (
            {"grid.growth": {"normal": {"mean": "x", "sd": 1}}},
            "must be numbers",
            "uncertainty.grid.growth.normal",
        ),
        (
            {"grid.growth": {"normal": {"mean": 0, "sd": -1}}},
            "sd may not be negative",
            "uncertainty.grid.growth",
        ),
        ({"grid.growth": 0.1}, "one distribution", "uncertainty.grid.growth"),
    ],
)
def test_bad_uncertainty_blocks_name_their_field(
    block: dict[str, Any], english: str, field: str
) -> None:
    with pytest.raises(MonteCarloError) as excinfo:
        city(uncertainty=block)
    assert english in excinfo.value.message.en
    assert HAS_CJK.search(excinfo.value.message.zh)
    assert excinfo.value.field == field


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
    with pytest.raises(PeakError, match="tolerance"):
        simulate(city(), [], draws=10, seed=0, tolerance=1.0)
    no_grid = copy.deepcopy(CITY)
    del no_grid["sinks"]
    with pytest.raises(MonteCarloError, match="has no sinks"):
        simulate(scenario_from_dict(no_grid), [Uncertain("sinks.growth", Normal(0, 0))], 1)
