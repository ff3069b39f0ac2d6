"""Back-test of simple emission projections on history, and a peak census over many series.

A back-test fits each method on a window of history (by default 2005–2014), projects the
years after it (2015–2019), and compares the projection with what was observed. It says how
far a business-as-usual projection of the kind LEAP, CURB or CityCatalyst start from can be
trusted five years out.

Methods. ``T`` is the last fit year, ``v_T`` its value, ``h = t − T`` the years ahead.

* ``no_change`` (the naive baseline every method has to beat): ``v̂(t) = v_T``.
* ``compound_growth`` over the last ``n`` years of the window (default 5):
  ``g = (v_T / v_{T−n})^(1/n) − 1`` and ``v̂(t) = v_T (1 + g)^h``. Exact for a series that
  grows at a constant rate.
* ``log_linear``: least squares on the logarithm over the whole window,
  ``ln v_t ≈ a + b t``, and ``v̂(t) = exp(a + b t)``; the projection starts from the fitted
  line, not the last value, so one unusual last year weighs little. Exact for an
  exponential series. No retransformation correction: ``exp`` of the fitted log is the
  median, not the mean, of a log-normal error, a bias of ``σ²/2``: about 0.5 % for the median
  CEADs city (residual σ ≈ 0.10 in logs over 2005–2014), under 2 % for nine in ten, small
  beside the projection errors measured.
* ``damped_trend``: the damped-trend forecast function of Gardner and McKenzie (1985),
  ``ŷ(T+h) = ℓ + (φ + φ² + … + φ^h) b``, applied to the logarithm with the level
  ``ℓ = ln v_T`` (the last value) and the trend ``b`` the log-linear slope of the window:
  ``v̂(T+h) = v_T exp(b Σ_{i=1..h} φ^i)``. With ``φ < 1`` the growth fades, the long-run
  rise being at most ``b φ / (1 − φ)`` in logs; with ``φ = 1`` it is ``v_T e^{bh}``. The
  default ``φ = 0.8`` is the low end of the range usually allowed in practice (0.8–0.98,
  e.g. Hyndman and Athanasopoulos, Forecasting: Principles and Practice): Chinese city
  emissions slowed sharply after 2013, and a trend damped this hard is still far from flat
  within five years (``φ + … + φ⁵ = 2.69`` years of trend). It is fixed, not fitted.

Errors, over the test years that are observed (gaps are skipped), with ``v`` the actual:

* percentage error ``p_t = 100 (v̂_t − v_t) / v_t``, positive when the projection is too high;
* ``mape_pct = mean |p_t|`` and ``bias_pct = mean p_t`` (the mean percentage error);
* the error of the last test year, ``v̂ − v`` in the series' unit and as ``p``, when that year
  is observed (``None`` otherwise).

Across series, each method's errors are summarised by their median and mean (the median
because a few cities with a break in their statistics dominate a mean).

Refusals. A series is refused, with a message naming the field, when a fit-window year is
missing, a fit or test value is not positive (logarithms, percentages), or no test year is
observed; a window is refused when it holds fewer than ``MIN_FIT_YEARS`` years or fewer than
``growth_years + 1``.

Peak census. ``peak_census`` runs ``detect_peak`` on every series (years after ``as_of``
dropped) and counts the statuses; every series gets exactly one, so the counts add up to
the number of series.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
from numpy.typing import ArrayLike, NDArray

from citycarbon.errors import CitycarbonError, Message
from citycarbon.pathways.peak import (
    CONFIRM_YEARS,
    MIN_POINTS,
    PLATEAU_TOLERANCE,
    STATUS_CODES,
    PeakResult,
    PeakStatus,
    detect_peak,
)

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

# Five years: one plan period, long enough that one unusual year does not set the rate.
GROWTH_YEARS = 5
# See the module docstring: the low end of the damping range used in practice, fixed a priori.
DAMPING = 0.8
# A trend fitted on fewer years cannot be told from noise (the same floor as peak detection).
MIN_FIT_YEARS = 5
FIT_START, FIT_END, TEST_END = 2005, 2014, 2019
# MAPEs this close (percentage points) are a tie: exp(ln v) and friends differ in the last bits.
TIE_PCT = 1e-9


class BacktestError(CitycarbonError):
    """A series cannot be back-tested on the window asked for, or a parameter is out of range."""


class ProjectionMethod(StrEnum):
    NO_CHANGE = "no_change"
    COMPOUND_GROWTH = "compound_growth"
    LOG_LINEAR = "log_linear"
    DAMPED_TREND = "damped_trend"


def _fail(zh: str, en: str, field: str) -> BacktestError:
    return BacktestError(Message(zh=zh, en=en), field=field)


@dataclass(frozen=True, slots=True)
class BacktestWindow:
    """Fit on ``fit_start..fit_end``, test on ``fit_end + 1..test_end`` (years inclusive)."""

    fit_start: int = FIT_START
    fit_end: int = FIT_END
    test_end: int = TEST_END
    growth_years: int = GROWTH_YEARS
    damping: float = DAMPING

    def __post_init__(self) -> None:
        fit_years = self.fit_end - self.fit_start + 1
        if fit_years < MIN_FIT_YEARS:
            raise _fail(
                f"拟合窗口 {self.fit_start}—{self.fit_end} 只有 {fit_years} 年，"
                f"至少需要 {MIN_FIT_YEARS} 年",
                f"the fit window {self.fit_start}-{self.fit_end} holds {fit_years} years; "
                f"at least {MIN_FIT_YEARS} are needed",
                "fit_start",
            )
        if self.test_end <= self.fit_end:
            raise _fail(
                f"检验末年 {self.test_end} 必须晚于拟合末年 {self.fit_end}",
                f"the test end {self.test_end} must come after the fit end {self.fit_end}",
                "test_end",
            )
        if not 1 <= self.growth_years <= fit_years - 1:
            raise _fail(
                f"增长率年数应在 1 到 {fit_years - 1} 之间，得到 {self.growth_years}",
                f"growth_years must lie between 1 and {fit_years - 1}, got {self.growth_years}",
                "growth_years",
            )
        if not 0 < self.damping <= 1:
            raise _fail(
                f"阻尼系数应在 (0, 1] 内，得到 {self.damping}",
                f"the damping factor must lie in (0, 1], got {self.damping}",
                "damping",
            )

    @property
    def fit_years(self) -> IntArray:
        return np.arange(self.fit_start, self.fit_end + 1, dtype=np.int64)

    @property
    def test_years(self) -> IntArray:
        return np.arange(self.fit_end + 1, self.test_end + 1, dtype=np.int64)


def log_linear_fit(years: ArrayLike, values: ArrayLike) -> tuple[float, float]:
    """Least-squares line through ``(t, ln v)``: returns (ln v at the mean year, slope b).

    Centred on the mean year so that the intercept is not a tiny difference of large numbers.
    """
    t = np.asarray(years, dtype=np.float64)
    y = np.log(np.asarray(values, dtype=np.float64))
    centred = t - t.mean()
    slope = float(np.dot(centred, y - y.mean()) / np.dot(centred, centred))
    return float(y.mean()), slope


def project(
    method: ProjectionMethod,
    fit_years: ArrayLike,
    fit_values: ArrayLike,
    target_years: ArrayLike,
    *,
    growth_years: int = GROWTH_YEARS,
    damping: float = DAMPING,
) -> FloatArray:
    """Project ``target_years`` (after the fit years) from a complete, positive fit series.

    The fit years must be consecutive; ``backtest_series`` checks the input, this function
    only computes (see the module docstring for the equations).
    """
    years = np.asarray(fit_years, dtype=np.float64)
    values = np.asarray(fit_values, dtype=np.float64)
    ahead = np.asarray(target_years, dtype=np.float64) - years[-1]
    last = values[-1]
    if method is ProjectionMethod.NO_CHANGE:
        return np.full(ahead.shape, last)
    if method is ProjectionMethod.COMPOUND_GROWTH:
        growth = (last / values[-1 - growth_years]) ** (1.0 / growth_years)
        return np.asarray(last * growth**ahead, dtype=np.float64)
    mean_log, slope = log_linear_fit(years, values)
    if method is ProjectionMethod.LOG_LINEAR:
        return np.asarray(np.exp(mean_log + slope * (years[-1] + ahead - years.mean())))
    # Damped trend: Σ_{i=1..h} φ^i, the closed form of the geometric sum (h years when φ = 1).
    trend_years = ahead if damping == 1 else damping * (1 - damping**ahead) / (1 - damping)
    return np.asarray(last * np.exp(slope * trend_years), dtype=np.float64)


@dataclass(frozen=True, slots=True)
class ProjectionErrors:
    """One method on one series: the projection over the observed test years and its errors."""

    method: ProjectionMethod
    years: tuple[int, ...]  # test years with an observation
    actual: tuple[float, ...]
    projected: tuple[float, ...]
    mape_pct: float
    bias_pct: float
    final_projected: float  # projected for the window's last test year, observed or not
    final_error: float | None  # projected − actual in that year; None when not observed
    final_error_pct: float | None


@dataclass(frozen=True, slots=True)
class SeriesBacktest:
    """All methods on one series."""

    name: str
    window: BacktestWindow
    complete: bool  # every test year observed
    errors: Mapping[ProjectionMethod, ProjectionErrors]


def _observed(years: ArrayLike, values: ArrayLike) -> dict[int, float]:
    raw_years = np.asarray(years)
    raw_values = np.asarray(values, dtype=np.float64)
    if raw_years.ndim != 1 or raw_values.shape != raw_years.shape:
        raise _fail(
            f"年份与数值应为等长的一维序列（{raw_years.shape} 与 {raw_values.shape}）",
            f"years and values must be 1-D and of equal length ({raw_years.shape} and "
            f"{raw_values.shape})",
            "values",
        )
    as_float = raw_years.astype(np.float64)
    if raw_years.size and not (
        np.all(np.isfinite(as_float)) and np.array_equal(np.round(as_float), as_float)
    ):
        raise _fail("年份必须是整数", "years must be whole numbers", "years")
    year_list = [int(y) for y in as_float]
    if len(set(year_list)) != len(year_list):
        raise _fail("年份不可重复", "years must not repeat", "years")
    if np.any(np.isinf(raw_values)):
        raise _fail("数值含有无穷值", "values contain infinity", "values")
    return {y: float(v) for y, v in zip(year_list, raw_values, strict=True) if not math.isnan(v)}


def _series_label(name: str) -> str:
    return f"{name}: " if name else ""


def backtest_series(
    years: ArrayLike,
    values: ArrayLike,
    window: BacktestWindow | None = None,
    *,
    name: str = "",
) -> SeriesBacktest:
    """Fit every method on the window's fit years and measure it on its test years.

    ``values`` may hold NaN for a missing year, and years may be absent altogether; the fit
    years must all be observed and at least one test year must be.
    """
    window = window or BacktestWindow()
    observed = _observed(years, values)
    label = _series_label(name)
    fit_years = [int(y) for y in window.fit_years]
    missing = [y for y in fit_years if y not in observed]
    if missing:
        shown = ", ".join(str(y) for y in missing)
        raise _fail(
            f"{label}拟合窗口 {window.fit_start}—{window.fit_end} 缺少 {len(missing)} 年的数据"
            f"（{shown}），序列太短或有缺口，无法回测",
            f"{label}the fit window {window.fit_start}-{window.fit_end} lacks {len(missing)} "
            f"year(s) ({shown}); the series is too short or has gaps to back-test",
            "years",
        )
    test_years = [int(y) for y in window.test_years if int(y) in observed]
    if not test_years:
        raise _fail(
            f"{label}检验年份 {window.fit_end + 1}—{window.test_end} 没有任何观测值，无法回测",
            f"{label}no value observed in the test years {window.fit_end + 1}-"
            f"{window.test_end}; nothing to test against",
            "years",
        )
    fit_values = np.array([observed[y] for y in fit_years])
    actual = np.array([observed[y] for y in test_years])
    if np.any(fit_values <= 0) or np.any(actual <= 0):
        raise _fail(
            f"{label}回测要求拟合与检验年份的数值均为正（对数与百分比误差）",
            f"{label}back-testing needs positive values in the fit and test years "
            "(logarithms and percentage errors)",
            "values",
        )
    all_test_years = [int(y) for y in window.test_years]
    observed_at = [all_test_years.index(y) for y in test_years]
    errors = {
        method: _errors(
            method,
            test_years,
            actual,
            project(
                method,
                fit_years,
                fit_values,
                all_test_years,
                growth_years=window.growth_years,
                damping=window.damping,
            ),
            observed_at,
        )
        for method in ProjectionMethod
    }
    return SeriesBacktest(
        name=name,
        window=window,
        complete=len(test_years) == len(all_test_years),
        errors=errors,
    )


def _errors(
    method: ProjectionMethod,
    years: Sequence[int],
    actual: FloatArray,
    projected_all: FloatArray,
    observed_at: Sequence[int],
) -> ProjectionErrors:
    """Errors over the observed test years; ``projected_all`` covers every test year."""
    projected = projected_all[list(observed_at)]
    pct = 100.0 * (projected - actual) / actual
    final_observed = observed_at[-1] == projected_all.size - 1
    return ProjectionErrors(
        method=method,
        years=tuple(years),
        actual=tuple(float(v) for v in actual),
        projected=tuple(float(v) for v in projected),
        mape_pct=float(np.mean(np.abs(pct))),
        bias_pct=float(np.mean(pct)),
        final_projected=float(projected_all[-1]),
        final_error=float(projected[-1] - actual[-1]) if final_observed else None,
        final_error_pct=float(pct[-1]) if final_observed else None,
    )


@dataclass(frozen=True, slots=True)
class MethodSummary:
    """One method's errors across series: medians and means (percent)."""

    method: ProjectionMethod
    n_series: int
    median_mape_pct: float
    mean_mape_pct: float
    median_bias_pct: float
    mean_bias_pct: float
    n_final: int  # series whose final test year is observed
    median_final_error_pct: float | None
    mean_final_error_pct: float | None
    n_best: int  # series on which this method has the lowest MAPE (ties, to TIE_PCT, for each)


