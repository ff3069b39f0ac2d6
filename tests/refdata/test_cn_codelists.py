"""China code lists packaged as reference data: industry classification, function zones,
region levels, energy-balance rows and columns, key-unit thresholds."""

from __future__ import annotations

import pytest

from citycarbon import units
from citycarbon.accounting.regions import gbt2260_parent, region_level
from citycarbon.refdata.loader import load_codelist
from citycarbon.refdata.model import FactorSet

CHINESE = ("\u4e00", "\u9fff")


def _has_chinese(text: str) -> bool:
    return any(CHINESE[0] <= ch <= CHINESE[1] for ch in text)


@pytest.mark.parametrize(
    "table_id",
    [
        "cn_gbt4754_2017",
        "cn_main_function_zones",
        "cn_region_levels",
        "cn_energy_balance_sectors",
        "cn_energy_balance_fuels",
        "cn_key_unit_thresholds",
    ],
)
def test_every_row_is_named_in_both_languages(table_id: str):
    rows = load_codelist(table_id)
    assert rows
    for row in rows:
        assert _has_chinese(row["name_zh"]), row
        assert row["name_en"].strip(), row
        assert not _has_chinese(row["name_en"]), row


# ── GB/T 4754-2017 ───────────────────────────────────────────────────────────────────────

SECTION_RANGES = {
    "A": (1, 5), "B": (6, 12), "C": (13, 43), "D": (44, 46), "E": (47, 50),
    "F": (51, 52), "G": (53, 60), "H": (61, 62), "I": (63, 65), "J": (66, 69),
    "K": (70, 70), "L": (71, 72), "M": (73, 75), "N": (76, 79), "O": (80, 82),
    "P": (83, 83), "Q": (84, 85), "R": (86, 90), "S": (91, 96), "T": (97, 97),
}  # fmt: skip


def test_gbt4754_has_20_sections_and_97_divisions_under_them():
    rows = load_codelist("cn_gbt4754_2017")
    sections = [r for r in rows if r["parent"] == ""]
    divisions = [r for r in rows if r["parent"] != ""]
    assert [r["code"] for r in sections] == list("ABCDEFGHIJKLMNOPQRST")
    assert [r["code"] for r in divisions] == [f"{n:02d}" for n in range(1, 98)]
    for row in divisions:
        low, high = SECTION_RANGES[row["parent"]]
        assert low <= int(row["code"]) <= high, row


@pytest.mark.parametrize(
    ("code", "name_zh"),
    [
        ("D", "电力、热力、燃气及水生产和供应业"),
        ("11", "开采专业及辅助性活动"),
        ("25", "石油、煤炭及其他燃料加工业"),
        ("30", "非金属矿物制品业"),
        ("31", "黑色金属冶炼和压延加工业"),
        ("44", "电力、热力生产和供应业"),
        ("79", "土地管理业"),
    ],
)
def test_gbt4754_names_the_carbon_relevant_divisions(code: str, name_zh: str):
    found = {r["code"]: r["name_zh"] for r in load_codelist("cn_gbt4754_2017")}
    assert found[code] == name_zh


# ── regions and function zones ───────────────────────────────────────────────────────────


def test_region_levels_match_the_code_rules_of_the_engine():
    rows = {r["code"]: r for r in load_codelist("cn_region_levels")}
    assert list(rows) == ["province", "city", "county", "township"]
    assert [rows[c]["significant_digits"] for c in rows] == ["2", "4", "6", "9"]
    assert [rows[c]["parent"] for c in rows] == ["", "province", "city", "county"]
    for level, row in rows.items():
        example = row["example_code"]
        if example:
            assert region_level(example) == level
            parent = gbt2260_parent(example)
            assert (parent is None) == (row["parent"] == "")
            if parent is not None:
                assert region_level(parent) == row["parent"]
    assert region_level("321102001") == "township"


def test_function_zones_are_the_four_zhenjiang_types():
    rows = load_codelist("cn_main_function_zones")
    assert [(r["code"], r["name_zh"]) for r in rows] == [
        ("optimized", "优化开发"),
        ("key", "重点开发"),
        ("moderate", "适度开发"),
        ("ecological", "生态平衡"),
    ]
    for row in rows:
        assert len(row["code"]) <= 12  # store.models Region.function_zone is String(12)
        assert _has_chinese(row["description_zh"])
        assert row["description_en"]
    moderate = rows[2]
    assert "限制开发" in moderate["description_zh"]
    assert "限制开发" in moderate["description_en"]


