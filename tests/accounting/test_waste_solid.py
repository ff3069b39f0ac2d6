"""Solid waste: FOD (4.A), biological treatment (4.B), incineration/open burning (4.C).

Expected values are hand-computed from the IPCC default tables; the arithmetic is shown.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from citycarbon.accounting import waste_solid  # noqa: F401 - registers the methods
from citycarbon.accounting.records import ActivityRecord, compute_record, compute_series
from citycarbon.errors import ParameterBoundsError
from citycarbon.refdata.loader import load_factor_set

FS = load_factor_set("ipcc2006@2019R.1")
FOOD_WET = "uncharacterised/boreal_temperate_wet"


def deposits(
    by_year: dict[int, float],
    qualifier: str = FOOD_WET,
    overrides: dict[str, float] | None = None,
    waste: str = "msw_food",
):
    records = [
        ActivityRecord(
            y, "110000", "4.A", waste, q, "t", qualifier=qualifier, overrides=overrides or {}
        )
        for y, q in by_year.items()
    ]
    return compute_series(records, FS)


# ── 4.A first-order decay ────────────────────────────────────────────────────────────────


def test_public_case_closed_form() -> None:
    # 365,000 t/yr food waste 2010–2020; DDOCm per year = 365,000 × 0.15 × 0.7 × 0.6
    # = 22,995 t C. With M = 13 the 10 deposits of 2010–2019 decay in 2020:
    # decomposed = 22,995 × (1 − e^(−0.185 × 10)) = 19,379.33 t C;
    # CH4 = 19,379.33 × 0.5 × 16/12 = 12,919.55 t = 12.9196 Gg (case WASTE-SWD-FOD-01).
    result = deposits(dict.fromkeys(range(2010, 2021), 365000.0))
    ddocm = 365_000 * 0.15 * 0.7 * 0.6
    assert ddocm == pytest.approx(22_995.0)
    decomposed = ddocm * (1 - math.exp(-0.185 * 10))
    assert result[2020].trace.input("ddocm_decomposed").value == pytest.approx(decomposed)
    assert result[2020].gas("CH4") == pytest.approx(12_919.554240412088, rel=1e-9)
    assert result[2010].gas("CH4") == 0.0  # nothing decays in the first deposit year
    assert sorted(result) == list(range(2010, 2021))


def test_default_start_month_13_deposit_emits_from_next_year() -> None:
    # 1,000 t food in 2010: DDOCm = 1,000 × 0.15 × 0.7 × 0.6 = 63 t C.
    # M = 13: 2010 decomposes 0; 2011 decomposes 63 × (1 − e^−0.185) = 10.6405 t C.
    result = deposits({2010: 1000.0, 2011: 0.0})
    assert result[2010].gas("CH4") == 0.0
    decomposed_2011 = 63 * (1 - math.exp(-0.185))
    assert decomposed_2011 == pytest.approx(10.6405, abs=1e-4)
    assert result[2011].gas("CH4") == pytest.approx(decomposed_2011 * 0.5 * 16 / 12)


def test_start_month_7_part_of_deposit_decays_in_its_own_year() -> None:
    # M = 7 (no delay, deposit mid-year): 2010 decomposes 63 × (1 − e^(−0.185 × 6/12))
    # = 5.5660 t C; the stock left, 63 × e^−0.0925 = 57.434 t C, decomposes
    # 57.434 × (1 − e^−0.185) = 9.7004 t C in 2011.
    result = deposits({2010: 1000.0, 2011: 0.0}, overrides={"decay_start_month": 7.0})
    first = 63 * (1 - math.exp(-0.185 * 0.5))
    second = 63 * math.exp(-0.0925) * (1 - math.exp(-0.185))
    assert first == pytest.approx(5.5660, abs=1e-4)
    assert second == pytest.approx(9.7004, abs=1e-4)
    assert result[2010].gas("CH4") == pytest.approx(first * 2 / 3)
    assert result[2011].gas("CH4") == pytest.approx(second * 2 / 3)


def test_tier2_overrides_and_recovery() -> None:
    # DOC 0.20 instead of 0.15 (Tier 2) scales the result by 0.20/0.15; OX = 0.1 and
    # recovering 50 % of generation multiply emissions by 0.5 × 0.9.
    base = deposits({2010: 1000.0, 2011: 0.0})[2011].gas("CH4")
    doc = deposits({2010: 1000.0, 2011: 0.0}, overrides={"doc": 0.2})[2011]
    assert doc.gas("CH4") == pytest.approx(base * 0.2 / 0.15)
    assert doc.trace.input("doc").origin == "override"
    rec = deposits({2010: 1000.0, 2011: 0.0}, overrides={"ox": 0.1, "recovery_fraction": 0.5})[2011]
    assert rec.gas("CH4") == pytest.approx(base * 0.5 * 0.9)


def test_2019_refinement_docf_and_mcf() -> None:
    # wood: DOCf 0.1 (2019R Table 3.0), not the 2006 generic 0.5; managed anaerobic MCF 1.
    result = deposits(
        {2010: 1000.0, 2011: 0.0}, "managed_anaerobic/boreal_temperate_wet", waste="msw_wood"
    )[2011]
    assert result.trace.input("doc_f").value == 0.1
    expected = 1000 * 0.43 * 0.1 * 1.0 * (1 - math.exp(-0.03)) * 0.5 * 16 / 12
    assert result.gas("CH4") == pytest.approx(expected)


def test_fraction_above_one_raises() -> None:
    with pytest.raises(ParameterBoundsError):
        deposits({2010: 1000.0}, overrides={"mcf": 1.2})


def test_zero_deposits_give_zero() -> None:
    result = deposits({2010: 0.0, 2011: 0.0, 2012: 0.0})
    assert all(r.gas("CH4") == 0.0 for r in result.values())


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(0, 1e6), min_size=2, max_size=8), st.sampled_from([7.0, 13.0]))
def test_fod_doubling_deposits_doubles_emissions(amounts: list[float], month: float) -> None:
    series = {2000 + i: a for i, a in enumerate(amounts)}
    once = deposits(series, overrides={"decay_start_month": month})
    twice = deposits({y: 2 * a for y, a in series.items()}, overrides={"decay_start_month": month})
    for year, result in once.items():
        assert twice[year].gas("CH4") == pytest.approx(2 * result.gas("CH4"), rel=1e-12, abs=1e-12)


# ── 4.B biological treatment ─────────────────────────────────────────────────────────────


def bio(activity: str, quantity: float, qualifier: str = "wet", **overrides: float):
    return compute_record(
        ActivityRecord(
            2020, "110000", "4.B", activity, quantity, "t", qualifier=qualifier, overrides=overrides
        ),
        FS,
    )


def test_composting_1000_t_wet_gives_4_t_ch4_and_0_24_t_n2o() -> None:
    # Table 4.1: 4 g CH4 and 0.24 g N2O per kg wet waste = 4 and 0.24 kg per tonne;
    # 1,000 t × 4 kg/t = 4,000 kg = 4 t CH4; 1,000 t × 0.24 kg/t = 0.24 t N2O.
    result = bio("composting", 1000.0)
    assert result.gas("CH4") == pytest.approx(4.0)
    assert result.gas("N2O") == pytest.approx(0.24)


def test_composting_dry_and_anaerobic_digestion() -> None:
    dry = bio("composting", 1000.0, "dry")  # 10 and 0.6 g/kg dry
    assert (dry.gas("CH4"), dry.gas("N2O")) == pytest.approx((10.0, 0.6))
    digestion = bio("anaerobic_digestion", 1000.0)  # 0.8 g/kg wet; N2O negligible
    assert (digestion.gas("CH4"), digestion.gas("N2O")) == pytest.approx((0.8, 0.0))
    recovered = bio("anaerobic_digestion", 1000.0, recovery_fraction=0.75)
    assert recovered.gas("CH4") == pytest.approx(0.2)
    assert bio("composting", 1000.0, ef_ch4=2.0).gas("CH4") == pytest.approx(2.0)
    with pytest.raises(ParameterBoundsError):
        bio("composting", 1000.0, recovery_fraction=1.5)
    assert bio("composting", 0.0).gas("CH4") == 0.0


# ── 4.C incineration and open burning ────────────────────────────────────────────────────


def burn(category: str, waste: str, quantity: float, qualifier: str = "", **overrides: float):
    return compute_record(
        ActivityRecord(
            2020, "110000", category, waste, quantity, "t", qualifier=qualifier, overrides=overrides
        ),
        FS,
    )


def test_incineration_of_plastics() -> None:
    # CO2 = 1,000 t × dm 1.0 × CF 0.75 × FCF 1.0 × OF 1.0 × 44/12 = 2,750 t;
    # CH4 = 1,000 t × 0.2 kg/Gg (= g/t) × 10⁻⁶ = 0.0002 t; N2O = 1,000 × 50 g/t = 0.05 t.
    result = burn("4.C.1", "msw_plastics", 1000.0, "continuous_stoker")
    assert result.gas("CO2") == pytest.approx(2750.0)
    assert result.gas("CH4") == pytest.approx(0.0002)
    assert result.gas("N2O") == pytest.approx(0.05)
    assert result.co2_biogenic_t == 0.0


def test_open_burning() -> None:
    # plastics: CO2 = 2,750 × OF 0.58 = 1,595 t; CH4 = 1,000 × 6,500 g/t = 6.5 t;
    # N2O = 1,000 t × dm 1.0 × 150 g/t dry = 0.15 t.
    plastics = burn("4.C.2", "msw_plastics", 1000.0)
    assert plastics.gas("CO2") == pytest.approx(1595.0)
    assert plastics.gas("CH4") == pytest.approx(6.5)
    assert plastics.gas("N2O") == pytest.approx(0.15)
    # food: fossil CO2 0; biogenic memo = 1,000 × 0.4 × 0.38 × 0.58 × 44/12 = 323.25 t;
    # N2O = 1,000 × 0.4 × 150 g/t = 0.06 t.
    food = burn("4.C.2", "msw_food", 1000.0)
    assert food.gas("CO2") == 0.0
    assert food.co2_biogenic_t == pytest.approx(1000 * 0.4 * 0.38 * 0.58 * 44 / 12)
    assert food.gas("N2O") == pytest.approx(0.06)


def test_incineration_overrides_and_bounds() -> None:
    result = burn("4.C.1", "msw_textiles", 1000.0, "batch_stoker", fossil_carbon_fraction=0.5)
    assert result.gas("CO2") == pytest.approx(1000 * 0.8 * 0.5 * 0.5 * 44 / 12)
    assert result.gas("N2O") == pytest.approx(0.06)  # batch: 60 g/t
    with pytest.raises(ParameterBoundsError):
        burn("4.C.1", "msw_textiles", 1000.0, oxidation_factor=1.01)
    assert burn("4.C.1", "msw_paper", 0.0, "continuous_stoker").gas("CO2") == 0.0


@settings(max_examples=30, deadline=None)
@given(st.floats(0, 1e7), st.sampled_from(["msw_plastics", "msw_textiles", "msw_paper"]))
def test_linearity_of_linear_methods(quantity: float, waste: str) -> None:
    for result_of in (lambda q: burn("4.C.2", waste, q), lambda q: bio("composting", q)):
        unit, scaled = result_of(1.0), result_of(quantity)
        for gas in ("CO2", "CH4", "N2O"):
            assert scaled.gas(gas) == pytest.approx(quantity * unit.gas(gas), rel=1e-12, abs=1e-12)
