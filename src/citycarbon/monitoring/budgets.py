"""Monthly energy and carbon budgets of enterprises, the pace check, and alerts.

A :class:`Budget` is an amount for one enterprise (credit code), one calendar month (local
time, default UTC+8) and one kind: ``energy`` (stored in tce) or ``carbon`` (stored in t CO2e;
the gas is implied, as everywhere in citycarbon a mass unit carries the amount).

Pace check (:func:`check_pace`) at a moment ``now`` (passed in; the clock is never read): with
``share`` the elapsed part of the month (clipped to [0, 1]), the budget so far is
``budget × share``; the check is *flagged* when ``actual > budget × share × (1 + tolerance)``
(default tolerance 5 %), except during the first ``grace_s`` seconds of the month (default
0). The projected month end is the linear extrapolation ``actual / share`` (NaN before the
month starts).

Alerts: three rules, each evaluated to an :class:`Observation` (subject, kind, time, whether
the condition holds):

* ``pace_above_budget`` — the pace check of a budget is flagged (subject: the budget);
* ``abnormal_spike`` — the latest reading of a meter is a spike
  (:func:`citycarbon.monitoring.quality.robust_z` above the threshold);
* ``meter_silent`` — no reading for more than ``k`` intervals (default 4, an hour of
  15-minute readings): ``now − last_reading > k × interval``; a meter that never reported is
  silent.

State machine (:func:`step_alerts`): per (subject, kind) an alert is *open* from the first
observation whose condition holds until the first later observation whose condition does not
hold, which *clears* it; observations of a key must come in time order, and a held condition
on an open alert only refreshes its ``last_seen``. Replaying the same observations from the
same state gives the same alerts (pure functions, no clock).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum

import numpy as np
from numpy.typing import ArrayLike

from citycarbon.enterprise.credit_code import validate_credit_code
from citycarbon.errors import CitycarbonError, Message, UnitError
from citycarbon.monitoring.quality import CST_OFFSET_S, SPIKE_THRESHOLD, SPIKE_WINDOW, robust_z
from citycarbon.units import factor

# A budget is exceeded only when the actual runs 5 % ahead of the elapsed share: the
# day-to-day swing of an industrial load is of that order, so a smaller margin alerts on noise.
PACE_TOLERANCE = 0.05
SILENT_INTERVALS = 4


class BudgetError(CitycarbonError):
    """A budget, a pace check or an alert observation is malformed."""


class BudgetKind(StrEnum):
    ENERGY = "energy"
    CARBON = "carbon"


BUDGET_BASE_UNITS: dict[BudgetKind, str] = {BudgetKind.ENERGY: "tce", BudgetKind.CARBON: "t"}

BUDGET_LABELS: dict[BudgetKind, Message] = {
    BudgetKind.ENERGY: Message(zh="能耗预算", en="energy budget"),
    BudgetKind.CARBON: Message(zh="碳排放预算", en="carbon budget"),
}


class AlertKind(StrEnum):
    PACE_ABOVE_BUDGET = "pace_above_budget"
    ABNORMAL_SPIKE = "abnormal_spike"
    METER_SILENT = "meter_silent"


ALERT_LABELS: dict[AlertKind, Message] = {
    AlertKind.PACE_ABOVE_BUDGET: Message(zh="用量进度超预算", en="pace above budget"),
    AlertKind.ABNORMAL_SPIKE: Message(zh="读数异常突变", en="abnormal spike"),
    AlertKind.METER_SILENT: Message(zh="计量表无数据", en="meter silent"),
}


def _fail(zh: str, en: str, field: str) -> BudgetError:
    return BudgetError(Message(zh=zh, en=en), field=field)


def month_bounds(year: int, month: int, utc_offset_s: int = CST_OFFSET_S) -> tuple[int, int]:
    """Start and end (epoch seconds, end exclusive) of a local calendar month."""
    if not 1 <= month <= 12:
        raise _fail(
            f"月份应在 1–12 之间，得到 {month}", f"month must lie in 1–12, got {month}", "month"
        )
    if not 1900 <= year <= 9999:
        raise _fail(f"年份超出范围：{year}", f"year out of range: {year}", "year")
    first = np.datetime64(f"{year:04d}-{month:02d}", "M")
    start, end = np.asarray([first, first + 1]).astype("datetime64[s]").astype(np.int64)
    return int(start) - utc_offset_s, int(end) - utc_offset_s


@dataclass(frozen=True, slots=True)
class Budget:
    """One enterprise's energy or carbon budget for one month; validated on construction."""

    credit_code: str
    year: int
    month: int
    kind: BudgetKind
    amount: float
    unit: str

    def __post_init__(self) -> None:
        fatal = [issue for issue in validate_credit_code(self.credit_code) if issue.fatal]
        if fatal:
            raise BudgetError(fatal[0].reason, field="credit_code")
        month_bounds(self.year, self.month)
        try:
            kind = BudgetKind(self.kind)
        except ValueError:
            raise _fail(
                f"未知预算类型 {self.kind!r}，可选：energy, carbon",
                f"unknown budget kind {self.kind!r}, one of: energy, carbon",
                "kind",
            ) from None
        object.__setattr__(self, "kind", kind)
        if not (np.isfinite(self.amount) and self.amount > 0):
            raise _fail(
                f"预算额应为正的有限数，得到 {self.amount}",
                f"amount must be a positive finite number, got {self.amount}",
                "amount",
            )
        try:
            factor(self.unit, BUDGET_BASE_UNITS[kind])
        except UnitError:
            raise _fail(
                f"{BUDGET_LABELS[kind].zh}的单位 {self.unit!r} 不能换算为 "
                f"{BUDGET_BASE_UNITS[kind]}",
                f"unit {self.unit!r} of an {BUDGET_LABELS[kind].en} does not convert to "
                f"{BUDGET_BASE_UNITS[kind]}",
                "unit",
            ) from None

    @property
    def base_unit(self) -> str:
        return BUDGET_BASE_UNITS[self.kind]

    @property
    def amount_base(self) -> float:
        """The amount in the base unit (tce or t)."""
        return self.amount * factor(self.unit, self.base_unit)

    @property
    def subject(self) -> str:
        return f"{self.credit_code}/{self.year:04d}-{self.month:02d}/{self.kind.value}"


