"""Plan targets: the straight-line pace, progress and the traffic light, worked by hand."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from citycarbon.assessment.targets import (
    IndicatorDefinition,
    Light,
    PacePath,
    PlanTarget,
    TargetError,
    assess,
    expected_value,
    progress,
    time_share,
    traffic_light,
)

INTENSITY = IndicatorDefinition(
    code="co2_per_gdp",
    name_zh="单位GDP二氧化碳排放",
    name_en="CO2 per unit of GDP",
    unit="t/万元",
    direction="lower",  # type: ignore[arg-type]  # plain strings as read from data
    binding="binding",  # type: ignore[arg-type]
    kind="intensity",  # type: ignore[arg-type]
)
NON_FOSSIL = IndicatorDefinition(
    code="non_fossil_share",
    name_zh="非化石能源占比",
    name_en="non-fossil energy share",
    unit="%",
    direction="higher",  # type: ignore[arg-type]
    binding="expected",  # type: ignore[arg-type]
    kind="share",  # type: ignore[arg-type]
)

# Intensity 2.0 in 2020 down to 1.0 in 2024: the pace is 1.5 in 2022 (the midpoint).
REDUCTION = PlanTarget("city", INTENSITY, 2020, 2.0, 2024, 1.0)
# Non-fossil share 20 % in 2020 up to 30 % in 2025: the pace is 26 % in 2023.
GROWTH = PlanTarget("city", NON_FOSSIL, 2020, 20.0, 2025, 30.0)

HAS_CJK = re.compile(r"[\u4e00-\u9fff]")


def assert_bilingual(error: TargetError, zh_word: str, en_word: str) -> None:
    assert HAS_CJK.search(error.message.zh)
    assert zh_word in error.message.zh
    assert en_word in error.message.en


def test_pace_at_the_midpoint() -> None:
    assert expected_value(REDUCTION, 2022) == pytest.approx(1.5)
    assert time_share(REDUCTION, 2022) == pytest.approx(0.5)
    assert expected_value(GROWTH, 2023) == pytest.approx(26.0)


def test_pace_holds_the_target_after_the_target_year() -> None:
    assert expected_value(REDUCTION, 2024) == 1.0
    assert expected_value(REDUCTION, 2030) == 1.0


def test_geometric_pace_is_a_constant_yearly_rate() -> None:
    target = PlanTarget("city", INTENSITY, 2020, 1.0, 2022, 0.81)
    assert expected_value(target, 2021, PacePath.GEOMETRIC) == pytest.approx(0.9)
    # below the straight line (0.905): a constant rate asks for more early on
    assert expected_value(target, 2021) == pytest.approx(0.905)


def test_progress_is_the_share_of_the_required_change() -> None:
    assert progress(REDUCTION, 1.5) == pytest.approx(0.5)
    assert progress(REDUCTION, 1.0) == pytest.approx(1.0)
    assert progress(REDUCTION, 2.2) == pytest.approx(-0.2)  # moved the wrong way
    assert progress(GROWTH, 25.0) == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("actual", "light"),
    [
        (1.40, Light.GREEN),  # ahead of pace
        (1.50, Light.GREEN),  # exactly on pace
        (1.52, Light.YELLOW),
        (1.55, Light.YELLOW),  # the band edge: 5 % of the required change of 1.0
        (1.56, Light.RED),
    ],
)
def test_traffic_light_when_lower_is_better(actual: float, light: Light) -> None:
    assert traffic_light(REDUCTION, 2022, actual, band=0.05) is light


@pytest.mark.parametrize(
    ("actual", "light"),
    [
        (27.0, Light.GREEN),
        (26.0, Light.GREEN),
        (25.5, Light.YELLOW),
        (25.0, Light.YELLOW),  # the band edge: 10 % of the required change of 10
        (24.9, Light.RED),
    ],
)
def test_traffic_light_when_higher_is_better(actual: float, light: Light) -> None:
    assert traffic_light(GROWTH, 2023, actual, band=0.1) is light


def test_assessment_carries_pace_and_shortfall() -> None:
    result = assess(REDUCTION, 2022, 1.52)
    assert result.expected == pytest.approx(1.5)
    assert result.pace_share == pytest.approx(0.5)
    assert result.progress == pytest.approx(0.48)
    assert result.shortfall == pytest.approx(0.02)


def test_a_hold_the_level_target_gets_a_band_from_the_baseline() -> None:
    hold = PlanTarget("city", INTENSITY, 2020, 2.0, 2025, 2.0)
    assert progress(hold, 1.9) == 1.0
    assert progress(hold, 2.1) == 0.0
    assert traffic_light(hold, 2022, 2.05, band=0.05) is Light.YELLOW  # 2.5 % of 2.0
    assert traffic_light(hold, 2022, 2.2, band=0.05) is Light.RED


def test_a_target_without_a_baseline_is_refused() -> None:
    with pytest.raises(TargetError) as caught:
        PlanTarget("鼓楼区", INTENSITY, None, None, 2025, 0.8)
    assert_bilingual(caught.value, "基准", "no baseline")
    assert caught.value.field == "baseline"


def test_a_target_year_not_after_the_baseline_is_refused() -> None:
    with pytest.raises(TargetError) as caught:
        PlanTarget("city", INTENSITY, 2025, 1.0, 2025, 0.8)
    assert_bilingual(caught.value, "晚于基准年", "must be after")


def test_bad_indicator_values_are_refused() -> None:
    with pytest.raises(TargetError) as caught:
        IndicatorDefinition("x", "某指标", "some indicator", "t", "down", "binding", "total")  # type: ignore[arg-type]
    assert_bilingual(caught.value, "无效", "is not one of")
    with pytest.raises(TargetError):
        PlanTarget("city", INTENSITY, 2020, -1.0, 2025, 0.8)
    with pytest.raises(TargetError) as caught:
        expected_value(REDUCTION, 2019)
    assert_bilingual(caught.value, "早于", "before the baseline")
    with pytest.raises(TargetError):
        assess(REDUCTION, 2022, 1.5, band=-0.1)


values = st.floats(min_value=0.01, max_value=1e6, allow_nan=False)


@given(base=values, goal=values, span=st.integers(1, 30), elapsed=st.integers(0, 40))
def test_the_linear_pace_lies_between_baseline_and_target(
    base: float, goal: float, span: int, elapsed: int
) -> None:
    target = PlanTarget("city", INTENSITY, 2000, base, 2000 + span, goal)
    pace = expected_value(target, 2000 + elapsed)
    low, high = sorted((base, goal))
    assert low - 1e-9 * high <= pace <= high + 1e-9 * high
    # on the pace means green, and the progress then equals the share of time elapsed
    result = assess(target, 2000 + elapsed, pace)
    assert result.light is Light.GREEN
    if abs(goal - base) > 1e-6 * high:
        assert result.progress == pytest.approx(time_share(target, 2000 + elapsed), abs=1e-6)
