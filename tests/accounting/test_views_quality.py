"""Views (category and region roll-ups, recalculation) and quality (uncertainty,
completeness)."""

from __future__ import annotations

import math

import pytest

from citycarbon.accounting import quality, views
from citycarbon.accounting.inventory import compute_inventory
from citycarbon.accounting.records import ActivityRecord, records_to_table
from citycarbon.errors import GwpMixError, InputDataError
from citycarbon.refdata.loader import load_factor_set, load_gwp
from citycarbon.refdata.trees import load_category_tree

ELECTRICITY_ROWS = [
    ActivityRecord(2022, "320102", "IND.1", "electricity", 10_000.0, "MWh", entity="E1"),
    ActivityRecord(2022, "320111", "IND.3", "electricity", 4_000.0, "MWh"),
    ActivityRecord(2022, "320102", "1.A.2", "raw_coal", 1_000.0, "t", entity="E1"),
]


# ── recalculation ────────────────────────────────────────────────────────────────────────


def test_recalculation_between_factor_set_versions(gwp_ar5):
    table = records_to_table(ELECTRICITY_ROWS)
    before = compute_inventory(table, load_factor_set("cn-city@2025.1"), gwp_ar5)
    after = compute_inventory(table, load_factor_set("cn-city@2026.1"), gwp_ar5)
    diff = views.recalculation(before, after).to_pylist()
    assert diff
    by_key = {(r["category"], r["gas"]): r for r in diff}
    grid_change = 0.5366 - 0.5703
    assert by_key[("IND.1", "CO2e")]["difference"] == pytest.approx(grid_change * 10_000, rel=1e-9)
    assert by_key[("IND.3", "CO2e")]["difference"] == pytest.approx(grid_change * 4_000, rel=1e-9)
    assert by_key[("IND.1", "CO2e")]["before"] == pytest.approx(5703.0, rel=1e-12)
    assert by_key[("IND.1", "CO2e")]["after"] == pytest.approx(5366.0, rel=1e-12)
    assert by_key[("IND.1", "CO2e")]["difference_pct"] == pytest.approx(
        (5366.0 - 5703.0) / 5703.0 * 100, rel=1e-9
    )
    for row in diff:
        assert row["factor_set_before"] == "cn-city@2025.1"
        assert row["factor_set_after"] == "cn-city@2026.1"
        if not row["category"].startswith("IND") or row["gas"] == "energy_tce":
            assert row["difference"] == 0.0, row
    assert {r["category"] for r in diff if r["difference"]} == {"IND.1", "IND.3"}


def test_recalculation_with_different_gwp_sets_raises(factors):
    table = records_to_table(ELECTRICITY_ROWS)
    before = compute_inventory(table, factors, load_gwp("AR5"))
    after = compute_inventory(table, factors, load_gwp("AR6"))
    with pytest.raises(GwpMixError):
        views.recalculation(before, after)


# ── roll-ups ─────────────────────────────────────────────────────────────────────────────


def test_category_totals_roll_up_within_scope(small_table, factors, gwp_ar5):
    result = compute_inventory(small_table, factors, gwp_ar5)
    rows = views.category_totals(result, load_category_tree("ipcc2006")).to_pylist()
    co2e = {(r["year"], r["scope"], r["category"]): r["value"] for r in rows if r["gas"] == "CO2e"}
    # 2022 direct: 1.A.1 (natural gas) + 1.A.2 (raw coal) + 1.A.3.b (diesel) under 1.A and 1
    energy = co2e[(2022, "direct", "1.A")]
    parts = sum(co2e[(2022, "direct", c)] for c in ("1.A.1", "1.A.2", "1.A.3"))
    assert energy == pytest.approx(parts, rel=1e-12)
    assert co2e[(2022, "direct", "1")] == pytest.approx(energy, rel=1e-12)
    assert co2e[(2022, "direct", "2")] == pytest.approx(co2e[(2022, "direct", "2.A.1")])
    assert "IND" not in {r["category"] for r in rows}
    assert (2022, "indirect_entity", "IND.1") in co2e
    named = next(r for r in rows if r["category"] == "1.A.2")
    assert named["name_en"] == "Manufacturing industries and construction"
    assert named["level"] == 2
    assert all(r["gwp_set"] == ("AR5" if r["gas"] == "CO2e" else "") for r in rows)


