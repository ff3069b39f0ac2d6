"""Energy: fuel combustion, purchased electricity and heat, standard coal.

Expected values are computed by hand from the published factors; the arithmetic is shown.
"""

from __future__ import annotations

import dataclasses

import pytest

from citycarbon.accounting import energy
from citycarbon.accounting.records import ActivityRecord, compute_record
from citycarbon.errors import FactorNotFoundError, ParameterBoundsError
from citycarbon.refdata.loader import load_factor_set
from citycarbon.refdata.model import FactorSet

REGION = "320102"


def _run(
    factors: FactorSet,
    category: str,
    activity: str,
    quantity: float,
    unit: str,
    *,
    year: int = 2022,
    qualifier: str = "",
    overrides: dict[str, float] | None = None,
):
    record = ActivityRecord(
        year,
        REGION,
        category,
        activity,
        quantity,
        unit,
        qualifier=qualifier,
        overrides=overrides or {},
    )
    return compute_record(record, factors)


# ── equations ────────────────────────────────────────────────────────────────────────────


def test_equations():
    assert energy.fuel_energy(20_000.0, 48.0) == 960_000.0
    assert energy.co2_factor_from_carbon(15.3, 1.0) == pytest.approx(56.1, rel=1e-12)
    assert energy.combustion_emissions(960.0, 56.1) == pytest.approx(53_856.0, rel=1e-12)
    assert energy.indirect_emissions(10_000.0, 0.5366) == pytest.approx(5366.0, rel=1e-12)
    assert energy.standard_coal(10_000.0, 0.7143) == pytest.approx(7143.0, rel=1e-12)
    assert energy.CO2_PER_C == 44.0 / 12.0


@pytest.mark.parametrize(
    ("category", "sector"),
    [
        ("1.A.1", "energy_industries"),
        ("1.A.1.a", "energy_industries"),
        ("1.A.2.f", "manufacturing_construction"),
        ("1.A.3.b", "road"),
        ("1.A.3.a", "civil_aviation"),
        ("1.A.4.b", "residential"),
        ("1.A.4.c", "agriculture_forestry_fishing"),
        ("1.A", "manufacturing_construction"),
    ],
)
def test_combustion_sector(category: str, sector: str):
    assert energy.combustion_sector(category) == sector


# ── IPCC Tier 1 ──────────────────────────────────────────────────────────────────────────


def test_natural_gas_power_plant_ipcc_tier1():
    # 20,000 t × 48.0 GJ/t = 960 TJ; CO2 = 960 × 15.3 × 1 × 44/12 = 53,856 t;
    # CH4 = 960 TJ × 1 kg/TJ = 0.96 t; N2O = 960 × 0.1 kg/TJ = 0.096 t (Table 2.2)
    factors = load_factor_set("ipcc2006@2006.1")
    result = _run(factors, "1.A.1", "natural_gas", 20_000.0, "t")
    assert result.trace.input("fuel_energy").value == pytest.approx(960.0, rel=1e-12)
    assert result.gas("CO2") == pytest.approx(53_856.0, rel=1e-12)
    assert result.gas("CH4") == pytest.approx(0.96, rel=1e-12)
    assert result.gas("N2O") == pytest.approx(0.096, rel=1e-12)
    assert result.co2_biogenic_t == 0.0
    assert "ipcc2006_energy_fuel:ncv:natural_gas" in result.trace.factor_ids()
    assert all(
        i.factor_set == "ipcc2006@2006.1" for i in result.trace.inputs if i.origin == "default"
    )


# ── China method (provincial guideline / GB/T 32150) ─────────────────────────────────────