def summarise(backtests: Sequence[SeriesBacktest]) -> tuple[MethodSummary, ...]:
    """Median and mean of each method's errors over the series, in method order."""
    if not backtests:
        raise _fail("没有可汇总的回测结果", "no back-test results to summarise", "backtests")
    best: dict[ProjectionMethod, int] = dict.fromkeys(ProjectionMethod, 0)
    for result in backtests:
        lowest = min(e.mape_pct for e in result.errors.values())
        for method, errors in result.errors.items():
            best[method] += errors.mape_pct <= lowest + TIE_PCT
    summaries = []
    for method in ProjectionMethod:
        rows = [r.errors[method] for r in backtests]
        mape = np.array([e.mape_pct for e in rows])
        bias = np.array([e.bias_pct for e in rows])
        final = np.array([e.final_error_pct for e in rows if e.final_error_pct is not None])
        summaries.append(
            MethodSummary(
                method=method,
                n_series=len(rows),
                median_mape_pct=float(np.median(mape)),
                mean_mape_pct=float(np.mean(mape)),
                median_bias_pct=float(np.median(bias)),
                mean_bias_pct=float(np.mean(bias)),
                n_final=int(final.size),
                median_final_error_pct=float(np.median(final)) if final.size else None,
                mean_final_error_pct=float(np.mean(final)) if final.size else None,
                n_best=best[method],
            )
        )
    return tuple(summaries)


