"""Public testing helpers: compare results one way, and run reference cases."""

from __future__ import annotations

from citycarbon.accounting.records import ActivityRecord, compute_record
from citycarbon.refdata.model import FactorSet
from citycarbon.trace import EmissionResult


def compute_one(
    category: str,
    activity: str,
    quantity: float,
    qualifier: str = "",
    *,
    factors: FactorSet,
    unit: str = "t",
    year: int = 2020,
    region: str = "000000",
    **overrides: float,
) -> EmissionResult:
    """Emissions of a single activity record: the shortest way for a test to call a method
    exactly as the engine does (overrides as keyword arguments)."""
    record = ActivityRecord(
        year, region, category, activity, quantity, unit, qualifier=qualifier, overrides=overrides
    )
    return compute_record(record, factors)
