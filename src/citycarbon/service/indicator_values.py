"""Indicator values of regions and years, computed from the store by the packaged formulas.

Inventory figures come from the stored run the explorer would show the actor for the region
and year (the region's own run first, then its parents', newest first), all under one GWP
set: the one of the newest visible run (a trend that mixed GWP sets would compare unlike
figures). ``inv(measure, category)`` sums the measure over the category's subtree, since
runs store leaf categories per region. Statistics are ``RegionStatistic`` rows.

Every value keeps its inputs: each reference with its value and where it came from (run id
and factor set, or the statistic's source), so that a figure on the board can be traced.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from citycarbon.errors import Message
from citycarbon.indicators.definitions import PlanIndicator, plan_indicators
from citycarbon.indicators.formula import Reference, evaluate
from citycarbon.refdata.loader import load_codelist
from citycarbon.service.actor import LOCAL_ADMIN, Actor
from citycarbon.service.explorer import latest_by_year, runs_covering
from citycarbon.service.inventories import TOTAL
from citycarbon.service.ledger import region_by_code
from citycarbon.store.models import InventoryRun, InventoryValue, RegionStatistic

INDICATOR_TABLE = "citycarbon_plan_indicators"


@cache
def indicator_catalogue() -> dict[str, PlanIndicator]:
    """The packaged indicator definitions, checked (formulas parsed) once."""
    return plan_indicators(load_codelist(INDICATOR_TABLE))


@dataclass(frozen=True)
class IndicatorValue:
    indicator: str
    region: str
    year: int
    value: float | None
    unit: str
    inputs: list[dict[str, Any]] = field(default_factory=list)
    reason: Message | None = None  # why there is no value

    def as_dict(self) -> dict[str, Any]:
        return {
            "indicator": self.indicator,
            "region": self.region,
            "year": self.year,
            "value": self.value,
            "unit": self.unit,
            "inputs": self.inputs,
            "reason": None if self.reason is None else {"zh": self.reason.zh, "en": self.reason.en},
        }


@dataclass
class _Figures:
    """What the formulas of some regions and years read, fetched in two queries."""

    runs: dict[str, dict[int, InventoryRun]]  # region → year → run
    inventory: dict[tuple[int, str], dict[tuple[str, str], float]]  # (run, region) → figures
    statistics: dict[tuple[str, int, str], tuple[float, str, str]]  # → value, unit, source

    def lookup(self, region: str, year: int, ref: Reference) -> tuple[float | None, dict[str, Any]]:
        at = year - ref.years_back
        trace: dict[str, Any] = {"ref": ref.label(), "year": at}
        if ref.source == "stat":
            found = self.statistics.get((region, at, ref.name))
            if found is None:
                return None, trace
            trace.update(unit=found[1], source=found[2])
            return found[0], trace
        run = self.runs.get(region, {}).get(at)
        if run is None:
            return None, trace
        trace.update(run_id=run.id, factor_set=run.factor_set, gwp_set=run.gwp_set)
        figures = self.inventory.get((run.id, region), {})
        category = ref.category or TOTAL
        if category == TOTAL:
            return figures.get((TOTAL, ref.name)), trace
        prefix = category + "."
        parts = [
            v
            for (cat, measure), v in figures.items()
            if measure == ref.name and (cat == category or cat.startswith(prefix))
        ]
        # a category the run does not hold at all is 0 (nothing emitted there), not missing
        return sum(parts), trace


def _runs_by_region(
    session: Session, actor: Actor, regions: Sequence[str]
) -> dict[str, dict[int, InventoryRun]]:
    out: dict[str, dict[int, InventoryRun]] = {}
    for code in regions:
        by_year = latest_by_year(runs_covering(session, actor, region_by_code(session, code)))
        if by_year:
            gwp = by_year[max(by_year)].gwp_set
            out[code] = {y: r for y, r in by_year.items() if r.gwp_set == gwp}
    return out


def _fetch(
    session: Session,
    actor: Actor,
    regions: Sequence[str],
    indicators: Iterable[PlanIndicator],
) -> _Figures:
    references = {ref for ind in indicators for ref in ind.formula.references}
    measures = {r.name for r in references if r.source == "inv"}
    stat_codes = {r.name for r in references if r.source == "stat"}
    runs = _runs_by_region(session, actor, regions)
    inventory: dict[tuple[int, str], dict[tuple[str, str], float]] = defaultdict(dict)
    run_ids = {run.id for by_year in runs.values() for run in by_year.values()}
    if run_ids and measures:
        rows = session.execute(
            select(
                InventoryValue.run_id,
                InventoryValue.region_code,
                InventoryValue.category,
                InventoryValue.measure,
                InventoryValue.value,
            ).where(
                InventoryValue.run_id.in_(sorted(run_ids)),
                InventoryValue.region_code.in_(list(regions)),
                InventoryValue.measure.in_(sorted(measures)),
            )
        )
        for run_id, region, category, measure, value in rows:
            inventory[(run_id, region)][(category, measure)] = value
    statistics: dict[tuple[str, int, str], tuple[float, str, str]] = {}
    if stat_codes:
        for row in session.execute(
            select(
                RegionStatistic.region_code,
                RegionStatistic.year,
                RegionStatistic.indicator,
                RegionStatistic.value,
                RegionStatistic.unit,
                RegionStatistic.source,
            ).where(
                RegionStatistic.region_code.in_(list(regions)),
                RegionStatistic.indicator.in_(sorted(stat_codes)),
            )
        ):
            statistics[(row[0], row[1], row[2])] = (row[3], row[4], row[5])
    return _Figures(runs, dict(inventory), statistics)


def indicator_values(
    session: Session,
    regions: Sequence[str],
    years: Sequence[int],
    codes: Sequence[str] | None = None,
    *,
    actor: Actor = LOCAL_ADMIN,
) -> dict[tuple[str, str, int], IndicatorValue]:
    """(indicator, region, year) → value with its inputs, for every combination asked.

    ``codes`` defaults to every packaged indicator; an unknown code is a ``KeyError``-free
    :class:`~citycarbon.service.ledger.RecordNotFoundError` via :func:`indicator_by_code`.
    """
    catalogue = indicator_catalogue()
    chosen = (
        [indicator_by_code(c) for c in codes] if codes is not None else list(catalogue.values())
    )
    figures = _fetch(session, actor, regions, chosen)
    out: dict[tuple[str, str, int], IndicatorValue] = {}
    for indicator in chosen:
        for region in regions:
            for year in years:
                traces: list[dict[str, Any]] = []
                result = evaluate(indicator.formula, _tracing(figures, region, year, traces))
                out[(indicator.code, region, year)] = IndicatorValue(
                    indicator=indicator.code,
                    region=region,
                    year=year,
                    value=result.value,
                    unit=indicator.definition.unit,
                    inputs=traces,
                    reason=result.reason,
                )
    return out


def _tracing(
    figures: _Figures, region: str, year: int, traces: list[dict[str, Any]]
) -> Callable[[Reference], float | None]:
    """A lookup for one region and year that records each input it hands out."""

    def lookup(ref: Reference) -> float | None:
        value, trace = figures.lookup(region, year, ref)
        traces.append(dict(trace, value=value))
        return value

    return lookup


def indicator_fields(code: str) -> dict[str, str]:
    """What a row about an indicator shows of it: names, unit, direction, binding, kind."""
    d = indicator_by_code(code).definition
    return {
        "name_zh": d.name_zh,
        "name_en": d.name_en,
        "unit": d.unit,
        "direction": d.direction.value,
        "binding": d.binding.value,
        "kind": d.kind.value,
    }


def indicator_by_code(code: str) -> PlanIndicator:
    from citycarbon.service.ledger import not_found

    found = indicator_catalogue().get(code)
    if found is None:
        raise not_found("指标", "indicator", code)
    return found
