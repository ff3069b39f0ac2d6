"""Data-quality rules for meter readings of key energy users, one function a rule.

Input is one meter's checked readings (:func:`citycarbon.monitoring.meters.check_readings`):
timestamps in epoch seconds (the **end** of each interval), values in the base unit. A reading
with timestamp ``t`` fills the slot ``(s, s + interval]`` with ``s = ⌊(t − 1)/interval⌋·interval``,
and belongs to the local day of ``s`` (default China Standard Time, UTC+8), so the reading
stamped 00:00 closes the previous day.

* :func:`daily_completeness` — per day, distinct filled slots / expected slots
  (``86400 / interval``), in [0, 1]; flag ``incomplete`` below the rules' ``completeness_min``;
  with the longest run of missing slots of each day (a gap across midnight counts in each day
  for its part).
* :func:`find_gaps` — runs of missing slots between two slot ends, and the longest run.
* :func:`find_stuck` — runs of at least ``min_run`` (default 8) consecutive slots with the same
  non-zero value (within ``tolerance``). For cumulative meters apply it to the register.
* :func:`find_spikes` — robust z score ``z = (x − median) / (1.4826·MAD)`` over a centred
  rolling window of ``window`` readings (default 96, a day of 15-minute readings; ``None`` =
  the whole series), or over groups such as the local day (``groups=local_day(…)``);
  ``|z| > threshold`` (default 6) is a spike. When the MAD of a window is 0
  the scale falls back to ``1.2533 × mean absolute deviation``; when that is 0 too, any value
  off the median is a spike (z = ±inf). NaN values are ignored.
* :func:`reconcile_month` — Σ daily totals vs the reported monthly total; relative difference
  ``(Σ daily − monthly) / |monthly|``; flag ``reconciliation`` when it exceeds
  the rules' ``daily_monthly_tolerance`` in absolute value.

The two bars are the national online monitoring system's (90 % and 5 %), packaged as the code
list ``cn_online_monitoring_rules`` with their source; :func:`rules_from_rows` reads its rows.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import ArrayLike, NDArray

from citycarbon.errors import CitycarbonError, Message
from citycarbon.monitoring.meters import epoch_seconds

_T = TypeVar("_T", bound=np.generic)
FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

DAY_S = 86400
# China Standard Time: the day a reading belongs to is the local calendar day.
CST_OFFSET_S = 8 * 3600
STUCK_MIN_RUN = 8
SPIKE_THRESHOLD = 6.0
SPIKE_WINDOW = 96
# 1/Φ⁻¹(3/4): makes the MAD a consistent estimator of σ for normal data; √(π/2) does the same
# for the mean absolute deviation.
MAD_SCALE = 1.4826
MEAN_AD_SCALE = 1.2533


class QualityError(CitycarbonError):
    """A series or a parameter given to a data-quality rule is malformed."""


class QualityFlag(StrEnum):
    INCOMPLETE = "incomplete"
    GAP = "gap"
    STUCK = "stuck"
    SPIKE = "spike"
    RECONCILIATION = "reconciliation"


def _fail(zh: str, en: str, field: str) -> QualityError:
    return QualityError(Message(zh=zh, en=en), field=field)


@dataclass(frozen=True, slots=True)
class MonitoringRules:
    """The data-quality bars (rows of ``cn_online_monitoring_rules``)."""

    completeness_min: float  # threshold of :func:`daily_completeness`
    daily_monthly_tolerance: float  # tolerance of :func:`reconcile_month`


def rules_from_rows(rows: Iterable[Mapping[str, str]]) -> MonitoringRules:
    """The bars from the code list's rows; each must be present once, a number in (0, 1]."""
    values: dict[str, float] = {}
    for n, row in enumerate(rows, start=1):
        code = str(row.get("code", ""))
        try:
            value = float(row.get("value", ""))
        except ValueError:
            value = float("nan")
        if not 0 < value <= 1:
            raise _fail(
                f"第 {n} 行 {code}：值应在 (0, 1] 内",
                f"row {n}, {code}: the value must lie in (0, 1]",
                "value",
            )
        values[code] = value
    missing = [k for k in ("completeness_min", "daily_monthly_tolerance") if k not in values]
    if missing:
        raise _fail(
            f"缺少规则：{', '.join(missing)}", f"rules missing: {', '.join(missing)}", "code"
        )
    return MonitoringRules(values["completeness_min"], values["daily_monthly_tolerance"])


