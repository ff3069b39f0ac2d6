"""Wastewater (4.D): domestic and industrial CH4 and N2O, hand-checked.

Defaults used (factor set ipcc2006@2019R.1): BOD 40 g/person/day (China, Table 6.4),
Bo 0.6 kg CH4/kg BOD, 0.25 kg CH4/kg COD, I = 1.25 collected / 1.00 uncollected; MCF
centralised aerobic 0.03 and discharge 0.11 (2019R Table 6.3), septic 0.5, anaerobic reactor
0.8; TOW removal 0.85 secondary treatment, 0.625 septic (2019R Table 6.6b).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from citycarbon.accounting import waste_water  # noqa: F401 - registers the methods
from citycarbon.accounting.records import ActivityRecord, compute_record
from citycarbon.errors import ParameterBoundsError
from citycarbon.refdata.loader import load_factor_set

FS = load_factor_set("ipcc2006@2019R.1")


def run(category: str, activity: str, quantity: float, unit: str, pathway: str, **overrides: float):
    return compute_record(
        ActivityRecord(
            2020,
            "110000",
            category,
            activity,
            quantity,
            unit,
            qualifier=pathway,
            overrides=overrides,
        ),
        FS,
    )


def test_domestic_ch4_centralised_aerobic() -> None:
    # TOW = 1,000,000 × 40 g × 0.001 × 1.25 × 365 = 18,250,000 kg BOD
    # treatment: 18.25e6 × 0.6 × 0.03 = 328,500 kg; effluent 18.25e6 × (1 − 0.85)
    # = 2,737,500 kg BOD × 0.6 × 0.11 = 180,675 kg; total 509,175 kg = 509.175 t CH4.
    result = run("4.D.1", "ww_domestic", 1_000_000, "person", "centralised_aerobic")
    assert result.trace.input("tow").value == pytest.approx(18_250_000)
    assert result.gas("CH4") == pytest.approx(509.175)
    assert "N2O" not in result.gases_t  # no protein supplied: not estimated


def test_domestic_ch4_septic_system() -> None:
    # TOW = 1e6 × 40 × 0.001 × 1.0 × 365 = 14.6e6 kg; 14.6e6 × 0.6 × 0.5 = 4,380,000 kg;
    # effluent 14.6e6 × 0.375 × 0.6 × 0.11 = 361,350 kg → 4,741.35 t CH4.
    result = run("4.D.1", "ww_domestic", 1_000_000, "person", "septic_system")
    assert result.gas("CH4") == pytest.approx(4741.35)


def test_domestic_bod_variant_and_untreated_discharge() -> None:
    # 1,000 t BOD to an anaerobic reactor: 1e6 kg × 0.6 × 0.8 = 480,000 kg = 480 t.
    assert run("4.D.1", "bod", 1000, "t", "anaerobic_reactor").gas("CH4") == pytest.approx(480)
    # untreated to a river (2019R MCF 0.11): 1e6 × 0.6 × 0.11 = 66 t.
    assert run("4.D.1", "bod", 1000, "t", "discharge_aquatic").gas("CH4") == pytest.approx(66)


def test_domestic_n2o_with_protein() -> None:
    # N = 1e6 × 36.5 kg × 0.16 × N_HH 1.1 × F_NON-CON 1.1 × F_IND-COM 1.25 = 8.833e6 kg N;
    # plant 8.833e6 × 0.016 × 44/28; effluent 8.833e6 × (1 − 0.40) × 0.005 × 44/28.
    result = run(
        "4.D.1", "ww_domestic", 1_000_000, "person", "centralised_aerobic", protein_per_capita=36.5
    )
    nitrogen = 1e6 * 36.5 * 0.16 * 1.1 * 1.1 * 1.25
    assert nitrogen == pytest.approx(8.833e6)
    expected_kg = nitrogen * 0.016 * 44 / 28 + nitrogen * 0.6 * 0.005 * 44 / 28
    assert result.gas("N2O") == pytest.approx(expected_kg / 1000)


def test_industrial_ch4_beer() -> None:
    # COD = 1,000 t × 6.3 m³/t × 2.9 kg/m³ = 18,270 kg; × 0.25 × 0.8 = 3,654 kg = 3.654 t.
    result = run("4.D.2", "ww_beer", 1000, "t", "anaerobic_reactor")
    assert result.gas("CH4") == pytest.approx(3.654)
    tier2 = run(
        "4.D.2", "ww_beer", 1000, "t", "anaerobic_reactor", cod_per_m3=5.8, recovery_fraction=0.5
    )
    assert tier2.gas("CH4") == pytest.approx(3.654 * 2 * 0.5)


def test_bounds_and_zero() -> None:
    with pytest.raises(ParameterBoundsError):
        run("4.D.1", "ww_domestic", 1000, "person", "septic_system", mcf=1.5)
    with pytest.raises(ParameterBoundsError):
        run("4.D.2", "ww_beer", 1000, "t", "anaerobic_reactor", sludge_fraction=2.0)
    assert run("4.D.1", "ww_domestic", 0, "person", "septic_system").gas("CH4") == 0.0


@settings(max_examples=30, deadline=None)
@given(
    st.floats(0, 1e8),
    st.sampled_from(["centralised_aerobic", "septic_system", "latrine_wet", "discharge_aquatic"]),
)
def test_linearity(quantity: float, pathway: str) -> None:
    unit = run("4.D.1", "ww_domestic", 1, "person", pathway, protein_per_capita=30.0)
    scaled = run("4.D.1", "ww_domestic", quantity, "person", pathway, protein_per_capita=30.0)
    for gas in ("CH4", "N2O"):
        assert scaled.gas(gas) == pytest.approx(quantity * unit.gas(gas), rel=1e-12, abs=1e-12)
