"""The vectorised inventory engine against the obvious per-record path, and its views."""

from __future__ import annotations

import math
from collections import defaultdict

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from citycarbon.accounting.inventory import compute_inventory
from citycarbon.accounting.inventory_result import InventoryResult, scope_of
from citycarbon.accounting.records import ActivityRecord, compute_record, records_to_table
from citycarbon.gases import GwpTable
from citycarbon.refdata.loader import load_factor_set, load_table
from citycarbon.refdata.model import FactorSet

# (category, activity, unit, qualifier) that compute under the default factor set
KINDS = (
    ("1.A.1", "natural_gas", "10^4 Nm3", ""),
    ("1.A.2", "raw_coal", "t", ""),
    ("1.A.2.a", "coke", "t", ""),
    ("1.A.3.b", "diesel", "t", ""),
    ("1.A.4.b", "lpg", "t", ""),
    ("1.A.4.b", "wood", "t", ""),
    ("IND.1", "electricity", "MWh", ""),
    ("IND.1", "electricity", "万kWh", "mee_carbon_market_national_grid"),
    ("IND.3", "electricity", "MWh", ""),
    ("IND.2", "heat", "GJ", ""),
    ("2.A.1", "clinker", "t", ""),
    ("2.C.3", "aluminium", "t", ""),
)
REGIONS = ("320102", "320111", "320211", "320582")
ENTITIES = ("", "E1", "E2")
OVERRIDES = ({}, {}, {"oxidation_factor": 0.9}, {"ncv": 21.0})


@st.composite
def records(draw: st.DrawFn, min_size: int = 1, max_size: int = 12) -> list[ActivityRecord]:
    n = draw(st.integers(min_size, max_size))
    out = []
    for _ in range(n):
        category, activity, unit, qualifier = draw(st.sampled_from(KINDS))
        overrides = draw(st.sampled_from(OVERRIDES)) if category.startswith("1.A.2") else {}
        out.append(
            ActivityRecord(
                year=draw(st.sampled_from((2021, 2022))),
                region=draw(st.sampled_from(REGIONS)),
                category=category,
                activity=activity,
                quantity=draw(st.floats(0.0, 1e6, allow_nan=False, allow_infinity=False)),
                unit=unit,
                entity=draw(st.sampled_from(ENTITIES)),
                qualifier=qualifier,
                overrides=overrides,
            )
        )
    return out


def per_record_cube(
    rows: list[ActivityRecord], factors: FactorSet, gwp: GwpTable
) -> dict[tuple[int, str, str, str], float]:
    """(year, region, category, gas) → value, summed record by record."""
    cube: dict[tuple[int, str, str, str], float] = defaultdict(float)
    for record in rows:
        result = compute_record(record, factors)
        key = (record.year, record.region, record.category)
        for gas, tonnes in result.gases_t.items():
            cube[(*key, gas)] += tonnes
            cube[(*key, "CO2e")] += tonnes * gwp.gwp(gas)
        cube[(*key, "energy_tce")] += result.energy_tce or 0.0
        cube[(*key, "CO2_biogenic")] += result.co2_biogenic_t
    return cube


def engine_cube(result: InventoryResult) -> dict[tuple[int, str, str, str], float]:
    cube: dict[tuple[int, str, str, str], float] = defaultdict(float)
    for row in result.cube.to_pylist():
        cube[(row["year"], row["region"], row["category"], row["gas"])] += row["value"]
    return cube


def assert_cubes_equal(expected: dict, actual: dict, rel: float = 1e-9) -> None:
    for key in set(expected) | set(actual):
        e, a = expected.get(key, 0.0), actual.get(key, 0.0)
        assert math.isclose(e, a, rel_tol=rel, abs_tol=1e-9), (key, e, a)


# ── engine = per-record path ─────────────────────────────────────────────────────────────