def test_raw_coal_china_method(factors: FactorSet):
    # 10,000 t × 20.908 GJ/t = 209.08 TJ; × 26.37 t C/TJ × 0.94 × 44/12 = 19,002.988488 t
    # tce = 10,000 t × 0.7143 = 7,143 tce
    result = _run(factors, "1.A.2", "raw_coal", 10_000.0, "t")
    assert result.gas("CO2") == pytest.approx(19_002.988488, rel=1e-12)
    assert result.energy_tce == pytest.approx(7143.0, rel=1e-12)
    ids = result.trace.factor_ids()
    assert "cn_gbt2589_energy:ncv:raw_coal" in ids
    assert "cn_provincial_fuel:carbon_content:raw_coal" in ids
    assert "cn_provincial_fuel:oxidation_factor:raw_coal" in ids
    # CH4 and N2O from IPCC Table 2.3 (10 and 1.5 kg/TJ)
    assert result.gas("CH4") == pytest.approx(209.08 * 10.0 / 1000.0, rel=1e-12)
    assert result.gas("N2O") == pytest.approx(209.08 * 1.5 / 1000.0, rel=1e-12)


def test_same_fuel_in_other_units_gives_the_same_result(factors: FactorSet):
    in_t = _run(factors, "1.A.2", "raw_coal", 10_000.0, "t")
    in_kg = _run(factors, "1.A.2", "raw_coal", 1e7, "kg")
    in_wan_t = _run(factors, "1.A.2", "raw_coal", 1.0, "万吨")
    for other in (in_kg, in_wan_t):
        assert other.gas("CO2") == pytest.approx(in_t.gas("CO2"), rel=1e-12)
        assert other.energy_tce == pytest.approx(in_t.energy_tce, rel=1e-12)


def test_fuel_in_energy_units_skips_the_ncv(factors: FactorSet):
    # 209.08 TJ of raw coal directly: the same CO2 as 10,000 t at 20.908 GJ/t
    result = _run(factors, "1.A.2", "raw_coal", 209.08, "TJ")
    assert result.gas("CO2") == pytest.approx(19_002.988488, rel=1e-12)
    assert all(i.name != "ncv" for i in result.trace.inputs)
    # without a mass, tce comes from the energy: 209,080 GJ / 29.3076 GJ/tce
    assert result.energy_tce == pytest.approx(209_080.0 / 29.3076, rel=1e-12)


def test_natural_gas_in_ten_thousand_nm3(factors: FactorSet):
    # 100 × 10^4 Nm3 × 389.31 GJ/10^4 Nm3 = 38.931 TJ; × 15.3 × 0.99 × 44/12 = 2,162.188809 t
    # (published 21.62 t CO2/10^4 Nm3); tce = 100 × 13.3 = 1,330
    result = _run(factors, "1.A.1", "natural_gas", 100.0, "10^4 Nm3")
    assert result.trace.input("fuel_energy").value == pytest.approx(38.931, rel=1e-12)
    assert result.gas("CO2") == pytest.approx(2162.188809, rel=1e-12)
    assert result.energy_tce == pytest.approx(1330.0, rel=1e-12)


@pytest.mark.parametrize(
    ("fuel", "published_kg_co2_per_kg"),
    [
        ("raw_coal", 1.9003),
        ("coke", 2.8604),
        ("crude_oil", 3.0202),
        ("fuel_oil", 3.1705),
        ("gasoline", 2.9251),
        ("kerosene", 3.0179),
        ("diesel", 3.0959),
        ("lpg", 3.1013),
        ("refinery_gas", 3.0119),
    ],
)
def test_published_china_co2_factors(factors: FactorSet, fuel: str, published_kg_co2_per_kg: float):
    # FACTORS-CN.md §1: the published column equals NCV × CC × OF × 44/12 to 4 decimals
    result = _run(factors, "1.A.2", fuel, 1.0, "t")
    assert round(result.gas("CO2"), 4) == published_kg_co2_per_kg


# ── Tier 2 overrides ─────────────────────────────────────────────────────────────────────