@dataclass(frozen=True, slots=True)
class YearlySeries:
    """Observed years (ascending) and their values; absent years are gaps."""

    years: tuple[int, ...]
    values: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class BacktestRun:
    """Every series that could be back-tested, and why the others could not."""

    results: tuple[SeriesBacktest, ...]
    skipped: Mapping[str, BacktestError] = field(default_factory=dict)

    def complete(self) -> tuple[SeriesBacktest, ...]:
        """Results whose test years are all observed (the same years for every series)."""
        return tuple(r for r in self.results if r.complete)


def backtest_many(
    series: Mapping[str, YearlySeries], window: BacktestWindow | None = None
) -> BacktestRun:
    """``backtest_series`` on every series; refused ones are kept with their reason."""
    window = window or BacktestWindow()
    results = []
    skipped: dict[str, BacktestError] = {}
    for name, one in series.items():
        try:
            results.append(backtest_series(one.years, one.values, window, name=name))
        except BacktestError as exc:
            skipped[name] = exc
    return BacktestRun(results=tuple(results), skipped=skipped)


@dataclass(frozen=True, slots=True)
class PeakCensus:
    """The peak of every series and how many series have each status."""

    results: Mapping[str, PeakResult]
    counts: Mapping[PeakStatus, int]  # every status, in STATUS_CODES order, zeros included
    as_of: int | None


