"""An energy balance turned into fuel-combustion records (pure; code lists passed in)."""

from __future__ import annotations

from citycarbon.accounting.energy_balance import BalanceCell, balance_records
from citycarbon.refdata.loader import load_codelist

SECTORS = {row["code"]: row for row in load_codelist("cn_energy_balance_sectors")}
FUELS = {row["code"]: row for row in load_codelist("cn_energy_balance_fuels")}


def _convert(*cells: tuple[str, str, float, str]) -> tuple[dict[tuple[str, str], float], list[str]]:
    skipped: list[str] = []
    records = balance_records(
        [BalanceCell("321100", 2023, s, f, q, u) for s, f, q, u in cells], SECTORS, FUELS, skipped
    )
    return {(r.category, r.activity): r.quantity for r in records}, skipped


def test_industry_is_taken_net_of_feedstock_and_residential_as_its_total():
    records, skipped = _convert(
        ("industry", "raw_coal", 800.0, "10^4 t"),
        ("industry_non_energy_use", "raw_coal", 50.0, "10^4 t"),
        ("residential", "natural_gas", 3.0, "10^8 m3"),
        ("residential_urban", "natural_gas", 2.0, "10^8 m3"),
        ("residential_rural", "natural_gas", 1.0, "10^8 m3"),
    )
    industry = SECTORS["industry"]["ipcc_category"]
    residential = SECTORS["residential"]["ipcc_category"]
    assert records == {(industry, "raw_coal"): 750.0, (residential, "natural_gas"): 3.0}
    assert skipped == []


def test_secondary_energy_and_unknown_codes_are_skipped_and_said():
    records, skipped = _convert(
        ("industry", "electricity", 100.0, "10^8 kWh"),
        ("industry", "no_such_fuel", 1.0, "10^4 t"),
    )
    assert records == {}
    assert len(skipped) == 2
    assert "no combustion activity" in skipped[0]
    assert "unknown sector or fuel code" in skipped[1]