def test_small_table_matches_per_record_path(small_records, small_table, factors, gwp_ar5):
    result = compute_inventory(small_table, factors, gwp_ar5)
    assert_cubes_equal(per_record_cube(small_records, factors, gwp_ar5), engine_cube(result))
    assert result.factor_set == "cn-city@2026.1"
    assert result.gwp_set == "AR5"
    assert result.years == [2021, 2022]
    assert result.warnings == []
    co2e_rows = [r for r in result.cube.to_pylist() if r["gas"] == "CO2e"]
    assert co2e_rows
    assert all(r["gwp_set"] == "AR5" and r["unit"] == "t CO2e" for r in co2e_rows)


@settings(max_examples=50, deadline=None)
@given(rows=records())
def test_engine_equals_per_record_path(rows: list[ActivityRecord]):
    factors = load_factor_set()
    from citycarbon.refdata.loader import load_gwp

    gwp = load_gwp("AR5")
    result = compute_inventory(records_to_table(rows), factors, gwp)
    assert_cubes_equal(per_record_cube(rows, factors, gwp), engine_cube(result))


@settings(max_examples=30, deadline=None)
@given(rows=records())
def test_entity_view_equals_cube_of_entity_rows(rows: list[ActivityRecord]):
    from citycarbon.refdata.loader import load_gwp

    factors, gwp = load_factor_set(), load_gwp("AR5")
    result = compute_inventory(records_to_table(rows), factors, gwp)
    expected: dict[tuple[int, str, str], float] = defaultdict(float)
    for record in rows:
        if not record.entity:
            continue
        r = compute_record(record, factors)
        column = "direct" if scope_of(record.category) in ("direct", "sink") else "indirect"
        expected[(record.year, record.entity, f"{column}_co2e_t")] += sum(
            t * gwp.gwp(g) for g, t in r.gases_t.items()
        )
        energy = "energy_direct_tce" if column == "direct" else "energy_purchased_tce"
        expected[(record.year, record.entity, energy)] += r.energy_tce or 0.0
    actual: dict[tuple[int, str, str], float] = defaultdict(float)
    for row in result.entity_table.to_pylist():
        assert row["entity"] != ""
        assert row["gwp_set"] == "AR5"
        for column in (
            "direct_co2e_t",
            "indirect_co2e_t",
            "energy_direct_tce",
            "energy_purchased_tce",
        ):
            actual[(row["year"], row["entity"], column)] += row[column]
    assert_cubes_equal(expected, actual)


def test_entity_view_totals_equal_cube_totals(small_records, factors, gwp_ar5):
    with_entity = [r for r in small_records if r.entity]
    result = compute_inventory(records_to_table(with_entity), factors, gwp_ar5)
    entity = result.entity_table.to_pylist()
    cube = result.cube.to_pylist()
    for year in result.years:
        direct = sum(
            r["value"]
            for r in cube
            if r["year"] == year and r["gas"] == "CO2e" and r["scope"] == "direct"
        )
        indirect = sum(
            r["value"]
            for r in cube
            if r["year"] == year and r["gas"] == "CO2e" and r["scope"].startswith("indirect")
        )
        assert sum(r["direct_co2e_t"] for r in entity if r["year"] == year) == pytest.approx(
            direct, rel=1e-12
        )
        assert sum(r["indirect_co2e_t"] for r in entity if r["year"] == year) == pytest.approx(
            indirect, rel=1e-12
        )


