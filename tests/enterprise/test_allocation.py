"""Allowance allocation: the power benchmark method on the packaged list, checked by hand,
the historical-intensity method, pre-allocation and true-up, and bad input naming its field."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from citycarbon.enterprise.allocation import (
    AllocationError,
    BaseYear,
    GeneratingUnit,
    IntensityLine,
    allocate_unit,
    benchmark_allocation,
    historical_intensity,
    intensity_allocation,
    load_factor,
    pre_allocate,
    true_up,
)
from citycarbon.enterprise.ets_rules import EtsRules
from citycarbon.enterprise.power_benchmarks import BENCHMARK_TABLE, PowerBenchmarks
from citycarbon.errors import ReferenceDataError
from citycarbon.refdata.loader import load_codelist, table_infos

ABOVE_300 = "coal_conventional_above_300mw"


@pytest.fixture(scope="module")
def table() -> PowerBenchmarks:
    return PowerBenchmarks.from_codelist(
        load_codelist(BENCHMARK_TABLE), source=table_infos()[BENCHMARK_TABLE].document
    )


@pytest.fixture(scope="module")
def rules() -> EtsRules:
    return EtsRules.from_codelist(load_codelist("cn_ets_rules"))


def _coal(**kw: object) -> GeneratingUnit:
    values: dict[str, object] = {
        "unit_id": "U1",
        "category": ABOVE_300,
        "electricity_mwh": 3_000_000.0,
        "load_factor": 0.80,
        "capacity_mw": 600.0,
    }
    values.update(kw)
    return GeneratingUnit(**values)  # type: ignore[arg-type]


def test_the_packaged_list_carries_the_plans_benchmarks_with_source_and_status(
    table: PowerBenchmarks,
):
    info = table_infos()[BENCHMARK_TABLE]
    assert "国环规气候〔2020〕3号" in info.document
    assert "recalled" in info.status
    values = {k: b.value for k, b in table.benchmarks.items()}
    assert values[(ABOVE_300, "electricity")] == 0.877
    assert values[("coal_conventional_300mw_below", "electricity")] == 0.979
    assert values[("coal_unconventional", "electricity")] == 1.146
    assert values[("gas", "electricity")] == 0.392
    assert values[(ABOVE_300, "heat")] == 0.126
    assert values[("gas", "heat")] == 0.059
    assert "国环规气候〔2020〕3号" in table.source


def test_a_600_mw_coal_unit_at_80_percent_load_checks_by_hand(table: PowerBenchmarks):
    # 3,000,000 MWh × 0.877 t/MWh × 1 (water) × 1 (no heat) × (1 + 0.0014 × (85 − 80))
    line = allocate_unit(_coal(), table)
    assert line.allowance_t == pytest.approx(3_000_000 * 0.877 * 1.007)
    assert line.allowance_t == pytest.approx(2_649_417.0)
    (part,) = line.parts
    assert part.benchmark_ref == f"{BENCHMARK_TABLE}:{ABOVE_300}.electricity"
    assert part.output == 3_000_000.0
    assert part.output_unit == "MWh"
    assert part.benchmark_unit == "t CO2/MWh"
    codes = {c.code: c.value for c in part.coefficients}
    assert codes == pytest.approx(
        {"cooling.water": 1.0, "heat_supply.coal": 1.0, "load.80_85": 1.007}
    )
    load = next(c for c in part.coefficients if c.code == "load.80_85")
    assert load.x == pytest.approx(80.0)
    assert part.equation == "output × benchmark × cooling.water × heat_supply.coal × load.80_85"


@pytest.mark.parametrize(
    ("factor", "code", "coefficient"),
    [
        (0.90, "load.85_up", 1.0),
        (0.85, "load.85_up", 1.0),
        (0.82, "load.80_85", 1 + 0.0014 * 3),
        (0.78, "load.75_80", 1.007 + 0.0016 * 2),
        (0.70, "load.below_75", 1.015**2),  # 1.015^(16 − 20 × 0.70)
        (0.50, "load.below_75", 1.015**6),
    ],
)
def test_load_factor_bands(table: PowerBenchmarks, factor: float, code: str, coefficient: float):
    line = allocate_unit(_coal(load_factor=factor), table)
    applied = {c.code: c.value for c in line.parts[0].coefficients}
    assert applied[code] == pytest.approx(coefficient)
    assert line.allowance_t == pytest.approx(3_000_000 * 0.877 * coefficient)


def test_an_air_cooled_chp_unit_gets_cooling_and_heat_supply_and_a_heat_part(
    table: PowerBenchmarks,
):
    unit = _coal(cooling="air", heat_gj=2_000_000.0, heat_supply_ratio=0.2, load_factor=None)
    line = allocate_unit(unit, table)
    electricity, heat = line.parts
    # no load coefficient: a unit that supplies heat is not pure-condensing
    assert [c.code for c in electricity.coefficients] == ["cooling.air", "heat_supply.coal"]
    assert electricity.allowance_t == pytest.approx(3_000_000 * 0.877 * 1.05 * (1 - 0.22 * 0.2))
    assert heat.allowance_t == pytest.approx(2_000_000 * 0.126)
    assert heat.benchmark_ref.endswith(f"{ABOVE_300}.heat")
    assert line.allowance_t == pytest.approx(2_640_997.8 + 252_000.0)


def test_a_gas_unit_has_no_cooling_or_load_correction(table: PowerBenchmarks):
    unit = GeneratingUnit("G1", "gas", 1_000_000.0, heat_gj=500_000.0, heat_supply_ratio=0.3)
    line = allocate_unit(unit, table)
    assert [c.code for c in line.parts[0].coefficients] == ["heat_supply.gas"]
    assert line.allowance_t == pytest.approx(1_000_000 * 0.392 * 0.82 + 500_000 * 0.059)


def test_the_allocation_sums_units_and_names_its_source(table: PowerBenchmarks):
    units = [_coal(), GeneratingUnit("G1", "gas", 1_000_000.0)]
    allocation = benchmark_allocation(units, table, 2020)
    assert allocation.total_t == pytest.approx(2_649_417.0 + 392_000.0)
    assert allocation.method == "benchmark"
    assert allocation.sources[0].startswith(BENCHMARK_TABLE)
    shown = allocation.as_dict()
    assert shown["unit"] == "t CO2"
    assert shown["lines"][0]["parts"][0]["benchmark_ref"].endswith(".electricity")  # type: ignore[index]


def test_load_factor_from_generation_capacity_and_hours():
    assert load_factor(3_300_000, 600, 5500) == pytest.approx(1.0)
    assert load_factor(2_640_000, 600, 5500) == pytest.approx(0.8)
    with pytest.raises(AllocationError) as caught:
        load_factor(1, 0, 5500)
    assert caught.value.field == "capacity_mw"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"category": "coal_imaginary"}, "units[0].category"),
        ({"electricity_mwh": -1.0}, "units[0].electricity_mwh"),
        ({"electricity_mwh": math.nan}, "units[0].electricity_mwh"),
        ({"cooling": "oil"}, "units[0].cooling"),
        ({"heat_gj": 1000.0}, "units[0].heat_supply_ratio"),  # heat supplied, ratio 0
        ({"heat_supply_ratio": 0.1}, "units[0].heat_supply_ratio"),  # ratio, no heat
        ({"heat_gj": 1000.0, "heat_supply_ratio": 1.5}, "units[0].heat_supply_ratio"),
        ({"load_factor": None}, "units[0].load_factor"),
        ({"load_factor": 1.3}, "units[0].load_factor"),
        ({"capacity_mw": 300.0}, "units[0].capacity_mw"),  # 300 MW is not above the class
        ({"unit_id": " "}, "units[0].unit_id"),
    ],
)
def test_bad_unit_input_names_the_field_in_both_languages(
    table: PowerBenchmarks, changes: dict[str, object], field: str
):
    with pytest.raises(AllocationError) as caught:
        benchmark_allocation([_coal(**changes)], table, 2020)
    assert caught.value.field == field
    assert caught.value.message.zh != caught.value.message.en
    assert any("\u4e00" <= ch <= "\u9fff" for ch in caught.value.message.zh)


def test_repeated_unit_ids_are_refused(table: PowerBenchmarks):
    with pytest.raises(AllocationError) as caught:
        benchmark_allocation([_coal(), _coal()], table, 2020)
    assert caught.value.field == "units[1].unit_id"


def test_a_list_without_the_electricity_benchmark_of_a_category_is_refused():
    rows = [r for r in load_codelist(BENCHMARK_TABLE) if r["code"] != "gas.electricity"]
    with pytest.raises(ReferenceDataError, match="gas"):
        PowerBenchmarks.from_codelist(rows, source="test")


# ── historical intensity ─────────────────────────────────────────────────────────────────


def test_historical_intensity_is_output_weighted_over_the_base_years():
    history = [BaseYear(2016, 900_000.0, 1_000_000.0), BaseYear(2017, 1_100_000.0, 1_000_000.0)]
    assert historical_intensity(history) == pytest.approx(1.0)
    skewed = [BaseYear(2016, 100.0, 100.0), BaseYear(2017, 300.0, 100.0)]
    assert historical_intensity(skewed) == pytest.approx(2.0)
    with pytest.raises(AllocationError) as caught:
        historical_intensity([BaseYear(2016, 1.0, 1.0), BaseYear(2016, 1.0, 1.0)])
    assert caught.value.field == "history.year"
    with pytest.raises(AllocationError) as caught:
        historical_intensity([])
    assert caught.value.field == "history"


def test_intensity_allocation_is_output_times_intensity_times_decline_factor():
    line = IntensityLine("K1", "clinker", 1_200_000.0, "t", 0.86, 0.98, "省方案 2020")
    allocation = intensity_allocation([line], 2020)
    assert allocation.total_t == pytest.approx(1_200_000 * 0.86 * 0.98)
    (part,) = allocation.lines[0].parts
    assert part.benchmark_ref == "省方案 2020"
    assert part.benchmark_unit == "t CO2/t"
    assert [(c.code, c.value) for c in part.coefficients] == [("decline_factor", 0.98)]
    assert allocation.sources == ("省方案 2020",)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"decline_factor": 1.2}, "lines[0].decline_factor"),
        ({"decline_factor": 0.0}, "lines[0].decline_factor"),
        ({"historical_intensity": -0.5}, "lines[0].historical_intensity"),
        ({"output": "many"}, "lines[0].output"),
        ({"source": ""}, "lines[0].source"),
        ({"output_unit": ""}, "lines[0].output_unit"),
    ],
)
def test_bad_intensity_input_names_the_field(changes: dict[str, object], field: str):
    values: dict[str, object] = {
        "line_id": "K1",
        "product": "clinker",
        "output": 1.0,
        "output_unit": "t",
        "historical_intensity": 0.86,
        "decline_factor": 0.98,
        "source": "plan",
    }
    values.update(changes)
    with pytest.raises(AllocationError) as caught:
        intensity_allocation([IntensityLine(**values)], 2020)  # type: ignore[arg-type]
    assert caught.value.field == field


# ── pre-allocation and true-up ───────────────────────────────────────────────────────────


def test_pre_allocation_is_70_percent_of_the_base_year_and_the_true_up_settles_it(
    table: PowerBenchmarks, rules: EtsRules
):
    base = benchmark_allocation([_coal(electricity_mwh=2_800_000.0)], table, 2018)
    pre = pre_allocate(base, rules, 2019)
    assert pre.share == 0.7
    assert "pre_allocation_share" in pre.rule
    assert pre.total_t == pytest.approx(0.7 * 2_800_000 * 0.877 * 1.007)
    final = benchmark_allocation(
        [_coal(), GeneratingUnit("G9", "gas", 100_000.0)], table, 2019
    )  # a new gas unit
    settled = true_up(pre, final)
    assert settled.adjustment_t == pytest.approx(final.total_t - pre.total_t)
    by_line = {line.line_id: line for line in settled.lines}
    assert by_line["U1"].adjustment_t == pytest.approx(
        3_000_000 * 0.877 * 1.007 - 0.7 * 2_800_000 * 0.877 * 1.007
    )
    assert by_line["G9"].pre_t == 0.0
    assert by_line["G9"].final_t == pytest.approx(39_200.0)


def test_a_unit_closed_since_the_base_year_gives_its_pre_allocation_back(
    table: PowerBenchmarks, rules: EtsRules
):
    base = benchmark_allocation([_coal(), GeneratingUnit("G1", "gas", 1_000_000.0)], table, 2018)
    pre = pre_allocate(base, rules, 2019)
    settled = true_up(pre, benchmark_allocation([_coal()], table, 2019))
    closed = next(line for line in settled.lines if line.line_id == "G1")
    assert closed.adjustment_t == pytest.approx(-0.7 * 392_000.0)


def test_pre_allocation_and_true_up_refuse_mismatched_years(
    table: PowerBenchmarks, rules: EtsRules
):
    base = benchmark_allocation([_coal()], table, 2018)
    with pytest.raises(AllocationError) as caught:
        pre_allocate(base, rules, 2018)
    assert caught.value.field == "compliance_year"
    pre = pre_allocate(base, rules, 2019)
    with pytest.raises(AllocationError) as caught:
        true_up(pre, benchmark_allocation([_coal()], table, 2020))
    assert caught.value.field == "year"


@given(
    output=st.floats(min_value=0, max_value=1e8),
    factor=st.floats(min_value=0.3, max_value=1.0),
    cooling=st.sampled_from(["water", "air"]),
)
def test_the_allowance_is_linear_in_output(output: float, factor: float, cooling: str):
    table = PowerBenchmarks.from_codelist(load_codelist(BENCHMARK_TABLE), source="test")
    one = allocate_unit(_coal(electricity_mwh=1.0, load_factor=factor, cooling=cooling), table)
    many = allocate_unit(_coal(electricity_mwh=output, load_factor=factor, cooling=cooling), table)
    assert many.allowance_t == pytest.approx(output * one.allowance_t, rel=1e-12, abs=1e-9)
    assert one.allowance_t >= 0.877  # every coefficient of a water- or air-cooled coal unit ≥ 1
