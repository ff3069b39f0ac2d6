"""Traceable results: every emission figure carries what it was computed from.

A :class:`Trace` names the equation, each input (activity data, default factor or user
override, with the factor id and the factor-set version), the intermediate values and the
units, so that any number can be explained down to its inputs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

InputOrigin = Literal["activity", "default", "override", "constant"]


@dataclass(frozen=True, slots=True)
class TracedValue:
    """One input of a calculation, where it came from, and its unit."""

    name: str
    value: float
    unit: str
    origin: InputOrigin
    factor_id: str | None = None
    factor_set: str | None = None
    uncertainty_pct: float | None = None
    # True for intermediate values proportional to the activity (fuel energy, clinker
    # mass …), as opposed to factors: tells a reader which numbers grow with the quantity.
    scales: bool = False

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "value": self.value,
            "unit": self.unit,
            "origin": self.origin,
            "factor_id": self.factor_id,
            "factor_set": self.factor_set,
            "uncertainty_pct": self.uncertainty_pct,
            "scales_with_activity": self.scales or self.origin == "activity",
        }


@dataclass(frozen=True, slots=True)
class Trace:
    """How a result was obtained: method, equation reference, inputs, intermediate values."""

    method: str
    equation: str
    inputs: tuple[TracedValue, ...] = ()
    intermediates: tuple[TracedValue, ...] = ()
    notes: tuple[str, ...] = ()

    def input(self, name: str) -> TracedValue:
        for item in (*self.inputs, *self.intermediates):
            if item.name == name:
                return item
        raise KeyError(name)

    def factor_ids(self) -> tuple[str, ...]:
        return tuple(i.factor_id for i in self.inputs if i.factor_id is not None)

    def as_dict(self) -> dict[str, object]:
        return {
            "method": self.method,
            "equation": self.equation,
            "inputs": [i.as_dict() for i in self.inputs],
            "intermediates": [i.as_dict() for i in self.intermediates],
            "notes": list(self.notes),
        }


@dataclass(frozen=True, slots=True)
class EmissionResult:
    """Gas-level emissions (tonnes of each gas) of one activity, with its trace.

    Negative values are removals (sinks). ``co2_biogenic_t`` is reported as a memo item and
    never enters totals. ``energy_tce`` is the activity's energy in tonnes of standard coal
    where the activity is energy use, else ``None``.
    """

    gases_t: Mapping[str, float]
    trace: Trace
    energy_tce: float | None = None
    co2_biogenic_t: float = 0.0
    extra: Mapping[str, float] = field(default_factory=dict)

    def gas(self, name: str) -> float:
        return float(self.gases_t.get(name, 0.0))
