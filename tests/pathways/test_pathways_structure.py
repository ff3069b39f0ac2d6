"""Industry-structure LP: hand-solved cases, shadow prices, infeasible caps, path, peak targets."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from citycarbon.pathways.structure import (
    CapInfeasibleError,
    Milestone,
    StructureError,
    StructureSolution,
    carbon_intensity_from_energy,
    growth_bounds,
    optimise_structure,
    sector_peak_targets,
    solve_structure_path,
)

HAS_CJK = re.compile(r"[\u4e00-\u9fff]")
SECTORS = ("clean", "dirty")
# clean: 0.5 t CO2 and 0.2 tce per 万元, at most 40 万元; dirty: 2 t CO2 and 1 tce per 万元, at
# most 100 万元. Per tonne of CO2 the clean sector yields 1/0.5 = 2 万元, the dirty one 0.5 万元;
# per tce the clean one yields 5 万元, the dirty one 1 万元. So the clean sector fills first.
CARBON = [0.5, 2.0]
ENERGY = [0.2, 1.0]
UPPER = [40.0, 100.0]


def _two_sector(
    carbon_cap: float | None, energy_cap: float | None, lower: list[float] | None = None
) -> StructureSolution:
    return optimise_structure(
        SECTORS,
        carbon_intensity=CARBON,
        energy_intensity=ENERGY,
        lower=[0.0, 0.0] if lower is None else lower,
        upper=UPPER,
        carbon_cap=carbon_cap,
        energy_cap=energy_cap,
    )


def test_carbon_cap_binds_clean_sector_at_upper_bound() -> None:
    # C_cap = 100 t: clean at its upper bound 40 emits 0.5·40 = 20 t; the remaining 80 t go to
    # the dirty sector: 80 / 2 = 40 万元. Total 80 万元, energy 0.2·40 + 1·40 = 48 tce (cap
    # 1000: slack). One more tonne buys 1/2 万元 of dirty value added: shadow price 0.5 万元/t.
    solution = _two_sector(carbon_cap=100.0, energy_cap=1000.0)
    assert solution.value_added == pytest.approx([40.0, 40.0])
    assert solution.total_value_added == pytest.approx(80.0)
    assert solution.shares == pytest.approx([0.5, 0.5])
    assert solution.emissions == pytest.approx(100.0)
    assert solution.energy == pytest.approx(48.0)
    assert solution.emission_shares == pytest.approx([0.2, 0.8])
    assert solution.binding_caps == ("carbon_cap",)
    assert solution.carbon_shadow_price == pytest.approx(0.5)
    assert solution.energy_shadow_price == pytest.approx(0.0, abs=1e-12)
    assert solution.at_upper.tolist() == [True, False]
    assert solution.at_lower.tolist() == [False, False]
    assert solution.status == "Optimal"


def test_carbon_shadow_price_matches_a_finite_difference() -> None:
    # The basis is unchanged for caps between 20 and 220 t, so Z(C) = 40 + (C − 20)/2 there:
    # Z(101) − Z(100) = 0.5 exactly the shadow price.
    base = _two_sector(carbon_cap=100.0, energy_cap=None)
    loosened = _two_sector(carbon_cap=101.0, energy_cap=None)
    gain = loosened.total_value_added - base.total_value_added
    assert gain == pytest.approx(0.5)
    assert base.carbon_shadow_price == pytest.approx(gain)


def test_energy_cap_binds_instead() -> None:
    # E_cap = 40 tce, C_cap = 200 t: clean at 40 uses 0.2·40 = 8 tce; dirty gets (40 − 8)/1 =
    # 32 万元. Total 72 万元; emissions 20 + 64 = 84 t < 200 (slack). Shadow price of energy =
    # 1/e_dirty = 1 万元/tce; the carbon cap has slack, so its shadow price is 0.
    solution = _two_sector(carbon_cap=200.0, energy_cap=40.0)
    assert solution.value_added == pytest.approx([40.0, 32.0])
    assert solution.total_value_added == pytest.approx(72.0)
    assert solution.emissions == pytest.approx(84.0)
    assert solution.energy == pytest.approx(40.0)
    assert solution.binding_caps == ("energy_cap",)
    assert solution.energy_shadow_price == pytest.approx(1.0)
    assert solution.carbon_shadow_price == pytest.approx(0.0, abs=1e-12)
    gain = _two_sector(200.0, 41.0).total_value_added - solution.total_value_added
    assert gain == pytest.approx(solution.energy_shadow_price)


def test_no_cap_binds_every_sector_at_its_upper_bound() -> None:
    # Caps 1000 t and 1000 tce against 0.5·40 + 2·100 = 220 t and 0.2·40 + 1·100 = 108 tce at
    # the upper bounds: nothing binds, VA = upper, both shadow prices 0.
    solution = _two_sector(carbon_cap=1000.0, energy_cap=1000.0)
    assert solution.value_added == pytest.approx(UPPER)
    assert solution.emissions == pytest.approx(220.0)
    assert solution.energy == pytest.approx(108.0)
    assert solution.binding_caps == ()
    assert solution.carbon_shadow_price == 0.0
    assert solution.energy_shadow_price == 0.0
    assert solution.at_upper.all()


def test_no_caps_at_all_is_the_upper_bounds() -> None:
    solution = _two_sector(carbon_cap=None, energy_cap=None)
    assert solution.value_added == pytest.approx(UPPER)
    assert solution.carbon_cap is None
    assert solution.binding_caps == ()


def test_cap_equal_to_the_minimum_need_is_met_at_the_lower_bounds() -> None:
    # Lower bounds [20, 50] emit 0.5·20 + 2·50 = 110 t: a cap of exactly 110 t is feasible and
    # leaves no room to grow, so VA = lower and the carbon cap binds.
    solution = _two_sector(carbon_cap=110.0, energy_cap=None, lower=[20.0, 50.0])
    assert solution.value_added == pytest.approx([20.0, 50.0])
    assert solution.binding_caps == ("carbon_cap",)
    assert solution.at_lower.all()


def test_infeasible_carbon_cap_is_refused_with_the_shortfall() -> None:
    # Lower bounds [20, 50] emit 110 t at least; a 100 t cap is 10 t short. Energy: 0.2·20 +
    # 1·50 = 54 tce against a 100 tce cap: fine, so only the carbon cap is named.
    with pytest.raises(CapInfeasibleError) as caught:
        _two_sector(carbon_cap=100.0, energy_cap=100.0, lower=[20.0, 50.0])
    error = caught.value
    assert error.field == "carbon_cap"
    assert error.shortfalls == pytest.approx({"carbon_cap": 10.0})
    assert error.year is None
    assert "carbon cap" in error.message.en
    assert "must rise by 10 t CO2" in error.message.en
    assert "碳排放上限" in error.message.zh
    assert HAS_CJK.search(error.message.zh)
    assert "energy" not in error.message.en


def test_both_infeasible_caps_are_named() -> None:
    # Minimum needs 110 t and 54 tce against caps 100 t and 30 tce: short by 10 t and 24 tce.
    with pytest.raises(CapInfeasibleError) as caught:
        _two_sector(carbon_cap=100.0, energy_cap=30.0, lower=[20.0, 50.0])
    assert caught.value.shortfalls == pytest.approx({"carbon_cap": 10.0, "energy_cap": 24.0})
    assert "能耗上限" in caught.value.message.zh
    assert "must rise by 24 tce" in caught.value.message.en


def test_infeasible_energy_cap_alone() -> None:
    with pytest.raises(CapInfeasibleError) as caught:
        _two_sector(carbon_cap=None, energy_cap=50.0, lower=[20.0, 50.0])
    assert caught.value.field == "energy_cap"
    assert caught.value.shortfalls == pytest.approx({"energy_cap": 4.0})


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"carbon_intensity": [0.5]}, "carbon_intensity"),
        ({"energy_intensity": [0.2, -1.0]}, "energy_intensity"),
        ({"lower": [50.0, 0.0]}, "lower"),
        ({"upper": [40.0, math.nan]}, "upper"),
        ({"carbon_cap": -1.0}, "carbon_cap"),
        ({"energy_cap": math.inf}, "energy_cap"),
        ({"sectors": ("a", "a")}, "sectors"),
        ({"sectors": ()}, "sectors"),
    ],
)
def test_bad_input_names_the_field(changes: dict[str, object], field: str) -> None:
    arguments: dict[str, object] = {
        "sectors": SECTORS,
        "carbon_intensity": CARBON,
        "energy_intensity": ENERGY,
        "lower": [0.0, 0.0],
        "upper": UPPER,
        "carbon_cap": 100.0,
        "energy_cap": 100.0,
    }
    arguments.update(changes)
    sectors = arguments.pop("sectors")
    with pytest.raises(StructureError) as caught:
        optimise_structure(sectors, **arguments)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert HAS_CJK.search(caught.value.message.zh)
    assert not HAS_CJK.search(caught.value.message.en)


def test_growth_bounds_and_carbon_from_energy() -> None:
    # 100 · 0.98⁵ = 90.39207968, 100 · 1.1⁵ = 161.051.
    lower, upper = growth_bounds([100.0, 50.0], 5, -0.02, [0.1, 0.0])
    assert lower == pytest.approx([90.39207968, 45.19603984])
    assert upper == pytest.approx([161.051, 50.0])
    # c = e · f: 0.2 tce × 2.5 t/tce = 0.5 t; 1 × 2 = 2 t per 万元.
    assert carbon_intensity_from_energy(ENERGY, [2.5, 2.0]) == pytest.approx(CARBON)
    with pytest.raises(StructureError) as caught:
        growth_bounds([100.0], 5, 0.1, 0.0)
    assert caught.value.field == "min_growth"
    with pytest.raises(StructureError):
        growth_bounds([100.0], 5, -1.0, 0.0)


DOUBLING = 2.0 ** (1 / 5) - 1  # a yearly rate that doubles value added in five years


def _milestone(year: int, cap: float, carbon: list[float]) -> Milestone:
    return Milestone(
        year=year,
        carbon_cap=cap,
        energy_cap=None,
        carbon_intensity=carbon,
        energy_intensity=[0.0, 0.0],
        min_growth=0.0,
        max_growth=DOUBLING,
    )


def test_structure_path_bounds_grow_from_the_previous_solution() -> None:
    # Base 2020: VA [100, 100]. 2025: bounds [100, 100]–[200, 200], c [0.5, 2], cap 350 t:
    # clean at 200 emits 100 t, dirty gets (350 − 100)/2 = 125. Shadow price 1/2 = 0.5.
    # 2030: bounds [200, 125]–[400, 250], c improved to [0.4, 1.6], cap 330 t: the dirty sector
    # at its lower bound 125 emits 200 t, leaving 130 t for clean = 325 万元 (< 400). Now the
    # marginal tonne goes to the clean sector: shadow price 1/0.4 = 2.5.
    path = solve_structure_path(
        SECTORS,
        2020,
        [100.0, 100.0],
        [_milestone(2025, 350.0, [0.5, 2.0]), _milestone(2030, 330.0, [0.4, 1.6])],
    )
    assert path.years.tolist() == [2025, 2030]
    assert path.value_added == pytest.approx(np.array([[200.0, 125.0], [325.0, 125.0]]))
    assert path.total_value_added == pytest.approx([325.0, 450.0])
    assert path.emissions == pytest.approx([350.0, 330.0])
    assert path.carbon_shadow_price == pytest.approx([0.5, 2.5])
    assert path.energy_shadow_price == pytest.approx([0.0, 0.0])
    assert path.shares[1] == pytest.approx([325 / 450, 125 / 450])
    assert path.emission_shares[1] == pytest.approx([130 / 330, 200 / 330])
    assert path.solutions[1].at_lower.tolist() == [False, True]


def test_structure_path_names_the_infeasible_year() -> None:
    # After 2030 the lower bounds are [325, 125] → 0.4·325 + 1.6·125 = 330 t at least; a 2035
    # cap of 250 t is 80 t short.
    milestones = [
        _milestone(2025, 350.0, [0.5, 2.0]),
        _milestone(2030, 330.0, [0.4, 1.6]),
        _milestone(2035, 250.0, [0.4, 1.6]),
    ]
    with pytest.raises(CapInfeasibleError) as caught:
        solve_structure_path(SECTORS, 2020, [100.0, 100.0], milestones)
    assert caught.value.year == 2035
    assert caught.value.shortfalls == pytest.approx({"carbon_cap": 80.0})
    assert caught.value.message.en.startswith("2035: ")
    assert caught.value.message.zh.startswith("2035 年")


def test_structure_path_refuses_unordered_years() -> None:
    with pytest.raises(StructureError) as caught:
        solve_structure_path(SECTORS, 2020, [100.0, 100.0], [_milestone(2020, 350.0, [0.5, 2])])
    assert caught.value.field == "milestones"


EMISSIONS = [100.0, 104.0, 108.0, 110.0, 112.0, 115.0, 114.0, 113.0, 111.0, 109.0, 105.0]
YEARS = list(range(2020, 2031))


def test_sector_peak_targets_interpolate_shares_at_the_city_peak() -> None:
    # The city peaks in 2025 at 115. Shares 2020 [0.4, 0.2], 2030 [0.2, 0.4] → 2025 halfway:
    # [0.3, 0.3]; targets 0.3 · 115 = 34.5 each; 115 − 69 = 46 left to unmodelled sectors.
    targets = sector_peak_targets(YEARS, EMISSIONS, SECTORS, [2020, 2030], [[0.4, 0.2], [0.2, 0.4]])
    assert targets.peak_year == 2025
    assert targets.city_peak == 115.0
    assert targets.peaked_in_horizon
    assert targets.shares == pytest.approx([0.3, 0.3])
    assert targets.as_dict() == pytest.approx({"clean": 34.5, "dirty": 34.5})
    assert targets.unallocated == pytest.approx(46.0)


def test_sector_peak_targets_from_a_structure_path_hold_shares_outside() -> None:
    # Shares given for 2030 only are held back to the 2025 peak: emission shares 130/330 and
    # 200/330 of 115, summing to the whole peak.
    path = solve_structure_path(
        SECTORS,
        2020,
        [100.0, 100.0],
        [_milestone(2025, 350.0, [0.5, 2.0]), _milestone(2030, 330.0, [0.4, 1.6])],
    )
    targets = sector_peak_targets(
        YEARS, EMISSIONS, path.sectors, path.years[1:], path.emission_shares[1:]
    )
    assert targets.targets == pytest.approx([115 * 130 / 330, 115 * 200 / 330])
    assert targets.unallocated == pytest.approx(0.0, abs=1e-9)


def test_sector_peak_targets_rising_pathway_has_not_peaked() -> None:
    # A rising pathway: the maximum is the last year, so the "peak" is only the horizon's end.
    targets = sector_peak_targets([2020, 2021, 2022], [1.0, 2.0, 3.0], ("a",), [2020], [[0.5]])
    assert targets.peak_year == 2022
    assert not targets.peaked_in_horizon
    assert targets.targets == pytest.approx([1.5])


def test_sector_peak_targets_plateau_takes_the_first_year_of_the_maximum() -> None:
    targets = sector_peak_targets([2020, 2021, 2022], [5.0, 5.0, 4.0], ("a",), [2020], [[1.0]])
    assert targets.peak_year == 2020


@pytest.mark.parametrize(
    ("share_years", "shares", "field"),
    [
        ([2020], [[0.7, 0.4]], "sector_shares"),  # sums to 1.1
        ([2020], [[0.5]], "sector_shares"),  # one column for two sectors
        ([2020], [[-0.1, 0.5]], "sector_shares"),
        ([2030, 2020], [[0.1, 0.1], [0.1, 0.1]], "share_years"),
    ],
)
def test_sector_peak_targets_bad_shares(
    share_years: list[int], shares: list[list[float]], field: str
) -> None:
    with pytest.raises(StructureError) as caught:
        sector_peak_targets(YEARS, EMISSIONS, SECTORS, share_years, shares)
    assert caught.value.field == field


@st.composite
def problems(draw: st.DrawFn) -> dict[str, object]:
    """A feasible problem: caps at or above the need with every sector at its lower bound."""
    size = draw(st.integers(1, 5))
    value = st.floats(0.0, 5.0, allow_nan=False)
    carbon = np.array(draw(st.lists(value, min_size=size, max_size=size)))
    energy = np.array(draw(st.lists(value, min_size=size, max_size=size)))
    lower = np.array(draw(st.lists(st.floats(0.0, 50.0), min_size=size, max_size=size)))
    upper = lower + np.array(draw(st.lists(st.floats(0.0, 100.0), min_size=size, max_size=size)))
    slack = st.floats(0.0, 500.0)
    return {
        "sectors": [f"s{i}" for i in range(size)],
        "carbon_intensity": carbon,
        "energy_intensity": energy,
        "lower": lower,
        "upper": upper,
        "carbon_cap": float(carbon @ lower) + draw(slack),
        "energy_cap": float(energy @ lower) + draw(slack),
    }


def _solve(problem: dict[str, object], **changes: float) -> StructureSolution:
    arguments = {**problem, **changes}
    sectors = arguments.pop("sectors")
    return optimise_structure(sectors, **arguments)  # type: ignore[arg-type]


TOLERANCE = 1e-6


@settings(max_examples=60, deadline=None)
@given(problems())
def test_solution_respects_caps_and_bounds_and_the_duals_certify_it(
    problem: dict[str, object],
) -> None:
    solution = _solve(problem)
    carbon = np.asarray(problem["carbon_intensity"])
    energy = np.asarray(problem["energy_intensity"])
    lower = np.asarray(problem["lower"])
    upper = np.asarray(problem["upper"])
    c_cap = float(problem["carbon_cap"])  # type: ignore[arg-type]
    e_cap = float(problem["energy_cap"])  # type: ignore[arg-type]
    assert np.all(solution.value_added >= lower)
    assert np.all(solution.value_added <= upper)
    assert solution.emissions <= c_cap + TOLERANCE * max(c_cap, 1.0)
    assert solution.energy <= e_cap + TOLERANCE * max(e_cap, 1.0)
    # Weak duality turned equality: for prices y ≥ 0 on the caps, each sector's reduced value
    # d_s = 1 − c_s y_C − e_s y_E is worth max(d_s U_s, d_s L_s) at most; the bound
    # y_C C + y_E E + Σ max(d_s U_s, d_s L_s) ≥ Z for every y ≥ 0, and equals Z exactly at the
    # optimal duals — which proves both the value added and the shadow prices optimal.
    y_c, y_e = solution.carbon_shadow_price, solution.energy_shadow_price
    assert y_c >= 0
    assert y_e >= 0
    reduced = 1.0 - carbon * y_c - energy * y_e
    dual_bound = (
        y_c * c_cap + y_e * e_cap + float(np.maximum(reduced * upper, reduced * lower).sum())
    )
    assert solution.total_value_added == pytest.approx(dual_bound, rel=1e-6, abs=1e-6)
    if not solution.binding_caps:
        assert solution.value_added == pytest.approx(upper, abs=1e-6)


@settings(max_examples=40, deadline=None)
@given(problems(), st.floats(0.0, 200.0), st.sampled_from(["carbon_cap", "energy_cap"]))
def test_loosening_a_cap_never_lowers_total_value_added(
    problem: dict[str, object], extra: float, cap: str
) -> None:
    before = _solve(problem)
    after = _solve(problem, **{cap: float(problem[cap]) + extra})  # type: ignore[arg-type]
    assert after.total_value_added >= before.total_value_added - 1e-6 * max(
        1.0, before.total_value_added
    )
