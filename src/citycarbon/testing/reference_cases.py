"""Run published worked cases (``shared/reference/ipcc_cases_public.json`` format).

A case has ``inputs``, ``expected`` outputs and a ``source``. An *adapter* turns a case's
inputs into activity records (and parameter overrides where the case passes its own
parameters), computes them with the packaged default factors, and returns the computed
outputs keyed like ``expected`` (nested keys joined with ``.``; ``{"value": x}`` leaves
collapse to their key). Adapters are chosen by the bonsai-ipcc sequence named in
``source.package`` (e.g. ``industry.mineral.sequence.tier1_co2_cement``) or, failing that,
by the case id's prefix (``CN-FUEL-COMBUSTION``).

Use from Python::

    from citycarbon.testing.reference_cases import run_case
    outcome = run_case(case)        # -> CaseOutcome(passed, comparisons)

or from the shell: ``citycarbon refdata cases FILE.json``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

Adapter = Callable[[Mapping[str, Any]], "AdapterResult"]


@dataclass
class AdapterResult:
    """Computed outputs keyed like the case's ``expected``; per-key relative tolerances."""

    values: dict[str, float]
    rel_tol: float = 1e-6
    key_tolerances: dict[str, float] = field(default_factory=dict)
    # keys of ``expected`` that are alternatives of another key (e.g. a rounded-EF variant)
    alternatives: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Comparison:
    key: str
    expected: float | None
    computed: float | None
    rel_tol: float

    @property
    def passed(self) -> bool:
        if self.expected is None:
            return self.computed is None or math.isnan(self.computed)
        if self.computed is None:
            return False
        return math.isclose(self.computed, self.expected, rel_tol=self.rel_tol, abs_tol=1e-12)


@dataclass(frozen=True)
class CaseOutcome:
    case_id: str
    adapter: str
    comparisons: tuple[Comparison, ...]
    error: str | None = None

    @property
    def passed(self) -> bool:
        return (
            self.error is None
            and bool(self.comparisons)
            and all(c.passed for c in self.comparisons)
        )


_BY_SEQUENCE: dict[str, Adapter] = {}
_BY_PREFIX: dict[str, Adapter] = {}


def adapter(
    *, sequence: str | None = None, prefix: str | None = None
) -> Callable[[Adapter], Adapter]:
    """Register an adapter for a bonsai-ipcc sequence (``waste.swd.sequence.tier1_ch4``)
    and/or a case-id prefix (``CN-ELEC-INDIRECT``)."""

    def wrap(function: Adapter) -> Adapter:
        if sequence:
            _BY_SEQUENCE[sequence] = function
        if prefix:
            _BY_PREFIX[prefix] = function
        return function

    return wrap


def _sequence_of(case: Mapping[str, Any]) -> str | None:
    package = str(case.get("source", {}).get("package", ""))
    match = re.search(r"IPCC\(\)\.([\w.]+)", package)
    return match.group(1) if match else None


def find_adapter(case: Mapping[str, Any]) -> tuple[str, Adapter] | None:
    _load_adapters()
    sequence = _sequence_of(case)
    if sequence and sequence in _BY_SEQUENCE:
        return sequence, _BY_SEQUENCE[sequence]
    case_id = str(case.get("id", ""))
    for prefix in sorted(_BY_PREFIX, key=len, reverse=True):
        if case_id.startswith(prefix):
            return prefix, _BY_PREFIX[prefix]
    return None


def flatten(expected: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, float | None]]:
    """Leaves of an ``expected`` block: ``{"a": {"value": 1, "unit": "t"}}`` → ``("a", 1)``."""
    for key, value in expected.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            if "value" in value and not isinstance(value["value"], Mapping):
                yield path, None if value["value"] is None else float(value["value"])
            else:
                yield from flatten(value, prefix=f"{path}.")
        elif value is None or isinstance(value, int | float):
            yield path, None if value is None else float(value)
        # strings (units, notes) are not compared


def run_case(case: Mapping[str, Any]) -> CaseOutcome:
    case_id = str(case.get("id", "?"))
    found = find_adapter(case)
    if found is None:
        return CaseOutcome(case_id, "-", (), error="no adapter for this case")
    name, function = found
    try:
        result = function(case)
    except Exception as exc:  # noqa: BLE001 - a failing case reports its error, never hides it
        return CaseOutcome(case_id, name, (), error=f"{type(exc).__name__}: {exc}")
    comparisons = []
    for key, expected in flatten(case.get("expected", {})):
        source_key = result.alternatives.get(key, key)
        tol = result.key_tolerances.get(key, result.rel_tol)
        if source_key not in result.values:
            comparisons.append(Comparison(key, expected, None, tol))
            continue
        comparisons.append(Comparison(key, expected, result.values[source_key], tol))
    return CaseOutcome(case_id, name, tuple(comparisons))


def _load_adapters() -> None:
    # Adapter modules register themselves on import; imported lazily so that importing
    # this module does no work.
    from citycarbon.testing import (  # noqa: F401
        cases_afolu,
        cases_energy,
        cases_ippu,
        cases_waste,
    )
