"""Mineral industry (2.A): cement, lime and glass process CO2, hand-checked.

Defaults (factor set ipcc2006@2019R.1): CaO in clinker 0.65, CKD correction 1.02, CO2/CaO
= 0.43971/0.5603 = 0.784776 (IPCC 2006 Vol.3 Table 2.1), clinker fraction Portland 0.95,
masonry 0.64; lime EFs 0.75/0.77/0.86/0.59 (Table 2.4); glass 0.20 t/t, cullet 0.5 (Tier 1).
"""

from __future__ import annotations

from functools import partial

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from citycarbon.accounting import ippu_mineral  # noqa: F401 - registers the methods
from citycarbon.accounting.ippu_mineral import clinker_emission_factor
from citycarbon.errors import FactorNotFoundError, ParameterBoundsError
from citycarbon.refdata.loader import load_factor_set
from citycarbon.testing import compute_one

FS = load_factor_set("ipcc2006@2019R.1")
EF_CLC = 0.65 * 0.43971 / 0.5603 * 1.02  # = 0.5203065 t CO2/t clinker


run = partial(compute_one, factors=FS)


def test_clinker_emission_factor_matches_published_case() -> None:
    # IPPU-CEMENT-T1-01: 0.65 / 0.5603 × 0.43971 × 1.02 = 0.5203064965 (IPCC text rounds 0.52)
    assert clinker_emission_factor(0.65, 1.02) == pytest.approx(0.5203064965197216, rel=1e-12)


def test_portland_cement_tier1() -> None:
    # 1,000,000 t × 0.95 = 950,000 t clinker × 0.5203065 = 494,291.17 t CO2
    result = run("2.A.1", "cement", 1_000_000, "portland")
    assert result.trace.input("clinker").value == pytest.approx(950_000)
    assert result.gas("CO2") == pytest.approx(494_291.1716937355, rel=1e-9)
    assert result.trace.input("clinker_fraction").factor_id == (
        "ipcc2006_ippu_cement:clinker_fraction:cement:portland"
    )


def test_masonry_cement_and_clinker_trade() -> None:
    # 10,000 t masonry cement × 0.64 = 6,400 t clinker; − 1,000 t imported + 400 t exported
    # → 5,800 t × 0.5203065 = 3,017.778 t CO2
    total = (
        run("2.A.1", "cement", 10_000, "masonry").gas("CO2")
        + run("2.A.1", "clinker_imported", 1_000).gas("CO2")
        + run("2.A.1", "clinker_exported", 400).gas("CO2")
    )
    assert total == pytest.approx(5_800 * EF_CLC)
    assert total == pytest.approx(3017.7777, rel=1e-6)


def test_clinker_produced_tier2_with_measured_cao() -> None:
    # Tier 2 (Eq. 2.2): 1,000 t clinker, CaO 0.66, CKD 1.0 → 1000 × 0.66 × 0.784776 = 517.95 t
    result = run("2.A.1", "clinker", 1000, cao_in_clinker=0.66, ckd_correction=1.0)
    assert result.gas("CO2") == pytest.approx(1000 * 0.66 * 0.43971 / 0.5603)
    assert result.trace.input("cao_in_clinker").origin == "override"


def test_clinker_fraction_override_and_units() -> None:
    # 100 万t cement at a measured 0.80 clinker fraction: 1e6 × 0.8 × 0.5203065 = 416,245.2 t
    result = run("2.A.1", "cement", 100, "portland", unit="万t", clinker_fraction=0.80)
    assert result.gas("CO2") == pytest.approx(1e6 * 0.8 * EF_CLC)


@pytest.mark.parametrize(
    ("name", "value"), [("clinker_fraction", 1.2), ("cao_in_clinker", 1.5), ("ckd_correction", 0.9)]
)
def test_out_of_bounds_override_raises(name: str, value: float) -> None:
    with pytest.raises(ParameterBoundsError):
        run("2.A.1", "cement", 1, "portland", **{name: value})


