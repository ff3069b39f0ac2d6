"""Inventory quality: uncertainty (IPCC Approach 1) and completeness with notation keys.

Uncertainty, IPCC 2006 Vol.1 Ch.3:

* a product of inputs (activity × factors) combines as U = √(Σ U_i²)   (Eq. 3.1);
* a sum of emissions combines as U = √(Σ (U_i·x_i)²) / |Σ x_i|          (Eq. 3.2).

Each method key's uncertainty combines its activity-data uncertainty (by sector, table
``citycarbon_activity_uncertainty``) with the ranges of the default factors it used (those
packaged with an uncertainty). Overrides carry none unless the user gives one. Factors
without a published range contribute nothing and are counted in ``factors_without_range``.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping

import pyarrow as pa

from citycarbon.accounting.categories import CategoryTree
from citycarbon.accounting.inventory_result import InventoryResult, KeyInfo
from citycarbon.errors import InputDataError, Issue, Message
from citycarbon.gases import GwpTable
from citycarbon.refdata.model import FactorSet

NOTATION_KEYS: dict[str, Message] = {
    "NO": Message(zh="不发生", en="not occurring"),
    "NE": Message(zh="未估算", en="not estimated"),
    "IE": Message(zh="已包含在其他类别", en="included elsewhere"),
    "C": Message(zh="保密", en="confidential"),
    "NA": Message(zh="不适用", en="not applicable"),
}


def combine_product(uncertainties_pct: list[float]) -> float:
    """IPCC 2006 Vol.1 Eq. 3.1: uncertainty (%) of a product of independent quantities."""
    return math.sqrt(sum(u * u for u in uncertainties_pct))


def combine_sum(values: list[float], uncertainties_pct: list[float]) -> float:
    """IPCC 2006 Vol.1 Eq. 3.2: uncertainty (%) of a sum of independent quantities."""
    total = sum(values)
    if total == 0:
        return 0.0
    spread = math.sqrt(sum((u * x) ** 2 for u, x in zip(uncertainties_pct, values, strict=True)))
    return spread / abs(total)


def _gas_of_input(name: str, gases: list[str]) -> str | None:
    """The gas an input applies to if its name says so (``ef_ch4`` → CH4), else None."""
    lowered = name.lower()
    for gas in gases:
        if gas != "CO2" and gas.lower() in lowered:
            return gas
    return None


def key_uncertainty(info: KeyInfo, factors: FactorSet, gwp: GwpTable) -> tuple[float, int]:
    """Approach 1 uncertainty (%) of one key's CO2e, and the number of default factors
    without a packaged range. Each gas combines the activity-data uncertainty with the
    ranges of the inputs it depends on (Eq. 3.1); an input named after a gas (``ef_ch4``)
    counts for that gas only. The gases then combine as a sum (Eq. 3.2)."""
    sector = "IND" if info.category.startswith("IND") else info.category.split(".")[0]
    ad = factors.find("ad_uncertainty_pct", sector)
    ad_pct = ad.value if ad is not None else 0.0
    if info.result is None:
        return ad_pct, 0
    gases = list(info.result.gases_t)
    shared: list[float] = [ad_pct]
    own: dict[str, list[float]] = defaultdict(list)
    missing = 0
    for item in info.result.trace.inputs:
        if item.origin != "default":
            continue
        if item.uncertainty_pct is None:
            missing += 1
            continue
        gas = _gas_of_input(item.name, gases)
        (own[gas] if gas else shared).append(item.uncertainty_pct)
    values = [t * gwp.gwp(g) for g, t in info.result.gases_t.items()]
    pcts = [combine_product(shared + own.get(g, [])) for g in info.result.gases_t]
    return combine_sum(values, pcts), missing


def uncertainty(
    result: InventoryResult,
    factors: FactorSet,
    gwp: GwpTable,
    scopes: tuple[str, ...] = ("direct",),
) -> pa.Table:
    """Approach 1 uncertainty of CO2e per (year, category) and of the year's total over
    ``scopes`` (category ``TOTAL``)."""
    per_key = [key_uncertainty(info, factors, gwp)[0] for info in result.keys]
    cells: dict[tuple[int, str], list[tuple[float, float]]] = defaultdict(list)
    for row in result.cells.to_pylist():
        info = result.keys[row["key"]]
        if info.result is None or info.scope not in scopes:
            continue
        co2e = row["quantity"] * sum(t * gwp.gwp(g) for g, t in info.result.gases_t.items())
        cells[(row["year"], info.category)].append((co2e, per_key[row["key"]]))
    rows = []
    totals: dict[int, list[tuple[float, float]]] = defaultdict(list)
    for (year, category), items in sorted(cells.items()):
        values = [v for v, _ in items]
        pct = combine_sum(values, [u for _, u in items])
        rows.append(
            {
                "year": year,
                "category": category,
                "co2e_t": sum(values),
                "uncertainty_pct": pct,
                "gwp_set": result.gwp_set,
            }
        )
        totals[year].append((sum(values), pct))
    for year, items in sorted(totals.items()):
        rows.append(
            {
                "year": year,
                "category": "TOTAL",
                "co2e_t": sum(v for v, _ in items),
                "uncertainty_pct": combine_sum([v for v, _ in items], [u for _, u in items]),
                "gwp_set": result.gwp_set,
            }
        )
    return pa.Table.from_pylist(rows)


def completeness(
    result: InventoryResult,
    tree: CategoryTree,
    notation_keys: Mapping[str, tuple[str, str]] | None = None,
    sectors: tuple[str, ...] = ("1", "2", "3", "4"),
) -> pa.Table:
    """For every leaf category of ``sectors``: ``estimated`` where the inventory has a
    value, else the notation key given (NO, NE, IE, C, NA) with its explanation, else
    ``NE`` flagged as missing."""
    notation_keys = dict(notation_keys or {})
    problems = [
        Issue(
            reason=Message(
                zh=f"未知的注释键 {key}（可用 NO、NE、IE、C、NA）",
                en=f"unknown notation key {key} (use NO, NE, IE, C, NA)",
            ),
            field="notation_key",
            value=code,
        )
        for code, (key, _why) in notation_keys.items()
        if key not in NOTATION_KEYS
    ]
    problems += [
        Issue(
            reason=Message(
                zh=f"注释键所指类别不存在：{code}",
                en=f"notation key given for an unknown category: {code}",
            ),
            field="category",
            value=code,
        )
        for code in notation_keys
        if code not in tree
    ]
    if problems:
        raise InputDataError(problems)
    estimated = {row["category"] for row in result.cube.to_pylist()}
    rows = []
    for code in tree.leaves():
        if code.split(".")[0] not in sectors:
            continue
        # a leaf counts as estimated if it or an ancestor carries data
        covered = code in estimated or any(a in estimated for a in tree.ancestors(code))
        key, why = notation_keys.get(code, ("", ""))
        status = "estimated" if covered else (key or "NE")
        rows.append(
            {
                "category": code,
                "name_zh": tree.name(code, "zh"),
                "name_en": tree.name(code, "en"),
                "status": status,
                "status_zh": "已估算" if covered else NOTATION_KEYS[status].zh,
                "status_en": "estimated" if covered else NOTATION_KEYS[status].en,
                "explanation": why,
                "missing": not covered and not key,
                "conflict": covered and key in ("NO", "NA"),
            }
        )
    return pa.Table.from_pylist(rows)
