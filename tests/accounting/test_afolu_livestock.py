"""Livestock (3.A.1, 3.A.2, 3.C.6): hand-checked Tier 1 values, overrides, bounds, linearity."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from citycarbon.accounting import afolu_livestock  # registers the methods
from citycarbon.accounting.afolu_livestock_codes import (
    ANIMALS,
    animal_chain,
    inherited_chain,
    temperature_keys,
)
from citycarbon.accounting.records import ActivityRecord, compute_record
from citycarbon.errors import FactorNotFoundError, ParameterBoundsError
from citycarbon.refdata.loader import load_codelist, load_factor_set
from citycarbon.refdata.model import FactorSet

F19 = load_factor_set("ipcc2006@2019R.1")
F06 = load_factor_set("ipcc2006@2006.1")
N2O_N = 44 / 28


def rec(
    category: str,
    animal: str,
    heads: float,
    qualifier: str = "",
    overrides: dict[str, float] | None = None,
    unit: str = "head",
) -> ActivityRecord:
    return ActivityRecord(
        2019,
        "110000",
        category,
        animal,
        heads,
        unit,
        qualifier=qualifier,
        overrides=overrides or {},
    )


def test_enteric_dairy_asia_2019r_and_2006() -> None:
    # 10,000 head × 78 kg/head/yr (2019R Table 10.11, Asia) = 780,000 kg = 780 t CH4
    assert compute_record(rec("3.A.1", "cattle_dairy", 10_000, "asia"), F19).gas(
        "CH4"
    ) == pytest.approx(780.0)
    # IPCC 2006 Table 10.11 Asia: 68 kg/head/yr → 680 t
    assert compute_record(rec("3.A.1", "cattle_dairy", 10_000, "asia"), F06).gas(
        "CH4"
    ) == pytest.approx(680.0)


def test_enteric_other_animals_by_development_class() -> None:
    # sheep: developing (Asia) 5, developed (Western Europe) 8 kg/head/yr (2006 Table 10.10)
    assert compute_record(rec("3.A.1", "sheep", 1000, "asia"), F19).gas("CH4") == pytest.approx(5.0)
    assert compute_record(rec("3.A.1", "sheep", 1000, "western_europe"), F19).gas(
        "CH4"
    ) == pytest.approx(8.0)
    # 1 万头 swine in China: 10,000 × 1.0 kg = 10 t
    assert compute_record(rec("3.A.1", "swine", 1, "asia", unit="万头"), F19).gas(
        "CH4"
    ) == pytest.approx(10.0)


def test_enteric_tier2_override_and_trace() -> None:
    result = compute_record(
        rec("3.A.1", "cattle_dairy", 10_000, "asia", {"ef_enteric_ch4": 100.0}), F19
    )
    assert result.gas("CH4") == pytest.approx(1000.0)  # 10,000 × 100 kg
    assert result.trace.input("ef_enteric_ch4").origin == "override"


def test_enteric_without_region_for_cattle_is_an_error() -> None:
    with pytest.raises(FactorNotFoundError):
        compute_record(rec("3.A.1", "cattle_dairy", 10), F19)


def test_manure_ch4_one_system_hand_checked() -> None:
    # VS = 8.1 kg/(1000 kg·d) × 485 kg / 1000 × 365 = 1433.9025 kg/head/yr (2019R Eq. 10.22a)
    # CH4 = 1000 head × 1433.9025 × MS 0.21 × 6.4 g/kg / 1000 = 1927.16496 kg
    q = "region=asia;system=solid_storage;climate=temperate_warm;moisture=moist"
    result = compute_record(rec("3.A.2", "cattle_dairy_hp", 1000, q), F19)
    vs = 8.1 * 485 / 1000 * 365
    assert vs == pytest.approx(1433.9025)
    assert result.gas("CH4") == pytest.approx(1000 * vs * 0.21 * 6.4 / 1000 / 1000)
    # direct N2O of the same head: Nex = 0.55 × 485/1000 × 365; EF3 solid storage 0.01
    nex = 0.55 * 485 / 1000 * 365
    assert result.gas("N2O") == pytest.approx(1000 * nex * 0.21 * 0.01 * N2O_N / 1000)


def test_manure_all_systems_sum_default_shares() -> None:
    q = "region=asia;climate=temperate_warm;moisture=moist"
    total = compute_record(rec("3.A.2", "cattle_dairy_hp", 1000, q), F19).gas("CH4")
    parts = sum(
        compute_record(rec("3.A.2", "cattle_dairy_hp", 1000, f"{q};system={s}"), F19).gas("CH4")
        for s in ("solid_storage", "drylot", "pasture", "burned", "liquid_slurry")
    )
    assert total == pytest.approx(parts)
    assert total > 0


def test_manure_per_head_override_china_style() -> None:
    # a per-head factor (e.g. the provincial guideline's) replaces the VS method
    result = compute_record(
        rec(
            "3.A.2",
            "cattle_dairy",
            1000,
            "asia;system=solid_storage",
            {"ef_manure_ch4": 7.46, "nex": 60.0},
        ),
        F19,
    )
    assert result.gas("CH4") == pytest.approx(7.46)
    assert result.gas("N2O") == pytest.approx(1000 * 60 * 0.21 * 0.01 * N2O_N / 1000)


def test_share_above_one_raises() -> None:
    with pytest.raises(ParameterBoundsError):
        compute_record(
            rec(
                "3.A.2",
                "cattle_dairy",
                10,
                "asia;system=solid_storage;climate=temperate_warm;moisture=moist",
                {"ms_share": 1.2},
            ),
            F19,
        )


def test_indirect_manure_n2o_hand_checked() -> None:
    # explicit system and share 1, Nex given: volatilised N = 1000 × 60 × Frac_Gas; EF4 wet
    result = compute_record(
        rec(
            "3.C.6",
            "cattle_dairy",
            1000,
            "system=solid_storage;moisture=wet",
            {"nex": 60.0, "frac_gas_ms": 0.3, "frac_leach_ms": 0.02},
        ),
        F19,
    )
    expected_kg = (60_000 * 0.3 * 0.014 + 60_000 * 0.02 * 0.011) * N2O_N
    assert result.gas("N2O") == pytest.approx(expected_kg / 1000)


def test_zero_head_zero_emissions() -> None:
    result = compute_record(
        rec("3.A.2", "cattle_dairy_hp", 0, "region=asia;climate=temperate_warm;moisture=moist"), F19
    )
    assert result.gas("CH4") == 0.0
    assert result.gas("N2O") == 0.0


@settings(max_examples=25, deadline=None)
@given(st.floats(min_value=0, max_value=1e7, allow_nan=False))
def test_linear_in_population(heads: float) -> None:
    q = "region=asia;climate=temperate_warm;moisture=moist"
    one = compute_record(rec("3.A.2", "cattle_dairy_hp", 1.0, q), F19)
    many = compute_record(rec("3.A.2", "cattle_dairy_hp", heads, q), F19)
    for gas in ("CH4", "N2O"):
        assert math.isclose(many.gas(gas), heads * one.gas(gas), rel_tol=1e-9, abs_tol=1e-12)


# ── one set of animal codes for a Chinese city (3.A.1, 3.A.2, 3.C.6) ──────────────────────

FDEF = load_factor_set()  # cn-city@2026.1
CITY = "region=asia;climate=temperate_warm;moisture=moist"  # temperate_warm → 14 °C
CN_ANIMALS = (
    "cattle_dairy",
    "cattle_other",
    "buffalo",
    "swine",
    "swine_growing",
    "swine_mature_breeding",
    "sheep",
    "goat",
    "horse",
    "mule_ass",
    "camel",
    "poultry",
    "poultry_chicken_hen",
    "poultry_chicken_layer",
    "poultry_chicken_broiler",
    "poultry_duck",
    "poultry_goose",
)


def city(category: str, animal: str, heads: float, qualifier: str = CITY) -> ActivityRecord:
    return ActivityRecord(2019, "321183", category, animal, heads, "head", qualifier=qualifier)


def test_animal_codes_mirror_the_code_list() -> None:
    rows = load_codelist("afolu_animals")
    assert {r["code"]: (r["parent"], r["represented_by"]) for r in rows} == dict(ANIMALS)
    for parent, stand_in in ANIMALS.values():
        assert parent in ("", *ANIMALS)
        assert stand_in in ("", *ANIMALS)


def test_animal_chain_up_then_stand_ins() -> None:
    assert inherited_chain("swine_growing_hp") == ["swine_growing_hp", "swine_growing", "swine"]
    assert animal_chain("swine") == ["swine", "swine_growing", "swine_growing_hp"]
    assert animal_chain("swine_growing") == ["swine_growing", "swine", "swine_growing_hp"]
    assert animal_chain("poultry_chicken_layer")[:4] == [
        "poultry_chicken_layer",
        "poultry_chicken_hen",
        "poultry_chicken",
        "poultry",
    ]
    assert animal_chain("poultry_duck") == [
        "poultry_duck",
        "poultry",
        "poultry_chicken_broiler",
        "poultry_chicken",
        "poultry_chicken_hen",
    ]
    # an unlisted 2019R sub-category drops suffixes until it reaches a listed code
    assert inherited_chain("cattle_other_mature_fem_grazing")[-2:] == ["cattle_other", "cattle"]


@pytest.mark.parametrize("factors", [FDEF, F19], ids=lambda f: f.ref)
@pytest.mark.parametrize("animal", CN_ANIMALS)
def test_every_city_animal_computes_all_three_categories(factors: FactorSet, animal: str) -> None:
    enteric = compute_record(city("3.A.1", animal, 1000), factors)
    manure = compute_record(city("3.A.2", animal, 1000), factors)
    indirect = compute_record(city("3.C.6", animal, 1000), factors)
    if animal.startswith("poultry"):
        assert enteric.gas("CH4") == 0.0  # Table 10.10: not estimated for poultry
    else:
        assert enteric.gas("CH4") > 0.0
    assert manure.gas("CH4") > 0.0
    assert manure.gas("N2O") > 0.0
    assert indirect.gas("N2O") > 0.0
    for value in (*manure.gases_t.values(), *indirect.gases_t.values()):
        assert math.isfinite(value)


def test_swine_hand_checked_default_set() -> None:
    # 3.A.1: 1000 head × 1.0 kg CH4/head/yr (2006 Table 10.10, swine, developing) = 1.0 t
    assert compute_record(city("3.A.1", "swine", 1000), FDEF).gas("CH4") == pytest.approx(1.0)
    result = compute_record(city("3.A.2", "swine", 1000), FDEF)
    # 3.A.2 CH4: 'swine' has no 2019R VS rate of its own → per head, 2006 Table 10.14 Asia,
    # temperate_warm = 14 °C column: 2 kg/head/yr → 1000 × 2 = 2000 kg = 2.0 t
    assert result.gas("CH4") == pytest.approx(2.0)
    assert result.trace.input("ef_manure_ch4").factor_id == (
        "ipcc2006_afolu_manure_ch4:ef_manure_ch4:swine:asia/14"
    )
    # direct N2O: Nex = 0.50 kg N/(1000 kg·d) × 28 kg / 1000 × 365 = 5.11 kg N/head/yr (2006
    # Table 10.19 and TAM, Asia); shares of the stand-in swine_growing_hp (2019R Annex 10A
    # Asia): drylot 0.02 × EF3 0.02, pit_short 0.35 × 0.002, digester 0.07 × 0.0006, lagoon
    # 0.35 × 0 and liquid slurry 0.21 × 0 → 1000 × 5.11 × 0.001142 × 44/28 = 9.1703 kg
    nex = 0.50 * 28 / 1000 * 365
    assert nex == pytest.approx(5.11)
    weighted_ef3 = 0.02 * 0.02 + 0.35 * 0.002 + 0.07 * 0.0006
    assert result.gas("N2O") == pytest.approx(1000 * nex * weighted_ef3 * N2O_N / 1000)
    assert result.gas("N2O") * 1000 == pytest.approx(9.1703, rel=1e-4)
    # 3.C.6: volatilised = 1000 × 5.11 × (0.35×0.40 + 0.21×0.48 + 0.02×0.45 + 0.35×0.25
    # + 0.07×0.275) = 1821.97 kg N × EF4 wet 0.014; leached = 1000 × 5.11 × 0.02 × 0.035
    # = 3.577 kg N × EF5 0.011; × 44/28 → 40.083 + 0.0618 = 40.145 kg N2O
    gas = 0.35 * 0.40 + 0.21 * 0.48 + 0.02 * 0.45 + 0.35 * 0.25 + 0.07 * 0.275
    leach = 0.02 * 0.035
    expected = (1000 * nex * gas * 0.014 + 1000 * nex * leach * 0.011) * N2O_N
    indirect = compute_record(city("3.C.6", "swine", 1000), FDEF)
    assert indirect.gas("N2O") == pytest.approx(expected / 1000)
    assert expected == pytest.approx(40.145, rel=1e-4)


def test_dairy_cattle_hand_checked_2019r_set() -> None:
    q = "region=asia;temperature=20;moisture=moist"
    assert compute_record(city("3.A.1", "cattle_dairy", 1000, q), F19).gas("CH4") == pytest.approx(
        78.0
    )  # 1000 × 78 kg (2019R Table 10.11 Asia)
    result = compute_record(city("3.A.2", "cattle_dairy", 1000, q), F19)
    # no 2019R CH4 factor per kg VS for 'cattle_dairy' (only _hp/_lp) → per head:
    # 2006 Table 10.14 Asia dairy cattle at 20 °C = 18 kg/head/yr → 18 t
    assert result.gas("CH4") == pytest.approx(18.0)
    # Nex = 0.44 × 386 / 1000 × 365 = 61.9916 kg N (2019R Table 10.19, Table 10A.5 Asia);
    # 2019R Asia shares: solid storage 0.21 × EF3 0.01 + drylot 0.29 × 0.02 (+ liquid slurry
    # 0.01 × 0; pasture 0.38 and burned 0.11 carry no 3.A.2 N2O) → 769.58 kg N2O
    nex = 0.44 * 386 / 1000 * 365
    expected = 1000 * nex * (0.21 * 0.01 + 0.29 * 0.02) * N2O_N
    assert expected == pytest.approx(769.58, rel=1e-4)
    assert result.gas("N2O") == pytest.approx(expected / 1000)


def test_other_animals_table_10_15_classes() -> None:
    # goats, temperate_warm → 14 °C → "cool" (< 15 °C), developing: 0.11 kg/head → 0.11 t
    assert compute_record(city("3.A.2", "goat", 1000), FDEF).gas("CH4") == pytest.approx(0.11)
    # sheep at 20 °C → "temperate", developing: 0.15 kg/head → 0.15 t
    sheep = compute_record(city("3.A.2", "sheep", 1000, "region=asia;temperature=20"), F19)
    assert sheep.gas("CH4") == pytest.approx(0.15)
    # broilers: all poultry of developing countries, cool: 0.01 kg/head → 0.01 t; direct N2O
    # Nex = 1.35 (2019R Asia) × 0.9 kg (2006 TAM) / 1000 × 365 = 0.443475 kg N, all on
    # poultry litter (EF3 0.001): 1000 × 0.443475 × 0.001 × 44/28 = 0.69689 kg
    broiler = compute_record(city("3.A.2", "poultry_chicken_broiler", 1000), FDEF)
    assert broiler.gas("CH4") == pytest.approx(0.01)
    assert broiler.gas("N2O") == pytest.approx(
        1000 * 1.35 * 0.9 / 1000 * 365 * 0.001 * N2O_N / 1000
    )


def test_temperature_key_wins_and_is_rounded_to_a_table_column() -> None:
    assert temperature_keys(14.0) == ["14", "cool"]
    assert temperature_keys(15.0) == ["15", "temperate"]
    assert temperature_keys(25.4) == ["25", "temperate"]
    assert temperature_keys(25.5) == ["26", "warm"]
    assert temperature_keys(-3.0) == ["10", "cool"]  # column "≤10"
    assert temperature_keys(31.0) == ["28", "warm"]  # column "≥28"
    # temperature=16 overrides climate=temperate_warm (14): Asia swine 3 kg/head at 16 °C
    q = "region=asia;climate=temperate_warm;temperature=16;moisture=moist"
    assert compute_record(city("3.A.2", "swine", 1000, q), FDEF).gas("CH4") == pytest.approx(3.0)
    q = "region=asia;temperature=27.6"  # → column ≥28: 7 kg/head
    assert compute_record(city("3.A.2", "swine", 1000, q), FDEF).gas("CH4") == pytest.approx(7.0)


def test_manure_ch4_rule_vs_when_complete_else_per_head() -> None:
    ctx = city("3.A.2", "cattle_dairy_hp", 1, CITY).context(F19)
    assert afolu_livestock.manure_ch4(ctx, 1).trace.equation.startswith("2019R")
    ctx = city("3.A.2", "cattle_dairy", 1, CITY).context(F19)
    assert "per head" in afolu_livestock.manure_ch4(ctx, 1).trace.equation
    # forcing either method
    forced = city("3.A.2", "cattle_dairy_hp", 1000, f"{CITY};ch4_method=head").context(F19)
    assert afolu_livestock.manure_ch4(forced, 1000).gas("CH4") == pytest.approx(12.0)
    with pytest.raises(FactorNotFoundError):
        afolu_livestock.manure_ch4(
            city("3.A.2", "cattle_dairy", 1, f"{CITY};ch4_method=vs").context(F19), 1
        )
    # neither method has what it needs (no climate, no temperature): both are named
    with pytest.raises(FactorNotFoundError, match="per-head"):
        afolu_livestock.manure_ch4(city("3.A.2", "cattle_dairy", 1, "region=asia").context(F19), 1)


def test_per_head_manure_ch4_in_the_2006_set() -> None:
    # ipcc2006@2006.1 has no 2019R tables: per head, 1000 swine × 2 kg (Asia, 14 °C) = 2 t
    ctx = city("3.A.2", "swine", 1000).context(F06)
    assert afolu_livestock.manure_ch4(ctx, 1000).gas("CH4") == pytest.approx(2.0)
