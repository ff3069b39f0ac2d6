"""Resolve the parameters of a method: a user override if given, else the packaged default.

Every resolved value becomes a :class:`~citycarbon.trace.TracedValue` that records where it
came from (factor id and factor-set version, or "override"), so that a result's trace names
each number it used. Overrides are checked against physical bounds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from citycarbon import units
from citycarbon.accounting.registry import MethodContext
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


def activity_tonnes(
    ctx: MethodContext, quantity: float, name: str | None = None
) -> tuple[float, TracedValue]:
    """The record's quantity in tonnes, and its traced activity input."""
    return quantity * units.factor(ctx.unit, "t"), activity(
        name or ctx.activity, quantity, ctx.unit
    )


def require_activity(ctx: MethodContext, allowed: tuple[str, ...]) -> None:
    """Reject an activity code the category's method does not take (field ``activity``)."""
    if ctx.activity not in allowed:
        raise FactorNotFoundError(
            Message(
                zh=f"类别 {ctx.category} 不接受活动 {ctx.activity!r}（可选：{', '.join(allowed)}）",
                en=f"category {ctx.category} does not take activity {ctx.activity!r} "
                f"(choose {', '.join(allowed)})",
            ),
            field="activity",
        )


def require_known_qualifier(ctx: MethodContext, parameter: str, subject: str) -> None:
    """A non-empty qualifier must name a packaged class of ``parameter``/``subject``: an
    unknown type or process must not fall back silently to the generic default."""
    known = [q for q in ctx.factors.qualifiers(parameter, subject) if q]
    require_qualifier_in(ctx, known, subject)


def require_qualifier_in(ctx: MethodContext, known: Sequence[str], subject: str) -> None:
    """Reject a non-empty qualifier that is not one of ``known`` (field ``qualifier``)."""
    if ctx.qualifier and ctx.qualifier not in known:
        choices_zh = "、".join(known) or "无"
        choices_en = ", ".join(known) or "none"
        raise FactorNotFoundError(
            Message(
                zh=f"{subject} 的类型或工艺 {ctx.qualifier!r} 未知（可选：{choices_zh}）",
                en=f"unknown {subject} type or process {ctx.qualifier!r} (choose {choices_en})",
            ),
            field="qualifier",
        )