def test_unknown_cement_type_and_activity_raise() -> None:
    with pytest.raises(FactorNotFoundError):
        run("2.A.1", "cement", 1, "sulphoaluminate")
    with pytest.raises(FactorNotFoundError):
        run("2.A.1", "concrete", 1)


def test_lime_by_type() -> None:
    # Table 2.4: 1,000 t of each lime type
    assert run("2.A.2", "lime", 1000, "high_calcium").gas("CO2") == pytest.approx(750)
    assert run("2.A.2", "lime", 1000, "dolomitic").gas("CO2") == pytest.approx(770)
    assert run("2.A.2", "lime", 1000, "dolomitic_high_purity").gas("CO2") == pytest.approx(860)
    assert run("2.A.2", "lime", 1000, "hydraulic").gas("CO2") == pytest.approx(590)


def test_lime_type_unknown_uses_eq_2_8() -> None:
    # Eq. 2.8: 0.85 × 0.75 + 0.15 × 0.77 = 0.7530 → 1,000 t lime = 753 t CO2
    assert run("2.A.2", "lime", 1000).gas("CO2") == pytest.approx(753.0)


def test_lime_tier2_cao_content_and_lkd() -> None:
    # high-calcium lime with 0.90 CaO and LKD correction 1.02: 1000 × 0.785 × 0.90 × 1.02
    # = 720.63 t CO2
    result = run("2.A.2", "lime", 1000, "high_calcium", cao_content=0.90, lkd_correction=1.02)
    assert result.gas("CO2") == pytest.approx(720.63)
    with pytest.raises(ParameterBoundsError):
        run("2.A.2", "lime", 1000, "high_calcium", cao_content=1.1)


def test_glass_tier1_and_by_type() -> None:
    # Tier 1: 1,000 t × 0.20 × (1 − 0.5) = 100 t; float glass: 1,000 × 0.21 × (1 − 0.175)
    # = 173.25 t; measured cullet 0.3 for container glass: 1,000 × 0.21 × 0.7 = 147 t
    assert run("2.A.3", "glass", 1000).gas("CO2") == pytest.approx(100.0)
    assert run("2.A.3", "glass", 1000, "float").gas("CO2") == pytest.approx(173.25)
    assert run("2.A.3", "glass", 1000, "container_flint", cullet_ratio=0.3).gas(
        "CO2"
    ) == pytest.approx(147.0)
    with pytest.raises(ParameterBoundsError):
        run("2.A.3", "glass", 1000, cullet_ratio=1.01)


@pytest.mark.parametrize(
    ("category", "activity", "qualifier"),
    [
        ("2.A.1", "cement", "portland"),
        ("2.A.1", "clinker", ""),
        ("2.A.2", "lime", ""),
        ("2.A.3", "glass", "float"),
    ],
)
def test_zero_activity_gives_zero(category: str, activity: str, qualifier: str) -> None:
    assert run(category, activity, 0.0, qualifier).gas("CO2") == 0.0


@settings(max_examples=40, deadline=None)
@given(
    quantity=st.floats(min_value=0.0, max_value=1e9, allow_nan=False),
    qualifier=st.sampled_from(["portland", "masonry", "slag_cement", ""]),
)
def test_cement_is_linear(quantity: float, qualifier: str) -> None:
    unit = run("2.A.1", "cement", 1.0, qualifier).gas("CO2")
    assert run("2.A.1", "cement", quantity, qualifier).gas("CO2") == pytest.approx(
        quantity * unit, rel=1e-9, abs=1e-9
    )


@settings(max_examples=30, deadline=None)
@given(
    quantity=st.floats(min_value=0.0, max_value=1e9, allow_nan=False),
    lime_type=st.sampled_from(["high_calcium", "dolomitic", "hydraulic", ""]),
)
def test_lime_is_linear(quantity: float, lime_type: str) -> None:
    unit = run("2.A.2", "lime", 1.0, lime_type).gas("CO2")
    assert run("2.A.2", "lime", quantity, lime_type).gas("CO2") == pytest.approx(
        quantity * unit, rel=1e-9, abs=1e-9
    )