def test_entity_sink_is_not_indirect(factors, gwp_ar5):
    """A forestry enterprise's sink belongs with its direct flux, never with its purchased
    electricity (the series path already does this; the linear path must agree)."""
    forest = ActivityRecord(
        2022,
        "320111",
        "3.B.1.a",
        "stock_increment",
        1000.0,
        "m**3",
        entity="F1",
        qualifier="type=cunninghamia",
        overrides={"wood_density": 0.3, "bef": 1.5, "root_shoot": 0.2, "carbon_fraction": 0.5},
    )
    # ΔC = 1000 m3 × 0.3 × 1.5 × 1.2 × 0.5 = 270 t C → −990 t CO2
    assert compute_record(forest, factors).gas("CO2") == pytest.approx(-990.0, rel=1e-12)
    result = compute_inventory(records_to_table([forest]), factors, gwp_ar5)
    assert result.totals(2022)["sink_co2e_t"] == pytest.approx(-990.0, rel=1e-12)
    (row,) = result.entity_table.to_pylist()
    assert row["indirect_co2e_t"] == 0.0
    assert row["direct_co2e_t"] == pytest.approx(-990.0, rel=1e-12)


# ── totals keep indirect apart ───────────────────────────────────────────────────────────


def test_entity_purchased_electricity_never_enters_gross(factors, gwp_ar5):
    base = [ActivityRecord(2022, "320102", "1.A.2", "raw_coal", 1000.0, "t", entity="E1")]
    purchased = ActivityRecord(2022, "320102", "IND.1", "electricity", 10_000.0, "MWh", entity="E1")
    imported = ActivityRecord(2022, "320102", "IND.3", "electricity", 10_000.0, "MWh")
    only = compute_inventory(records_to_table(base), factors, gwp_ar5).totals(2022)
    with_purchase = compute_inventory(
        records_to_table([*base, purchased]), factors, gwp_ar5
    ).totals(2022)
    with_import = compute_inventory(records_to_table([*base, imported]), factors, gwp_ar5).totals(
        2022
    )
    assert with_purchase["gross_co2e_t"] == pytest.approx(only["gross_co2e_t"], rel=1e-12)
    assert with_purchase["net_co2e_t"] == pytest.approx(only["net_co2e_t"], rel=1e-12)
    assert with_purchase["indirect_entity_co2e_t"] == pytest.approx(5366.0, rel=1e-12)
    assert with_purchase["energy_total_tce"] == pytest.approx(only["energy_total_tce"], rel=1e-12)
    assert with_purchase["energy_entity_purchased_tce"] == pytest.approx(1229.0, rel=1e-12)
    assert with_import["gross_co2e_t"] == pytest.approx(only["gross_co2e_t"] + 5366.0, rel=1e-12)
    assert with_import["indirect_net_import_co2e_t"] == pytest.approx(5366.0, rel=1e-12)
    assert with_import["energy_total_tce"] == pytest.approx(
        only["energy_total_tce"] + 1229.0, rel=1e-12
    )


def test_totals_by_region_prefix(small_table, factors, gwp_ar5):
    result = compute_inventory(small_table, factors, gwp_ar5)
    nanjing = result.totals(2022, "3201")
    wuxi = result.totals(2022, "3202")
    jiangsu = result.totals(2022, "32")
    for key in ("direct_co2e_t", "gross_co2e_t", "energy_total_tce"):
        assert jiangsu[key] == pytest.approx(nanjing[key] + wuxi[key], rel=1e-12)
    assert result.totals(2022, "44")["gross_co2e_t"] == 0.0


def test_biogenic_co2_is_a_memo(factors, gwp_ar5):
    wood = ActivityRecord(2022, "320102", "1.A.4.b", "wood", 100.0, "t")
    totals = compute_inventory(records_to_table([wood]), factors, gwp_ar5).totals(2022)
    assert totals["co2_biogenic_memo_t"] == pytest.approx(1.56 * 30.5 * 44 / 12, rel=1e-12)
    # only CH4 and N2O count: 1.56 TJ × (0.3 t CH4 × 28 + 0.004 t N2O × 265)
    assert totals["direct_co2e_t"] == pytest.approx(1.56 * (0.3 * 28 + 0.004 * 265), rel=1e-12)


# ── explain and indicators ───────────────────────────────────────────────────────────────


