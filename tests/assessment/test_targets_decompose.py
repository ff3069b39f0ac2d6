"""Decomposition of a city target to its districts, and the reconciliation check."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from citycarbon.assessment.decompose import (
    ZONE_TYPES,
    DecompositionError,
    District,
    IntensityDecomposition,
    Method,
    TotalDecomposition,
    implied_city_rate,
    reconcile,
    split_intensity,
    split_total,
)

HAS_CJK = re.compile(r"[\u4e00-\u9fff]")

FOUR = [
    District("a", zone="optimized", gdp=400, emissions=300, potential=40, projected_gdp=500),
    District("b", zone="key", gdp=300, emissions=400, potential=30, projected_gdp=400),
    District("c", zone="moderate", gdp=200, emissions=200, potential=20, projected_gdp=230),
    District("d", zone="ecological", gdp=100, emissions=100, potential=10, projected_gdp=110),
]
MULTIPLIERS = {"optimized": 1.5, "key": 1.0, "moderate": 0.5, "ecological": 0.0}


def test_zone_codes_match_the_packaged_table() -> None:
    assert ZONE_TYPES == ("optimized", "key", "moderate", "ecological")


def test_split_total_by_hand() -> None:
    assert split_total(100.0, FOUR, Method.EQUAL).amounts == {"a": 25, "b": 25, "c": 25, "d": 25}
    by_gdp = split_total(100.0, FOUR, Method.GDP).amounts
    assert by_gdp == pytest.approx({"a": 40, "b": 30, "c": 20, "d": 10})
    by_zone = split_total(60.0, FOUR, Method.ZONE, zone_multipliers=MULTIPLIERS).amounts
    assert by_zone == pytest.approx({"a": 30, "b": 20, "c": 10, "d": 0})
    manual = split_total(10.0, FOUR, Method.MANUAL, manual={"a": 1, "b": 1, "c": 2, "d": 0})
    assert manual.amounts == pytest.approx({"a": 2.5, "b": 2.5, "c": 5, "d": 0})


def test_hand_entered_totals_that_do_not_add_up_are_reported() -> None:
    result = reconcile(TotalDecomposition(100.0, {"a": 60.0, "b": 30.0}))
    assert not result.ok
    assert result.gap == pytest.approx(-10.0)
    assert "低于城市目标" in result.message.zh
    assert "fall short" in result.message.en


def test_intensity_reconciliation_by_hand() -> None:
    # a: intensity 1 (100 / 100); b: intensity 2 (100 / 50); city: 200 / 150 = 4/3.
    # Both cut 20 %. If the cleaner district grows (a: 200), the city's intensity is
    # (0.8 * 200 + 1.6 * 50) / 250 = 0.96, a cut of 1 - 0.96 / (4/3) = 28 %.
    clean_growth = [
        District("a", gdp=100, emissions=100, projected_gdp=200),
        District("b", gdp=50, emissions=100, projected_gdp=50),
    ]
    result = reconcile(IntensityDecomposition(0.2, {"a": 0.2, "b": 0.2}, tuple(clean_growth)))
    assert result.ok
    assert result.implied == pytest.approx(0.28)
    assert result.gap == pytest.approx(0.08)
    # If the dirtier district grows (b: 100): (0.8 * 100 + 1.6 * 100) / 200 = 1.2, a cut of 10 %.
    dirty_growth = [
        District("a", gdp=100, emissions=100, projected_gdp=100),
        District("b", gdp=50, emissions=100, projected_gdp=100),
    ]
    result = reconcile(IntensityDecomposition(0.2, {"a": 0.2, "b": 0.2}, tuple(dirty_growth)))
    assert not result.ok
    assert result.implied == pytest.approx(0.10)
    assert result.gap == pytest.approx(-0.10)
    assert "未达到" in result.message.zh
    assert "misses" in result.message.en
    assert "-10.00" in result.message.en


def test_zone_rates_are_the_city_rate_times_the_multiplier() -> None:
    rates = split_intensity(0.2, FOUR, Method.ZONE, zone_multipliers=MULTIPLIERS).rates
    assert rates == pytest.approx({"a": 0.3, "b": 0.2, "c": 0.1, "d": 0.0})


def test_a_rate_of_100_percent_or_more_is_infeasible() -> None:
    with pytest.raises(DecompositionError) as caught:
        split_intensity(0.6, FOUR, Method.ZONE, zone_multipliers={**MULTIPLIERS, "key": 2.0})
    assert "b" in caught.value.message.en
    assert "不可行" in caught.value.message.zh


def test_negative_gdp_weights_are_refused() -> None:
    bad = [District("a", gdp=-5.0), District("b", gdp=10.0)]
    with pytest.raises(DecompositionError) as caught:
        split_total(100.0, bad, Method.GDP)
    error = caught.value
    assert error.field == "gdp"
    assert HAS_CJK.search(error.message.zh)
    assert "非负" in error.message.zh
    assert "non-negative" in error.message.en
    assert "district a" in error.message.en


def test_a_zone_split_needs_the_multipliers() -> None:
    with pytest.raises(DecompositionError) as caught:
        split_total(1.0, [District("a", zone="key")], Method.ZONE)
    assert caught.value.field == "zone_multipliers"
    assert "multiplier" in caught.value.message.en


@pytest.mark.parametrize(
    ("districts", "method", "zh", "en"),
    [
        ([District("a", zone="forest")], Method.ZONE, "主体功能区", "main-function-zone"),
        ([District("a"), District("a")], Method.EQUAL, "重复", "repeat"),
        ([], Method.EQUAL, "没有", "no districts"),
        ([District("a", emissions=0.0)], Method.EMISSIONS, "权重都为 0", "zero weight"),
        ([District("a")], Method.MANUAL, "手工", "manual"),
    ],
)
def test_bad_decompositions_are_refused(
    districts: list[District], method: Method, zh: str, en: str
) -> None:
    with pytest.raises(DecompositionError) as caught:
        split_total(1.0, districts, method, zone_multipliers=MULTIPLIERS)
    assert zh in caught.value.message.zh
    assert en in caught.value.message.en


positive = st.floats(min_value=0.1, max_value=1e5, allow_nan=False)


@st.composite
def district_sets(draw: st.DrawFn, uniform_growth: bool = False) -> list[District]:
    count = draw(st.integers(1, 8))
    growth = draw(st.floats(0.5, 3.0))
    districts = []
    for i in range(count):
        gdp = draw(positive)
        grows = growth if uniform_growth else draw(st.floats(0.5, 3.0))
        districts.append(
            District(
                code=f"d{i}",
                zone=draw(st.sampled_from(ZONE_TYPES)),
                gdp=gdp,
                emissions=draw(positive),
                potential=draw(positive),
                projected_gdp=gdp * grows,
            )
        )
    return districts


@given(
    districts=district_sets(),
    parent=st.floats(-1e7, 1e7, allow_nan=False),
    method=st.sampled_from(Method),
)
def test_decomposed_totals_add_up_to_the_parent(
    districts: list[District], parent: float, method: Method
) -> None:
    manual = {d.code: (d.potential or 0.0) for d in districts}
    if method is Method.ZONE and all(MULTIPLIERS[d.zone] == 0 for d in districts):
        with pytest.raises(DecompositionError, match="zero weight"):  # nothing to split by
            split_total(parent, districts, method, manual=manual, zone_multipliers=MULTIPLIERS)
        return
    result = split_total(parent, districts, method, manual=manual, zone_multipliers=MULTIPLIERS)
    assert set(result.amounts) == {d.code for d in districts}
    check = reconcile(result)
    assert check.ok, check.message


@given(districts=district_sets(uniform_growth=True), rate=st.floats(0.0, 0.9))
def test_equal_rates_reconcile_when_growth_is_uniform(
    districts: list[District], rate: float
) -> None:
    result = split_intensity(rate, districts, Method.EQUAL)
    assert implied_city_rate(result) == pytest.approx(rate, abs=1e-9)
    assert reconcile(result).ok


@given(
    districts=district_sets(uniform_growth=True),
    rate=st.floats(0.0, 0.3),
    method=st.sampled_from([Method.GDP, Method.EMISSIONS, Method.POTENTIAL]),
)
def test_weighted_rates_reconcile_when_growth_is_uniform(
    districts: list[District], rate: float, method: Method
) -> None:
    try:
        result = split_intensity(rate, districts, method)
    except DecompositionError:
        return  # a heavily weighted district would need 100 % or more: refused, fine
    assert implied_city_rate(result) == pytest.approx(rate, abs=1e-9)


@given(districts=district_sets(), rate=st.floats(0.0, 0.5), method=st.sampled_from(Method))
def test_calibrated_rates_reconcile_with_any_growth(
    districts: list[District], rate: float, method: Method
) -> None:
    manual = {d.code: (d.potential or 0.0) for d in districts}
    try:
        result = split_intensity(
            rate, districts, method, manual=manual, zone_multipliers=MULTIPLIERS, calibrate=True
        )
    except DecompositionError:
        return  # infeasible (a rate of 100 % or more, or every rate zero): refused, fine
    assert implied_city_rate(result) == pytest.approx(rate, abs=1e-9)
