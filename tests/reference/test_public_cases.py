"""Published worked cases run through the engine.

Every case of ``tests/reference/data/ipcc_cases_public.json`` runs, plus every case of the
JSON file named by ``CITYCARBON_REFERENCE_CASES`` when it is set (held-back cases run the
same way, through the same adapters).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from citycarbon.testing.reference_cases import CaseOutcome, run_case

PUBLIC = Path(__file__).parent / "data" / "ipcc_cases_public.json"
ENV = "CITYCARBON_REFERENCE_CASES"


def _load(path: Path) -> list[dict[str, Any]]:
    cases = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(cases, dict):  # tolerate {"cases": [...]}
        cases = cases.get("cases", [])
    return list(cases)


def _cases() -> list[Any]:
    params = [
        pytest.param(case, id=f"public:{case.get('id', i)}") for i, case in enumerate(_load(PUBLIC))
    ]
    extra = os.environ.get(ENV, "").strip()
    if extra:
        path = Path(extra)
        params += [
            pytest.param(case, id=f"{path.name}:{case.get('id', i)}")
            for i, case in enumerate(_load(path))
        ]
    return params


def _describe(outcome: CaseOutcome) -> str:
    lines = [f"case {outcome.case_id} (adapter {outcome.adapter}) failed"]
    if outcome.error:
        lines.append(f"  error: {outcome.error}")
    if not outcome.comparisons and not outcome.error:
        lines.append("  nothing was compared")
    lines += [
        f"  {c.key}: expected {c.expected!r}, computed {c.computed!r} (rel_tol {c.rel_tol})"
        for c in outcome.comparisons
        if not c.passed
    ]
    return "\n".join(lines)


def test_public_file_has_cases():
    cases = _load(PUBLIC)
    assert len(cases) >= 8
    assert all("id" in c and "expected" in c for c in cases)


@pytest.mark.parametrize("case", _cases())
def test_reference_case(case: dict[str, Any]):
    outcome = run_case(case)
    assert outcome.passed, _describe(outcome)
    assert outcome.comparisons


def test_a_wrong_expectation_fails():
    """The harness can fail: a case whose expected value is off by 1 % does not pass."""
    case = next(c for c in _load(PUBLIC) if c["id"] == "ENERGY-SC-NG-01")
    broken = json.loads(json.dumps(case))
    broken["expected"]["co2_t"] = case["expected"]["co2_t"] * 1.01
    outcome = run_case(broken)
    assert not outcome.passed
    assert [c.key for c in outcome.comparisons if not c.passed] == ["co2_t"]
