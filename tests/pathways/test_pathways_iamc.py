"""IAMC long/wide export of a projection and reading it back (worked by hand)."""

from __future__ import annotations

import copy
import math
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from citycarbon.errors import InputDataError
from citycarbon.pathways.iamc import (
    IamcError,
    IamcRow,
    long_csv,
    projection_rows,
    rows_from_wide_csv,
    series_from_long_csv,
    series_from_rows,
    series_from_wide_csv,
    wide_csv,
)
from citycarbon.pathways.scenario import project
from citycarbon.pathways.scenario_dict import scenario_from_dict

HAS_CJK = re.compile(r"[\u4e00-\u9fff]")

# One sector over 2020-2021: activity 1e6, 2e6; intensity 1 tce → energy 1e6, 2e6 tce.
# Coal half, electricity half: coal 0.5e6 tce × 2.5 t CO2 = 1.25e6 t; electricity 0.5e6 tce
# / 0.125 tce/MWh = 4e6 MWh × 0.5 t/MWh = 2e6 t → CO2 3.25 Mt (2020), 6.5 Mt (2021).
# CH4: 0.5e6 × 0.001 = 500 t = 0.0005 Mt; N2O: 0.5e6 × 0.0001 = 50 t = 0.05 kt.
# CO2e = 3.25e6 + 500 × 25 + 50 × 300 = 3.2775e6 t → 3.2775 Mt. Sinks 1e5 t = 0.1 Mt.
DEFINITION: dict[str, Any] = {
    "name": "bau",
    "base_year": 2020,
    "end_year": 2021,
    "drivers": {"va": {"base": 1e6, "growth": 1.0}},
    "sectors": {
        "industry": {
            "activity": "va",
            "intensity": 1.0,
            "mix": {"coal": 0.5, "electricity": 0.5},
        }
    },
    "fuels": {"coal": {"co2": 2.5, "ch4": 0.001, "n2o": 0.0001}},
    "gwp": {"CH4": 25, "N2O": 300},
    "grid": {"base": 0.5, "growth": 0.0},
    "electricity_tce_per_mwh": 0.125,
    "sinks": {"base": 1e5, "growth": 0.0},
}


def rows() -> list[IamcRow]:
    projection = project(scenario_from_dict(copy.deepcopy(DEFINITION)))
    return projection_rows(projection, "bau", "CN-321100 Zhenjiang", gwp_set="AR4-GWP100")


def test_variables_units_and_values_by_hand() -> None:
    series = {(r.variable, r.year): (r.unit, r.value) for r in rows()}
    assert {r.model for r in rows()} == {"citycarbon"}
    expected = {
        ("Emissions|CO2", 2020): ("Mt CO2/yr", 3.25),
        ("Emissions|CO2", 2021): ("Mt CO2/yr", 6.5),
        ("Emissions|CO2|Energy|industry", 2020): ("Mt CO2/yr", 3.25),
        ("Emissions|CH4", 2020): ("Mt CH4/yr", 0.0005),
        ("Emissions|N2O", 2020): ("kt N2O/yr", 0.05),
        ("Emissions|Kyoto Gases (AR4-GWP100)", 2020): ("Mt CO2-equiv/yr", 3.2775),
        ("Carbon Sequestration", 2020): ("Mt CO2/yr", 0.1),
        ("Final Energy", 2021): ("Mt tce/yr", 2.0),
        ("Final Energy|industry|coal", 2020): ("Mt tce/yr", 0.5),
        ("Final Energy|industry|electricity", 2021): ("Mt tce/yr", 1.0),
    }
    for key, (unit, value) in expected.items():
        assert series[key][0] == unit
        assert series[key][1] == pytest.approx(value, rel=1e-12)
    assert not any(v.startswith("Primary Energy") for v, _ in series)


def test_round_trip_projection_long_wide_long_is_exact() -> None:
    original = rows()
    expected = series_from_rows(original)
    text = wide_csv(original)
    assert text.splitlines()[0] == "Model,Scenario,Region,Variable,Unit,2020,2021"
    back = series_from_wide_csv(text)
    assert back == expected  # floats equal to the last digit (repr is exact)
    assert sorted(rows_from_wide_csv(text), key=repr) == sorted(original, key=repr)
    assert series_from_long_csv(long_csv(original)) == expected
    key = ("bau", "CN-321100 Zhenjiang", "Emissions|CO2")
    assert back[key] == {2020: 3.25, 2021: 6.5}


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False, width=64), min_size=1, max_size=6))
def test_wide_csv_round_trip_of_any_finite_floats(values: list[float]) -> None:
    original = [
        IamcRow("m", "s", "r", "Emissions|CO2", "Mt CO2/yr", 2020 + i, v)
        for i, v in enumerate(values)
    ]
    back = rows_from_wide_csv(wide_csv(original))
    assert [r.value for r in back] == values


