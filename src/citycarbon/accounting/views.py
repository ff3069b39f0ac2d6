"""Views of an inventory: along the category tree, along the region hierarchy, and the
difference between two computations of the same data (recalculation).

Roll-ups stay within one accounting scope (direct, sink, indirect…): adding an enterprise's
purchased electricity to a city's direct emissions would count the power plant twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Literal

import pyarrow as pa

from citycarbon.accounting.categories import CategoryTree
from citycarbon.accounting.inventory_result import InventoryResult
from citycarbon.accounting.regions import region_ancestors, region_level
from citycarbon.errors import GwpMixError, Message

Key = tuple[int, str, str]  # (year, scope, gas)


def _grouped(result: InventoryResult, by: str) -> dict[tuple[int, str, str], dict[str, float]]:
    """{(year, scope, gas): {code: value}} with code = category or region."""
    out: dict[tuple[int, str, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for row in result.cube.to_pylist():
        out[(row["year"], row["scope"], row["gas"])][row[by]] += row["value"]
    return out


def _unit(gas: str) -> str:
    return {"CO2e": "t CO2e", "energy_tce": "tce"}.get(gas, "t")


def category_totals(
    result: InventoryResult, tree: CategoryTree, classification: str = "ipcc2006"
) -> pa.Table:
    """Totals for every category and all its ancestors, summed over regions.

    ``classification`` = ``ipcc2006`` (the tree itself), ``cn_provincial`` or ``gpc`` (values
    re-keyed through the tree's mapping columns; ``cn_provincial`` is then rolled up in the
    provincial tree if ``tree`` is that tree — pass the IPCC tree to map, see CLI)."""
    rows: list[dict[str, object]] = []
    for (year, scope, gas), values in sorted(_grouped(result, "category").items()):
        if classification == "ipcc2006":
            totals = tree.rollup(values)
        else:
            target: Literal["cn_provincial", "gpc"] = (
                "gpc" if classification == "gpc" else "cn_provincial"
            )
            totals = tree.map_codes(values, target, unmapped="keep")
        for code in sorted(totals):
            if code == "IND":  # a grouping of different scopes, never a total
                continue
            known = code in tree
            rows.append(
                {
                    "year": year,
                    "scope": scope,
                    "category": code,
                    "level": tree.depth(code) if known and classification == "ipcc2006" else None,
                    "name_zh": tree.name(code, "zh") if known else "",
                    "name_en": tree.name(code, "en") if known else "",
                    "gas": gas,
                    "value": totals[code],
                    "unit": _unit(gas),
                    "gwp_set": result.gwp_set if gas == "CO2e" else "",
                    "factor_set": result.factor_set,
                }
            )
    return pa.Table.from_pylist(rows) if rows else pa.table({})


def region_totals(result: InventoryResult, parents: Mapping[str, str] | None = None) -> pa.Table:
    """Totals for every region and every enclosing region (GB/T 2260), over categories."""
    rows: list[dict[str, object]] = []
    for (year, scope, gas), values in sorted(_grouped(result, "region").items()):
        totals: dict[str, float] = defaultdict(float)
        for code, value in values.items():
            totals[code] += value
            for ancestor in region_ancestors(code, parents):
                totals[ancestor] += value
        rows.extend(
            {
                "year": year,
                "scope": scope,
                "region": code,
                "level": region_level(code),
                "gas": gas,
                "value": totals[code],
                "unit": _unit(gas),
                "gwp_set": result.gwp_set if gas == "CO2e" else "",
                "factor_set": result.factor_set,
            }
            for code in sorted(totals)
        )
    return pa.Table.from_pylist(rows) if rows else pa.table({})


def recalculation(before: InventoryResult, after: InventoryResult) -> pa.Table:
    """Difference by (year, scope, category) in CO2e and energy between two computations
    of the same activity data, e.g. under two factor-set versions (清单重算)."""
    if before.gwp_set != after.gwp_set:
        raise GwpMixError(
            Message(
                zh=f"重算比较须使用同一 GWP 版本：{before.gwp_set} 与 {after.gwp_set}",
                en=f"a recalculation must compare the same GWP set: "
                f"{before.gwp_set} and {after.gwp_set}",
            )
        )
    old = _by_category(before)
    new = _by_category(after)
    rows = []
    for key in sorted(set(old) | set(new)):
        year, scope, category, gas = key
        a, b = old.get(key, 0.0), new.get(key, 0.0)
        rows.append(
            {
                "year": year,
                "scope": scope,
                "category": category,
                "gas": gas,
                "before": a,
                "after": b,
                "difference": b - a,
                "difference_pct": (b - a) / a * 100.0 if a else None,
                "unit": _unit(gas),
                "factor_set_before": before.factor_set,
                "factor_set_after": after.factor_set,
                "gwp_set": after.gwp_set if gas == "CO2e" else "",
            }
        )
    return pa.Table.from_pylist(rows)


def _by_category(result: InventoryResult) -> dict[tuple[int, str, str, str], float]:
    out: dict[tuple[int, str, str, str], float] = defaultdict(float)
    for row in result.cube.to_pylist():
        if row["gas"] in ("CO2e", "energy_tce"):
            out[(row["year"], row["scope"], row["category"], row["gas"])] += row["value"]
    return out
