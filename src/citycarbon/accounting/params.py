"""Resolve the parameters of a method: a user override if given, else the packaged default.

Every resolved value becomes a :class:`~citycarbon.trace.TracedValue` that records where it
came from (factor id and factor-set version, or "override"), so that a result's trace names
each number it used. Overrides are checked against physical bounds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from citycarbon import units
from citycarbon.errors import FactorNotFoundError, Message, ParameterBoundsError
from citycarbon.refdata.model import FactorSet
from citycarbon.trace import TracedValue


@dataclass(frozen=True, slots=True)
class Bounds:
    """Physically meaningful range of a parameter (inclusive)."""

    low: float = 0.0
    high: float = math.inf


FRACTION = Bounds(0.0, 1.0)
NON_NEGATIVE = Bounds(0.0, math.inf)


def check_bounds(name: str, value: float, bounds: Bounds) -> None:
    if not math.isfinite(value) or not bounds.low <= value <= bounds.high:
        raise ParameterBoundsError(
            Message(
                zh=f"参数 {name} 的取值 {value} 超出物理范围 [{bounds.low}, {bounds.high}]",
                en=f"parameter {name} = {value} is outside its physical bounds "
                f"[{bounds.low}, {bounds.high}]",
            ),
            field="overrides",
        )


def activity(name: str, value: float, unit: str) -> TracedValue:
    """The activity input of a method (scaled per row by the inventory engine)."""
    return TracedValue(name=name, value=value, unit=unit, origin="activity")


def derived(name: str, value: float, unit: str) -> TracedValue:
    """An intermediate value proportional to the activity (e.g. fuel energy in TJ)."""
    return TracedValue(name=name, value=value, unit=unit, origin="constant", scales=True)


def constant(name: str, value: float, unit: str) -> TracedValue:
    """A physical constant (e.g. 44/12), traced so the equation can be replayed."""
    return TracedValue(name=name, value=value, unit=unit, origin="constant")


def resolve(
    factors: FactorSet,
    overrides: Mapping[str, float] | None,
    name: str,
    unit: str,
    *,
    parameter: str | None = None,
    subject: str,
    qualifier: str = "",
    bounds: Bounds = NON_NEGATIVE,
) -> TracedValue:
    """Value of parameter ``name`` in ``unit``.

    ``overrides[name]`` (already in ``unit``) wins over the packaged factor
    ``(parameter or name, subject, qualifier)`` of ``factors``. Defaults are converted to
    ``unit`` through the unit registry, so a table may store kg/TJ and a method ask for t/TJ.
    """
    if overrides and name in overrides:
        value = float(overrides[name])
        check_bounds(name, value, bounds)
        return TracedValue(name=name, value=value, unit=unit, origin="override")
    try:
        factor = factors.get(parameter or name, subject, qualifier)
    except FactorNotFoundError as exc:
        exc.field = exc.field or "activity"
        raise
    value = factor.value * units.factor(factor.unit, unit)
    return TracedValue(
        name=name,
        value=value,
        unit=unit,
        origin="default",
        factor_id=factor.factor_id,
        factor_set=factors.ref,
        uncertainty_pct=factor.uncertainty_pct,
    )
