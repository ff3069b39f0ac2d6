"""The scenario editor's levers and the pathway charts' options, on the example scenario
file: fields from a resolved definition, overrides that reproduce exactly the values entered,
and a waterfall whose bars add up."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from citycarbon.io.scenario_files import definitions_from_yaml
from citycarbon.pathways.scenario import project
from citycarbon.pathways.scenario_dict import deep_merge, resolved_dict, scenario_from_dict
from citycarbon.web.pages.pathways_charts import pathway_option, waterfall_option
from citycarbon.web.pages.pathways_levers import (
    LeverError,
    apply_levers,
    changed_levers,
    levers,
    prune,
)

EXAMPLE = Path(__file__).parents[1] / "pathways" / "data" / "example_scenarios.yaml"


@pytest.fixture(scope="module")
def definitions() -> dict[str, dict[str, Any]]:
    return definitions_from_yaml(EXAMPLE.read_text(encoding="utf-8"), EXAMPLE.name)


def _child(parent: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    return {**deep_merge(parent, overrides), "name": "child"}


def _values(definition: dict[str, Any]) -> dict[str, float]:
    return {lever.key: lever.value for lever in levers(definition)}


def test_levers_show_the_resolved_values(definitions):
    policy = resolved_dict(definitions, "policy")
    values = _values(policy)
    assert values["growth.va_industry"] == pytest.approx(5.0)
    assert values["improvement.industry"] == pytest.approx(4.0)  # the policy's own
    assert values["improvement.households"] == 0.0  # not given: no improvement
    # the industry mix goes from 30 % (2020) to 80 % (2060) electricity: 42.5 % in 2030
    assert values["electricity.industry.2030"] == pytest.approx(42.5)
    assert values["electricity.industry.2060"] == pytest.approx(80.0)
    assert values["grid.2030"] == pytest.approx(0.45)
    assert values["sinks.2060"] == pytest.approx(200000.0)


def test_changed_levers_give_exactly_the_values_entered(definitions):
    policy = resolved_dict(definitions, "policy")
    entered = {
        "growth.va_industry": 4.0,
        "improvement.services": 3.0,
        "electricity.industry.2030": 50.0,
        "grid.2060": 0.05,
        "sinks.2060": 500000.0,
    }
    child = _child(policy, apply_levers(policy, entered))
    after = _values(child)
    for key, value in entered.items():
        assert after[key] == pytest.approx(value, rel=1e-12), key
    # levers not touched keep the parent's values
    assert after["electricity.industry.2060"] == pytest.approx(80.0)
    assert after["grid.2030"] == pytest.approx(0.45)
    # the child is a valid scenario whose mixes still sum to one in every year
    scenario = scenario_from_dict(child)
    projection = project(scenario)
    shares = projection.energy_by_fuel.sum(axis=2) / projection.energy
    assert np.allclose(shares, 1.0)
    # the other fuels of industry were scaled in proportion (coal : gas as in the parent)
    mix = child["sectors"]["industry"]["mix"]
    parent_ratio = 0.6 / 0.1  # 2020, before any change
    assert mix["coal"][2020] / mix["gas"][2020] == pytest.approx(parent_ratio)


def test_growth_shift_moves_every_period(definitions):
    bau = resolved_dict(definitions, "bau")
    bau["drivers"]["va_industry"]["growth_changes"] = {2031: 0.03, 2041: 0.02}
    child = _child(bau, apply_levers(bau, {"growth.va_industry": 6.0}))
    driver = child["drivers"]["va_industry"]
    assert driver["growth"] == pytest.approx(0.06)
    assert driver["growth_changes"] == pytest.approx({2031: 0.04, 2041: 0.03})


def test_an_unchanged_form_changes_nothing(definitions):
    policy = resolved_dict(definitions, "policy")
    form = {}
    for lever in levers(policy):
        form[lever.key] = lever.shown
        form[f"orig.{lever.key}"] = lever.shown
    assert changed_levers(form, policy) == {}
    form["improvement.industry"] = "5"
    assert changed_levers(form, policy) == {"improvement.industry": 5.0}


def test_bad_lever_values_name_their_field(definitions):
    policy = resolved_dict(definitions, "policy")
    with pytest.raises(LeverError) as bad:
        changed_levers({"improvement.industry": "fast"}, policy)
    assert bad.value.field == "improvement.industry"
    assert "不是有效数字" in bad.value.message.zh
    assert "not a valid number" in bad.value.message.en
    with pytest.raises(LeverError) as share:
        apply_levers(policy, {"electricity.industry.2030": 120.0})
    assert share.value.field == "electricity.industry.2030"


def test_prune_keeps_only_what_differs(definitions):
    policy = resolved_dict(definitions, "policy")
    overrides = {"sectors": {"industry": {"improvement": 0.04, "intensity": 0.25}}}
    assert prune(overrides, policy) == {"sectors": {"industry": {"intensity": 0.25}}}


def test_the_waterfall_bars_add_up():
    result = {
        "start": 2020, "end": 2030, "start_total": 100.0e6, "end_total": 90.0e6,
        "effects": {"population": 5.0e6, "intensity": -20.0e6, "mix": 5.0e6},
    }  # fmt: skip
    option = waterfall_option(result, "en")
    base, total, rise, fall = (s["data"] for s in option["series"])
    assert (total[0], total[-1]) == (100.0, 90.0)
    assert (rise[1], fall[2], rise[3]) == (5.0, 20.0, 5.0)
    # each floating bar starts where the running total was (or ends there, for a fall)
    assert base[1:4] == [100.0, 85.0, 85.0]
    assert option["xAxis"]["data"][1] == "population"


def test_the_pathway_chart_has_a_band_a_target_line_and_peaks():
    run = {
        "scenario": "policy", "label": {"zh": "政策", "en": "policy"},
        "years": [2020, 2030, 2040], "emissions": {"gross": [1e6, 2e6, 1.5e6], "net": [0.5e6] * 3},
        "peak": {"year": 2030, "value": 2e6},
        "uncertainty": {"p5": [0.9e6, 1.8e6, 1.2e6], "p95": [1.1e6, 2.3e6, 1.9e6]},
    }  # fmt: skip
    option = pathway_option([run], "policy", "zh", 2030)
    gross, net, low, width = option["series"]
    assert gross["markLine"]["data"] == [{"xAxis": "2030"}]
    assert gross["markPoint"]["data"][0]["coord"] == ["2030", 2.0]
    assert net["lineStyle"]["type"] == "dashed"
    assert low["stack"] == width["stack"] == "band"
    assert width["data"] == [pytest.approx(0.2), pytest.approx(0.5), pytest.approx(0.7)]
