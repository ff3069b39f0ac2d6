"""Metal industry (2.C): iron and steel, ferroalloys, primary aluminium, hand-checked.

2019 Refinement set (ipcc2006@2019R.1): BOF 1.58, EAF 0.18, pig iron 1.43, sinter 0.21 t
CO2/t; CH4 sinter 0.07 kg/t; coke with by-product recovery 0.51 t CO2/t; BFG flared fraction
0.2, carbon content 0.17 t C/t. 2006 set: BOF 1.46, EAF 0.08, pig iron 1.35, sinter 0.20.
Ferroalloys (2006 Table 4.5/4.7): FeSi 75 % 4.0 t CO2/t and 1.0 kg CH4/t. Aluminium
(Table 4.10/4.15): prebake 1.6 t CO2/t; CWPB 0.4 kg CF4/t, 0.04 kg C2F6/t.
"""

from __future__ import annotations

from functools import partial

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from citycarbon.accounting import ippu_metal  # noqa: F401 - registers the methods
from citycarbon.errors import FactorNotFoundError, ParameterBoundsError
from citycarbon.refdata.loader import load_factor_set
from citycarbon.testing import compute_one

FS = load_factor_set("ipcc2006@2019R.1")
FS_2006 = load_factor_set("ipcc2006@2006.1")


run = partial(compute_one, factors=FS)


def test_steel_by_process_and_edition() -> None:
    # 1,000,000 t BOF steel × 1.58 = 1,580,000 t CO2 (2019R); × 1.46 = 1,460,000 t (2006)
    assert run("2.C.1", "steel", 1e6, "bof").gas("CO2") == pytest.approx(1_580_000)
    assert run("2.C.1", "steel", 1e6, "bof", factors=FS_2006).gas("CO2") == pytest.approx(1_460_000)
    # EAF: 500,000 t × 0.18 = 90,000 t (2019R); × 0.08 = 40,000 t (2006)
    assert run("2.C.1", "steel", 5e5, "eaf").gas("CO2") == pytest.approx(90_000)
    assert run("2.C.1", "steel", 5e5, "eaf", factors=FS_2006).gas("CO2") == pytest.approx(40_000)
    assert "CH4" not in run("2.C.1", "steel", 1, "bof").gases_t  # no CH4 factor for steel


def test_sinter_pig_iron_and_coke() -> None:
    # sinter 2,000,000 t × 0.21 = 420,000 t CO2; × 0.07 kg = 140 t CH4
    sinter = run("2.C.1", "sinter", 2e6)
    assert sinter.gas("CO2") == pytest.approx(420_000)
    assert sinter.gas("CH4") == pytest.approx(140)
    # pig iron not converted to steel 100,000 t × 1.43 = 143,000 t
    assert run("2.C.1", "pig_iron", 1e5).gas("CO2") == pytest.approx(143_000)
    # coke, by-product recovery 1,000,000 t × 0.51 = 510,000 t CO2; × 0.089 kg = 89 t CH4
    coke = run("2.C.1", "coke", 1e6, "by_product_recovery")
    assert coke.gas("CO2") == pytest.approx(510_000)
    assert coke.gas("CH4") == pytest.approx(89)


def test_blast_furnace_gas_flaring() -> None:
    # 1,000,000 t BFG × 0.2 flared × 0.17 t C/t × 44/12 = 124,666.67 t CO2;
    # N2O 200,000 t flared × 0.0014 kg/t = 280 kg = 0.28 t
    result = run("2.C.1", "blast_furnace_gas", 1e6)
    assert result.gas("CO2") == pytest.approx(1e6 * 0.2 * 0.17 * 44 / 12)
    assert result.gas("N2O") == pytest.approx(0.28)
    # measured: all converter gas recovered (flared fraction 0) → nothing
    assert run("2.C.1", "converter_gas", 1e6, flared_fraction=0.0).gas("CO2") == 0.0
    with pytest.raises(ParameterBoundsError):
        run("2.C.1", "blast_furnace_gas", 1, flared_fraction=1.2)


def test_steel_tier2_override() -> None:
    # plant-specific BOF factor 1.2 t CO2/t: 1,000,000 t → 1,200,000 t
    result = run("2.C.1", "steel", 1e6, "bof", ef_co2=1.2)
    assert result.gas("CO2") == pytest.approx(1_200_000)
    assert result.trace.input("ef_co2").origin == "override"


