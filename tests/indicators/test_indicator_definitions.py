"""The packaged indicator definitions hold together: every formula parses, the Rongchang
plan's 16 rows point at defined indicators with the attribute the plan prints, and a bad
row is refused with the code named."""

from __future__ import annotations

import pytest

from citycarbon.assessment.targets import Binding
from citycarbon.indicators.definitions import DIMENSIONS, IndicatorDefinitionError, plan_indicators
from citycarbon.refdata.loader import load_codelist

CORE = ("energy_total", "carbon_total", "energy_intensity", "carbon_intensity")


def test_packaged_definitions_parse_and_carry_both_languages():
    catalogue = plan_indicators(load_codelist("citycarbon_plan_indicators"))
    assert set(CORE) <= set(catalogue)
    for indicator in catalogue.values():
        assert indicator.dimension in DIMENSIONS
        assert indicator.definition.name_zh
        assert indicator.definition.name_en
        assert indicator.formula.references, indicator.code


def test_the_rongchang_plan_is_sixteen_tracked_indicators():
    catalogue = plan_indicators(load_codelist("citycarbon_plan_indicators"))
    rows = load_codelist("citycarbon_plan_rongchang_14fyp")
    assert [int(r["number"]) for r in rows] == list(range(1, 17))
    for row in rows:
        indicator = catalogue[row["indicator"]]
        assert indicator.definition.binding is Binding(row["binding"]), row["number"]
    binding = {r["number"] for r in rows if r["binding"] == "binding"}
    assert binding == {"1", "2", "5", "9", "10", "11"}  # 约束性 as printed in the plan
    forest = next(r for r in rows if r["indicator"] == "forest_stock")
    assert (forest["baseline_value"], forest["target_value"]) == ("84.08", "90")


def _row(**change: str) -> dict[str, str]:
    row = {
        "code": "x", "name_zh": "某指标", "name_en": "some indicator", "unit": "%",
        "direction": "higher", "binding": "expected", "kind": "share", "accumulation": "annual",
        "dimension": "society", "formula": 'stat("x")', "note": "",
    }  # fmt: skip
    return row | change


@pytest.mark.parametrize(
    ("row", "field"),
    [
        (_row(dimension="weather"), "dimension"),
        (_row(direction="sideways"), "direction"),
        (_row(name_en=""), "name"),
    ],
)
def test_a_bad_definition_names_its_field(row: dict[str, str], field: str):
    with pytest.raises(Exception) as raised:  # noqa: PT011 - the field is what matters
        plan_indicators([row])
    assert getattr(raised.value, "field", None) == field


def test_duplicate_codes_are_refused():
    with pytest.raises(IndicatorDefinitionError, match="duplicate"):
        plan_indicators([_row(), _row()])