def _check_interval(interval_s: int, utc_offset_s: int) -> None:
    if not 0 < interval_s <= DAY_S or DAY_S % interval_s:
        raise _fail(
            f"采集间隔应在 1–86400 秒之间且整除一天，得到 {interval_s}",
            f"interval_s must lie in 1–86400 and divide a day, got {interval_s}",
            "interval_s",
        )
    if utc_offset_s % interval_s:
        raise _fail(
            f"时区偏移 {utc_offset_s} 秒应为采集间隔的整数倍",
            f"utc_offset_s {utc_offset_s} must be a multiple of the interval",
            "utc_offset_s",
        )


def _day_number(day: np.datetime64 | str) -> int:
    """Days since 1970-01-01 of a calendar day ("2026-03-01" or a datetime64)."""
    try:
        return int(np.asarray(day, dtype="datetime64[D]").astype(np.int64))
    except ValueError:
        raise _fail(f"无法识别的日期：{day!r}", f"not a date: {day!r}", "day") from None


def _distinct(values: NDArray[_T]) -> NDArray[_T]:
    """Sorted distinct values (a plain sort: faster than np.unique's hashing for these)."""
    ordered = np.sort(values)
    if ordered.size < 2:
        return ordered
    keep = np.empty(ordered.size, dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def slot_ends(timestamps: ArrayLike, interval_s: int) -> IntArray:
    """The end of the slot each timestamp fills (the timestamp itself when aligned)."""
    ts = epoch_seconds(timestamps)
    return ((ts - 1) // interval_s + 1) * interval_s


def local_day(
    timestamps: ArrayLike, interval_s: int, utc_offset_s: int = CST_OFFSET_S
) -> NDArray[np.datetime64]:
    """The local calendar day each reading belongs to (the day its slot starts in)."""
    start = slot_ends(timestamps, interval_s) - interval_s
    return ((start + utc_offset_s) // DAY_S).astype("datetime64[D]")


def day_slot_range(
    day: np.datetime64 | str, interval_s: int, utc_offset_s: int = CST_OFFSET_S
) -> tuple[int, int]:
    """First and last slot end (epoch seconds) of a local day."""
    start = _day_number(day) * DAY_S - utc_offset_s
    return start + interval_s, start + DAY_S


@dataclass(frozen=True, slots=True)
class DailyCompleteness:
    """Completeness per local day of one meter; arrays have one entry a day."""

    days: NDArray[np.datetime64]
    readings: IntArray  # distinct slots filled
    expected: int
    completeness: FloatArray
    flagged: NDArray[np.bool_]
    threshold: float
    longest_gap: IntArray  # slots in the day's longest run of missing readings

    def messages(self, meter_id: str) -> list[Message]:
        return [
            Message(
                zh=f"计量表 {meter_id} 在 {d} 的数据完整率 {c:.1%} 低于 {self.threshold:.0%}"
                f"（{r}/{self.expected}）",
                en=f"meter {meter_id} on {d}: completeness {c:.1%} below {self.threshold:.0%} "
                f"({r}/{self.expected})",
            )
            for d, r, c in zip(
                self.days[self.flagged],
                self.readings[self.flagged],
                self.completeness[self.flagged],
                strict=True,
            )
        ]


def daily_completeness(
    timestamps: ArrayLike,
    interval_s: int,
    *,
    first_day: np.datetime64 | str | None = None,
    last_day: np.datetime64 | str | None = None,
    threshold: float,
    utc_offset_s: int = CST_OFFSET_S,
) -> DailyCompleteness:
    """Completeness of each day from ``first_day`` to ``last_day`` (default: the first and
    last day with a reading); days without any reading are included with 0."""
    _check_interval(interval_s, utc_offset_s)
    if not 0 < threshold <= 1:
        raise _fail(
            f"完整率阈值应在 (0, 1] 内，得到 {threshold}",
            f"threshold must lie in (0, 1], got {threshold}",
            "threshold",
        )
    ends = _distinct(slot_ends(timestamps, interval_s))
    starts = ends - interval_s + utc_offset_s
    days = (starts // DAY_S).astype(np.int64)
    expected = DAY_S // interval_s
    first = None if first_day is None else _day_number(first_day)
    last = None if last_day is None else _day_number(last_day)
    if days.size == 0 and first is None and last is None:
        empty = np.zeros(0, dtype=np.int64)
        return DailyCompleteness(
            empty.astype("datetime64[D]"),
            empty,
            expected,
            np.zeros(0),
            np.zeros(0, dtype=bool),
            threshold,
            empty,
        )
    known = (
        [int(days.min()), int(days.max())]
        if days.size
        else [d for d in (first, last) if d is not None]
    )
    lo = first if first is not None else min(known)
    hi = last if last is not None else max(known)
    if hi < lo:
        raise _fail("结束日期早于开始日期", "last_day is before first_day", "last_day")
    inside = (days >= lo) & (days <= hi)
    counts = np.bincount(days[inside] - lo, minlength=hi - lo + 1).astype(np.int64)
    # longest run of missing slots per day: a day × slot grid padded with a filled slot at
    # both ends; the distance between consecutive filled cells, less one, is a gap
    grid = np.ones((hi - lo + 1, expected + 2), dtype=bool)
    grid[:, 1:-1] = False
    grid[days[inside] - lo, (starts[inside] % DAY_S) // interval_s + 1] = True
    filled = np.flatnonzero(grid.ravel())
    longest = np.zeros(hi - lo + 1, dtype=np.int64)
    np.maximum.at(longest, filled[:-1] // (expected + 2), np.diff(filled) - 1)
    share = counts / expected
    return DailyCompleteness(
        days=np.arange(lo, hi + 1).astype("datetime64[D]"),
        readings=counts,
        expected=expected,
        completeness=share,
        flagged=share < threshold,
        threshold=threshold,
        longest_gap=longest,
    )


@dataclass(frozen=True, slots=True)
class Gaps:
    """Runs of missing slots: first and last missing slot end, and the number of slots."""

    starts: IntArray
    ends: IntArray
    lengths: IntArray
    interval_s: int

    @property
    def longest(self) -> int:
        """Slots in the longest gap (0 when nothing is missing)."""
        return int(self.lengths.max()) if self.lengths.size else 0

    @property
    def missing(self) -> int:
        return int(self.lengths.sum())

    def messages(self, meter_id: str) -> list[Message]:
        return [
            Message(
                zh=f"计量表 {meter_id} 自 {s} 至 {e} 缺失 {n} 个采集点"
                f"（{n * self.interval_s / 3600:g} 小时）",
                en=f"meter {meter_id}: {n} missing reading(s) from {s} to {e} "
                f"({n * self.interval_s / 3600:g} h)",
            )
            for s, e, n in zip(self.starts, self.ends, self.lengths, strict=True)
        ]


def find_gaps(timestamps: ArrayLike, interval_s: int, start: int, end: int) -> Gaps:
    """Missing slots between the slot ends ``start`` and ``end`` (both included, aligned)."""
    _check_interval(interval_s, 0)
    if start % interval_s or end % interval_s or end < start:
        raise _fail(
            "起止时间应对齐采集间隔且结束不早于开始",
            "start and end must be aligned to the interval, end not before start",
            "start",
        )
    ends = _distinct(slot_ends(timestamps, interval_s))
    ends = ends[(ends >= start) & (ends <= end)]
    fenced = np.concatenate(([start - interval_s], ends, [end + interval_s]))
    missing = np.diff(fenced) // interval_s - 1
    at = np.flatnonzero(missing > 0)
    return Gaps(
        starts=fenced[at] + interval_s,
        ends=fenced[at + 1] - interval_s,
        lengths=missing[at].astype(np.int64),
        interval_s=interval_s,
    )


@dataclass(frozen=True, slots=True)
class StuckRuns:
    """Runs of a repeated non-zero value: first and last timestamp, readings, the value."""

    starts: IntArray
    ends: IntArray
    lengths: IntArray
    values: FloatArray

    def messages(self, meter_id: str) -> list[Message]:
        return [
            Message(
                zh=f"计量表 {meter_id} 自 {s} 至 {e} 连续 {n} 个读数均为 {v:g}（疑似卡表）",
                en=f"meter {meter_id}: {n} consecutive readings of {v:g} from {s} to {e} "
                "(stuck meter?)",
            )
            for s, e, n, v in zip(self.starts, self.ends, self.lengths, self.values, strict=True)
        ]


def _runs(mask: NDArray[np.bool_]) -> tuple[IntArray, IntArray]:
    """Start and end (exclusive) indices of the runs of True in ``mask``."""
    edges = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def find_stuck(
    timestamps: ArrayLike,
    values: ArrayLike,
    interval_s: int,
    *,
    min_run: int = STUCK_MIN_RUN,
    tolerance: float = 0.0,
) -> StuckRuns:
    """Runs of ≥ ``min_run`` readings in consecutive slots with the same non-zero value."""
    if min_run < 2:
        raise _fail(
            f"最短连续数至少为 2，得到 {min_run}",
            f"min_run must be at least 2, got {min_run}",
            "min_run",
        )
    ends = slot_ends(timestamps, interval_s)
    vals = np.asarray(values, dtype=np.float64)
    if vals.shape != ends.shape:
        raise _fail("读数与时间戳个数不一致", "values and timestamps differ in length", "values")
    order = np.argsort(ends, kind="stable")
    ends, vals = ends[order], vals[order]
    same = (
        (np.diff(ends) == interval_s)
        & (np.abs(np.diff(vals)) <= tolerance)
        & (vals[1:] != 0)
        & (vals[:-1] != 0)
    )
    first, stop = _runs(same)  # pair i links readings i and i+1
    length = stop - first + 1
    keep = length >= min_run
    first, stop, length = first[keep], stop[keep], length[keep]
    return StuckRuns(ends[first], ends[stop], length.astype(np.int64), vals[first])


@dataclass(frozen=True, slots=True)
class Spikes:
    """Robust z score of every reading, and the rows flagged as spikes."""

    z: FloatArray
    rows: IntArray
    threshold: float

    def messages(self, meter_id: str, timestamps: ArrayLike) -> list[Message]:
        ts = epoch_seconds(timestamps)
        return [
            Message(
                zh=f"计量表 {meter_id} 在 {ts[i]} 的读数异常（稳健 z 值 {self.z[i]:.1f}，阈值 "
                f"{self.threshold:g}）",
                en=f"meter {meter_id} at {ts[i]}: abnormal reading (robust z {self.z[i]:.1f}, "
                f"threshold {self.threshold:g})",
            )
            for i in self.rows
        ]


def _group_median(keys: IntArray, x: FloatArray, n_groups: int) -> FloatArray:
    """Median of ``x`` within each group ``0 … n_groups − 1`` (NaN for an empty group)."""
    order = np.lexsort((x, keys))
    ordered = x[order]
    counts = np.bincount(keys, minlength=n_groups)
    starts = np.cumsum(counts) - counts
    full = counts > 0
    median = np.full(n_groups, np.nan)
    lo = (starts + (counts - 1) // 2)[full]
    hi = (starts + counts // 2)[full]
    median[full] = (ordered[lo] + ordered[hi]) / 2
    return median


def _grouped_centre_scale(x: FloatArray, groups: ArrayLike) -> tuple[FloatArray, FloatArray]:
    labels = np.asarray(groups)
    if labels.shape != x.shape:
        raise _fail("分组与读数个数不一致", "groups and values differ in length", "groups")
    inverse = np.searchsorted(_distinct(labels), labels).astype(np.int64)
    n_groups = int(inverse.max()) + 1 if inverse.size else 0
    present = ~np.isnan(x)
    keys, kept = inverse[present], x[present]
    median = _group_median(keys, kept, n_groups)
    deviation = np.abs(kept - median[keys])
    mad = _group_median(keys, deviation, n_groups) * MAD_SCALE
    counts = np.bincount(keys, minlength=n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_ad = np.bincount(keys, weights=deviation, minlength=n_groups) / counts
    scale = np.where(mad > 0, mad, mean_ad * MEAN_AD_SCALE)
    return median[inverse], scale[inverse]


# Rolling windows are evaluated this many at a time, so that the window copies stay small
# (4096 windows × 96 readings × 8 bytes = 3 MB) whatever the length of the series.
_ROLLING_CHUNK = 4096


def _rolling_centre_scale(x: FloatArray, window: int | None) -> tuple[FloatArray, FloatArray]:
    n = x.size
    if window is None or window >= n:
        frames = x[None, :]
        which = np.zeros(n, dtype=np.int64)
    else:
        frames = sliding_window_view(x, window)
        which = np.clip(np.arange(n) - window // 2, 0, n - window)
    median_of = np.nanmedian if np.isnan(x).any() else np.median
    median = np.empty(frames.shape[0])
    scale = np.empty(frames.shape[0])
    with np.errstate(all="ignore"), warnings.catch_warnings():
        # all-NaN windows give NaN medians; numpy's RuntimeWarning about them is noise
        warnings.simplefilter("ignore", RuntimeWarning)
        for lo in range(0, frames.shape[0], _ROLLING_CHUNK):
            chunk = frames[lo : lo + _ROLLING_CHUNK]
            centre = median_of(chunk, axis=1)
            deviation = np.abs(chunk - centre[:, None])
            mad = median_of(deviation, axis=1) * MAD_SCALE
            mean_ad = np.nanmean(deviation, axis=1) * MEAN_AD_SCALE
            median[lo : lo + chunk.shape[0]] = centre
            scale[lo : lo + chunk.shape[0]] = np.where(mad > 0, mad, mean_ad)
    return median[which], scale[which]


def robust_z(
    values: ArrayLike, window: int | None = SPIKE_WINDOW, *, groups: ArrayLike | None = None
) -> FloatArray:
    """Robust z score of each value against the median/MAD of its centred rolling window of
    ``window`` readings (``None`` = the whole series), or, when ``groups`` is given (e.g.
    :func:`local_day` of the timestamps), of all values sharing its group label."""
    x = np.asarray(values, dtype=np.float64)
    if x.ndim != 1:
        raise _fail("读数应为一维序列", "values must be a 1-D sequence", "values")
    if window is not None and window < 3:
        raise _fail(
            f"窗口至少为 3 个读数，得到 {window}",
            f"window must be at least 3 readings, got {window}",
            "window",
        )
    if x.size == 0 or np.all(np.isnan(x)):
        return np.full(x.size, np.nan)
    if groups is None:
        centre, scale = _rolling_centre_scale(x, window)
    else:
        centre, scale = _grouped_centre_scale(x, groups)
    deviation = x - centre
    with np.errstate(all="ignore"):  # a tiny scale may overflow to ±inf: a spike all the same
        z = np.where(
            scale > 0, deviation / np.where(scale > 0, scale, 1.0), np.sign(deviation) * np.inf
        )
    z[deviation == 0] = 0.0
    z[np.isnan(x)] = np.nan
    return np.asarray(z, dtype=np.float64)


def find_spikes(
    values: ArrayLike,
    *,
    threshold: float = SPIKE_THRESHOLD,
    window: int | None = SPIKE_WINDOW,
    groups: ArrayLike | None = None,
) -> Spikes:
    """Readings whose robust z score (:func:`robust_z`) exceeds ``threshold`` in absolute
    value. Rolling windows cost a median of ``window`` values per reading (about 4 s for a
    million readings with ``window=96``); day groups cost two sorts (well under a second)."""
    if not threshold > 0:
        raise _fail(
            f"阈值应为正数，得到 {threshold}",
            f"threshold must be positive, got {threshold}",
            "threshold",
        )
    z = robust_z(values, window, groups=groups)
    with np.errstate(invalid="ignore"):
        rows = np.flatnonzero(np.abs(z) > threshold)
    return Spikes(z=z, rows=rows.astype(np.int64), threshold=threshold)


def daily_totals(
    timestamps: ArrayLike,
    consumption: ArrayLike,
    interval_s: int,
    *,
    utc_offset_s: int = CST_OFFSET_S,
) -> tuple[NDArray[np.datetime64], FloatArray]:
    """Σ consumption per local day (NaN consumption is skipped), days in order."""
    _check_interval(interval_s, utc_offset_s)
    days = local_day(timestamps, interval_s, utc_offset_s)
    vals = np.asarray(consumption, dtype=np.float64)
    if vals.shape != days.shape:
        raise _fail(
            "读数与时间戳个数不一致", "values and timestamps differ in length", "consumption"
        )
    distinct = _distinct(days)
    inverse = np.searchsorted(distinct, days)
    sums = np.bincount(
        inverse.reshape(-1), weights=np.nan_to_num(vals, nan=0.0), minlength=distinct.size
    )
    return distinct, sums.astype(np.float64)


@dataclass(frozen=True, slots=True)
class Reconciliation:
    """Σ daily totals against a reported monthly total (same unit)."""

    daily_sum: float
    monthly_total: float
    difference: float
    relative_difference: float  # (Σ daily − monthly) / |monthly|; ±inf when monthly is 0
    flagged: bool
    tolerance: float

    def message(self, subject: str) -> Message:
        return Message(
            zh=f"{subject}：日数据合计 {self.daily_sum:g} 与月报 {self.monthly_total:g} 相差 "
            f"{self.relative_difference:+.1%}（允许 ±{self.tolerance:.0%}）",
            en=f"{subject}: daily sum {self.daily_sum:g} differs from the monthly total "
            f"{self.monthly_total:g} by {self.relative_difference:+.1%} "
            f"(allowed ±{self.tolerance:.0%})",
        )


def reconcile_month(daily: ArrayLike, monthly_total: float, *, tolerance: float) -> Reconciliation:
    """Compare the sum of a month's daily totals with its reported monthly total."""
    values = np.asarray(daily, dtype=np.float64)
    if values.ndim != 1 or not np.all(np.isfinite(values)):
        raise _fail(
            "日数据应为有限数的一维序列", "daily totals must be a 1-D finite sequence", "daily"
        )
    if not np.isfinite(monthly_total):
        raise _fail("月报总量应为有限数", "the monthly total must be finite", "monthly_total")
    if not 0 <= tolerance < 1:
        raise _fail(
            f"容差应在 [0, 1) 内，得到 {tolerance}",
            f"tolerance must lie in [0, 1), got {tolerance}",
            "tolerance",
        )
    total = float(values.sum())
    difference = total - monthly_total
    if monthly_total != 0:
        relative = difference / abs(monthly_total)
    else:
        relative = 0.0 if difference == 0 else float(np.copysign(np.inf, difference))
    return Reconciliation(
        total, float(monthly_total), difference, relative, abs(relative) > tolerance, tolerance
    )
