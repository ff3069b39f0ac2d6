"""Chemical industry (2.B): ammonia CO2, nitric and adipic acid N2O, HFC-23 from HCFC-22,
hand-checked.

Defaults: ammonia fuel requirement 37.5 GJ/t (European average, natural gas) or 30.2
(conventional reforming), 36.0 (partial oxidation); carbon content 15.3 / 21.0 kg C/GJ; COF 1
(IPCC 2006 Vol.3 Table 3.1). Nitric acid 2/2.5/5/7/9 kg N2O/t (Table 3.3); adipic acid
300 kg N2O/t, catalytic destruction 92.5 % (Table 3.4). HFC-23 0.03 kg/kg (2019 Refinement,
0.04 in the 2006 set).
"""

from __future__ import annotations

from functools import partial

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from citycarbon.accounting import ippu_chemical  # noqa: F401 - registers the methods
from citycarbon.errors import FactorNotFoundError, ParameterBoundsError
from citycarbon.refdata.loader import load_factor_set
from citycarbon.testing import compute_one

FS = load_factor_set("ipcc2006@2019R.1")
FS_2006 = load_factor_set("ipcc2006@2006.1")


run = partial(compute_one, factors=FS)


def test_ammonia_table_3_1_co2_column() -> None:
    # Table 3.1 CO2 column: 30.2 GJ/t × 15.3 kg C/GJ × 44/12 = 1.694 t CO2/t NH3
    assert run("2.B.1", "ammonia", 1, "conventional_reforming").gas("CO2") == pytest.approx(
        1.694, abs=5e-4
    )
    # 36.0 × 21.0 × 44/12 = 2.772 t CO2/t NH3
    assert run("2.B.1", "ammonia", 1, "partial_oxidation").gas("CO2") == pytest.approx(2.772)


def test_ammonia_default_with_urea_recovery() -> None:
    # 100,000 t NH3 × 37.5 GJ/t × 15.3 t C/TJ / 1000 × 44/12 = 210,375 t CO2;
    # minus 0.733 t CO2/t recovered for urea = 73,300 t → 137,075 t
    assert run("2.B.1", "ammonia", 100_000).gas("CO2") == pytest.approx(210_375)
    result = run("2.B.1", "ammonia", 100_000, co2_recovered=0.733)
    assert result.gas("CO2") == pytest.approx(137_075)
    with pytest.raises(ParameterBoundsError):  # more recovered than produced
        run("2.B.1", "ammonia", 1, co2_recovered=2.5)


def test_ammonia_tier2_coal_gasification_overrides() -> None:
    # coal-based plant: 42 GJ/t, 26.0 t C/TJ, COF 0.98 → 42 × 26 / 1000 × 0.98 × 44/12
    # = 3.92392 t CO2/t NH3
    result = run(
        "2.B.1",
        "ammonia",
        1000,
        fuel_requirement=42.0,
        carbon_content=26.0,
        carbon_oxidation_factor=0.98,
    )
    assert result.gas("CO2") == pytest.approx(3923.92)
    with pytest.raises(ParameterBoundsError):
        run("2.B.1", "ammonia", 1, carbon_oxidation_factor=1.05)


def test_nitric_acid_by_plant_type() -> None:
    # 50,000 t HNO3 in a medium-pressure plant: 50,000 × 7 kg = 350 t N2O
    assert run("2.B.2", "nitric_acid", 50_000, "medium_pressure").gas("N2O") == pytest.approx(350)
    assert run("2.B.2", "nitric_acid", 50_000, "nscr").gas("N2O") == pytest.approx(100)
    # plant type unknown → high pressure 9 kg/t
    assert run("2.B.2", "nitric_acid", 1000).gas("N2O") == pytest.approx(9.0)


def test_nitric_acid_with_tertiary_abatement() -> None:
    # 50,000 t × 9 kg × (1 − 0.9 × 0.95) = 65.25 t N2O
    result = run(
        "2.B.2",
        "nitric_acid",
        50_000,
        "high_pressure",
        destruction_factor=0.9,
        abatement_utilisation=0.95,
    )
    assert result.gas("N2O") == pytest.approx(65.25)
    with pytest.raises(ParameterBoundsError):
        run("2.B.2", "nitric_acid", 1, "high_pressure", destruction_factor=1.2)


def test_adipic_acid() -> None:
    # 10,000 t × 300 kg = 3,000 t N2O unabated; catalytic destruction: × (1 − 0.925) = 225 t
    assert run("2.B.3", "adipic_acid", 10_000).gas("N2O") == pytest.approx(3000)
    assert run("2.B.3", "adipic_acid", 10_000, "catalytic_destruction").gas("N2O") == pytest.approx(
        225
    )
    # measured utilisation 0.9: 3000 × (1 − 0.925 × 0.9) = 502.5 t
    assert run(
        "2.B.3", "adipic_acid", 10_000, "catalytic_destruction", abatement_utilisation=0.9
    ).gas("N2O") == pytest.approx(502.5)


def test_hcfc22_hfc23_by_edition() -> None:
    # 20,000 t HCFC-22 × 0.03 = 600 t HFC-23 (2019R); × 0.04 = 800 t (2006)
    assert run("2.B.9.a", "hcfc22", 20_000).gas("HFC23") == pytest.approx(600)
    assert run("2.B.9.a", "hcfc22", 20_000, factors=FS_2006).gas("HFC23") == pytest.approx(800)
    # Tier 2 plant factor 0.015 kg/kg: 20,000 t = 2e7 kg × 0.015 = 3e5 kg = 300 t
    assert run("2.B.9.a", "hcfc22", 20_000, ef_hfc23=0.015).gas("HFC23") == pytest.approx(300)
    with pytest.raises(ParameterBoundsError):
        run("2.B.9.a", "hcfc22", 1, ef_hfc23=1.5)


def test_unknown_activity_or_process_raises() -> None:
    with pytest.raises(FactorNotFoundError):
        run("2.B.1", "urea", 1)
    with pytest.raises(FactorNotFoundError):
        run("2.B.2", "nitric_acid", 1, "dual_pressure_typo")


@pytest.mark.parametrize(
    ("category", "activity", "gas"),
    [
        ("2.B.1", "ammonia", "CO2"),
        ("2.B.2", "nitric_acid", "N2O"),
        ("2.B.3", "adipic_acid", "N2O"),
        ("2.B.9.a", "hcfc22", "HFC23"),
    ],
)
def test_zero_activity_gives_zero(category: str, activity: str, gas: str) -> None:
    assert run(category, activity, 0.0).gas(gas) == 0.0


LINEAR_CASES = [
    ("2.B.1", "ammonia", "CO2", {"co2_recovered": 0.5}),
    ("2.B.2", "nitric_acid", "N2O", {}),
    ("2.B.3", "adipic_acid", "N2O", {}),
    ("2.B.9.a", "hcfc22", "HFC23", {}),
]


@settings(max_examples=40, deadline=None)
@given(
    quantity=st.floats(min_value=0.0, max_value=1e9, allow_nan=False),
    case=st.sampled_from(LINEAR_CASES),
)
def test_methods_are_linear(quantity: float, case: tuple[str, str, str, dict[str, float]]) -> None:
    category, activity, gas, overrides = case
    unit = run(category, activity, 1.0, **overrides).gas(gas)
    scaled = run(category, activity, quantity, **overrides).gas(gas)
    assert scaled == pytest.approx(quantity * unit, rel=1e-9, abs=1e-9)
