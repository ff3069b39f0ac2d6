"""Livestock (3.A.1, 3.A.2, 3.C.6): hand-checked Tier 1 values, overrides, bounds, linearity."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import citycarbon.accounting.afolu_livestock  # noqa: F401  (registers the methods)
from citycarbon.accounting.records import ActivityRecord, compute_record
from citycarbon.errors import FactorNotFoundError, ParameterBoundsError
from citycarbon.refdata.loader import load_factor_set

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
