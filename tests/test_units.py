"""Unit registry: the conversions Chinese energy statistics depend on."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from citycarbon import units
from citycarbon.errors import UnitError


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_kgce_is_exactly_29_3076_megajoule():
    assert units.convert(1.0, "kgce", "MJ") == pytest.approx(29.3076, rel=1e-15)
    assert units.convert(1.0, "kgce", "kJ") == pytest.approx(29307.6, rel=1e-15)


def test_7000_international_table_kcal_is_one_kgce():
    # IT calorie 4.1868 J: 7000 kcal = 29,307.6 kJ. The thermochemical calorie (4.184 J)
    # would give 0.99933 kgce and fail this comparison.
    assert units.convert(7000.0, "kcal", "kgce") == pytest.approx(1.0, rel=1e-12)
    assert units.convert(1.0, "kcal", "J") == pytest.approx(4186.8, rel=1e-12)


def test_tce_in_gigajoule_and_mwh():
    assert units.convert(1.0, "tce", "GJ") == pytest.approx(29.3076, rel=1e-15)
    assert units.convert(10_000.0, "tce", "TJ") == pytest.approx(293.076, rel=1e-12)
    assert units.convert(1.0, "万tce", "tce") == pytest.approx(1e4, rel=1e-15)
    assert units.convert(1.0, "kWh", "kgce") == pytest.approx(3600.0 / 29307.6, rel=1e-12)


def test_ten_thousand_normal_cubic_metres():
    assert units.convert(1.0, "10^4 Nm3", "m3") == pytest.approx(10_000.0, rel=1e-15)
    assert units.convert(1.0, "万Nm3", "Nm3") == pytest.approx(10_000.0, rel=1e-15)
    assert units.convert(1.0, "万立方米", "立方米") == pytest.approx(10_000.0, rel=1e-15)


def test_energy_per_ten_thousand_nm3_parses_as_one_denominator():
    # 389.31 GJ/10^4 Nm3 = 38,931 kJ/m3 (GB/T 2589 natural gas)
    assert units.convert(389.31, "GJ/10^4 Nm3", "kJ/m ** 3") == pytest.approx(38_931.0, rel=1e-12)
    assert units.product_factor("10^4 Nm3", "GJ/10^4 Nm3", "TJ") == pytest.approx(1e-3, rel=1e-12)


def test_wan_yuan_is_ten_thousand_cny():
    assert units.convert(1.0, "万元", "CNY") == pytest.approx(10_000.0, rel=1e-15)
    assert units.convert(1.0, "亿元", "万元") == pytest.approx(10_000.0, rel=1e-15)
    assert units.convert(3.0, "元", "CNY") == 3.0


@pytest.mark.parametrize(
    ("alias", "target", "expected"),
    [
        ("吨", "kg", 1000.0),
        ("千克", "g", 1000.0),
        ("万千瓦时", "MWh", 10.0),
        ("度", "kWh", 1.0),
        ("吨标准煤", "kgce", 1000.0),
        ("公顷", "m ** 2", 10_000.0),
        ("亩", "m ** 2", 10_000.0 / 15.0),
        ("万头", "head", 10_000.0),
    ],
)
def test_chinese_spellings(alias: str, target: str, expected: float):
    assert units.convert(1.0, alias, target) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ("t", "MWh"),
        ("head", "t"),
        ("万元", "tce"),
        ("MWh", "m3"),
        ("hectare", "head"),
    ],
)
def test_wrong_dimension_raises_bilingual_unit_error(source: str, target: str):
    with pytest.raises(UnitError) as info:
        units.convert(1.0, source, target)
    error = info.value
    assert error.field == "unit"
    assert _has_cjk(error.message.zh)
    assert "dimension" in error.message.en
    assert source in error.message.en
    assert target in error.message.en
    text = str(error)
    assert _has_cjk(text)
    assert "cannot be converted" in text


def test_unknown_unit_raises_bilingual_unit_error():
    with pytest.raises(UnitError) as info:
        units.parse("zorkmids/blorp")
    assert info.value.field == "unit"
    assert _has_cjk(info.value.message.zh)
    assert "unknown unit" in info.value.message.en


def test_same_dimension():
    assert units.same_dimension("tce", "MWh")
    assert units.same_dimension("10^4 Nm3", "m3")
    assert not units.same_dimension("head", "t")
    assert not units.same_dimension("CNY", "dimensionless")


UNIT_GROUPS: dict[str, list[str]] = {
    "energy": ["J", "kJ", "MJ", "GJ", "TJ", "kWh", "MWh", "万kWh", "kcal", "kgce", "tce", "万tce"],
    "mass": ["kg", "t", "Gg", "万t", "吨", "公斤"],
    "volume": ["m3", "Nm3", "10^4 Nm3", "万m3", "立方米"],
    "money": ["CNY", "万元", "亿元", "元"],
    "area": ["hectare", "亩", "m ** 2"],
}
PAIRS = [(a, b) for group in UNIT_GROUPS.values() for a in group for b in group if a != b]


@settings(max_examples=50, deadline=None)
@given(
    pair=st.sampled_from(PAIRS),
    value=st.floats(min_value=1e-9, max_value=1e12, allow_nan=False, allow_infinity=False),
)
def test_round_trip(pair: tuple[str, str], value: float):
    a, b = pair
    there = units.convert(value, a, b)
    back = units.convert(there, b, a)
    assert math.isclose(back, value, rel_tol=1e-12)
    assert math.isclose(units.factor(a, b) * units.factor(b, a), 1.0, rel_tol=1e-12)