def test_measured_ncv_scales_co2(factors: FactorSet):
    default = _run(factors, "1.A.2", "raw_coal", 10_000.0, "t")
    measured = _run(factors, "1.A.2", "raw_coal", 10_000.0, "t", overrides={"ncv": 22.5})
    # 10,000 × 22.5 GJ/t = 225 TJ × 26.37 × 0.94 × 44/12
    assert measured.gas("CO2") == pytest.approx(225.0 * 26.37 * 0.94 * 44 / 12, rel=1e-12)
    assert measured.gas("CO2") / default.gas("CO2") == pytest.approx(22.5 / 20.908, rel=1e-12)
    ncv = measured.trace.input("ncv")
    assert ncv.origin == "override"
    assert ncv.factor_id is None
    # tce follows the GB/T 2589 coefficient, which the measured NCV does not change
    assert measured.energy_tce == pytest.approx(7143.0, rel=1e-12)


def test_measured_carbon_content_and_oxidation(factors: FactorSet):
    result = _run(
        factors,
        "1.A.2",
        "raw_coal",
        10_000.0,
        "t",
        overrides={"carbon_content": 27.0, "oxidation_factor": 0.98},
    )
    assert result.gas("CO2") == pytest.approx(209.08 * 27.0 * 0.98 * 44 / 12, rel=1e-12)
    assert result.trace.input("carbon_content").origin == "override"
    assert result.trace.input("oxidation_factor").origin == "override"
    assert "cn_provincial_fuel:carbon_content:raw_coal" not in result.trace.factor_ids()


def test_measured_co2_factor_replaces_carbon_content(factors: FactorSet):
    result = _run(factors, "1.A.2", "raw_coal", 10_000.0, "t", overrides={"ef_co2": 95.0})
    assert result.gas("CO2") == pytest.approx(209.08 * 95.0, rel=1e-12)
    names = {i.name for i in result.trace.inputs}
    assert "carbon_content" not in names
    assert "oxidation_factor" not in names


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("oxidation_factor", 1.2),
        ("oxidation_factor", -0.1),
        ("ncv", -1.0),
        ("carbon_content", float("inf")),
    ],
)
def test_override_out_of_bounds(factors: FactorSet, name: str, value: float):
    with pytest.raises(ParameterBoundsError) as info:
        _run(factors, "1.A.2", "raw_coal", 10_000.0, "t", overrides={name: value})
    assert name in info.value.message.en
    assert name in info.value.message.zh
    assert info.value.field == "overrides"


def test_unknown_fuel_raises_naming_the_activity(factors: FactorSet):
    with pytest.raises(FactorNotFoundError) as info:
        _run(factors, "1.A.2", "unobtainium", 1.0, "t")
    assert info.value.field == "activity"
    assert "unobtainium" in info.value.message.en


# ── purchased electricity and heat ───────────────────────────────────────────────────────


def test_purchased_electricity_2022_default_set(factors: FactorSet):
    # 10,000 MWh × 0.5366 t/MWh (MEE+NBS 2022) = 5,366 t; × 0.1229 kgce/kWh = 1,229 tce
    result = _run(factors, "IND.1", "electricity", 10_000.0, "MWh")
    assert result.gas("CO2") == pytest.approx(5366.0, rel=1e-12)
    assert result.energy_tce == pytest.approx(1229.0, rel=1e-12)
    assert result.trace.factor_ids()[0] == (
        "cn_grid_emission_factors:grid_ef:mee_nbs_national_average:2022"
    )


def test_purchased_electricity_2022_carbon_market_set():
    # cn-city@2025.1 uses the carbon-market series: 10,000 × 0.5703 = 5,703 t
    result = _run(load_factor_set("cn-city@2025.1"), "IND.1", "electricity", 10_000.0, "MWh")
    assert result.gas("CO2") == pytest.approx(5703.0, rel=1e-12)
    assert result.energy_tce == pytest.approx(1229.0, rel=1e-12)
    assert "mee_carbon_market_national_grid:2022" in result.trace.factor_ids()[0]


def test_purchased_electricity_2021(factors: FactorSet):
    result = _run(factors, "IND.1", "electricity", 10_000.0, "MWh", year=2021)
    assert result.gas("CO2") == pytest.approx(5568.0, rel=1e-12)


