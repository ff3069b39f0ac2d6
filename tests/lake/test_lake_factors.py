"""The factors dim comes from the engine's packaged reference data, ids and all."""

from __future__ import annotations

from pathlib import Path

import pytest

from citycarbon.lake import layout
from citycarbon.lake.factors import FACTORS_SCHEMA, build_factors, export_factors
from citycarbon.monitoring.meters import Carrier
from citycarbon.refdata.loader import default_factor_set_ref, load_factor_set


def rows_by_carrier(year: int, factor_set: str | None = None) -> dict[str, dict[str, object]]:
    return {r["carrier"]: r for r in build_factors([year], factor_set).to_pylist()}


def test_electricity_uses_the_calorific_equivalent_and_the_years_grid_factor() -> None:
    factors = load_factor_set("cn-city@2025.1")
    rows = rows_by_carrier(2022, "cn-city@2025.1")
    power = rows["electricity"]
    coefficient = factors.get("tce_coefficient", "electricity")
    assert coefficient.unit == "kgce/kWh"
    assert power["tce_per_unit"] == pytest.approx(coefficient.value / 1000)  # 0.1229 kgce/kWh
    grid = factors.get("grid_ef", "mee_carbon_market_national_grid", "2022")
    assert power["tco2_per_unit"] == pytest.approx(grid.value / 1000)  # t/MWh → t/kWh
    assert power["co2_factor_id"] == grid.factor_id
    assert power["tce_factor_id"] == coefficient.factor_id
    assert power["factor_set"] == "cn-city@2025.1"


def test_fuels_heat_and_the_carriers_without_a_coefficient() -> None:
    rows = rows_by_carrier(2025)
    assert set(rows) == {c.value for c in Carrier}
    gas = rows["natural_gas"]
    assert gas["base_unit"] == "m3"
    assert gas["tce_per_unit"] == pytest.approx(13.3 / 10_000)  # GB/T 2589: 13.3 tce/10^4 Nm3
    assert "carbon_content:natural_gas" in str(gas["co2_factor_id"])
    assert 0.0019 < float(gas["tco2_per_unit"]) < 0.0023  # type: ignore[arg-type]
    assert rows["heat"]["tce_factor_id"] == "cn_gbt2589_energy:tce_coefficient:heat"
    for carrier in ("steam", "water"):
        assert rows[carrier]["tce_per_unit"] is None
        assert rows[carrier]["tco2_per_unit"] is None
        assert "not computed" in str(rows[carrier]["note"])
    assert {r["factor_set"] for r in rows.values()} == {default_factor_set_ref()}


def test_export_covers_a_contiguous_range_of_years(tmp_path: Path) -> None:
    export_factors(tmp_path, [2023, 2026])
    table = layout.read_dim(tmp_path, "factors")
    assert table.schema.remove_metadata() == FACTORS_SCHEMA
    assert sorted(set(table.column("year").to_pylist())) == [2023, 2024, 2025, 2026]
