"""The tidy activity record: one quantity of one activity, where and when it happened.

Schema (documented for users in ``docs/activity-records.md``):

========== ================================================================================
year       reporting year (int)
period     0 = whole year, 1–12 = month
region     GB/T 2260 administrative code of the place (province/city/county/township)
entity     enterprise or facility id (统一社会信用代码 or facility code); empty for a region-
           level statistic
category   IPCC 2006 category code (``1.A.2``, ``2.A.1``, ``3.A.1``, ``4.A`` …) or a
           citycarbon indirect code (``IND.1`` purchased electricity …)
activity   activity/fuel/product code (``raw_coal``, ``cattle_dairy``, ``msw_food`` …)
quantity   amount, finite and ≥ 0 (removals are computed, never entered as negatives)
unit       unit of ``quantity`` (``t``, ``10^4 Nm3``, ``MWh``, ``head``, ``万元`` …)
qualifier  method-specific class: technology, climate region, manure system … (optional)
overrides  measured parameters replacing defaults, e.g. ``ncv``, ``carbon_content``,
           ``oxidation_factor`` (optional, each checked against physical bounds)
source     where the number came from (statistics bureau, enterprise report id …)
========== ================================================================================
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import pyarrow as pa

from citycarbon.accounting.registry import MethodContext, method_for
from citycarbon.refdata.model import FactorSet
from citycarbon.trace import EmissionResult


@dataclass(frozen=True, slots=True)
class ActivityRecord:
    year: int
    region: str
    category: str
    activity: str
    quantity: float
    unit: str
    entity: str = ""
    period: int = 0
    qualifier: str = ""
    overrides: Mapping[str, float] = field(default_factory=dict)
    source: str = ""

    def context(self, factors: FactorSet) -> MethodContext:
        return MethodContext(
            category=self.category,
            activity=self.activity,
            unit=self.unit,
            year=self.year,
            factors=factors,
            overrides=dict(self.overrides),
            qualifier=self.qualifier,
        )


def compute_record(
    record: ActivityRecord, factors: FactorSet, *, year_fallback: bool = False
) -> EmissionResult:
    """Emissions of one record through its category's linear method (the slow, obvious
    path; the inventory engine computes the same numbers vectorised). ``year_fallback``:
    a year-dependent factor missing for the record's year takes the nearest year's value
    (the trace names the factor, and so the year, actually used)."""
    spec = method_for(record.category)
    if spec.linear is None:
        raise TypeError(f"{spec.name} is a series method; use compute_series")
    context = record.context(factors)
    if year_fallback:
        context = replace(context, year_fallback=True)
    return spec.linear(context, record.quantity)


def compute_series(
    records: list[ActivityRecord], factors: FactorSet
) -> Mapping[int, EmissionResult]:
    """Emissions by year of one time series (same region, entity, category, activity,
    qualifier) through a series method such as first-order decay."""
    first = records[0]
    spec = method_for(first.category)
    if spec.series is None:
        raise TypeError(f"{spec.name} is a linear method; use compute_record")
    by_year: dict[int, float] = {}
    for record in records:
        by_year[record.year] = by_year.get(record.year, 0.0) + record.quantity
    return spec.series(first.context(factors), by_year)


def parse_overrides(text: str) -> dict[str, float]:
    """``"ncv=20.5; oxidation_factor=0.95"`` → ``{"ncv": 20.5, "oxidation_factor": 0.95}``."""
    result: dict[str, float] = {}
    for part in text.replace(",", ";").split(";"):
        if not part.strip():
            continue
        name, sep, value = part.partition("=")
        if not sep:
            raise ValueError(part)
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(part)
        result[name.strip()] = number
    return result


def records_to_table(records: list[ActivityRecord]) -> pa.Table:
    """Activity records as the engine's input table (overrides as ``name=value;…``)."""
    return pa.table(
        {
            "year": pa.array([r.year for r in records], pa.int32()),
            "period": pa.array([r.period for r in records], pa.int8()),
            "region": pa.array([r.region for r in records], pa.string()),
            "entity": pa.array([r.entity for r in records], pa.string()),
            "category": pa.array([r.category for r in records], pa.string()),
            "activity": pa.array([r.activity for r in records], pa.string()),
            "quantity": pa.array([float(r.quantity) for r in records], pa.float64()),
            "unit": pa.array([r.unit for r in records], pa.string()),
            "qualifier": pa.array([r.qualifier for r in records], pa.string()),
            "overrides": pa.array(
                [";".join(f"{k}={v!r}" for k, v in sorted(r.overrides.items())) for r in records],
                pa.string(),
            ),
            "source": pa.array([r.source for r in records], pa.string()),
        }
    )
