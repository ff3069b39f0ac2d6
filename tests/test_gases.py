"""GWP tables and CO2e arithmetic."""

from __future__ import annotations

import math

import globalwarmingpotentials as gwp_package
import pytest

from citycarbon.errors import GwpMixError, ReferenceDataError
from citycarbon.gases import CO2e, GwpTable, gwp_set_name, to_co2e
from citycarbon.refdata.loader import load_gwp

PACKAGE_SETS = {"AR4": "AR4GWP100", "AR5": "AR5GWP100", "AR6": "AR6GWP100"}


def _wanted(gas: str) -> bool:
    return gas in ("CH4", "N2O", "SF6", "NF3") or gas.startswith(
        ("HFC", "PFC", "CF4", "C2F6", "C3F8", "C4F10", "C5F12", "C6F14", "cC4F8")
    )


@pytest.mark.parametrize("short", sorted(PACKAGE_SETS))
def test_packaged_gwp100_equals_globalwarmingpotentials(short: str):
    table = load_gwp(short)
    source = gwp_package.data[PACKAGE_SETS[short]]
    compared = 0
    for gas, value in source.items():
        if value is None or (isinstance(value, float) and math.isnan(value)):
            continue
        assert table.gwp(gas) == value, (short, gas)
        compared += _wanted(gas)
    # the families the brief names are all present and were compared
    for gas in ("CH4", "N2O", "SF6", "NF3", "HFC23", "HFC32", "HFC134a", "CF4", "C2F6"):
        assert table.gwp(gas) == source[gas]
    assert compared >= 10


@pytest.mark.parametrize(
    ("short", "gas", "value"),
    [
        ("AR4", "CH4", 25.0),
        ("AR4", "N2O", 298.0),
        ("AR4", "SF6", 22800.0),
        ("AR5", "CH4", 28.0),
        ("AR5", "N2O", 265.0),
        ("AR5", "SF6", 23500.0),
        ("AR5", "NF3", 16100.0),
        ("AR5", "HFC-134a", 1300.0),
        ("AR6", "CH4", 27.9),
        ("AR6", "N2O", 273.0),
        ("AR6", "SF6", 25200.0),
    ],
)
def test_headline_values(short: str, gas: str, value: float):
    assert load_gwp(short).gwp(gas) == value


def test_ar6_fossil_and_non_fossil_methane():
    ar6 = load_gwp("AR6")
    assert ar6.gwp("CH4_fossil") == 29.8
    assert ar6.gwp("CH4_nonfossil") == 27.0
    assert ar6.gwp("CH4_non_fossil") == 27.0  # alias spelling
    # a set without the distinction falls back to plain CH4
    assert load_gwp("AR5").gwp("CH4_fossil") == 28.0


def test_co2_is_one_in_every_set():
    for short in ("SAR", "AR4", "AR5", "AR6"):
        assert load_gwp(short).gwp("CO2") == 1.0


def test_set_name_spellings():
    assert gwp_set_name("AR5GWP100") == "AR5"
    assert gwp_set_name("ar6") == "AR6"
    assert load_gwp("AR4GWP100").gwp_set == "AR4"


@pytest.mark.parametrize("name", ["AR7", "TAR", "GWP20", ""])
def test_unknown_gwp_set_raises(name: str):
    with pytest.raises(ReferenceDataError) as info:
        load_gwp(name)
    assert "unknown GWP set" in info.value.message.en
    assert "GWP" in info.value.message.zh


def test_unknown_gas_raises():
    with pytest.raises(ReferenceDataError):
        load_gwp("AR5").gwp("unobtainium")


def test_co2e_of_different_sets_cannot_be_added():
    with pytest.raises(GwpMixError) as info:
        _ = CO2e(1.0, "AR5") + CO2e(1.0, "AR6")
    assert "AR5" in info.value.message.en
    assert "AR6" in info.value.message.en
    with pytest.raises(GwpMixError):
        _ = CO2e(1.0, "AR4") - CO2e(1.0, "AR5")
    with pytest.raises(GwpMixError):
        sum([CO2e(1.0, "AR5"), CO2e(2.0, "AR4")])


def test_sum_of_co2e():
    total = sum([CO2e(1.5, "AR5"), CO2e(2.0, "AR5"), CO2e(0.5, "AR5")])
    assert isinstance(total, CO2e)
    assert total == CO2e(4.0, "AR5")
    assert (CO2e(3.0, "AR6") - CO2e(1.0, "AR6")).tonnes == 2.0


def test_to_co2e_uses_the_table():
    table = GwpTable("AR5", {"CH4": 28.0, "N2O": 265.0}, "test")
    result = to_co2e({"CO2": 10.0, "CH4": 1.0, "N2O": 0.1}, table)
    assert result.gwp_set == "AR5"
    assert result.tonnes == pytest.approx(10.0 + 28.0 + 26.5, rel=1e-12)
    ar4 = to_co2e({"CH4": 1.0}, load_gwp("AR4"))
    assert ar4 == CO2e(25.0, "AR4")