def test_explain_traces_sum_to_the_cell(factors, gwp_ar5):
    rows = [
        ActivityRecord(2022, "320102", "1.A.2", "raw_coal", 1000.0, "t", entity="E1"),
        ActivityRecord(2022, "320102", "1.A.2", "raw_coal", 500.0, "t", entity="E2"),
        ActivityRecord(2022, "320102", "1.A.2", "coke", 200.0, "t"),
        ActivityRecord(2022, "320102", "1.A.2", "raw_coal", 300.0, "t", overrides={"ncv": 22.0}),
        ActivityRecord(2022, "320111", "1.A.2", "raw_coal", 999.0, "t"),
    ]
    result = compute_inventory(records_to_table(rows), factors, gwp_ar5)
    explained = result.explain(2022, "320102", "1.A.2")
    assert len(explained) == 3  # raw coal (default), raw coal (measured NCV), coke
    assert sum(e["quantity"] for e in explained) == pytest.approx(2000.0, rel=1e-12)
    activity_total = sum(
        i["value"] for e in explained for i in e["trace"]["inputs"] if i["origin"] == "activity"
    )
    assert activity_total == pytest.approx(2000.0, rel=1e-12)
    packaged = {f.factor_id for t in {t.table_id for t in factors.tables} for f in load_table(t)}
    for item in explained:
        assert item["factor_set"] == "cn-city@2026.1"
        assert item["gwp_set"] == "AR5"
        for i in item["trace"]["inputs"]:
            if i["origin"] == "default":
                assert i["factor_id"] in packaged
                assert i["factor_set"] == "cn-city@2026.1"
    co2 = sum(e["gases_t"]["CO2"] for e in explained)
    cell = sum(
        r["value"]
        for r in result.cube.to_pylist()
        if r["year"] == 2022
        and r["region"] == "320102"
        and r["category"] == "1.A.2"
        and r["gas"] == "CO2"
    )
    assert co2 == pytest.approx(cell, rel=1e-12)
    raw = next(e for e in explained if e["activity"] == "raw_coal" and not e["overrides"])
    intermediates = {i["name"]: i["value"] for i in raw["trace"]["intermediates"]}
    assert intermediates["fuel_energy"] == pytest.approx(1500 * 20.908 / 1000, rel=1e-12)
    assert result.explain(2022, "320102", "IND.1") == []


def test_four_indicators_divide_by_gdp(small_table, factors, gwp_ar5):
    result = compute_inventory(small_table, factors, gwp_ar5)
    totals = result.totals(2022)
    indicators = result.four_indicators(2022, gdp_10k_cny=2_000.0)
    assert indicators["energy_total_tce"] == totals["energy_total_tce"]
    assert indicators["carbon_total_co2e_t"] == totals["gross_co2e_t"]
    assert indicators["energy_intensity_tce_per_10k_cny"] == pytest.approx(
        totals["energy_total_tce"] / 2000.0, rel=1e-12
    )
    assert indicators["carbon_intensity_t_co2e_per_10k_cny"] == pytest.approx(
        totals["gross_co2e_t"] / 2000.0, rel=1e-12
    )
    assert indicators["gwp_set"] == "AR5"


def test_gwp_set_changes_co2e_only(small_table, factors):
    from citycarbon.refdata.loader import load_gwp

    ar4 = compute_inventory(small_table, factors, load_gwp("AR4"))
    ar6 = compute_inventory(small_table, factors, load_gwp("AR6"))
    gases4 = {k: v for k, v in engine_cube(ar4).items() if k[3] != "CO2e"}
    gases6 = {k: v for k, v in engine_cube(ar6).items() if k[3] != "CO2e"}
    assert_cubes_equal(gases4, gases6, rel=1e-15)
    assert ar4.totals(2022)["direct_co2e_t"] != ar6.totals(2022)["direct_co2e_t"]


def test_empty_table(factors, gwp_ar5):
    result = compute_inventory(records_to_table([]), factors, gwp_ar5)
    assert result.cube.num_rows == 0
    assert isinstance(result.entity_table, pa.Table)
