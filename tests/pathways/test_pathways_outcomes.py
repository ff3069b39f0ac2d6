"""Outcomes of a pathway: peak against 2030, five-year intensity targets, neutrality gap."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from citycarbon.errors import Message
from citycarbon.pathways.outcomes import (
    IntensityTarget,
    OutcomeError,
    PathwayTargets,
    evaluate_outcomes,
    gdp_path,
    targets_from_rows,
)
from citycarbon.pathways.peak import PeakStatus
from citycarbon.pathways.scenario import project
from citycarbon.pathways.scenario_dict import scenario_from_dict

HAS_CJK = re.compile(r"[\u4e00-\u9fff]")

# One coal sector on value added growing 5 %/yr from 2024 while its intensity falls 10 %/yr:
# emissions 100·0.95^(t−2024)... per year: 100 × (1.05 × 0.9)^k = 100 × 0.945^k, falling.
FALLING: dict[str, Any] = {
    "name": "falling",
    "base_year": 2024,
    "end_year": 2060,
    "drivers": {
        "va_industry": {"base": 100.0, "growth": 0.05},
        "va_services": {"base": 100.0, "growth": 0.05},
        "population": {"base": 10.0, "growth": 0.0},
    },
    "sectors": {
        "industry": {
            "activity": "va_industry",
            "intensity": 1.0,
            "improvement": 0.1,
            "mix": {"coal": 1.0},
        },
    },
    "fuels": {"coal": {"co2": 1.0}},
    "sinks": {"base": 10.0, "growth": 0.0},
}


def target(start: int, end: int, reduction: float, indicator: str = "carbon") -> IntensityTarget:
    return IntensityTarget(
        code=f"t{start}",
        indicator="carbon" if indicator == "carbon" else "energy",
        start=start,
        end=end,
        reduction=reduction,
        label=Message(zh="目标", en="target"),
    )


def test_gdp_is_the_sum_of_value_added_unless_a_gdp_driver_is_given() -> None:
    scenario = scenario_from_dict(FALLING)
    gdp, source = gdp_path(scenario)
    assert source == "sum of va_* drivers"
    assert gdp is not None
    assert gdp[:2] == pytest.approx([200.0, 210.0])
    with_gdp = copy.deepcopy(FALLING)
    with_gdp["drivers"]["gdp"] = {"base": 500.0, "growth": 0.0}
    assert gdp_path(scenario_from_dict(with_gdp))[1] == "driver gdp"


def test_falling_emissions_meet_intensity_targets_and_peak_at_the_base_year() -> None:
    scenario = scenario_from_dict(FALLING)
    projection = project(scenario)
    # carbon intensity: 100·0.945^k / (200·1.05^k) = 0.5 · 0.9^k → 2025→2030: 1 − 0.9^5 = 41 %
    outcome = evaluate_outcomes(
        scenario, projection, PathwayTargets(intensity=(target(2025, 2030, 0.18),))
    )
    check = outcome.intensity[0]
    assert check.achieved == pytest.approx(1 - 0.9**5)
    assert check.met is True
    assert outcome.peak.status is PeakStatus.PEAKED
    assert outcome.peak.peak_year == 2024
    assert outcome.peak_met is True
    # net = gross − 10: 100·0.945^k − 10 ≤ 0 from k = 41 → never within 2060; gap in 2060
    assert outcome.neutrality.year == 2060
    assert outcome.neutrality.gap == pytest.approx(100 * 0.945**36 - 10)
    assert outcome.neutrality.first_net_zero_year is None
    # the stored history before the base year is part of the series: an earlier, higher year
    # becomes the peak
    history = {"emissions": {2018: 90.0, 2019: 120.0, 2020: 110.0}}
    earlier = evaluate_outcomes(scenario, projection, PathwayTargets(), history=history)
    assert earlier.peak.peak_year == 2019
    assert earlier.peak_met is True
    as_dict = outcome.as_dict()
    assert as_dict["peak"]["met"] is True
    assert as_dict["intensity"][0]["required"] == 0.18


def test_a_target_too_steep_is_not_met_and_history_fills_years_before_the_base() -> None:
    scenario = scenario_from_dict(FALLING)
    projection = project(scenario)
    steep = target(2024, 2025, 0.2)  # achieved 10 %
    from_history = target(2020, 2025, 0.3)  # 0.6 in 2020 → 0.45 in 2025: 25 %
    undecided = target(2005, 2030, 0.65)
    outcome = evaluate_outcomes(
        scenario,
        projection,
        PathwayTargets(intensity=(steep, from_history, undecided)),
        history={"carbon": {2020: 0.6}},
    )
    assert outcome.intensity[0].met is False
    assert outcome.intensity[0].achieved == pytest.approx(0.1)
    assert outcome.intensity[1].achieved == pytest.approx(0.25)
    assert outcome.intensity[1].met is False
    assert outcome.intensity[2].met is None
    reason = outcome.intensity[2].reason
    assert reason is not None
    assert "2005" in reason.en
    assert HAS_CJK.search(reason.zh)


def test_rising_emissions_miss_the_2030_peak_whatever_the_history() -> None:
    rising = copy.deepcopy(FALLING)
    rising["sectors"]["industry"]["improvement"] = 0.0  # emissions grow 5 %/yr to 2060
    scenario = scenario_from_dict(rising)
    projection = project(scenario)
    outcome = evaluate_outcomes(scenario, projection, PathwayTargets())
    assert outcome.peak.status is PeakStatus.RISING
    assert outcome.peak_met is False
    assert outcome.neutrality.gap > 0
    # a plateau that held before: history alone does not make a rising pathway peak
    history = {"emissions": {2019: 150.0, 2020: 140.0}}
    assert (
        evaluate_outcomes(scenario, projection, PathwayTargets(), history=history).peak_met is False
    )
    # a deep sink brings neutrality: net ≤ 0 from the base year on
    sinks = copy.deepcopy(FALLING)
    sinks["sinks"] = {"base": 1000.0, "growth": 0.0}
    deep = scenario_from_dict(sinks)
    neutral = evaluate_outcomes(deep, project(deep), PathwayTargets())
    assert neutral.neutrality.first_net_zero_year == 2024
    assert neutral.neutrality.gap == 0.0


def test_without_gdp_intensity_checks_are_undecided() -> None:
    no_gdp = copy.deepcopy(FALLING)
    no_gdp["drivers"] = {"output": {"base": 100.0, "growth": 0.05}}
    no_gdp["sectors"]["industry"]["activity"] = "output"
    scenario = scenario_from_dict(no_gdp)
    outcome = evaluate_outcomes(
        scenario, project(scenario), PathwayTargets(intensity=(target(2025, 2030, 0.18),))
    )
    assert outcome.gdp_source is None
    assert outcome.intensity[0].met is None


def test_packaged_national_targets_parse() -> None:
    from citycarbon.refdata.loader import load_codelist

    targets = targets_from_rows(load_codelist("citycarbon_pathway_targets"))
    assert targets.peak_by == 2030
    assert targets.neutral_by == 2060
    codes = {t.code: t for t in targets.intensity}
    assert codes["14fyp_co2_intensity"].reduction == 0.18
    assert codes["14fyp_co2_intensity"].start == 2020
    assert codes["ndc_co2_intensity_2030"].reduction == 0.65


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ({"kind": "peak", "end": "soon"}, "end"),
        ({"kind": "intensity", "indicator": "water", "start": "2020", "end": "2025"}, "indicator"),
        ({"kind": "intensity", "indicator": "carbon", "start": "2020", "end": "2025",
          "value": "x"}, "value"),
        ({"kind": "cap"}, "kind"),
    ],
)  # fmt: skip
def test_bad_target_rows_name_row_and_field(row: dict[str, str], field: str) -> None:
    with pytest.raises(OutcomeError) as excinfo:
        targets_from_rows([{"kind": "neutrality", "end": "2060"}, row])
    assert excinfo.value.field == field
    assert "row 2" in excinfo.value.message.en
    assert HAS_CJK.search(excinfo.value.message.zh)
