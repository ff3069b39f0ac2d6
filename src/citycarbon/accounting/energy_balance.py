"""A regional energy balance (地区能源平衡表, sector × fuel, as a statistics bureau publishes
it) turned into the engine's fuel-combustion records."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from citycarbon.accounting.records import ActivityRecord

# secondary energy: its emissions are counted where the fuel burns (thermal power / heat
# supply inputs) or, for imported electricity, by IND.3 region activity
SECONDARY = frozenset({"electricity", "heat"})
NON_ENERGY_ROW = "industry_non_energy_use"
RESIDENTIAL_PARTS = ("residential_urban", "residential_rural")


@dataclass(frozen=True, slots=True)
class BalanceCell:
    """One cell of an energy balance."""

    region: str
    year: int
    sector: str  # cn_energy_balance_sectors code
    fuel: str  # cn_energy_balance_fuels code
    quantity: float
    unit: str


def balance_records(
    cells: Sequence[BalanceCell],
    sectors: Mapping[str, Mapping[str, str]],
    fuels: Mapping[str, Mapping[str, str]],
    skipped: list[str],
) -> list[ActivityRecord]:
    """Energy-balance cells as fuel-combustion records.

    Sectors without an IPCC category (coal washing, coking, refining, gas making: fuel
    transformed, not burned) and secondary energy (electricity, heat) are skipped; the
    industry row is taken net of its non-energy-use sub-row; residential is taken as its
    total row, or as the sum of the urban and rural rows where no total is given.
    Transformation inputs are entered as absolute values; quantities keep the unit the
    cell was stored in (the engine converts). ``sectors`` and ``fuels`` are the rows of the
    code lists ``cn_energy_balance_sectors`` (→ ``ipcc_category``) and
    ``cn_energy_balance_fuels`` (→ ``activity``) by code; what cannot be converted is
    described in ``skipped``."""
    grid: dict[tuple[str, int, str, str], tuple[float, str]] = {}
    for c in cells:
        grid[(c.region, c.year, c.sector, c.fuel)] = (abs(c.quantity), c.unit)
    out: list[ActivityRecord] = []
    has_total = {(r, y, f) for (r, y, s, f) in grid if s == "residential"}
    non_energy: dict[tuple[str, int, str], float] = defaultdict(float)
    for (r, y, s, f), (q, _unit) in grid.items():
        if s == NON_ENERGY_ROW:
            non_energy[(r, y, f)] += q  # the balance gives a sub-row in its parent's unit
    for (r, y, s, f), (q, unit) in sorted(grid.items()):
        sector, fuel = sectors.get(s), fuels.get(f)
        where = f"{r} {y} {s} {f}"
        if sector is None or fuel is None:
            skipped.append(f"{where}: unknown sector or fuel code")
            continue
        if s in RESIDENTIAL_PARTS and (r, y, f) in has_total:
            continue  # counted in the residential total row
        category, activity = sector["ipcc_category"], fuel["activity"]
        if not category or s == NON_ENERGY_ROW:
            continue  # transformation or non-energy use: not combustion
        if not activity or activity in SECONDARY:
            skipped.append(f"{where}: no combustion activity for this fuel")
            continue
        amount = max(q - non_energy.get((r, y, f), 0.0), 0.0) if s == "industry" else q
        out.append(
            ActivityRecord(
                year=y,
                region=r,
                category=category,
                activity=activity,
                quantity=amount,
                unit=unit,
                source=f"energy_balance:{s}:{f}",
            )
        )
    return out