def test_region_totals(small_table, factors, gwp_ar5):
    result = compute_inventory(small_table, factors, gwp_ar5)
    rows = views.region_totals(result).to_pylist()
    value = {(r["year"], r["scope"], r["gas"], r["region"]): r["value"] for r in rows}
    levels = {r["region"]: r["level"] for r in rows}
    assert levels["320102"] == "county"
    assert levels["320100"] == "city"
    assert levels["320000"] == "province"
    key = (2022, "direct", "CO2e")
    counties = sum(value.get((*key, c), 0.0) for c in ("320102", "320111", "320211"))
    assert value[(*key, "320000")] == pytest.approx(counties, rel=1e-12)
    assert value[(*key, "320100")] == pytest.approx(
        value.get((*key, "320102"), 0.0) + value.get((*key, "320111"), 0.0), rel=1e-12
    )


# ── uncertainty (IPCC Approach 1) ────────────────────────────────────────────────────────


def test_combination_rules():
    assert quality.combine_product([3.0, 4.0]) == pytest.approx(5.0, rel=1e-15)
    assert quality.combine_product([]) == 0.0
    # Eq. 3.2: √((10·100)² + (20·100)²) / 200 = 11.1803 %
    assert quality.combine_sum([100.0, 100.0], [10.0, 20.0]) == pytest.approx(
        math.sqrt(1000.0**2 + 2000.0**2) / 200.0, rel=1e-15
    )
    assert quality.combine_sum([50.0, -50.0], [10.0, 10.0]) == 0.0


def test_uncertainty_matches_hand_calculation():
    factors = load_factor_set("ipcc2006@2006.1")
    gwp = load_gwp("AR5")
    rows = [
        ActivityRecord(2022, "320102", "1.A.1", "natural_gas", 20_000.0, "t"),
        ActivityRecord(2022, "320102", "2.A.1", "clinker", 100_000.0, "t"),
    ]
    result = compute_inventory(records_to_table(rows), factors, gwp)
    table = {r["category"]: r for r in quality.uncertainty(result, factors, gwp).to_pylist()}

    def pct(factor_id: str) -> float:
        (found,) = [f for f in factors.factors if f.factor_id == factor_id]
        assert found.uncertainty_pct is not None
        return found.uncertainty_pct

    ad_energy = factors.get("ad_uncertainty_pct", "1").value
    ad_ippu = factors.get("ad_uncertainty_pct", "2").value
    # clinker: AD 5 %, CaO content 6 %, CKD correction 30 % → √(25 + 36 + 900) = 31 %
    clinker = quality.combine_product(
        [
            ad_ippu,
            pct("ipcc2006_ippu_cement:cao_in_clinker:cement"),
            pct("ipcc2006_ippu_cement:ckd_correction:cement"),
        ]
    )
    assert clinker == pytest.approx(31.0, rel=1e-12)
    assert table["2.A.1"]["uncertainty_pct"] == pytest.approx(clinker, rel=1e-9)
    # natural gas: CO2 from AD, NCV, carbon content; CH4 and N2O from AD, NCV and their EF
    ncv = pct("ipcc2006_energy_fuel:ncv:natural_gas")
    cc = pct("ipcc2006_energy_fuel:carbon_content:natural_gas")
    ef_ch4 = pct("ipcc2006_energy_ch4_n2o:ef_ch4:natural_gas:energy_industries")
    ef_n2o = pct("ipcc2006_energy_ch4_n2o:ef_n2o:natural_gas:energy_industries")
    co2e = [53_856.0, 0.96 * 28.0, 0.096 * 265.0]
    u = [
        quality.combine_product([ad_energy, ncv, cc]),
        quality.combine_product([ad_energy, ncv, ef_ch4]),
        quality.combine_product([ad_energy, ncv, ef_n2o]),
    ]
    gas_pct = quality.combine_sum(co2e, u)
    assert table["1.A.1"]["co2e_t"] == pytest.approx(sum(co2e), rel=1e-12)
    assert table["1.A.1"]["uncertainty_pct"] == pytest.approx(gas_pct, rel=1e-4)
    total = quality.combine_sum(
        [table["1.A.1"]["co2e_t"], table["2.A.1"]["co2e_t"]],
        [table["1.A.1"]["uncertainty_pct"], clinker],
    )
    assert table["TOTAL"]["uncertainty_pct"] == pytest.approx(total, rel=1e-12)
    assert table["TOTAL"]["uncertainty_pct"] < max(
        table["1.A.1"]["uncertainty_pct"], table["2.A.1"]["uncertainty_pct"]
    )
    assert table["TOTAL"]["co2e_t"] == pytest.approx(sum(co2e) + table["2.A.1"]["co2e_t"])
    assert all(r["gwp_set"] == "AR5" for r in table.values())