def issues_of(error: pytest.ExceptionInfo[InputDataError]) -> list[tuple[int | None, str | None]]:
    for issue in error.value.issues:
        assert HAS_CJK.search(issue.reason.zh)
        assert issue.reason.en
    return [(i.row, i.field) for i in error.value.issues]


def test_bad_wide_csv_rows_are_refused_with_row_and_field() -> None:
    text = (
        "Model,Scenario,Region,Variable,Unit,2020,2021\n"
        "m,s,r,Emissions|CO2,Mt CO2/yr,1.5,abc\n"  # row 2: bad number in 2021
        "m,s,r,Emissions|CH4,Mt CH4/yr,1,2\n"
        "m,s,r,Emissions|CH4,Mt CH4/yr,3,\n"  # row 4: duplicate of row 3 for 2020
        "m,s,,Final Energy,Mt tce/yr,1,2\n"  # row 5: empty region
    )
    with pytest.raises(InputDataError) as error:
        rows_from_wide_csv(text)
    assert issues_of(error) == [(2, "2021"), (4, "2020"), (5, "region")]


def test_wide_header_problems() -> None:
    with pytest.raises(InputDataError) as error:
        rows_from_wide_csv("Model,Scenario,Variable,Unit,20x0\nm,s,v,u,1\n")
    assert issues_of(error) == [(1, "region"), (1, "20x0")]


def test_long_rows_missing_column_bad_value_duplicate_and_unit_change() -> None:
    good = {"model": "m", "scenario": "s", "region": "r", "variable": "v", "unit": "u"}
    records: list[dict[str, object]] = [
        {**good, "year": 2020, "value": 1.0},  # row 2
        {**good, "year": 2020, "value": 2.0},  # row 3: duplicate
        {**good, "year": "2021.5", "value": 1.0},  # row 4: year not an integer
        {**good, "year": 2022, "value": "NaN"},  # row 5: not finite
        {k: v for k, v in good.items() if k != "unit"} | {"year": 2023, "value": 1},  # row 6
        {**good, "unit": "w", "year": 2024, "value": 1.0},  # row 7: unit changes
    ]
    with pytest.raises(InputDataError) as error:
        series_from_rows(records)
    assert issues_of(error) == [(3, "year"), (4, "year"), (5, "value"), (6, "unit"), (7, "unit")]


def test_long_csv_headers_in_any_case() -> None:
    text = "MODEL,Scenario,region,Variable,Unit,Year,Value\nm,s,r,v,u,2030,0.1\n"
    assert series_from_long_csv(text) == {("s", "r", "v"): {2030: 0.1}}
    assert math.isclose(series_from_long_csv(text)[("s", "r", "v")][2030], 0.1)


def test_same_series_from_two_models_is_a_duplicate() -> None:
    text = (
        "Model,Scenario,Region,Variable,Unit,2020\n"
        "a,s,r,Emissions|CO2,Mt CO2/yr,1\n"
        "b,s,r,Emissions|CO2,Mt CO2/yr,2\n"  # row 3: would overwrite row 2
    )
    with pytest.raises(InputDataError) as error:
        series_from_wide_csv(text)
    assert issues_of(error) == [(3, "2020")]


def test_sector_name_with_the_separator_is_refused() -> None:
    definition = copy.deepcopy(DEFINITION)
    definition["sectors"] = {"a|b": definition["sectors"]["industry"]}
    projection = project(scenario_from_dict(definition))
    with pytest.raises(IamcError) as error:
        projection_rows(projection, "bau", "r")
    assert error.value.field == "sectors.a|b"
    assert HAS_CJK.search(error.value.message.zh)


def test_non_energy_sources_are_other_and_the_children_sum_to_their_parent() -> None:
    data = copy.deepcopy(DEFINITION)
    data["other"] = {"cement": {"activity": "va", "co2": 0.5}}  # 0.5 Mt CO2 in 2020, 1 in 2021
    projection = project(scenario_from_dict(data))
    series = {
        (r.variable, r.year): r.value
        for r in projection_rows(projection, "bau", "CN-321100", gwp_set="AR4-GWP100")
    }
    assert series[("Emissions|CO2|Other|cement", 2021)] == pytest.approx(1.0)
    assert series[("Emissions|CO2|Energy", 2020)] == pytest.approx(3.25)
    for year in (2020, 2021):
        assert series[("Emissions|CO2", year)] == pytest.approx(
            series[("Emissions|CO2|Energy", year)] + series[("Emissions|CO2|Other", year)]
        )
    assert series[("Emissions|Kyoto Gases (AR4-GWP100)", 2020)] == pytest.approx(3.7775)
    assert ("Emissions|CH4|Other|cement", 2020) in series
