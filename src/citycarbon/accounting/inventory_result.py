"""What the inventory engine returns: tidy tables, totals, indicators and explanations.

Direct emissions, sinks and indirect emissions are kept apart so that a city total never
counts anything twice:

* ``direct`` — emissions within the boundary (scope 1; IPCC sectors 1–5 except land use);
* ``sink`` — land-use categories (3.B …), net flux, negative when a removal;
* ``indirect_entity`` — an enterprise's purchased electricity/heat (IND.1, IND.2): shown in
  the enterprise view, **never** added to a city total, because the power plant's fuel is
  already counted where it burns (or, if outside, in the city's net import below);
* ``indirect_net_import`` — the region's net imported electricity (IND.3, the provincial
  guideline's 电力调入调出), the only indirect item in a city total.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from citycarbon.accounting.records import parse_overrides
from citycarbon.accounting.registry import MethodContext, method_for
from citycarbon.errors import Issue
from citycarbon.gases import GwpTable
from citycarbon.refdata.model import FactorSet
from citycarbon.trace import EmissionResult

if TYPE_CHECKING:
    from citycarbon.accounting.inventory import _KeyTable

SINK_PREFIXES = ("3.B",)


def scope_of(category: str) -> str:
    """Accounting scope of a category code (see the module docstring)."""
    if category == "IND.3" or category.startswith("IND.3."):
        return "indirect_net_import"
    if category == "IND" or category.startswith("IND."):
        return "indirect_entity"
    if category.startswith(SINK_PREFIXES):
        return "sink"
    return "direct"


@dataclass(frozen=True)
class Cells:
    """Activity summed by (year index, region index, key row): the engine's base cube."""

    year: npt.NDArray[Any]
    region: npt.NDArray[Any]
    key: npt.NDArray[Any]
    quantity: npt.NDArray[np.float64]


@dataclass
class KeyInfo:
    """One distinct method key (and year, for year-dependent factors) and its per-unit
    result (``None`` if the key had no rows in that year)."""

    category: str
    activity: str
    unit: str
    qualifier: str
    overrides: str
    year: int | None
    method: str
    scope: str
    result: EmissionResult | None = None


