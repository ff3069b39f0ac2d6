"""The cockpit's pure parts: the target pace line, sectors, indicators."""

from __future__ import annotations

import pytest

from citycarbon.service.cockpit import DEFAULT_PACE, indicators_of, pace_line, sectors
from citycarbon.service.explorer import rolled


def test_the_pace_is_a_straight_line_from_the_base_year_to_the_target():
    actual = {2019: 1.5, 2020: 1.0, 2021: 0.95, 2022: 0.97, 2024: 0.9}
    line = pace_line(actual, DEFAULT_PACE["carbon_intensity"])
    assert sorted(line) == [2020, 2021, 2022, 2023, 2024, 2025]
    assert line[2020]["pace"] == pytest.approx(1.0)
    assert line[2025]["pace"] == pytest.approx(0.82)
    assert line[2022]["pace"] == pytest.approx(1.0 - 0.18 * 2 / 5)
    assert line[2021]["on_pace"] is True  # 0.95 ≤ 0.964
    assert line[2022]["on_pace"] is False  # 0.97 > 0.928
    assert line[2023]["on_pace"] is None  # no figure
    assert pace_line({2019: 1.0}, DEFAULT_PACE["carbon_intensity"]) == {}


def test_default_pace_names_its_source_and_is_an_assumption():
    assert DEFAULT_PACE["assumption"] is True
    assert DEFAULT_PACE["energy_intensity"]["reduction_pct"] == 13.5
    assert "14th Five-Year Plan" in DEFAULT_PACE["source_en"]


def test_indicators_from_totals_and_gdp():
    totals = {("TOTAL", "energy_tce"): 200.0, ("TOTAL", "gross_CO2e"): 500.0}
    got = indicators_of(totals, {"gdp": 1000.0})
    assert got == {"energy_total": 200.0, "carbon_total": 500.0,
                   "energy_intensity": 0.2, "carbon_intensity": 0.5}  # fmt: skip
    assert indicators_of(totals, {})["carbon_intensity"] is None


def test_sectors_keep_sinks_and_imports_apart_and_leave_out_memo_items():
    values = {
        ("1.A.1.a", "CO2e"): 100.0, ("1.A.2.c", "CO2e"): 50.0, ("2.A.1", "CO2e"): 30.0,
        ("3.B.1.a", "CO2e"): -20.0, ("3.A.1", "CO2e"): 5.0, ("IND.3", "CO2e"): 40.0,
        ("IND.1", "CO2e"): 70.0, ("1.A.1.a", "CO2"): 99.0, ("TOTAL", "net_CO2e"): 205.0,
    }  # fmt: skip
    got = {s["code"]: s["value"] for s in sectors(values)}
    assert got == {"1": 150.0, "2": 30.0, "3": 5.0, "net_import": 40.0, "sinks": -20.0}
    rolled_up = rolled(values, "CO2e")
    assert rolled_up["TOTAL"] == pytest.approx(205.0)  # memo IND.1 is not in it
    assert rolled_up["IND.1"] == 70.0
    assert rolled_up["IND"] == 40.0
    assert rolled_up["3"] == pytest.approx(-15.0)
