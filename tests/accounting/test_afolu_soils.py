"""Rice (3.C.7) and managed soils (3.C.4, 3.C.5): hand-checked values, overrides, bounds."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import citycarbon.accounting.afolu_soils  # noqa: F401  (registers the methods)
from citycarbon.accounting.records import ActivityRecord, compute_record
from citycarbon.errors import FactorNotFoundError, ParameterBoundsError
from citycarbon.refdata.loader import load_factor_set

F19 = load_factor_set("ipcc2006@2019R.1")
F06 = load_factor_set("ipcc2006@2006.1")
N2O_N = 44 / 28


def rec(
    category: str,
    act: str,
    quantity: float,
    unit: str,
    qualifier: str = "",
    overrides: dict[str, float] | None = None,
) -> ActivityRecord:
    return ActivityRecord(
        2019,
        "110000",
        category,
        act,
        quantity,
        unit,
        qualifier=qualifier,
        overrides=overrides or {},
    )


def test_rice_2006_hand_checked() -> None:
    # 100 ha × 1.30 kg/ha/d × SFw 0.52 (multiple aeration) × 120 d = 8112 kg CH4
    result = compute_record(
        rec("3.C.7", "rice", 100, "hectare", "water=multiple_drainage;days=120"), F06
    )
    assert result.gas("CH4") == pytest.approx(8.112)
    # straw incorporated < 30 d, 2 t/ha: SFo = (1 + 2 × 1.0)^0.59
    with_straw = compute_record(
        rec(
            "3.C.7",
            "rice",
            100,
            "hectare",
            "multiple_drainage",
            {"cultivation_days": 120, "roa_straw_short": 2.0},
        ),
        F06,
    )
    assert with_straw.gas("CH4") == pytest.approx(8.112 * 3**0.59)


def test_rice_2019r_east_asia_and_mu() -> None:
    # 1.32 × 0.55 × 120 d × 100 ha = 8712 kg
    result = compute_record(
        rec("3.C.7", "rice", 100, "hectare", "water=multiple_drainage;days=120;region=east_asia"),
        F19,
    )
    assert result.gas("CH4") == pytest.approx(8.712)
    mu = compute_record(
        rec("3.C.7", "rice", 1500, "亩", "water=multiple_drainage;days=120;region=east_asia"), F19
    )
    assert mu.gas("CH4") == pytest.approx(8.712)  # 1500 亩 = 100 ha


def test_rice_needs_cultivation_period_and_china_override() -> None:
    with pytest.raises(FactorNotFoundError):
        compute_record(rec("3.C.7", "rice", 1, "hectare"), F19)
    # provincial-guideline style: EF per ha and season
    result = compute_record(rec("3.C.7", "rice", 10, "hectare", "", {"ef_rice": 215.5}), F19)
    assert result.gas("CH4") == pytest.approx(2.155)


def test_direct_synthetic_n() -> None:
    # 1000 kg N × EF1 0.01 × 44/28 = 15.714 kg N2O (2006); 2019R wet synthetic 0.016
    assert compute_record(rec("3.C.4", "synthetic_n", 1, "t"), F06).gas("N2O") == pytest.approx(
        1000 * 0.01 * N2O_N / 1000
    )
    assert compute_record(rec("3.C.4", "synthetic_n", 1, "t", "wet"), F19).gas(
        "N2O"
    ) == pytest.approx(1000 * 0.016 * N2O_N / 1000)


def test_crop_residue_maize_2019r() -> None:
    # 10 t fresh maize: DM = 8700 kg; AG N = 8700 × 1.0 × 0.006 = 52.2;
    # BG N = (8700 + 8700) × 0.22 × 1 × 0.007 = 26.796; F_CR = 78.996 kg N; × 0.010 × 44/28
    result = compute_record(rec("3.C.4", "maize", 10, "t"), F19)
    assert result.trace.input("f_cr").value == pytest.approx(78.996)
    assert result.gas("N2O") == pytest.approx(78.996 * 0.010 * N2O_N / 1000)


def test_prp_and_organic_soils() -> None:
    # PRP sheep: 1000 kg N × EF3PRP,SO 0.01 (2006)
    assert compute_record(rec("3.C.4", "prp_n", 1000, "kg", "animal=sheep"), F06).gas(
        "N2O"
    ) == pytest.approx(10 * N2O_N / 1000)
    # drained cropland organic soil, temperate: 10 ha × 8 kg N2O-N/ha (2006 EF2)
    assert compute_record(
        rec("3.C.4", "organic_soil", 10, "hectare", "land_use=cropland;climate=temperate"), F06
    ).gas("N2O") == pytest.approx(80 * N2O_N / 1000)


def test_indirect_synthetic_2006() -> None:
    # (1000 × 0.10 × 0.010 + 1000 × 0.30 × 0.0075) × 44/28 = 3.25 × 44/28 kg
    result = compute_record(rec("3.C.5", "synthetic_n", 1000, "kg"), F06)
    assert result.gas("N2O") == pytest.approx(3.25 * N2O_N / 1000)
    # dry climate (2019R): no leaching; EF4 0.005; Frac_GASF 0.11
    dry = compute_record(rec("3.C.5", "synthetic_n", 1000, "kg", "dry"), F19)
    assert dry.gas("N2O") == pytest.approx(1000 * 0.11 * 0.005 * N2O_N / 1000)


def test_tier2_override_and_bounds() -> None:
    result = compute_record(rec("3.C.4", "synthetic_n", 1000, "kg", "", {"ef1": 0.02}), F19)
    assert result.gas("N2O") == pytest.approx(20 * N2O_N / 1000)
    with pytest.raises(ParameterBoundsError):
        compute_record(rec("3.C.5", "synthetic_n", 1000, "kg", "", {"frac_gasf": 1.5}), F19)


def test_zero_activity() -> None:
    assert compute_record(rec("3.C.4", "organic_n", 0, "kg"), F19).gas("N2O") == 0.0
    assert compute_record(rec("3.C.7", "rice", 0, "hectare", "days=100"), F19).gas("CH4") == 0.0


@settings(max_examples=25, deadline=None)
@given(st.floats(min_value=0, max_value=1e8, allow_nan=False))
def test_linear(quantity: float) -> None:
    for category, act, unit, qualifier in (
        ("3.C.4", "maize", "t", "wet"),
        ("3.C.5", "organic_n", "kg", "wet"),
        ("3.C.7", "rice", "hectare", "days=110"),
    ):
        one = compute_record(rec(category, act, 1.0, unit, qualifier), F19)
        many = compute_record(rec(category, act, quantity, unit, qualifier), F19)
        for gas in ("CH4", "N2O"):
            assert math.isclose(many.gas(gas), quantity * one.gas(gas), rel_tol=1e-9, abs_tol=1e-12)