def test_uncertainty_leaves_out_indirect_by_default(small_table, factors, gwp_ar5):
    result = compute_inventory(small_table, factors, gwp_ar5)
    categories = {r["category"] for r in quality.uncertainty(result, factors, gwp_ar5).to_pylist()}
    assert not any(c.startswith("IND") for c in categories)
    assert "TOTAL" in categories


# ── completeness ─────────────────────────────────────────────────────────────────────────


def test_completeness(small_table, factors, gwp_ar5):
    result = compute_inventory(small_table, factors, gwp_ar5)
    tree = load_category_tree("ipcc2006")
    rows = {
        r["category"]: r
        for r in quality.completeness(
            result, tree, {"2.C.3": ("NO", "无电解铝厂 / no aluminium smelter")}
        ).to_pylist()
    }
    assert rows["1.A.2.a"]["status"] == "estimated"  # 1.A.2 carries data
    assert rows["1.A.3.b"]["status"] == "estimated"
    assert rows["2.A.1"]["status"] == "estimated"
    assert rows["2.A.1"]["missing"] is False
    assert rows["2.C.3"]["status"] == "NO"
    assert rows["2.C.3"]["explanation"] == "无电解铝厂 / no aluminium smelter"
    assert rows["2.C.3"]["status_en"] == "not occurring"
    assert rows["2.C.3"]["missing"] is False
    unlisted = (
        rows["3.A.1"]
        if "3.A.1" in rows
        else next(r for c, r in rows.items() if c.startswith("3.A"))
    )
    assert unlisted["status"] == "NE"
    assert unlisted["missing"] is True
    assert unlisted["status_zh"] == "未估算"
    assert all(tree.children(c) == () for c in rows)
    assert not any(c.startswith("IND") for c in rows)


def test_completeness_flags_a_conflict(small_table, factors, gwp_ar5):
    result = compute_inventory(small_table, factors, gwp_ar5)
    rows = {
        r["category"]: r
        for r in quality.completeness(
            result, load_category_tree("ipcc2006"), {"2.A.1": ("NO", "")}
        ).to_pylist()
    }
    assert rows["2.A.1"]["status"] == "estimated"
    assert rows["2.A.1"]["conflict"] is True


@pytest.mark.parametrize(
    ("keys", "field"),
    [
        ({"2.C.3": ("XX", "bad key")}, "notation_key"),
        ({"9.9.9": ("NO", "no such category")}, "category"),
    ],
)
def test_completeness_rejects_unknown_keys(small_table, factors, gwp_ar5, keys, field):
    result = compute_inventory(small_table, factors, gwp_ar5)
    with pytest.raises(InputDataError) as info:
        quality.completeness(result, load_category_tree("ipcc2006"), keys)
    assert [i.field for i in info.value.issues] == [field]