@dataclass
class InventoryResult:
    """Gas-level emissions by (year, region, category), CO2e under one GWP set, energy in
    tce, the enterprise view, and the per-key traces behind every figure."""

    years: list[int]
    regions: list[str]
    entities: list[str]
    factor_set: str
    gwp_set: str
    cube: pa.Table
    entity_table: pa.Table
    cells: pa.Table
    keys: list[KeyInfo]
    warnings: list[Issue] = field(default_factory=list)
    factors: FactorSet | None = None  # kept so that explain() can replay exact traces

    # ── construction ─────────────────────────────────────────────────────────────────────
    @classmethod
    def build(
        cls,
        *,
        years: list[int],
        regions: list[str],
        entities: list[str],
        keys: _KeyTable,
        cells: Cells,
        entity_co2e: npt.NDArray[np.float64],
        entity_tce: npt.NDArray[np.float64],
        series: Sequence[tuple[int, str, str, KeyInfo, EmissionResult]],
        factors: FactorSet,
        gwp: GwpTable,
        warnings: list[Issue],
    ) -> InventoryResult:
        y_idx, r_idx, k_idx, qty = cells.year, cells.region, cells.key, cells.quantity
        infos = list(keys.infos)
        # series results become extra "keys" with quantity 1 (their result is absolute)
        extra_y, extra_r, extra_k = [], [], []
        for year, region, _entity, info, _result in series:
            extra_y.append(years.index(year))
            extra_r.append(regions.index(region))
            extra_k.append(len(infos))
            infos.append(info)
        y_idx = np.concatenate([y_idx, np.asarray(extra_y, dtype=np.int64)])
        r_idx = np.concatenate([r_idx, np.asarray(extra_r, dtype=np.int64)])
        k_idx = np.concatenate([k_idx, np.asarray(extra_k, dtype=np.int64)])
        qty = np.concatenate([qty, np.ones(len(extra_k))])
        cells = pa.table(
            {
                "year": pa.array(np.asarray(years, dtype=np.int32)[y_idx]),
                "region": pa.array(np.asarray(regions, dtype=object)[r_idx], pa.string()),
                "key": pa.array(k_idx.astype(np.int32)),
                "quantity": pa.array(qty),
            }
        )
        gases = {g for i in infos if i.result is not None for g in i.result.gases_t}
        gwp_values = {g: gwp.gwp(g) for g in gases}
        cube = _cube(cells, infos, gwp_values, gwp.gwp_set)
        entity_table = _entity_table(
            years,
            entities,
            entity_co2e,
            entity_tce,
            series,
            gwp_values,
            gwp.gwp_set,
            factors.ref,
        )
        return cls(
            years,
            regions,
            entities,
            factors.ref,
            gwp.gwp_set,
            cube,
            entity_table,
            cells,
            infos,
            warnings,
            factors,
        )

    # ── views ────────────────────────────────────────────────────────────────────────────
    def totals(self, year: int, region_prefix: str = "") -> dict[str, float]:
        """City (or region) totals for one year, CO2e in t under ``gwp_set``:
        direct, sink (net LULUCF), net import, gross = direct + net import,
        net = gross + sink; entity indirect as a memo; energy in tce likewise."""
        rows = self.cube.to_pylist()
        out = {
            "direct_co2e_t": 0.0,
            "sink_co2e_t": 0.0,
            "indirect_net_import_co2e_t": 0.0,
            "indirect_entity_co2e_t": 0.0,
            "energy_direct_tce": 0.0,
            "energy_net_import_tce": 0.0,
            "energy_entity_purchased_tce": 0.0,
            "co2_biogenic_memo_t": 0.0,
        }
        for row in rows:
            if row["year"] != year or not row["region"].startswith(region_prefix):
                continue
            scope = row["scope"]
            key = {
                "direct": "direct_co2e_t",
                "sink": "sink_co2e_t",
                "indirect_net_import": "indirect_net_import_co2e_t",
                "indirect_entity": "indirect_entity_co2e_t",
            }[scope]
            if row["gas"] == "CO2e":
                out[key] += row["value"]
            elif row["gas"] == "energy_tce":
                energy_key = {
                    "direct": "energy_direct_tce",
                    "sink": "energy_direct_tce",
                    "indirect_net_import": "energy_net_import_tce",
                    "indirect_entity": "energy_entity_purchased_tce",
                }[scope]
                out[energy_key] += row["value"]
            elif row["gas"] == "CO2_biogenic":
                out["co2_biogenic_memo_t"] += row["value"]
        out["gross_co2e_t"] = out["direct_co2e_t"] + out["indirect_net_import_co2e_t"]
        out["net_co2e_t"] = out["gross_co2e_t"] + out["sink_co2e_t"]
        out["energy_total_tce"] = out["energy_direct_tce"] + out["energy_net_import_tce"]
        return out

    def four_indicators(
        self, year: int, gdp_10k_cny: float, region_prefix: str = ""
    ) -> dict[str, float | str]:
        """能源消费总量, 碳排放总量, 能耗强度, 碳排放强度 (energy and carbon intensity per
        万元 GDP). Carbon total = gross CO2e (direct + net imported electricity)."""
        totals = self.totals(year, region_prefix)
        return {
            "energy_total_tce": totals["energy_total_tce"],
            "carbon_total_co2e_t": totals["gross_co2e_t"],
            "energy_intensity_tce_per_10k_cny": totals["energy_total_tce"] / gdp_10k_cny,
            "carbon_intensity_t_co2e_per_10k_cny": totals["gross_co2e_t"] / gdp_10k_cny,
            "gwp_set": self.gwp_set,
        }

    def explain(self, year: int, region: str, category: str) -> list[dict[str, Any]]:
        """The activity data, factors, equation and intermediate values behind one cell of
        the cube: each contributing key's method is replayed with the cell's quantity, so
        every intermediate value in the trace is the one for this figure."""
        out = []
        for row in self.cells.to_pylist():
            info = self.keys[row["key"]]
            if row["year"] != year or row["region"] != region or info.category != category:
                continue
            if info.result is None:
                continue
            quantity = row["quantity"]
            result = self._replay(info, year, quantity)
            out.append(
                {
                    "activity": info.activity,
                    "unit": info.unit,
                    "qualifier": info.qualifier,
                    "overrides": info.overrides,
                    "quantity": quantity,
                    "method": info.method,
                    "gases_t": dict(result.gases_t),
                    "energy_tce": result.energy_tce,
                    "trace": result.trace.as_dict(),
                    "factor_set": self.factor_set,
                    "gwp_set": self.gwp_set,
                }
            )
        return out

    def _replay(self, info: KeyInfo, year: int, quantity: float) -> EmissionResult:
        assert info.result is not None
        spec = method_for(info.category)
        if spec.linear is None or self.factors is None:
            return info.result  # a series result is already absolute
        context = MethodContext(
            info.category,
            info.activity,
            info.unit,
            info.year or year,
            self.factors,
            parse_overrides(info.overrides),
            info.qualifier,
            year_fallback=True,
        )
        return spec.linear(context, quantity)


