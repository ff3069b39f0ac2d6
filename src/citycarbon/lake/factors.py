"""The lake's conversion factors (``dims/factors.parquet``): tce and t CO2 per base unit of each
metered carrier and year, computed by the inventory engine's own methods on the packaged
reference data, so a rollup converts exactly as an inventory would.

Each (carrier, year) runs the engine method an inventory record of that carrier would use, on
one base unit (1 kWh, 1 m3 …), with the factor set's settings (grid series, 当量值 / 等价值 for
electricity; missing grid years fall back to the nearest year, as the engine does outside
strict mode). The factor ids of the trace say where each number came from:

* electricity — ``purchased_electricity`` (GB/T 32150 Eq. 12): the GB/T 2589 calorific
  equivalent 0.1229 kgce/kWh and the set's grid emission factor of the year;
* natural gas, coal, oil — ``fuel_combustion`` with the fuel of :data:`CARRIER_ACTIVITIES`
  (NCV × carbon content × oxidation × 44/12; GB/T 2589 coefficient). CO2 only: CH4 and N2O
  of combustion are left to the inventory, which applies a GWP set;
* heat — ``purchased_heat`` (GB/T 32150 Eq. 13);
* steam and water — no packaged coefficient (steam is metered in tonnes and its enthalpy
  depends on pressure and temperature; water is no energy carrier): the row carries null
  factors and says so in ``note``, and the rollups then give null tce / CO2.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from citycarbon.accounting.methods import load_all
from citycarbon.accounting.registry import MethodContext, method_for
from citycarbon.lake import layout
from citycarbon.monitoring.meters import BASE_UNITS, Carrier
from citycarbon.refdata.loader import load_factor_set
from citycarbon.refdata.model import FactorSet
from citycarbon.trace import EmissionResult

FACTORS_SCHEMA = pa.schema(
    [
        ("carrier", pa.string()),
        ("base_unit", pa.string()),
        ("year", pa.int64()),
        ("tce_per_unit", pa.float64()),
        ("tco2_per_unit", pa.float64()),
        ("tce_factor_id", pa.string()),
        ("co2_factor_id", pa.string()),
        ("factor_set", pa.string()),
        ("source", pa.string()),
        ("note", pa.string()),
    ]
)


@dataclass(frozen=True)
class CarrierActivity:
    """The inventory category and activity whose method converts a metered carrier."""

    category: str
    activity: str
    note: str = ""


# Which fuel stands for a carrier the meters measure only as a kind (oil: fuel oil, the usual
# boiler and furnace fuel of metered industrial sites; coal: raw coal).
CARRIER_ACTIVITIES: dict[Carrier, CarrierActivity] = {
    Carrier.ELECTRICITY: CarrierActivity("IND.1", "electricity"),
    Carrier.NATURAL_GAS: CarrierActivity("1.A.2", "natural_gas", "CO2 only (CH4/N2O: inventory)"),
    Carrier.COAL: CarrierActivity("1.A.2", "raw_coal", "raw coal; CO2 only (CH4/N2O: inventory)"),
    Carrier.OIL: CarrierActivity("1.A.2", "fuel_oil", "fuel oil; CO2 only (CH4/N2O: inventory)"),
    Carrier.HEAT: CarrierActivity("IND.2", "heat"),
}
# Trace inputs that make up each factor (the engine's parameter names).
TCE_INPUTS = ("tce_coefficient",)  # else energy / 29.3076 GJ: tce_per_GJ and the NCV
TCE_BY_ENERGY = ("tce_per_GJ", "ncv")
CO2_INPUTS = ("grid_ef", "heat_ef", "ncv", "carbon_content", "oxidation_factor", "ef_co2")
UNCONVERTED: dict[Carrier, str] = {
    Carrier.STEAM: "no packaged steam coefficient (tonnes of steam need its enthalpy): "
    "tce/CO2 not computed",
    Carrier.WATER: "not an energy carrier: tce/CO2 not computed",
}


def _ids(result: EmissionResult, names: Iterable[str]) -> str:
    """The factor ids (or constant names) of the trace inputs named ``names``, joined by +."""
    wanted = set(names)
    return "+".join(
        v.factor_id or v.name
        for v in result.trace.inputs
        if v.name in wanted and v.origin != "activity"
    )


def factor_row(carrier: Carrier, year: int, factors: FactorSet) -> dict[str, object]:
    """One row of the factors dim: the engine method of ``carrier`` run on one base unit."""
    unit = BASE_UNITS[carrier]
    row: dict[str, object] = {
        "carrier": carrier.value,
        "base_unit": unit,
        "year": year,
        "factor_set": factors.ref,
    }
    if carrier in UNCONVERTED:
        return row | {"source": "", "note": UNCONVERTED[carrier]}
    use = CARRIER_ACTIVITIES[carrier]
    spec = method_for(use.category)
    assert spec.linear is not None  # the energy methods are linear
    context = MethodContext(use.category, use.activity, unit, year, factors, year_fallback=True)
    result = spec.linear(context, 1.0)
    return row | {
        "tce_per_unit": result.energy_tce,
        "tco2_per_unit": result.gas("CO2"),
        "tce_factor_id": _ids(result, TCE_INPUTS) or _ids(result, TCE_BY_ENERGY),
        "co2_factor_id": _ids(result, CO2_INPUTS),
        "source": f"{result.trace.method}: {result.trace.equation}",
        "note": use.note,
    }


def build_factors(years: Iterable[int], factor_set: str | None = None) -> pa.Table:
    """The factors dim for ``years`` (a contiguous range is expected by the rollups' nearest
    year rule) and every carrier, from ``factor_set`` (default: the engine's default set)."""
    load_all()  # registers the engine's methods
    factors = load_factor_set(factor_set)
    rows = [factor_row(c, y, factors) for y in sorted(set(years)) for c in Carrier]
    return pa.Table.from_pylist(rows, schema=FACTORS_SCHEMA)


def export_factors(
    root: Path, years: Iterable[int] | None = None, factor_set: str | None = None
) -> Path:
    """Write ``dims/factors.parquet`` (years: default those of the lake's partitions, at least
    the current one, widened to a contiguous range)."""
    chosen = sorted(set(years or ())) or _lake_years(root)
    span = range(chosen[0], chosen[-1] + 1)
    return layout.write_dim(root, "factors", build_factors(span, factor_set))


def _lake_years(root: Path) -> list[int]:
    years = {int(day[:4]) for day in layout.partition_days(root)}
    years.add(dt.datetime.now(tz=dt.UTC).year)
    return sorted(years)