@dataclass(frozen=True, slots=True)
class PaceCheck:
    """Actual so far against the budget's elapsed share; amounts in the budget's base unit."""

    budget: Budget
    now: int
    actual: float
    elapsed_share: float
    budget_so_far: float
    projected: float  # linear extrapolation to the month end; NaN before the month starts
    flagged: bool
    tolerance: float

    @property
    def pace_ratio(self) -> float:
        """actual / budget so far (inf when nothing was budgeted yet and something used)."""
        if self.budget_so_far > 0:
            return self.actual / self.budget_so_far
        return 0.0 if self.actual == 0 else float("inf")

    def message(self) -> Message:
        label = BUDGET_LABELS[self.budget.kind]
        unit = self.budget.base_unit
        return Message(
            zh=f"{self.budget.credit_code} {self.budget.year}年{self.budget.month}月{label.zh}："
            f"已用 {self.actual:.4g} {unit}，按进度应为 {self.budget_so_far:.4g} {unit}"
            f"（已过 {self.elapsed_share:.0%}），预计月末 {self.projected:.4g} {unit}，"
            f"预算 {self.budget.amount_base:.4g} {unit}",
            en=f"{self.budget.credit_code} {self.budget.year}-{self.budget.month:02d} "
            f"{label.en}: used {self.actual:.4g} {unit}, pace allows {self.budget_so_far:.4g} "
            f"{unit} ({self.elapsed_share:.0%} of the month), projected month end "
            f"{self.projected:.4g} {unit}, budget {self.budget.amount_base:.4g} {unit}",
        )


def check_pace(
    budget: Budget,
    actual: float,
    now: int,
    *,
    unit: str | None = None,
    tolerance: float = PACE_TOLERANCE,
    grace_s: int = 0,
    utc_offset_s: int = CST_OFFSET_S,
) -> PaceCheck:
    """Pace of ``actual`` (in ``unit``, default the budget's unit) used by ``now``."""
    if not (np.isfinite(actual) and actual >= 0):
        raise _fail(
            f"实际用量应为非负有限数，得到 {actual}",
            f"actual must be a non-negative finite number, got {actual}",
            "actual",
        )
    if not 0 <= tolerance < 1:
        raise _fail(
            f"容差应在 [0, 1) 内，得到 {tolerance}",
            f"tolerance must lie in [0, 1), got {tolerance}",
            "tolerance",
        )
    if grace_s < 0:
        raise _fail(
            f"宽限期不能为负：{grace_s}", f"grace_s must not be negative: {grace_s}", "grace_s"
        )
    try:
        actual_base = actual * factor(unit or budget.unit, budget.base_unit)
    except UnitError:
        raise _fail(
            f"实际用量单位 {unit!r} 不能换算为 {budget.base_unit}",
            f"unit {unit!r} of actual does not convert to {budget.base_unit}",
            "unit",
        ) from None
    start, end = month_bounds(budget.year, budget.month, utc_offset_s)
    share = min(max((now - start) / (end - start), 0.0), 1.0)
    so_far = budget.amount_base * share
    projected = actual_base / share if share > 0 else float("nan")
    in_grace = now - start < grace_s
    flagged = (not in_grace) and actual_base > so_far * (1 + tolerance)
    return PaceCheck(budget, now, actual_base, share, so_far, projected, flagged, tolerance)


# --- alert rules -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Observation:
    """One evaluation of an alert rule for a subject at a moment."""

    at: int
    subject: str
    kind: AlertKind
    active: bool
    message: Message | None = None


def pace_observation(check: PaceCheck) -> Observation:
    return Observation(
        check.now,
        check.budget.subject,
        AlertKind.PACE_ABOVE_BUDGET,
        check.flagged,
        check.message(),
    )


