"""Driver trajectories: growth (constant and piecewise), milestones, end values; errors."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from citycarbon.pathways.drivers import (
    Driver,
    DriverError,
    EndPath,
    driver_from_dict,
    driver_to_dict,
    grow,
)

HAS_CJK = re.compile(r"[\u4e00-\u9fff]")


def test_constant_growth_by_hand() -> None:
    # 100 → 110 → 121 → 133.1
    values = Driver(base=100.0, growth=0.1).evaluate(2020, 2023)
    assert values == pytest.approx([100.0, 110.0, 121.0, 133.1])


def test_piecewise_growth_by_hand() -> None:
    # 10 % until 2021, then 0 % from the step 2021 → 2022 on, then -50 % from 2024:
    # so the values are 100 in 2020, 110 in 2021, 110, 110 and 55 in 2024
    driver = Driver(base=100.0, growth=0.1, growth_changes=((2022, 0.0), (2024, -0.5)))
    assert driver.evaluate(2020, 2024) == pytest.approx([100.0, 110.0, 110.0, 110.0, 55.0])
    assert driver.growth_rates(2020, 2024) == pytest.approx([0.1, 0.0, 0.0, -0.5])


def test_milestones_interpolate_linearly_and_hold_after_the_last() -> None:
    # (2020, 10) → (2022, 14): 12 in 2021; then (2024, 10): 12 in 2023; held at 10 in 2025
    driver = Driver(base=10.0, milestones=((2022, 14.0), (2024, 10.0)))
    assert driver.evaluate(2020, 2025).tolist() == [10.0, 12.0, 14.0, 12.0, 10.0, 10.0]


def test_end_value_linear_and_geometric_by_hand() -> None:
    linear = Driver(base=100.0, end_value=50.0, end_year=2025)
    assert linear.evaluate(2020, 2026) == pytest.approx([100, 90, 80, 70, 60, 50, 50])
    # halving every year: 100, 50, 25, held at 25
    geometric = Driver(base=100.0, end_value=25.0, end_year=2022, path=EndPath.GEOMETRIC)
    assert geometric.evaluate(2020, 2023) == pytest.approx([100.0, 50.0, 25.0, 25.0])
    assert geometric.evaluate(2020, 2023)[2] == 25.0  # exact at the end year


def test_grow_broadcasts_over_draws() -> None:
    rates = np.array([[0.1, 0.1], [0.0, -0.5]])
    assert grow(np.array([100.0, 10.0]), rates) == pytest.approx(
        np.array([[100.0, 110.0, 121.0], [10.0, 10.0, 5.0]])
    )


def test_dict_form_accepts_string_years_and_sorts_milestones() -> None:
    driver = driver_from_dict({"base": 1, "milestones": {"2030": 3, 2025: 2}}, "gdp")
    assert driver.milestones == ((2025, 2.0), (2030, 3.0))
    assert driver_from_dict(driver_to_dict(driver), "gdp") == driver


def _error(excinfo: pytest.ExceptionInfo[DriverError]) -> DriverError:
    error = excinfo.value
    assert HAS_CJK.search(error.message.zh), error.message.zh
    assert not HAS_CJK.search(error.message.en), error.message.en
    return error


@pytest.mark.parametrize(
    ("kwargs", "field", "english"),
    [
        ({"base": 1.0}, "gdp", "exactly one of"),
        ({"base": 1.0, "growth": 0.1, "milestones": ((2030, 2.0),)}, "gdp", "exactly one of"),
        ({"base": 1.0, "milestones": ((2030, 2.0), (2025, 3.0))}, "gdp.milestones", "increasing"),
        ({"base": 1.0, "milestones": ((2030, 2.0), (2030, 3.0))}, "gdp.milestones", "increasing"),
        ({"base": -1.0, "growth": 0.1}, "gdp.base", "negative"),
        ({"base": 1.0, "milestones": ((2030, -2.0),)}, "gdp.milestones.2030", "negative"),
        ({"base": 1.0, "growth": -1.0}, "gdp.growth", "-100 %"),
        ({"base": 1.0, "growth": float("nan")}, "gdp.growth", "finite"),
        ({"base": 1.0, "end_value": 2.0}, "gdp.end_year", "end_year"),
        ({"base": 0.0, "end_value": 2.0, "end_year": 2030, "path": "geometric"}, "gdp.path",
         "positive"),
        ({"base": 1.0, "end_value": 2.0, "end_year": 2030, "path": "cubic"}, "gdp.path",
         "linear or geometric"),
        ({"base": 1.0, "growth_changes": ((2030, 0.1),), "milestones": ((2030, 1.0),)}, "gdp",
         "growth_changes"),
    ],
)  # fmt: skip
def test_bad_drivers_are_refused_with_a_bilingual_message(
    kwargs: dict[str, object], field: str, english: str
) -> None:
    with pytest.raises(DriverError) as excinfo:
        Driver(name="gdp", **kwargs)  # type: ignore[arg-type]
    error = _error(excinfo)
    assert error.field == field
    assert english in error.message.en


def test_negative_values_are_allowed_when_declared() -> None:
    driver = Driver(base=5.0, milestones=((2022, -5.0),), nonnegative=False)
    assert driver.evaluate(2020, 2022).tolist() == [5.0, 0.0, -5.0]


@pytest.mark.parametrize(
    ("driver", "years", "english"),
    [
        (Driver(base=1.0, milestones=((2020, 2.0),), name="gdp"), (2020, 2030), "after the base"),
        (Driver(base=1.0, growth=0.1, growth_changes=((2019, 0.0),), name="gdp"), (2020, 2030),
         "after the base"),
        (Driver(base=1.0, end_value=2.0, end_year=2020, name="gdp"), (2020, 2030),
         "after the base"),
        (Driver(base=1.0, growth=0.1, name="gdp"), (2020, 2061), "2060"),
        (Driver(base=1.0, growth=0.1, name="gdp"), (2020, 2020), "after the base"),
    ],
)  # fmt: skip
def test_bad_horizons_are_refused(driver: Driver, years: tuple[int, int], english: str) -> None:
    with pytest.raises(DriverError) as excinfo:
        driver.evaluate(*years)
    assert english in _error(excinfo).message.en


@pytest.mark.parametrize(
    ("data", "english"),
    [
        ({"growth": 0.1}, "needs a base"),
        ({"base": 1, "growth": 0.1, "speed": 2}, "unknown field(s): speed"),
        ({"base": "many", "growth": 0.1}, "must be a number"),
        ({"base": 1, "milestones": {"soon": 2}}, "invalid year"),
        ({"base": 1, "milestones": [2030, 2]}, "must map years"),
        ([1, 2], "must be a mapping"),
    ],
)
def test_bad_dict_forms_are_refused(data: object, english: str) -> None:
    with pytest.raises(DriverError) as excinfo:
        driver_from_dict(data, "gdp")
    assert english in _error(excinfo).message.en


def test_growth_rates_of_a_milestone_driver_are_refused() -> None:
    with pytest.raises(DriverError, match="not given by a growth rate"):
        Driver(base=1.0, milestones=((2030, 2.0),)).growth_rates(2020, 2030)


rates = st.floats(-0.5, 0.5, allow_nan=False)
bases = st.floats(0.0, 1e6, allow_nan=False)


@settings(max_examples=50, deadline=None)
@given(base=bases, rate=rates, years=st.integers(1, 40))
def test_constant_growth_is_compound_interest(base: float, rate: float, years: int) -> None:
    values = Driver(base=base, growth=rate).evaluate(2020, 2020 + years)
    expected = base * (1 + rate) ** np.arange(years + 1)
    assert values == pytest.approx(expected, rel=1e-9, abs=1e-9)


@settings(max_examples=50, deadline=None)
@given(
    base=bases,
    points=st.dictionaries(st.integers(2021, 2060), bases, min_size=1, max_size=6),
)
def test_milestones_are_met_exactly_and_the_path_stays_between_them(
    base: float, points: dict[int, float]
) -> None:
    driver = driver_from_dict({"base": base, "milestones": points}, "x")
    values = driver.evaluate(2020, 2060)
    assert values[0] == base
    for year, value in points.items():
        assert values[year - 2020] == pytest.approx(value, rel=1e-12, abs=1e-9)
    low, high = min(base, *points.values()), max(base, *points.values())
    assert np.all(values >= low - 1e-9)
    assert np.all(values <= high + 1e-9)
    assert driver_from_dict(driver_to_dict(driver), "x") == driver