def test_electricity_in_other_units(factors: FactorSet):
    in_wan_kwh = _run(factors, "IND.1", "electricity", 1000.0, "万kWh")
    in_kwh = _run(factors, "IND.1", "electricity", 1e7, "kWh")
    for result in (in_wan_kwh, in_kwh):
        assert result.gas("CO2") == pytest.approx(5366.0, rel=1e-12)
        assert result.energy_tce == pytest.approx(1229.0, rel=1e-12)


@pytest.mark.parametrize(
    ("series", "year", "expected"),
    [
        ("mee_carbon_market_national_grid", 2022, 5703.0),
        ("mee_nbs_provincial:530000", 2022, 1073.0),
        ("mee_nbs_national_excl_market_nonfossil", 2021, 5942.0),
        ("ndrc_regional_average:east", 2012, 7035.0),
    ],
)
def test_record_qualifier_selects_a_named_series(
    factors: FactorSet, series: str, year: int, expected: float
):
    result = _run(factors, "IND.1", "electricity", 10_000.0, "MWh", year=year, qualifier=series)
    assert result.gas("CO2") == pytest.approx(expected, rel=1e-12)
    assert result.trace.factor_ids()[0] == f"cn_grid_emission_factors:grid_ef:{series}:{year}"


def test_grid_factor_missing_for_the_year(factors: FactorSet):
    with pytest.raises(FactorNotFoundError) as info:
        _run(factors, "IND.1", "electricity", 10_000.0, "MWh", year=2010)
    assert info.value.field == "year"
    assert "2010" in info.value.message.en


def test_measured_grid_factor_override(factors: FactorSet):
    result = _run(factors, "IND.1", "electricity", 10_000.0, "MWh", overrides={"grid_ef": 0.42})
    assert result.gas("CO2") == pytest.approx(4200.0, rel=1e-12)


def test_generation_equivalent_tce_basis(factors: FactorSet):
    # 等价值: 2022 coal per kWh supplied, a year-dependent coefficient
    generation = dataclasses.replace(
        factors, settings={**factors.settings, "electricity_tce_basis": "generation"}
    )
    coefficient = generation.get("tce_coefficient_generation", "electricity", "2022")
    result = _run(generation, "IND.1", "electricity", 10_000.0, "MWh")
    assert result.energy_tce == pytest.approx(10_000.0 * coefficient.value, rel=1e-12)
    assert result.energy_tce > 1229.0 * 2
    assert result.gas("CO2") == pytest.approx(5366.0, rel=1e-12)


def test_purchased_heat(factors: FactorSet):
    # 1,000 GJ × 0.11 t/GJ = 110 t; 1,000 GJ × 0.03412 kgce/MJ = 34.12 tce
    result = _run(factors, "IND.2", "heat", 1000.0, "GJ")
    assert result.gas("CO2") == pytest.approx(110.0, rel=1e-12)
    assert result.energy_tce == pytest.approx(34.12, rel=1e-12)


# ── biomass ──────────────────────────────────────────────────────────────────────────────


def test_wood_co2_is_biogenic_memo_only(factors: FactorSet):
    # 100 t × 15.6 GJ/t = 1.56 TJ × 30.5 t C/TJ × 1 × 44/12 = 174.46 t biogenic CO2
    result = _run(factors, "1.A.4.b", "wood", 100.0, "t")
    assert result.gas("CO2") == 0.0
    assert result.co2_biogenic_t == pytest.approx(1.56 * 30.5 * 44 / 12, rel=1e-12)
    # CH4 and N2O of biomass burning count (Table 2.5: 300 and 4 kg/TJ)
    assert result.gas("CH4") == pytest.approx(1.56 * 300 / 1000, rel=1e-12)
    assert result.gas("N2O") == pytest.approx(1.56 * 4 / 1000, rel=1e-12)


def test_fossil_fuel_has_no_biogenic_co2(factors: FactorSet):
    assert _run(factors, "1.A.3.b", "diesel", 10.0, "t").co2_biogenic_t == 0.0