def silent_observation(
    meter_id: str,
    last_reading: int | None,
    now: int,
    interval_s: int,
    *,
    k: int = SILENT_INTERVALS,
) -> Observation:
    """``meter_silent`` holds when no reading came for more than ``k`` intervals."""
    if k < 1 or interval_s <= 0:
        raise _fail("静默判定需要正的间隔数与采集间隔", "k and interval_s must be positive", "k")
    silent = last_reading is None or now - last_reading > k * interval_s
    since = "从未上报" if last_reading is None else f"自 {last_reading} 起无数据"
    since_en = "never reported" if last_reading is None else f"no reading since {last_reading}"
    return Observation(
        now,
        meter_id,
        AlertKind.METER_SILENT,
        silent,
        Message(zh=f"计量表 {meter_id} {since}", en=f"meter {meter_id}: {since_en}"),
    )


def spike_observation(
    meter_id: str,
    values: ArrayLike,
    now: int,
    *,
    threshold: float = SPIKE_THRESHOLD,
    window: int | None = SPIKE_WINDOW,
) -> Observation:
    """``abnormal_spike`` holds when the last of ``values`` (the recent readings, oldest
    first) is a spike against its window (the window ends at the last reading)."""
    x = np.asarray(values, dtype=np.float64)
    recent = x if window is None else x[-window:]
    z = float(robust_z(recent, None)[-1]) if recent.size else float("nan")
    active = bool(abs(z) > threshold)  # NaN (no readings) is not a spike
    return Observation(
        now,
        meter_id,
        AlertKind.ABNORMAL_SPIKE,
        active,
        Message(
            zh=f"计量表 {meter_id} 最新读数稳健 z 值 {z:.1f}（阈值 {threshold:g}）",
            en=f"meter {meter_id}: latest reading robust z {z:.1f} (threshold {threshold:g})",
        ),
    )


class AlertState(StrEnum):
    OPEN = "open"
    CLEARED = "cleared"


@dataclass(frozen=True, slots=True)
class Alert:
    subject: str
    kind: AlertKind
    opened_at: int
    last_seen: int
    cleared_at: int | None = None
    message: Message | None = None

    @property
    def state(self) -> AlertState:
        return AlertState.OPEN if self.cleared_at is None else AlertState.CLEARED

    @property
    def key(self) -> tuple[str, AlertKind]:
        return (self.subject, self.kind)


@dataclass(frozen=True, slots=True)
class AlertEvent:
    at: int
    subject: str
    kind: AlertKind
    state: AlertState  # open = the alert fired, cleared = it cleared
    message: Message | None


@dataclass(frozen=True, slots=True)
class AlertStep:
    """Alerts still open after the observations, the transitions, and the cleared alerts."""

    open: dict[tuple[str, AlertKind], Alert]
    events: list[AlertEvent] = field(default_factory=list)
    cleared: list[Alert] = field(default_factory=list)
    last_at: dict[tuple[str, AlertKind], int] = field(default_factory=dict)


def step_alerts(
    open_alerts: Mapping[tuple[str, AlertKind], Alert],
    observations: Iterable[Observation],
    *,
    last_at: Mapping[tuple[str, AlertKind], int] | None = None,
) -> AlertStep:
    """Apply observations (time-ordered per key) to the open alerts; nothing is mutated.

    ``last_at`` is the time of the last observation applied to each key (from the previous
    step); an observation earlier than it is refused (:class:`BudgetError`, field ``at``).
    """
    state = dict(open_alerts)
    seen = dict(last_at or {})
    for alert in state.values():
        seen[alert.key] = max(seen.get(alert.key, alert.last_seen), alert.last_seen)
    events: list[AlertEvent] = []
    cleared: list[Alert] = []
    for obs in observations:
        key = (obs.subject, AlertKind(obs.kind))
        if key in seen and obs.at < seen[key]:
            raise _fail(
                f"{obs.subject} 的 {obs.kind} 观测时间 {obs.at} 早于上次 {seen[key]}",
                f"observation of {obs.kind} for {obs.subject} at {obs.at} is earlier than the "
                f"last one at {seen[key]}",
                "at",
            )
        seen[key] = obs.at
        current = state.get(key)
        if obs.active and current is None:
            state[key] = Alert(obs.subject, key[1], obs.at, obs.at, None, obs.message)
            events.append(AlertEvent(obs.at, obs.subject, key[1], AlertState.OPEN, obs.message))
        elif obs.active and current is not None:
            state[key] = replace(current, last_seen=obs.at, message=obs.message or current.message)
        elif current is not None:
            done = replace(current, last_seen=obs.at, cleared_at=obs.at)
            cleared.append(done)
            del state[key]
            events.append(AlertEvent(obs.at, obs.subject, key[1], AlertState.CLEARED, obs.message))
    return AlertStep(state, events, cleared, seen)


def replay_alerts(observations: Iterable[Observation]) -> list[Alert]:
    """Every alert (cleared ones, then those still open) from a start with none open."""
    step = step_alerts({}, observations)
    return [*step.cleared, *step.open.values()]
