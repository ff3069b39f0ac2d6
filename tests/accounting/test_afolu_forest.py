"""Forest land remaining forest land (3.B.1.a): gain-loss and stock-volume methods."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import citycarbon.accounting.afolu_forest  # noqa: F401  (registers the method)
from citycarbon.accounting.records import ActivityRecord, compute_record
from citycarbon.errors import ParameterBoundsError
from citycarbon.refdata.loader import load_factor_set, load_table

F06 = load_factor_set("ipcc2006@2019R.1")
CN = F06.with_factors(load_table("cn_forest_biomass"), "cn-forest")
C_TO_CO2 = 44 / 12


def rec(
    act: str,
    quantity: float,
    unit: str,
    qualifier: str = "",
    overrides: dict[str, float] | None = None,
) -> ActivityRecord:
    return ActivityRecord(
        2019,
        "110000",
        "3.B.1.a",
        act,
        quantity,
        unit,
        qualifier=qualifier,
        overrides=overrides or {},
    )


def test_growth_is_a_removal() -> None:
    # 1000 ha × 4.0 t d.m./ha/yr × (1 + 0.29) × CF 0.51 = 2631.6 t C → −9649.2 t CO2
    result = compute_record(
        rec(
            "forest_growth",
            1000,
            "hectare",
            "type=temperate_conifer;band=50_150;zone=temperate_continental;continent=asia;age=le20",
        ),
        F06,
    )
    assert result.gas("CO2") == pytest.approx(-1000 * 4.0 * 1.29 * 0.51 * C_TO_CO2)
    assert result.gas("CO2") < 0


def test_wood_removals_are_emissions() -> None:
    # 1000 m3 × BCEF_R 0.7 × 1.29 × 0.51 = 460.53 t C → +1688.61 t CO2
    result = compute_record(
        rec("wood_removals", 1000, "m3", "type=temperate_conifer;band=50_150", {"bcef_r": 0.7}), F06
    )
    assert result.gas("CO2") == pytest.approx(1000 * 0.7 * 1.29 * 0.51 * C_TO_CO2)


def test_disturbance_loss() -> None:
    # 10 ha × 100 t/ha × (1 + 0.24) × fd 0.5 × CF 0.47 → CO2
    result = compute_record(
        rec(
            "disturbance",
            10,
            "hectare",
            "type=boreal;band=gt75",
            {"biomass_ag": 100.0, "fraction_lost": 0.5},
        ),
        F06,
    )
    assert result.gas("CO2") == pytest.approx(10 * 100 * 1.24 * 0.5 * 0.47 * C_TO_CO2)


def test_stock_increment_china_method() -> None:
    # 杉木 1000 m3 × SVD 0.307 × BEF 1.634 × (1 + 0.246) × CF 0.5 (status U defaults)
    result = compute_record(rec("stock_increment", 1000, "m3", "cunninghamia"), CN)
    assert result.gas("CO2") == pytest.approx(-1000 * 0.307 * 1.634 * 1.246 * 0.5 * C_TO_CO2)
    # Tier 2 override, in the plain IPCC set (CF falls back to 0.47):
    # 1 万m3 × 0.4 × 1.5 × 1.25 × 0.47 = 3525 t C
    own = compute_record(
        rec(
            "stock_increment", 1, "万m3", "", {"wood_density": 0.4, "bef": 1.5, "root_shoot": 0.25}
        ),
        F06,
    )
    assert own.gas("CO2") == pytest.approx(-10_000 * 0.4 * 1.5 * 1.25 * 0.47 * C_TO_CO2)
    loss = compute_record(rec("stock_loss", 1000, "m3", "cunninghamia"), CN)
    assert loss.gas("CO2") == pytest.approx(-result.gas("CO2"))


def test_fraction_above_one_raises() -> None:
    with pytest.raises(ParameterBoundsError):
        compute_record(
            rec(
                "forest_growth",
                1,
                "hectare",
                "type=temperate_conifer;band=lt50",
                {"growth_ag": 3.0, "carbon_fraction": 1.5},
            ),
            F06,
        )


def test_zero_area() -> None:
    assert (
        compute_record(
            rec("forest_growth", 0, "hectare", "type=boreal;band=gt75", {"growth_ag": 1.0}), F06
        ).gas("CO2")
        == 0.0
    )


@settings(max_examples=25, deadline=None)
@given(st.floats(min_value=0, max_value=1e7, allow_nan=False))
def test_linear(area: float) -> None:
    q, o = "type=tropical_rainforest", {"growth_ag": 7.0}
    one = compute_record(rec("forest_growth", 1.0, "hectare", q, o), F06).gas("CO2")
    many = compute_record(rec("forest_growth", area, "hectare", q, o), F06).gas("CO2")
    assert math.isclose(many, area * one, rel_tol=1e-9, abs_tol=1e-9)