def test_ferroalloys() -> None:
    # FeSi 75 %: 10,000 t × 4.0 = 40,000 t CO2; × 1.0 kg = 10 t CH4
    fesi = run("2.C.2", "ferrosilicon_75", 10_000)
    assert fesi.gas("CO2") == pytest.approx(40_000)
    assert fesi.gas("CH4") == pytest.approx(10)
    # SiMn 10,000 t × 1.4 = 14,000 t CO2, no CH4 factor (not estimated)
    simn = run("2.C.2", "silicomanganese", 10_000)
    assert simn.gas("CO2") == pytest.approx(14_000)
    assert "CH4" not in simn.gases_t


def test_aluminium_co2_and_pfcs() -> None:
    # IPPU-ALU-CO2-T1-01: 300,000 t × 1.6 = 480,000 t CO2
    # PFCs (CWPB): 300,000 × 0.4 kg = 120 t CF4; × 0.04 kg = 12 t C2F6
    result = run("2.C.3", "aluminium", 300_000, "prebake_cwpb")
    assert result.gas("CO2") == pytest.approx(480_000)
    assert result.gas("CF4") == pytest.approx(120)
    assert result.gas("C2F6") == pytest.approx(12)
    # Søderberg HSS: 1,000 t × 1.7 = 1,700 t CO2; 0.4 kg CF4 → 0.4 t; 0.03 kg → 0.03 t C2F6
    hss = run("2.C.3", "aluminium", 1000, "soderberg_hss")
    assert (hss.gas("CO2"), hss.gas("CF4"), hss.gas("C2F6")) == pytest.approx((1700, 0.4, 0.03))
    # family only: PFCs of the most common cell type, noted in the trace
    assert run("2.C.3", "aluminium", 1000, "prebake").trace.notes


def test_aluminium_tier2_pfc_override() -> None:
    # measured 0.05 kg CF4/t = 5e-5 t/t: 300,000 t → 15 t CF4
    result = run("2.C.3", "aluminium", 300_000, "prebake_cwpb", ef_cf4=5e-5)
    assert result.gas("CF4") == pytest.approx(15)


def test_unknown_activity_or_process_raises() -> None:
    with pytest.raises(FactorNotFoundError):
        run("2.C.1", "steel", 1, "hisarna")
    with pytest.raises(FactorNotFoundError):
        run("2.C.1", "sinter", 1, "bof")
    with pytest.raises(FactorNotFoundError):
        run("2.C.2", "ferronickel", 1)
    with pytest.raises(FactorNotFoundError):
        run("2.C.3", "aluminium", 1, "inert_anode")


@pytest.mark.parametrize(
    ("category", "activity", "qualifier"),
    [
        ("2.C.1", "steel", "bof"),
        ("2.C.1", "sinter", ""),
        ("2.C.1", "blast_furnace_gas", ""),
        ("2.C.2", "ferrosilicon_90", ""),
        ("2.C.3", "aluminium", "soderberg_vss"),
    ],
)
def test_zero_activity_gives_zero(category: str, activity: str, qualifier: str) -> None:
    result = run(category, activity, 0.0, qualifier)
    assert result.gases_t
    assert all(v == 0.0 for v in result.gases_t.values())


@settings(max_examples=40, deadline=None)
@given(
    quantity=st.floats(min_value=0.0, max_value=1e9, allow_nan=False),
    case=st.sampled_from(
        [
            ("2.C.1", "steel", "eaf"),
            ("2.C.1", "coke", ""),
            ("2.C.1", "converter_gas", ""),
            ("2.C.2", "silicon_metal", ""),
            ("2.C.3", "aluminium", "prebake_swpb"),
        ]
    ),
)
def test_methods_are_linear(quantity: float, case: tuple[str, str, str]) -> None:
    category, activity, qualifier = case
    unit = run(category, activity, 1.0, qualifier).gases_t
    scaled = run(category, activity, quantity, qualifier).gases_t
    assert set(scaled) == set(unit)
    for gas, value in unit.items():
        assert scaled[gas] == pytest.approx(quantity * value, rel=1e-9, abs=1e-12)
