"""What a pathway achieves: its peak, the five-year intensity targets, the gap to neutrality.

Given a scenario, its projection and the targets (packaged national defaults, or a region's
own plan targets):

* **peak** — :func:`citycarbon.pathways.peak.detect_peak` on gross emissions (all gases,
  CO2e, before sinks), the stored history before the base year prepended when given, so that
  a city that peaked in the past is seen to have peaked. Met when the status is ``peaked`` or
  ``plateau`` with the peak year at or before ``peak_by`` (2030).
* **intensity** — for each target ``(indicator, start, end, reduction)`` the achieved
  reduction ``1 − I_end / I_start`` of carbon intensity (gross CO2e per GDP, as the indicator
  ``carbon_intensity`` defines it) or energy intensity (tce per GDP). A year inside the
  projection takes the projection's value; a year before it takes the history's value; a year
  in neither leaves the check undecided (``met`` is ``None``, with the reason). GDP is the
  scenario's driver ``gdp``, or else the sum of its drivers named ``va_*`` (value added by
  sector, which keeps GDP and the industry structure consistent); without either no
  intensity can be computed.
* **neutrality** — net emissions (after sinks) in ``neutral_by`` (2060), the gap
  ``max(net, 0)`` still to close by more sinks or deeper cuts, and the first year net ≤ 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from citycarbon.errors import CitycarbonError, Message
from citycarbon.pathways.drivers import FloatArray
from citycarbon.pathways.peak import (
    CONFIRM_YEARS,
    PLATEAU_TOLERANCE,
    PeakResult,
    PeakStatus,
    detect_peak,
)
from citycarbon.pathways.scenario import Projection, Scenario

Indicator = Literal["carbon", "energy"]
INDICATORS: tuple[Indicator, ...] = ("carbon", "energy")
VALUE_ADDED_PREFIX = "va_"


class OutcomeError(CitycarbonError):
    """A target row is malformed."""


@dataclass(frozen=True, slots=True)
class IntensityTarget:
    code: str
    indicator: Indicator
    start: int
    end: int
    reduction: float  # 0.18 = intensity 18 % lower in ``end`` than in ``start``
    label: Message
    source: str = ""


@dataclass(frozen=True, slots=True)
class PathwayTargets:
    peak_by: int = 2030
    neutral_by: int = 2060
    intensity: tuple[IntensityTarget, ...] = ()
    peak_source: str = ""
    neutral_source: str = ""


def _row_fail(row: int, field: str, zh: str, en: str) -> OutcomeError:
    return OutcomeError(
        Message(zh=f"第 {row} 行 {field}：{zh}", en=f"row {row}, {field}: {en}"), field=field
    )


def _int(record: Mapping[str, str], key: str, row: int) -> int:
    text = str(record.get(key, "")).strip()
    if not text.isdigit():
        raise _row_fail(row, key, f"应为年份，得到 {text!r}", f"must be a year, got {text!r}")
    return int(text)


def targets_from_rows(rows: Iterable[Mapping[str, str]]) -> PathwayTargets:
    """Targets from the rows of ``citycarbon_pathway_targets`` (kind peak|neutrality|intensity)."""
    peak_by, neutral_by, peak_source, neutral_source = 2030, 2060, "", ""
    intensity: list[IntensityTarget] = []
    for n, record in enumerate(rows, start=1):
        kind = record.get("kind", "")
        source = str(record.get("source", ""))
        if kind == "peak":
            peak_by, peak_source = _int(record, "end", n), source
        elif kind == "neutrality":
            neutral_by, neutral_source = _int(record, "end", n), source
        elif kind == "intensity":
            indicator = record.get("indicator", "")
            if indicator not in INDICATORS:
                raise _row_fail(n, "indicator", "应为 carbon 或 energy", "must be carbon or energy")
            try:
                reduction = float(record.get("value", ""))
            except ValueError:
                raise _row_fail(n, "value", "应为数值", "must be a number") from None
            intensity.append(
                IntensityTarget(
                    code=str(record.get("code", "")),
                    indicator="carbon" if indicator == "carbon" else "energy",
                    start=_int(record, "start", n),
                    end=_int(record, "end", n),
                    reduction=reduction,
                    label=Message(
                        zh=str(record.get("name_zh", "")), en=str(record.get("name_en", ""))
                    ),
                    source=source,
                )
            )
        else:
            raise _row_fail(
                n,
                "kind",
                "应为 peak、neutrality 或 intensity",
                "must be peak, neutrality or intensity",
            )
    return PathwayTargets(peak_by, neutral_by, tuple(intensity), peak_source, neutral_source)


@dataclass(frozen=True, slots=True)
class IntensityCheck:
    target: IntensityTarget
    start_value: float | None
    end_value: float | None
    achieved: float | None  # the reduction reached, 1 − end / start
    met: bool | None  # None: undecided, see reason
    reason: Message | None = None


@dataclass(frozen=True, slots=True)
class Neutrality:
    year: int
    net: float
    gap: float
    first_net_zero_year: int | None


@dataclass(frozen=True, slots=True)
class Outcomes:
    peak: PeakResult
    peak_by: int
    peak_met: bool
    intensity: tuple[IntensityCheck, ...]
    neutrality: Neutrality
    gdp_source: str | None  # "driver gdp", "sum of va_* drivers" or None

    def as_dict(self) -> dict[str, Any]:
        def message(m: Message | None) -> dict[str, str] | None:
            return None if m is None else {"zh": m.zh, "en": m.en}

        return {
            "peak": {
                "by": self.peak_by,
                "met": self.peak_met,
                "status": self.peak.status.value,
                "year": self.peak.peak_year,
                "value": self.peak.peak_value,
                "plateau_start": self.peak.plateau_start,
                "plateau_end": self.peak.plateau_end,
            },
            "intensity": [
                {
                    "code": c.target.code,
                    "indicator": c.target.indicator,
                    "label": message(c.target.label),
                    "start": c.target.start,
                    "end": c.target.end,
                    "required": c.target.reduction,
                    "achieved": c.achieved,
                    "start_value": c.start_value,
                    "end_value": c.end_value,
                    "met": c.met,
                    "reason": message(c.reason),
                    "source": c.target.source,
                }
                for c in self.intensity
            ],
            "neutrality": {
                "year": self.neutrality.year,
                "net": self.neutrality.net,
                "gap": self.neutrality.gap,
                "first_net_zero_year": self.neutrality.first_net_zero_year,
            },
            "gdp_source": self.gdp_source,
        }


def gdp_path(scenario: Scenario) -> tuple[FloatArray | None, str | None]:
    """GDP over the projection years: the ``gdp`` driver, else the sum of ``va_*`` drivers."""
    t0, t1 = scenario.base_year, scenario.end_year
    if "gdp" in scenario.drivers:
        return scenario.drivers["gdp"].evaluate(t0, t1), "driver gdp"
    parts = [d for name, d in scenario.drivers.items() if name.startswith(VALUE_ADDED_PREFIX)]
    if not parts:
        return None, None
    total: FloatArray = np.sum([d.evaluate(t0, t1) for d in parts], axis=0)
    return total, "sum of va_* drivers"


def _peak(
    projection: Projection,
    history: Mapping[int, float],
    tolerance: float,
    confirm_years: int,
) -> PeakResult:
    first = int(projection.years[0])
    before = sorted(y for y in history if y < first)
    years = [*before, *(int(y) for y in projection.years)]
    values = [history[y] for y in before] + projection.total_co2e.tolist()
    return detect_peak(years, values, tolerance=tolerance, confirm_years=confirm_years)


def _intensity_check(
    target: IntensityTarget,
    projected: Mapping[int, float],
    history: Mapping[int, float],
) -> IntensityCheck:
    values = []
    for year in (target.start, target.end):
        value = projected.get(year, history.get(year))
        values.append(value)
    start, end = values
    if start is None or end is None:
        missing = target.start if start is None else target.end
        return IntensityCheck(
            target,
            start,
            end,
            None,
            None,
            Message(
                zh=f"{missing} 年的强度既不在预测期内，也没有历史值",
                en=f"no intensity for {missing}: outside the projection and not in the history",
            ),
        )
    if start <= 0:
        return IntensityCheck(
            target,
            start,
            end,
            None,
            None,
            Message(
                zh=f"{target.start} 年的强度不为正",
                en=f"intensity in {target.start} is not positive",
            ),
        )
    achieved = 1.0 - end / start
    # a hair of float noise must not fail a target met exactly
    return IntensityCheck(target, start, end, achieved, achieved >= target.reduction - 1e-12)


def evaluate_outcomes(
    scenario: Scenario,
    projection: Projection,
    targets: PathwayTargets,
    *,
    history: Mapping[str, Mapping[int, float]] | None = None,
    tolerance: float = PLATEAU_TOLERANCE,
    confirm_years: int = CONFIRM_YEARS,
) -> Outcomes:
    """Peak, intensity checks and neutrality (see module doc).

    ``history`` holds stored values before the base year: ``"emissions"`` (gross t CO2e),
    ``"carbon"`` and ``"energy"`` (intensities, in the scenario's units per GDP unit).
    """
    past = history or {}
    peak = _peak(projection, past.get("emissions", {}), tolerance, confirm_years)
    met = (
        peak.status in {PeakStatus.PEAKED, PeakStatus.PLATEAU}
        and peak.peak_year is not None
        and peak.peak_year <= targets.peak_by
    )
    gdp, gdp_source = gdp_path(scenario)
    years = [int(y) for y in projection.years]
    projected: dict[Indicator, dict[int, float]] = {"carbon": {}, "energy": {}}
    if gdp is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            carbon = np.where(gdp > 0, projection.total_co2e / gdp, np.nan)
            energy = np.where(gdp > 0, projection.total_energy / gdp, np.nan)
        projected["carbon"] = {y: float(v) for y, v in zip(years, carbon, strict=True)}
        projected["energy"] = {y: float(v) for y, v in zip(years, energy, strict=True)}
    checks = tuple(
        _intensity_check(t, projected[t.indicator], past.get(t.indicator, {}))
        if gdp is not None
        else IntensityCheck(
            t,
            None,
            None,
            None,
            None,
            Message(
                zh="情景没有 gdp 或 va_* 驱动因素，无法计算强度",
                en="the scenario has no gdp or va_* drivers: no intensity can be computed",
            ),
        )
        for t in targets.intensity
    )
    net = projection.net
    at = years.index(targets.neutral_by) if targets.neutral_by in years else len(years) - 1
    zero = np.flatnonzero(net <= 0)
    neutrality = Neutrality(
        year=years[at],
        net=float(net[at]),
        gap=max(float(net[at]), 0.0),
        first_net_zero_year=years[int(zero[0])] if zero.size else None,
    )
    return Outcomes(peak, targets.peak_by, met, checks, neutrality, gdp_source)
