"""Indicator definitions, plan targets, the straight-line pace and the traffic light.

A plan target runs from a baseline (year, value) to a target (year, value). In any year in
between, the *pace* is where the indicator should stand if the required change were spread
evenly over the years.

Pace path. The default is linear in the indicator value for every kind of indicator,
intensities included: the yearly review of a five-year plan (时序进度) compares the share of
the required change achieved with the share of the period elapsed, which is exactly a
straight line in the value. For an intensity target a plan may instead state a constant
yearly rate (年均下降 x %); ``PacePath.GEOMETRIC`` gives that path,
``baseline * (target / baseline) ** t``. For a reduction (target below baseline) the
geometric path lies below the straight line, so it asks for more in the early years.

Progress is the share of the required change achieved: ``(actual - baseline) /
(target - baseline)``; 0 at the baseline, 1 on target, above 1 ahead of it, below 0 when
the indicator moved the wrong way. The formula needs no direction because the required
change carries its own sign.

Traffic light (direction-aware). The shortfall is how far the actual value lies on the bad
side of the pace (``actual - pace`` when lower is better, ``pace - actual`` when higher is
better). Green: no shortfall (on or ahead of pace). Yellow: a shortfall of at most
``band`` times the size of the required change (the band edge itself is yellow). Red:
beyond that. When a target asks for no change (hold the baseline), the band is measured
against the baseline value instead, so that "hold the level" targets still get a yellow zone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from citycarbon.errors import CitycarbonError, Message


class TargetError(CitycarbonError):
    """An indicator definition or a plan target is malformed, or a year lies outside it."""


class Direction(StrEnum):
    LOWER = "lower"  # lower is better (emissions, intensity)
    HIGHER = "higher"  # higher is better (non-fossil share, forest cover)


class Binding(StrEnum):
    BINDING = "binding"  # 约束性: missing it vetoes the assessment
    EXPECTED = "expected"  # 预期性: guidance, scored but never vetoed


class IndicatorKind(StrEnum):
    TOTAL = "total"  # an amount: a CO2 cap, energy use, a reduction amount
    INTENSITY = "intensity"  # an amount per unit of activity: t CO2 per 万元 GDP
    SHARE = "share"  # a fraction of a whole: non-fossil share, green-building share


class Accumulation(StrEnum):
    ANNUAL = "annual"  # the value of one year
    CUMULATIVE = "cumulative"  # summed from the baseline year on (baseline value usually 0)


class PacePath(StrEnum):
    LINEAR = "linear"
    GEOMETRIC = "geometric"  # constant yearly rate of change; positive values only


class Light(StrEnum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"


# Relative slack for comparisons, so that a value equal to the pace up to rounding is on pace.
_EPS = 1e-9


def _fail(zh: str, en: str, field: str | None = None) -> TargetError:
    return TargetError(Message(zh=zh, en=en), field=field)


@dataclass(frozen=True, slots=True)
class IndicatorDefinition:
    code: str
    name_zh: str
    name_en: str
    unit: str
    direction: Direction
    binding: Binding
    kind: IndicatorKind
    accumulation: Accumulation = Accumulation.ANNUAL
    formula: str = ""  # how it is computed from inventory and statistics, for people to read

    def __post_init__(self) -> None:
        if not self.code.strip():
            raise _fail("指标代码不能为空", "an indicator needs a code", "code")
        if not self.name_zh.strip() or not self.name_en.strip():
            raise _fail(
                f"指标 {self.code} 需要中文和英文名称",
                f"indicator {self.code} needs a name in both Chinese and English",
                "name",
            )
        # Coerce plain strings (as read from data) and reject unknown ones with a clear text.
        for name, enum in (
            ("direction", Direction),
            ("binding", Binding),
            ("kind", IndicatorKind),
            ("accumulation", Accumulation),
        ):
            value = getattr(self, name)
            try:
                object.__setattr__(self, name, enum(value))
            except ValueError:
                allowed = ", ".join(m.value for m in enum)
                raise _fail(
                    f"指标 {self.code} 的 {name} 取值 {value!r} 无效，应为：{allowed}",
                    f"indicator {self.code}: {name} {value!r} is not one of: {allowed}",
                    name,
                ) from None

    @property
    def is_binding(self) -> bool:
        return self.binding is Binding.BINDING


@dataclass(frozen=True, slots=True)
class PlanTarget:
    """The target of one indicator for one region. ``baseline_*`` may arrive empty from data;
    such a target is refused here, since no pace or progress can be computed without it."""

    region: str
    indicator: IndicatorDefinition
    baseline_year: int | None
    baseline_value: float | None
    target_year: int
    target_value: float

    def __post_init__(self) -> None:
        label = f"{self.region} / {self.indicator.code}"
        if self.baseline_year is None or self.baseline_value is None:
            raise _fail(
                f"目标 {label} 缺少基准年或基准值",
                f"target {label} has no baseline (year and value are both required)",
                "baseline",
            )
        if self.target_year <= self.baseline_year:
            raise _fail(
                f"目标 {label} 的目标年 {self.target_year} 必须晚于基准年 {self.baseline_year}",
                f"target {label}: target year {self.target_year} must be after "
                f"the baseline year {self.baseline_year}",
                "target_year",
            )
        for name, value in (
            ("baseline_value", self.baseline_value),
            ("target_value", self.target_value),
        ):
            if not math.isfinite(value) or value < 0:
                raise _fail(
                    f"目标 {label} 的 {name} 必须是非负有限数，实际为 {value!r}",
                    f"target {label}: {name} must be a finite non-negative number, got {value!r}",
                    name,
                )
        if self.indicator.kind is IndicatorKind.INTENSITY and self.baseline_value == 0:
            raise _fail(
                f"目标 {label} 的基准强度为 0，无法计算下降率",
                f"target {label}: a baseline intensity of 0 leaves no reduction rate",
                "baseline_value",
            )

    # The validated fields, typed without None.
    @property
    def base_year(self) -> int:
        assert self.baseline_year is not None  # refused by __post_init__
        return self.baseline_year

    @property
    def base_value(self) -> float:
        assert self.baseline_value is not None  # refused by __post_init__
        return self.baseline_value

    @property
    def required_change(self) -> float:
        return self.target_value - self.base_value

    @property
    def reduction_rate(self) -> float:
        """Fractional reduction the target asks for, ``1 - target / baseline`` (0.18 = 18 %)."""
        if self.base_value == 0:
            raise _fail("基准值为 0，无法计算下降率", "a baseline of 0 has no reduction rate")
        return 1.0 - self.target_value / self.base_value


def time_share(target: PlanTarget, year: int) -> float:
    """Share of the plan period elapsed in ``year``: 0 at the baseline, 1 from the target year."""
    _check_year(target, year)
    span = target.target_year - target.base_year
    return min(1.0, (year - target.base_year) / span)


def expected_value(target: PlanTarget, year: int, path: PacePath = PacePath.LINEAR) -> float:
    """Where the indicator should stand in ``year`` on the straight-line pace (see module doc).

    From the target year on, the target value itself: the target still holds.
    """
    share = time_share(target, year)
    base, goal = target.base_value, target.target_value
    if PacePath(path) is PacePath.LINEAR:
        return base + share * (goal - base)
    if base <= 0 or goal <= 0:
        raise _fail(
            "等比（年均速率）进度路径需要基准值和目标值都大于 0",
            "a geometric (constant-rate) pace needs positive baseline and target values",
            "path",
        )
    return float(base * (goal / base) ** share)


def progress(target: PlanTarget, actual: float) -> float:
    """Share of the required change achieved (1 = target met). A target that asks for no
    change is met (1.0) when the actual value is at least as good as it, else 0.0."""
    _check_actual(target, actual)
    change = target.required_change
    if abs(change) <= _EPS * max(1.0, abs(target.base_value)):
        return 1.0 if _shortfall(target, actual, target.target_value) <= 0 else 0.0
    return (actual - target.base_value) / change


@dataclass(frozen=True, slots=True)
class Assessment:
    """One indicator of one region in one year against its target and its pace."""

    target: PlanTarget
    year: int
    actual: float
    expected: float  # the pace value for the year
    progress: float  # share of the required change achieved
    pace_share: float  # share the pace asks for by this year
    shortfall: float  # how far on the bad side of the pace (<= 0: on or ahead of pace)
    light: Light


def assess(
    target: PlanTarget,
    year: int,
    actual: float,
    *,
    band: float = 0.05,
    path: PacePath = PacePath.LINEAR,
) -> Assessment:
    """Progress, pace and traffic light of ``actual`` in ``year``; ``band`` is the yellow zone
    as a share of the required change (0.05 = 5 %)."""
    if not math.isfinite(band) or band < 0:
        raise _fail(
            f"黄灯区间必须是非负数，实际为 {band!r}",
            f"the yellow band must be a non-negative number, got {band!r}",
            "band",
        )
    expected = expected_value(target, year, path)
    shortfall = _shortfall(target, actual, expected)
    scale = abs(target.required_change) or abs(target.base_value) or 1.0
    slack = _EPS * scale
    if shortfall <= slack:
        light = Light.GREEN
    elif shortfall <= band * scale + slack:
        light = Light.YELLOW
    else:
        light = Light.RED
    pace = (
        (expected - target.base_value) / target.required_change
        if target.required_change
        else time_share(target, year)
    )
    return Assessment(
        target=target,
        year=year,
        actual=actual,
        expected=expected,
        progress=progress(target, actual),
        pace_share=pace,
        shortfall=shortfall,
        light=light,
    )


def traffic_light(
    target: PlanTarget,
    year: int,
    actual: float,
    *,
    band: float = 0.05,
    path: PacePath = PacePath.LINEAR,
) -> Light:
    return assess(target, year, actual, band=band, path=path).light


def _shortfall(target: PlanTarget, actual: float, reference: float) -> float:
    if target.indicator.direction is Direction.LOWER:
        return actual - reference
    return reference - actual


def _check_year(target: PlanTarget, year: int) -> None:
    if year < target.base_year:
        raise _fail(
            f"{year} 年早于目标 {target.region} / {target.indicator.code} 的基准年 "
            f"{target.base_year}",
            f"year {year} is before the baseline year {target.base_year} of target "
            f"{target.region} / {target.indicator.code}",
            "year",
        )


def _check_actual(target: PlanTarget, actual: float) -> None:
    if not math.isfinite(actual):
        raise _fail(
            f"{target.region} / {target.indicator.code} 的实际值无效：{actual!r}",
            f"{target.region} / {target.indicator.code}: the actual value {actual!r} is not "
            "a finite number",
            "actual",
        )
