"""Indicator formulas: the grammar is a whitelist, values come only from the lookup, a
missing input or a zero divisor gives no value (never 0), and lag shifts the year."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from citycarbon.indicators.formula import FormulaError, Reference, evaluate, parse

INTENSITY = 'inv("gross_CO2e") / stat("gdp")'


def test_references_name_every_input_with_its_year_offset():
    formula = parse(
        '1 - (inv("CO2", "1.A") / stat("gdp")) / lag(inv("CO2", "1.A") / stat("gdp"), 5)'
    )
    assert formula.references == (
        Reference("inv", "CO2", "1.A", 0),
        Reference("inv", "CO2", "1.A", 5),
        Reference("stat", "gdp", None, 0),
        Reference("stat", "gdp", None, 5),
    )
    assert Reference("inv", "CO2", "1.A", 5).label() == 'lag(inv("CO2", "1.A"), 5)'


def test_total_category_is_the_default():
    assert parse('inv("gross_CO2e", "TOTAL")').references == parse('inv("gross_CO2e")').references


def test_evaluates_by_the_lookup_only():
    values = {
        Reference("inv", "gross_CO2e"): 1200.0,
        Reference("stat", "gdp"): 400.0,
    }
    result = evaluate(parse(INTENSITY), values.get)
    assert result.value == pytest.approx(3.0)
    assert result.reason is None
    assert dict(result.inputs) == values


def test_lag_reads_earlier_years():
    now, before = Reference("stat", "gdp"), Reference("stat", "gdp", None, 5)
    result = evaluate(
        parse('stat("gdp") / lag(stat("gdp"), 5) - 1'), {now: 150.0, before: 100.0}.get
    )
    assert result.value == pytest.approx(0.5)


def test_missing_input_and_zero_divisor_give_no_value_with_a_reason():
    missing = evaluate(parse(INTENSITY), {Reference("inv", "gross_CO2e"): 1.0}.get)
    assert missing.value is None
    assert missing.reason is not None
    assert 'stat("gdp")' in missing.reason.en
    zero = evaluate(
        parse(INTENSITY), {Reference("inv", "gross_CO2e"): 1.0, Reference("stat", "gdp"): 0.0}.get
    )
    assert zero.value is None
    assert zero.reason is not None
    assert "division by zero" in zero.reason.en


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('__import__("os").system("true")', "only numbers"),
        ('open("x")', "unknown function"),
        ('inv("CO2").real', "only numbers"),
        ('stat("gdp") ** 2', "only numbers"),
        ("stat(gdp)", "take text"),
        ('lag(stat("gdp"), 0)', "lag() years"),
        ('lag(stat("gdp"), 2.5)', "lag() years"),
        ('stat("gdp", "x")', "wrong number"),
        ('"text"', "only numbers"),
        ("1 +", "syntax error"),
    ],
)
def test_anything_outside_the_grammar_is_refused(text: str, fragment: str):
    with pytest.raises(FormulaError) as raised:
        parse(text)
    assert fragment in raised.value.message.en
    assert raised.value.message.zh


@given(
    emissions=st.floats(min_value=0, max_value=1e12, allow_nan=False),
    gdp=st.floats(min_value=1e-3, max_value=1e12, allow_nan=False),
    scale=st.floats(min_value=1e-3, max_value=1e3),
)
def test_intensity_scales_with_its_numerator(emissions: float, gdp: float, scale: float):
    base = evaluate(
        parse(INTENSITY),
        {Reference("inv", "gross_CO2e"): emissions, Reference("stat", "gdp"): gdp}.get,
    )
    scaled = evaluate(
        parse(INTENSITY),
        {Reference("inv", "gross_CO2e"): emissions * scale, Reference("stat", "gdp"): gdp}.get,
    )
    assert base.value is not None
    assert scaled.value is not None
    assert math.isclose(scaled.value, base.value * scale, rel_tol=1e-9, abs_tol=1e-300)