def _cube(
    cells: pa.Table, infos: Sequence[KeyInfo], gwp: Mapping[str, float], gwp_set: str
) -> pa.Table:
    """Long table (year, region, category, scope, gas, value, unit, gwp_set): one row per
    gas plus ``CO2e``, ``energy_tce`` and the memo ``CO2_biogenic``. Vectorised: one
    ``bincount`` per measure over the (year, region, key) cells."""
    measures: dict[str, npt.NDArray[np.float64]] = {}
    count = len(infos)

    def measure(name: str) -> npt.NDArray[np.float64]:
        return measures.setdefault(name, np.zeros(count))

    for i, info in enumerate(infos):
        if info.result is None:
            continue
        co2e = measure("CO2e")
        for gas, t in info.result.gases_t.items():
            measure(gas)[i] = t
            co2e[i] += t * gwp[gas]
        if info.result.energy_tce:
            measure("energy_tce")[i] = info.result.energy_tce
        if info.result.co2_biogenic_t:
            measure("CO2_biogenic")[i] = info.result.co2_biogenic_t
    categories = sorted({(info.category, info.scope) for info in infos})
    cat_index = {c: j for j, c in enumerate(categories)}
    cat_of_key = np.asarray([cat_index[(i.category, i.scope)] for i in infos], dtype=np.int64)
    region_codes = cells.column("region").to_pylist()
    region_list = sorted(set(region_codes))
    region_index = {r: j for j, r in enumerate(region_list)}
    year_arr = cells.column("year").to_numpy().astype(np.int64)
    year0 = int(year_arr.min()) if len(year_arr) else 0
    n_years = int(year_arr.max()) - year0 + 1 if len(year_arr) else 0
    reg_arr = np.asarray([region_index[r] for r in region_codes], dtype=np.int64)
    keys = cells.column("key").to_numpy().astype(np.int64)
    qty = cells.column("quantity").to_numpy()
    n_cat, n_reg = len(categories), len(region_list)
    group = ((year_arr - year0) * n_reg + reg_arr) * n_cat + cat_of_key[keys]
    size = n_years * n_reg * n_cat
    columns: dict[str, list[Any]] = {
        c: [] for c in ("year", "region", "category", "scope", "gas", "value")
    }
    for gas in sorted(measures):
        sums = np.bincount(group, weights=qty * measures[gas][keys], minlength=size)
        touched = np.bincount(group, weights=(measures[gas][keys] != 0), minlength=size)
        for g in np.flatnonzero(touched).tolist():
            rest, c = divmod(g, n_cat)
            y, r = divmod(rest, n_reg)
            columns["year"].append(year0 + y)
            columns["region"].append(region_list[r])
            columns["category"].append(categories[c][0])
            columns["scope"].append(categories[c][1])
            columns["gas"].append(gas)
            columns["value"].append(float(sums[g]))
    unit_of = {"CO2e": "t CO2e", "energy_tce": "tce"}
    table = pa.table(
        {
            "year": pa.array(columns["year"], pa.int32()),
            "region": pa.array(columns["region"], pa.string()),
            "category": pa.array(columns["category"], pa.string()),
            "scope": pa.array(columns["scope"], pa.string()),
            "gas": pa.array(columns["gas"], pa.string()),
            "value": pa.array(columns["value"], pa.float64()),
            "unit": pa.array([unit_of.get(g, "t") for g in columns["gas"]], pa.string()),
            "gwp_set": pa.array(
                [gwp_set if g == "CO2e" else "" for g in columns["gas"]], pa.string()
            ),
        }
    )
    return table.sort_by(
        [
            ("year", "ascending"),
            ("region", "ascending"),
            ("category", "ascending"),
            ("gas", "ascending"),
        ]
    )


def _entity_table(
    years: list[int],
    entities: list[str],
    co2e: npt.NDArray[np.float64],
    tce: npt.NDArray[np.float64],
    series: Sequence[tuple[int, str, str, KeyInfo, EmissionResult]],
    gwp_values: Mapping[str, float],
    gwp_set: str,
    factor_set: str,
) -> pa.Table:
    """Enterprise view: (year, entity) → direct and indirect CO2e, energy in tce.

    Rows without an entity (region-level statistics) are left out. The entity column is
    dictionary-encoded, so 100k enterprises × 10 years cost no Python strings."""
    if series:
        co2e = co2e.copy()
        for year, _region, entity, info, result in series:
            if entity:
                col = 0 if info.scope in ("direct", "sink") else 1
                co2e[years.index(year), entities.index(entity), col] += sum(
                    t * gwp_values[g] for g, t in result.gases_t.items()
                )
    active = (co2e != 0).any(axis=2) | (tce != 0).any(axis=2)
    if "" in entities:
        active[:, entities.index("")] = False
    y_idx, e_idx = np.nonzero(active)
    return pa.table(
        {
            "year": pa.array(np.asarray(years, dtype=np.int32)[y_idx]),
            "entity": pa.DictionaryArray.from_arrays(
                pa.array(e_idx.astype(np.int32)), pa.array(entities, pa.string())
            ),
            "direct_co2e_t": pa.array(co2e[y_idx, e_idx, 0]),
            "indirect_co2e_t": pa.array(co2e[y_idx, e_idx, 1]),
            "energy_direct_tce": pa.array(tce[y_idx, e_idx, 0]),
            "energy_purchased_tce": pa.array(tce[y_idx, e_idx, 1]),
            "gwp_set": pa.DictionaryArray.from_arrays(
                pa.array(np.zeros(len(y_idx), np.int8)), pa.array([gwp_set])
            ),
            "factor_set": pa.DictionaryArray.from_arrays(
                pa.array(np.zeros(len(y_idx), np.int8)), pa.array([factor_set])
            ),
        }
    )
