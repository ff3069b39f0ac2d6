"""Which method computes which category: the bridge between activity records and equations.

Every Tier 1/Tier 2 method used by the inventory engine is *linear in its activity
quantity*: the engine calls it once per distinct (category, activity, unit, qualifier,
overrides[, year]) with quantity 1, then multiplies the per-unit gas coefficients by every
row's quantity in one vectorised pass. Methods that are not linear in a single row (the
first-order-decay model of solid waste disposal) are registered as *series* methods and get
the whole time series of their rows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from citycarbon.errors import Message, ReferenceDataError
from citycarbon.refdata.model import FactorSet
from citycarbon.trace import EmissionResult


@dataclass(frozen=True, slots=True)
class MethodContext:
    """Everything a method may know about one kind of activity record.

    ``qualifier`` is the record's method-specific classification (a technology, a climate
    region, a manure system, a wastewater pathway …) whose meaning each method documents.
    """

    category: str
    activity: str
    unit: str
    year: int
    factors: FactorSet
    overrides: Mapping[str, float] = field(default_factory=dict)
    qualifier: str = ""
    # When a year-dependent factor is missing for ``year``, use the nearest year instead
    # (the engine sets this outside strict mode and reports a warning).
    year_fallback: bool = False


LinearMethod = Callable[[MethodContext, float], EmissionResult]
# A series method gets (context, {year: quantity}) and returns {year: result}.
SeriesMethod = Callable[[MethodContext, Mapping[int, float]], Mapping[int, EmissionResult]]


@dataclass(frozen=True, slots=True)
class MethodSpec:
    """How the engine may use a method for a category (and its sub-categories)."""

    category: str
    name: str
    activity_unit: str
    linear: LinearMethod | None = None
    series: SeriesMethod | None = None
    year_dependent: bool = False
    activities: Sequence[str] = ()
    description_zh: str = ""
    description_en: str = ""


_REGISTRY: dict[str, MethodSpec] = {}


def register(spec: MethodSpec) -> MethodSpec:
    if (spec.linear is None) == (spec.series is None):
        raise ValueError(f"{spec.name}: give exactly one of linear/series")
    _REGISTRY[spec.category] = spec
    return spec


def method_for(category: str) -> MethodSpec:
    """The method registered for ``category`` or its nearest registered ancestor
    (``1.A.2.c`` uses the method of ``1.A.2`` if it has none of its own)."""
    code = category
    while code:
        if code in _REGISTRY:
            return _REGISTRY[code]
        code = code.rpartition(".")[0]
    raise ReferenceDataError(
        Message(
            zh=f"未知的排放类别或该类别没有核算方法：{category!r}",
            en=f"unknown category, or no method is registered for it: {category!r}",
        ),
        field="category",
    )


def registered() -> dict[str, MethodSpec]:
    return dict(_REGISTRY)