def peak_census(
    series: Mapping[str, YearlySeries],
    *,
    as_of: int | None = None,
    tolerance: float = PLATEAU_TOLERANCE,
    confirm_years: int = CONFIRM_YEARS,
    min_points: int = MIN_POINTS,
    smooth: bool = False,
) -> PeakCensus:
    """``detect_peak`` on every series, using only the years up to ``as_of`` when given."""
    results: dict[str, PeakResult] = {}
    for name, one in series.items():
        kept = [
            (y, v)
            for y, v in zip(one.years, one.values, strict=True)
            if as_of is None or y <= as_of
        ]
        results[name] = detect_peak(
            [y for y, _ in kept],
            [v for _, v in kept],
            tolerance=tolerance,
            confirm_years=confirm_years,
            min_points=min_points,
            smooth=smooth,
        )
    counts = dict.fromkeys(STATUS_CODES, 0)
    for result in results.values():
        counts[result.status] += 1
    return PeakCensus(results=results, counts=counts, as_of=as_of)


def series_from_rows(
    rows: Iterable[Mapping[str, str]],
    *,
    name_key: str = "city_zh",
    year_key: str = "year",
    value_key: str = "co2_mt",
) -> dict[str, YearlySeries]:
    """Long-format rows of text (name, year, value) → one series a name, years ascending.

    Names keep the order of their first row; an empty value is a gap, a repeated year an error.
    """
    by_name: dict[str, dict[int, float]] = {}
    for number, row in enumerate(rows, start=1):
        name, year_text, value_text = row[name_key], row[year_key], row[value_key].strip()
        try:
            year = int(year_text)
            value = float(value_text) if value_text else math.nan
        except ValueError:
            raise _fail(
                f"第 {number} 行：无法读取年份 {year_text!r} 或数值 {value_text!r}",
                f"row {number}: cannot read year {year_text!r} or value {value_text!r}",
                value_key,
            ) from None
        years = by_name.setdefault(name, {})
        if year in years:
            raise _fail(
                f"第 {number} 行：{name} 的 {year} 年重复出现",
                f"row {number}: {name} has year {year} twice",
                year_key,
            )
        if not math.isnan(value):
            years[year] = value
    return {
        name: YearlySeries(
            years=tuple(sorted(years)), values=tuple(years[y] for y in sorted(years))
        )
        for name, years in by_name.items()
    }