# ── energy balance ───────────────────────────────────────────────────────────────────────


def test_energy_balance_sectors_map_to_known_ipcc_categories():
    categories = {r["code"] for r in load_codelist("categories_ipcc2006")}
    rows = {r["code"]: r for r in load_codelist("cn_energy_balance_sectors")}
    for row in rows.values():
        if row["ipcc_category"]:
            assert row["ipcc_category"] in categories, row
        else:
            assert "not combustion" in row["note"] or "excluded" in row["note"], row
    assert rows["thermal_power"]["ipcc_category"] == "1.A.1.a"
    assert rows["heat_supply"]["ipcc_category"] == "1.A.1.a"
    assert rows["industry"]["ipcc_category"] == "1.A.2"
    assert rows["industry_non_energy_use"]["ipcc_category"] == ""
    assert rows["transport"]["ipcc_category"] == "1.A.3"
    assert rows["trade_hospitality"]["ipcc_category"] == "1.A.4.a"
    assert rows["residential"]["ipcc_category"] == "1.A.4.b"
    assert rows["agriculture"]["ipcc_category"] == "1.A.4.c"


def test_energy_balance_fuel_units_parse():
    for row in load_codelist("cn_energy_balance_fuels"):
        units.parse(row["unit"])  # raises UnitError on a spelling the registry cannot read
    by_code = {r["code"]: r for r in load_codelist("cn_energy_balance_fuels")}
    assert units.factor(by_code["raw_coal"]["unit"], "t") == 1e4
    assert units.factor(by_code["natural_gas"]["unit"], "10^4 Nm3") == pytest.approx(1e4)
    assert units.factor(by_code["electricity"]["unit"], "MWh") == pytest.approx(1e5)
    # 万百万千焦 = 10^4 × 10^6 kJ = 10^13 J = 10 TJ
    assert units.factor(by_code["heat"]["unit"], "TJ") == pytest.approx(10.0)
    assert units.factor(by_code["other_energy"]["unit"], "tce") == 1e4


def test_every_energy_balance_fuel_code_is_in_the_default_factor_set(factors: FactorSet):
    subjects = {f.subject for f in factors.factors}
    rows = load_codelist("cn_energy_balance_fuels")
    mapped = [r for r in rows if r["activity"]]
    assert len(mapped) >= 20
    missing = [r["activity"] for r in mapped if r["activity"] not in subjects]
    assert missing == [], f"activity codes without any factor in {factors.ref}: {missing}"
    assert {r["code"]: r["activity"] for r in rows}["electricity"] == "electricity"
    assert {r["code"]: r["activity"] for r in rows}["heat"] == "heat"


def test_published_units_convert_to_standard_coal(factors: FactorSet):
    """Where the default set has a GB/T 2589 coefficient, a yearbook quantity in its published
    unit converts to tce (e.g. 亿立方米 × tce/10^4 Nm3)."""
    checked = 0
    for row in load_codelist("cn_energy_balance_fuels"):
        coefficient = factors.find("tce_coefficient", row["activity"]) if row["activity"] else None
        if coefficient is None:
            continue
        assert units.product_factor(row["unit"], coefficient.unit, "tce") > 0, row
        checked += 1
    assert checked >= 18


# ── key units ────────────────────────────────────────────────────────────────────────────


def test_key_unit_thresholds():
    rows = {r["code"]: r for r in load_codelist("cn_key_unit_thresholds")}
    for row in rows.values():
        units.parse(row["unit"])
        assert float(row["threshold"]) > 0
        if row["upper_limit"]:
            assert float(row["upper_limit"]) > float(row["threshold"])
        assert row["document"]
    ets = rows["ets_key_emitter"]
    assert (ets["measure"], float(ets["threshold"]), ets["unit"]) == ("ghg_emissions", 26000, "t")
    energy = rows["key_energy_user"]
    assert (float(energy["threshold"]), energy["unit"]) == (10000, "tce")
    designated = rows["key_energy_user_designated"]
    assert (float(designated["threshold"]), float(designated["upper_limit"])) == (5000, 10000)
