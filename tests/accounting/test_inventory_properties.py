"""Properties of the engine and its views that hold for any valid activity table."""

from __future__ import annotations

import math
from collections import defaultdict

from hypothesis import given, settings
from hypothesis import strategies as st

from citycarbon.accounting import views
from citycarbon.accounting.inventory import compute_inventory
from citycarbon.accounting.inventory_result import InventoryResult
from citycarbon.accounting.records import ActivityRecord, records_to_table
from citycarbon.accounting.regions import region_ancestors
from citycarbon.refdata.loader import load_factor_set, load_gwp
from citycarbon.refdata.trees import load_category_tree

FACTORS = load_factor_set()
GWP = load_gwp("AR5")
KINDS = (
    ("1.A.1.a", "natural_gas", "10^4 Nm3", ""),
    ("1.A.2", "raw_coal", "t", ""),
    ("1.A.2.f", "coke", "t", ""),
    ("1.A.3.b", "diesel", "t", ""),
    ("1.A.4.b", "lpg", "t", ""),
    ("1.A.4.a", "wood", "t", ""),
    ("IND.1", "electricity", "MWh", ""),
    ("IND.3", "electricity", "MWh", ""),
    ("IND.2", "heat", "GJ", ""),
    ("2.A.1", "clinker", "t", ""),
    ("2.C.3", "aluminium", "t", ""),
)
# counties of two cities of one province, and one county of another province
REGIONS = ("320102", "320111", "320211", "320582", "330106")
SETTINGS = settings(max_examples=50, deadline=None)


@st.composite
def records(draw: st.DrawFn) -> list[ActivityRecord]:
    n = draw(st.integers(1, 12))
    out = []
    for _ in range(n):
        category, activity, unit, qualifier = draw(st.sampled_from(KINDS))
        out.append(
            ActivityRecord(
                year=draw(st.sampled_from((2021, 2022))),
                region=draw(st.sampled_from(REGIONS)),
                category=category,
                activity=activity,
                quantity=draw(st.floats(0.0, 1e6, allow_nan=False, allow_infinity=False)),
                unit=unit,
                entity=draw(st.sampled_from(("", "E1", "E2"))),
                qualifier=qualifier,
            )
        )
    return out


def _compute(rows: list[ActivityRecord]) -> InventoryResult:
    return compute_inventory(records_to_table(rows), FACTORS, GWP)


def _close(a: float, b: float, rel: float = 1e-9) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-9)


def _cube_sums(result: InventoryResult, by: tuple[str, ...]) -> dict[tuple, float]:
    out: dict[tuple, float] = defaultdict(float)
    for row in result.cube.to_pylist():
        out[tuple(row[k] for k in by)] += row["value"]
    return out


@SETTINGS
@given(rows=records())
def test_category_rollup_conserves_totals(rows: list[ActivityRecord]):
    result = _compute(rows)
    tree = load_category_tree("ipcc2006")
    table = views.category_totals(result, tree)
    leaf = _cube_sums(result, ("year", "scope", "gas"))
    roots: dict[tuple, float] = defaultdict(float)
    for row in table.to_pylist():
        code = row["category"]
        # roots of the tree; the IND grouping is never a total, so its children stand in
        if tree.parent(code) is None or tree.parent(code) == "IND":
            roots[(row["year"], row["scope"], row["gas"])] += row["value"]
        # every node equals the cube's sum over the categories within it
        within = sum(
            r["value"]
            for r in result.cube.to_pylist()
            if (r["year"], r["scope"], r["gas"]) == (row["year"], row["scope"], row["gas"])
            and tree.is_within(r["category"], code)
        )
        assert _close(row["value"], within), row
    for key in set(leaf) | set(roots):
        assert _close(leaf.get(key, 0.0), roots.get(key, 0.0)), key


@SETTINGS
@given(rows=records())
def test_region_rollup_conserves_totals(rows: list[ActivityRecord]):
    result = _compute(rows)
    table = views.region_totals(result).to_pylist()
    counties = _cube_sums(result, ("year", "scope", "gas", "region"))
    for row in table:
        below = sum(
            v
            for (y, s, g, region), v in counties.items()
            if (y, s, g) == (row["year"], row["scope"], row["gas"])
            and (region == row["region"] or row["region"] in region_ancestors(region))
        )
        assert _close(row["value"], below), row
    provinces = [r for r in table if r["level"] == "province"]
    assert {r["region"] for r in provinces} <= {"320000", "330000"}
    by_key: dict[tuple, float] = defaultdict(float)
    for (y, s, g, _region), v in counties.items():
        by_key[(y, s, g)] += v
    province_sum: dict[tuple, float] = defaultdict(float)
    for r in provinces:
        province_sum[(r["year"], r["scope"], r["gas"])] += r["value"]
    for key in set(by_key) | set(province_sum):
        assert _close(by_key.get(key, 0.0), province_sum.get(key, 0.0)), key


@SETTINGS
@given(rows=records(), factor=st.floats(0.001, 1000.0))
def test_co2e_is_linear_in_quantities(rows: list[ActivityRecord], factor: float):
    base = _compute(rows)
    scaled_rows = [
        ActivityRecord(
            r.year,
            r.region,
            r.category,
            r.activity,
            r.quantity * factor,
            r.unit,
            entity=r.entity,
            qualifier=r.qualifier,
        )
        for r in rows
    ]
    scaled = _compute(scaled_rows)
    a = _cube_sums(base, ("year", "region", "category", "gas"))
    b = _cube_sums(scaled, ("year", "region", "category", "gas"))
    for key in set(a) | set(b):
        assert _close(b.get(key, 0.0), a.get(key, 0.0) * factor), key
    for year in base.years:
        assert _close(
            scaled.totals(year)["gross_co2e_t"], base.totals(year)["gross_co2e_t"] * factor
        )


@SETTINGS
@given(rows=records())
def test_zero_activity_gives_zero(rows: list[ActivityRecord]):
    zero = [
        ActivityRecord(
            r.year,
            r.region,
            r.category,
            r.activity,
            0.0,
            r.unit,
            entity=r.entity,
            qualifier=r.qualifier,
        )
        for r in rows
    ]
    result = _compute(zero)
    assert all(row["value"] == 0.0 for row in result.cube.to_pylist())
    for year in result.years:
        assert all(v == 0.0 for v in result.totals(year).values())
    for row in result.entity_table.to_pylist():
        assert row["direct_co2e_t"] == 0.0
        assert row["indirect_co2e_t"] == 0.0


@SETTINGS
@given(rows=records(), data=st.data())
def test_row_order_does_not_matter(rows: list[ActivityRecord], data: st.DataObject):
    permuted = data.draw(st.permutations(rows))
    a = _compute(rows).cube.to_pylist()
    b = _compute(permuted).cube.to_pylist()

    def keyed(cube: list[dict]) -> dict[tuple, float]:
        return {
            (r["year"], r["region"], r["category"], r["scope"], r["gas"]): r["value"] for r in cube
        }

    ka, kb = keyed(a), keyed(b)
    assert len(ka) == len(a)
    assert set(ka) == set(kb)
    for key, value in ka.items():
        assert _close(kb[key], value, rel=1e-12), key
