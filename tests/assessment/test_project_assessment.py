"""Project carbon assessment, the pure core: emissions and energy worked by hand with the
packaged factors, bad intake rejected with the field named, benchmark levels, the 两高
flag, zone rules, the district budget arithmetic, the grade and the workflow."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from citycarbon.assessment.project import (
    FuelUse,
    Level,
    ProjectInputError,
    ProjectIntake,
    benchmarks_from_rows,
    intensity,
    project_emissions,
    two_high,
)
from citycarbon.assessment.project_grading import (
    DistrictContext,
    IntensityTarget,
    average_growth,
    district_budget,
)
from citycarbon.assessment.project_grading import assess_project as assess_core
from citycarbon.assessment.project_workflow import (
    ProjectAction,
    ProjectState,
    ProjectWorkflowError,
    project_step,
)
from citycarbon.enterprise.workflow import WorkflowError
from citycarbon.errors import Message
from citycarbon.refdata.loader import load_codelist, load_factor_set, load_gwp

FACTORS = load_factor_set("cn-city@2026.1")
AR5 = load_gwp("AR5")
BENCHMARK_ROWS = load_codelist("citycarbon_project_benchmarks")
TWO_HIGH_ROWS = load_codelist("cn_two_high_industries")
RULE_ROWS = load_codelist("citycarbon_zone_admission_rules")


def intake(**changes: Any) -> ProjectIntake:
    base = ProjectIntake(
        name_zh="测试项目",
        region_code="321112001",
        industry="3973",
        annual_output=100.0,
        output_unit="万片",
        output_value_10k_cny=10_000.0,
        start_year=2023,
        energy=(FuelUse("raw_coal", 1000.0, "t"),),
        electricity_mwh=1000.0,
    )
    return replace(base, **changes)


def district(**changes: Any) -> DistrictContext:
    base = DistrictContext(code="321112", name=Message("丹徒区", "Dantu"))
    return replace(base, **changes)


def assess_project(item: ProjectIntake, zone: str | None, where: DistrictContext) -> Any:
    return assess_core(item, zone, where, FACTORS, AR5, BENCHMARK_ROWS, TWO_HIGH_ROWS, RULE_ROWS)


# ---- emissions and energy, by hand


def test_coal_and_electricity_worked_by_hand():
    """1000 t raw coal + 1000 MWh, 2023, factor set cn-city@2026.1, AR5.

    Coal: 1000 t × 20.908 GJ/t (GB/T 2589 NCV) = 20.908 TJ; EF = 26.37 t C/TJ × 0.94 × 44/12
    = 90.8886 t CO2/TJ → 1900.2988 t CO2; CH4 20.908 TJ × 10 kg/TJ = 0.20908 t, N2O × 1.5
    kg/TJ = 0.031362 t (IPCC manufacturing); CO2e = 1900.2988 + 0.20908 × 28 + 0.031362 ×
    265 = 1914.4640 t; energy 1000 t × 0.7143 tce/t = 714.3 tce.
    Electricity: 1000 MWh × 0.5306 t/MWh (national average 2023) = 530.6 t;
    1,000,000 kWh × 0.1229 kgce/kWh = 122.9 tce."""
    coal_co2 = 1000 * 20.908 / 1000 * 26.37 * 0.94 * 44 / 12
    coal_co2e = coal_co2 + 0.20908 * 28 + 0.031362 * 265
    result = project_emissions(intake(), FACTORS, AR5)
    assert coal_co2 == pytest.approx(1900.2988, abs=1e-3)
    coal, power = result.lines
    assert coal.co2e_t == pytest.approx(coal_co2e, rel=1e-9)
    assert coal.co2e_t == pytest.approx(1914.4640, abs=1e-3)
    assert coal.energy_tce == pytest.approx(714.3)
    assert (coal.category, coal.scope) == ("1.A.2", "direct")
    assert power.co2e_t == pytest.approx(530.6)
    assert power.energy_tce == pytest.approx(122.9)
    assert power.scope == "indirect"
    assert result.total_t == pytest.approx(coal_co2e + 530.6)
    assert result.energy_tce == pytest.approx(837.2)
    # traceability: every factor by id, with the set and the GWP set
    ids = {f.factor_id for line in result.lines for f in line.factors}
    assert {
        "cn_gbt2589_energy:ncv:raw_coal",
        "cn_provincial_fuel:carbon_content:raw_coal",
        "cn_provincial_fuel:oxidation_factor:raw_coal",
        "cn_grid_emission_factors:grid_ef:mee_nbs_national_average:2023",
        "cn_gbt2589_energy:tce_coefficient:electricity",
        "cn_gbt2589_energy:tce_coefficient:raw_coal",
    } <= ids
    data = result.as_dict()
    assert (data["factor_set"], data["gwp_set"]) == ("cn-city@2026.1", "AR5")


def test_heat_and_process_emissions_add_as_given():
    result = project_emissions(
        intake(energy=(), electricity_mwh=0.0, heat_gj=1000.0, process_emissions_t=50.0),
        FACTORS,
        AR5,
    )
    heat, process = result.lines
    assert heat.co2e_t == pytest.approx(110.0)  # 1000 GJ × 0.11 t/GJ
    assert heat.energy_tce == pytest.approx(34.12)  # 1000 GJ × 0.03412 tce/GJ
    assert (process.co2e_t, process.energy_tce) == (50.0, 0.0)
    assert result.direct_t == pytest.approx(50.0)
    assert result.indirect_t == pytest.approx(110.0)


def test_a_year_without_a_grid_factor_takes_the_nearest_and_says_which():
    result = project_emissions(intake(start_year=2030), FACTORS, AR5)
    power = result.lines[1]
    grid = next(f for f in power.factors if f.name == "grid_ef")
    assert grid.factor_id == "cn_grid_emission_factors:grid_ef:mee_nbs_national_average:2023"


def test_zero_energy_means_zero_emissions_and_the_best_grade():
    item = intake(energy=(), electricity_mwh=0.0)
    found = assess_project(item, "key", district())
    assert found.emissions.total_t == 0.0
    assert found.emissions.energy_tce == 0.0
    assert found.intensity.co2e_per_10k_cny == 0.0
    assert found.intensity.level is Level.ADVANCED
    assert found.grade == "A"


@settings(max_examples=40, deadline=None)
@given(
    st.floats(min_value=0, max_value=1e7, allow_nan=False),
    st.floats(min_value=0, max_value=1e7, allow_nan=False),
    st.sampled_from(["raw_coal", "natural_gas", "diesel", "coke"]),
)
def test_emissions_and_energy_grow_with_fuel_quantity(a: float, b: float, fuel: str):
    unit = "10^4 Nm3" if fuel == "natural_gas" else "t"
    low, high = sorted((a, b))
    small = project_emissions(intake(energy=(FuelUse(fuel, low, unit),)), FACTORS, AR5)
    large = project_emissions(intake(energy=(FuelUse(fuel, high, unit),)), FACTORS, AR5)
    assert small.total_t <= large.total_t * (1 + 1e-12)
    assert small.energy_tce <= large.energy_tce * (1 + 1e-12)


# ---- bad intake


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"annual_output": -1.0}, "annual_output", "不小于零"),
        ({"annual_output": math.inf}, "annual_output", "有限"),
        ({"output_value_10k_cny": -5.0}, "output_value_10k_cny", "zero or more"),
        ({"output_value_10k_cny": 0.0}, "output_value_10k_cny", "产值不能为零"),
        ({"name_zh": "  "}, "name_zh", "name"),
        ({"industry": "C30"}, "industry", "GB/T 4754"),
        ({"electricity_mwh": math.nan}, "electricity_mwh", "finite"),
        ({"process_emissions_t": -3.0}, "process_emissions_t", "工业过程排放"),
        ({"energy": (FuelUse("raw_coal", -10.0, "t"),)}, "energy[0].quantity", "燃料用量"),
        ({"energy": (FuelUse("raw_coal", 1.0, ""),)}, "energy[0].unit", "unit"),
        ({"start_year": 1800}, "start_year", "1900"),
        ({"annual_output": 1e13}, "annual_output", "too large"),
        ({"output_unit": "t" * 31}, "output_unit", "too long"),
        ({"energy": (FuelUse("raw_coal", 1.0, "1/0"),)}, "energy[0].unit", "one of"),
    ],
)
def test_bad_intake_is_rejected_with_the_field(changes: dict[str, Any], field: str, words: str):
    with pytest.raises(ProjectInputError) as caught:
        intake(**changes)
    assert caught.value.field == field
    assert words in str(caught.value)
    assert caught.value.message.zh
    assert caught.value.message.en


def test_negative_output_message_in_both_languages():
    with pytest.raises(ProjectInputError) as caught:
        intake(annual_output=-100.0)
    message = caught.value.message
    assert message.zh == "年产量应不小于零（annual_output）"
    assert message.en == "annual output must be zero or more (annual_output)"


def test_unknown_fuel_and_unit_and_product_are_named():
    with pytest.raises(ProjectInputError) as caught:
        project_emissions(intake(energy=(FuelUse("moon_dust", 1.0, "t"),)), FACTORS, AR5)
    assert caught.value.field == "energy[0].fuel"
    assert "moon_dust" in caught.value.message.en
    with pytest.raises(ProjectInputError) as caught:
        intake(energy=(FuelUse("raw_coal", 1.0, "km"),))  # not a fuel unit
    assert caught.value.field == "energy[0].unit"
    with pytest.raises(ProjectInputError) as caught:  # a fuel unit, but not for a gas
        project_emissions(intake(energy=(FuelUse("natural_gas", 1.0, "t"),)), FACTORS, AR5)
    assert caught.value.field == "energy[0].unit"
    assert "natural_gas" in caught.value.message.en
    benchmarks = benchmarks_from_rows(BENCHMARK_ROWS)
    item = intake(product="cement_clinker", output_unit="万片")
    with pytest.raises(ProjectInputError) as caught:
        intensity(item, project_emissions(item, FACTORS, AR5), benchmarks)
    assert caught.value.field == "output_unit"
    item = intake(product="unobtainium")
    with pytest.raises(ProjectInputError) as caught:
        intensity(item, project_emissions(item, FACTORS, AR5), benchmarks)
    assert caught.value.field == "product"


# ---- benchmarks, 两高, zone rules, grade


def cement_line(**changes: Any) -> ProjectIntake:
    fields: dict[str, Any] = {
        "name_zh": "新建4500t/d水泥熟料生产线", "region_code": "321112007", "industry": "3011",
        "product": "cement_clinker", "annual_output": 1_395_000.0, "output_unit": "t",
        "output_value_10k_cny": 41_850.0, "start_year": 2026,
        "energy": (FuelUse("raw_coal", 190_000.0, "t"),), "electricity_mwh": 76_700.0,
        "process_emissions_t": 732_000.0,
    }  # fmt: skip
    return intake(**(fields | changes))


def test_benchmark_levels_by_hand():
    """(190,000 t × 0.7143 + 76,700 MWh × 0.1229) tce × 1000 / 1,395,000 t = 104.05 kgce/t:
    between the advanced 100 and the access 107 kgce/t of cement clinker."""
    item = cement_line()
    found = intensity(
        item, project_emissions(item, FACTORS, AR5), benchmarks_from_rows(BENCHMARK_ROWS)
    )
    expected = (190_000 * 0.7143 + 76_700 * 0.1229) * 1000 / 1_395_000
    assert found.energy_per_unit == pytest.approx(expected)
    assert found.energy_per_unit == pytest.approx(104.05, abs=0.01)
    assert found.level is Level.BETWEEN
    assert found.benchmark is not None
    assert (found.benchmark.energy_advanced, found.benchmark.energy_limit) == (100.0, 117.0)


def test_two_high_takes_the_longest_listed_code():
    assert two_high("3011", TWO_HIGH_ROWS).sector == "building_materials"
    assert two_high("3216", TWO_HIGH_ROWS).code == "321"
    assert two_high("4411", TWO_HIGH_ROWS).sector == "coal_power"
    assert not two_high("3973", TWO_HIGH_ROWS).flagged
    assert not two_high("3251", TWO_HIGH_ROWS).flagged  # rolling, not smelting


def test_cement_line_in_an_ecological_zone_is_grade_e_with_the_zone_reason():
    found = assess_project(cement_line(), "ecological", district())
    assert found.grade == "E"
    codes = [f.code for f in found.findings]
    assert codes[:2] == ["eco_no_two_high", "eco_energy_cap"]
    zone = found.findings[0]
    assert zone.severity == "veto"
    assert "生态平衡区禁止新建“两高”项目" in zone.text.zh
    assert zone.numbers["sector"] == "building_materials"
    assert found.two_high.flagged
    # no target in the district: said as a reason, not a crash
    assert "no_target" in codes
    assert any("no carbon_intensity target on record" in f.text.en for f in found.findings)
    data = found.as_dict()
    assert data["grade"] == "E"
    assert {r["code"]: r["passed"] for r in data["zone_rules"]} == {
        "eco_no_two_high": False, "eco_energy_cap": False,
    }  # fmt: skip


def test_same_line_in_a_key_zone_is_judged_on_its_level():
    found = assess_project(cement_line(), "key", district())
    # 两高 below the advanced level → D; the level itself is B
    assert found.grade == "D"
    assert [f.code for f in found.findings][:2] == ["two_high_not_advanced", "level_between"]


def test_worse_than_the_limit_value_is_grade_e():
    found = assess_project(
        cement_line(energy=(FuelUse("raw_coal", 240_000.0, "t"),)), "key", district()
    )
    assert found.intensity.level is Level.WORSE_THAN_LIMIT
    assert found.grade == "E"
    assert "level_worse_than_limit" in [f.code for f in found.findings]


# ---- district budget


def test_average_growth_is_compound_over_the_last_five_years():
    series = {2015: 50.0, 2019: 100.0, 2020: 110.0, 2024: 100.0 * 1.1**5}
    assert average_growth(series) == pytest.approx(0.1)
    assert average_growth({2024: 5.0}) is None


def test_budget_share_arithmetic():
    """GDP 100 万元 in 2020 growing 10 % a year → 121 in 2022; target 12 t/万元 → allowed
    1452 t; current 1000 t → remaining 452 t; a 45.2 t project takes 10 %."""
    target = IntensityTarget("carbon_intensity", "14fyp", 2022, 12.0)
    budget = district_budget("carbon", 1000.0, 2020, 100.0, 0.1, target, 45.2)
    assert budget.gdp_target_year == pytest.approx(121.0)
    assert budget.allowed == pytest.approx(1452.0)
    assert budget.remaining == pytest.approx(452.0)
    assert budget.share == pytest.approx(0.1)
    assert budget.intensity_current == pytest.approx(10.0)
    assert budget.intensity_without == pytest.approx(1000 / 121)
    assert budget.intensity_with == pytest.approx(1045.2 / 121)
    assert budget.on_target_with
    spent = district_budget("carbon", 1500.0, 2020, 100.0, 0.1, target, 1.0)
    assert spent.share is None  # nothing remains


@given(
    st.floats(min_value=1, max_value=1e8),
    st.floats(min_value=1, max_value=1e7),
    st.floats(min_value=0, max_value=1e6),
)
def test_share_times_remaining_is_the_project(current: float, gdp: float, project: float):
    target = IntensityTarget("carbon_intensity", "p", 2030, 2 * current / gdp)
    budget = district_budget("carbon", current, 2024, gdp, 0.05, target, project)
    assert budget.remaining > 0
    assert budget.share is not None
    assert budget.share * budget.remaining == pytest.approx(project, rel=1e-9, abs=1e-9)


def dantu(target: float) -> DistrictContext:
    gdp = {2020 + n: 4_000_000.0 * 1.05**n for n in range(5)}
    return district(
        inventory_year=2024, emissions_t=16_000_000.0, energy_tce=6_000_000.0,
        gdp_10k_cny=gdp, carbon_target=IntensityTarget("carbon_intensity", "14fyp", 2025, target),
    )  # fmt: skip


def test_a_large_project_that_pushes_the_district_off_target_is_d():
    gdp_2025 = 4_000_000.0 * 1.05**5
    on_target = 16_000_000.0 / gdp_2025 * 1.02  # 2 % headroom
    found = assess_project(cement_line(), "key", dantu(on_target))
    carbon = found.budgets[0]
    assert carbon.on_target_without
    assert not carbon.on_target_with
    assert carbon.share is not None
    assert carbon.share > 1
    codes = [f.code for f in found.findings]
    assert "pushes_off_target" in codes
    assert "budget_share_major" in codes
    assert "no_target" in codes  # the energy target is missing, and said so


def test_a_small_project_takes_a_small_share():
    found = assess_project(intake(start_year=2026), "key", dantu(4.0))
    carbon = found.budgets[0]
    assert carbon.share is not None
    assert carbon.share < 0.03
    assert "budget_share_moderate" not in [f.code for f in found.findings]


def test_a_project_that_adds_nothing_takes_no_budget_even_where_none_remains():
    found = assess_project(intake(energy=(), electricity_mwh=0.0), "key", dantu(1.0))
    carbon = found.budgets[0]
    assert carbon.remaining < 0
    assert carbon.share is None
    assert not carbon.on_target_without
    assert found.grade == "A"
    codes = [f.code for f in found.findings]
    assert "no_remaining_budget" not in codes
    assert "district_off_target" not in codes


def test_a_project_where_no_budget_remains_is_d():
    found = assess_project(intake(start_year=2026), "key", dantu(1.0))
    codes = [f.code for f in found.findings]
    assert "no_remaining_budget" in codes
    assert "district_off_target" in codes
    assert found.grade == "D"


# ---- workflow


def test_workflow_steps():
    assert project_step(ProjectState.SUBMITTED, ProjectAction.ASSESS) is ProjectState.ASSESSED
    assert project_step(ProjectState.ASSESSED, ProjectAction.ASSESS) is ProjectState.ASSESSED
    assert project_step(ProjectState.ASSESSED, ProjectAction.APPROVE) is ProjectState.APPROVED
    assert (
        project_step(ProjectState.ASSESSED, ProjectAction.REJECT, reason="zone rule")
        is ProjectState.REJECTED
    )
    assert (
        project_step(ProjectState.ASSESSED, ProjectAction.APPROVE_WITH_CONDITIONS, conditions="x")
        is ProjectState.APPROVED_WITH_CONDITIONS
    )


@pytest.mark.parametrize(
    ("state", "action", "texts", "field"),
    [
        (ProjectState.SUBMITTED, ProjectAction.APPROVE, {}, "status"),
        (ProjectState.REJECTED, ProjectAction.ASSESS, {}, "status"),
        (ProjectState.APPROVED, ProjectAction.REJECT, {"reason": "late"}, "status"),
        (ProjectState.ASSESSED, ProjectAction.REJECT, {"reason": "  "}, "reason"),
        (ProjectState.ASSESSED, ProjectAction.APPROVE_WITH_CONDITIONS, {}, "conditions"),
    ],
)
def test_out_of_turn_steps_are_workflow_errors(
    state: ProjectState, action: ProjectAction, texts: dict[str, str], field: str
):
    with pytest.raises(ProjectWorkflowError) as caught:
        project_step(state, action, **texts)
    assert isinstance(caught.value, WorkflowError)
    assert caught.value.field == field
