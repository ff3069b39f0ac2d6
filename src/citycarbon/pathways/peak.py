"""Peak detection on yearly series: peak year and value, plateau, and a status.

Given yearly values (gaps allowed: missing years, or NaN for a missing value), let ``m`` be the
maximum and ``t*`` the first year it is reached. With a plateau tolerance ``τ`` the *band* is
``v ≥ m − τ·|m|``. The plateau runs from the start of the unbroken run of in-band years that
ends at ``t*`` (the series reaching the peak level on its way up) to the last in-band year at
or after ``t*``; after the plateau end every value lies below the band. The status, with
``k = confirm_years`` counted in calendar years so that gaps are handled:

* ``insufficient``: fewer than ``min_points`` observations.
* ``plateau``: the last value is in the band and has been since at least ``k`` years
  (``last_year − plateau_start ≥ k``): a level held, whether or not it creeps up within τ.
* ``rising``: otherwise, when the maximum lies within the last ``k`` years
  (``last_year − t* < k``): still rising, or a fall too recent to call a peak.
* ``peaked``: otherwise: the maximum lies at least ``k`` years before the end and the series
  since the plateau end, the last value included, is below the band.

Smoothing (optional, ``smooth=True``): a running median of three with Tukey's end-point rule
(the end value becomes the median of itself, its smoothed neighbour and the straight-line
extrapolation of the two smoothed neighbours). One noisy year, even the last, is removed, so
a single dip does not call a peak, while two low years in a row survive. The rule is applied
in the order of the observations, ignoring the spacing of gap years. The status is then
classified on the smoothed series; the raw maximum is reported as well.

Many series at once (``detect_peaks``): rows are Monte Carlo draws, columns years. The same
rule, vectorised; ``probability_peaked_by(year)`` is the share of draws whose status is
``peaked`` or ``plateau`` with the peak year at or before ``year`` — non-decreasing in year.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from numpy.typing import ArrayLike, NDArray

from citycarbon.errors import CitycarbonError, Message

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

# Within 2 % of the maximum counts as the plateau: smaller than the yearly growth of a city
# still industrialising (typically 3-8 %/yr, so rising series are not called plateaus), larger
# than rounding and routine revisions of energy statistics (about 1 %).
PLATEAU_TOLERANCE = 0.02
# The maximum must lie at least 5 years before the last year to call a peak: a fall over a
# shorter span is often a downturn (2015 in many Chinese cities) rather than a turning point,
# and five years is one plan period, the horizon Chinese targets are reviewed on.
CONFIRM_YEARS = 5
# Fewer observations than this cannot separate a trend from noise.
MIN_POINTS = 5


class PeakError(CitycarbonError):
    """A series for peak detection is malformed, or a parameter is out of range."""


class PeakStatus(StrEnum):
    RISING = "rising"
    PLATEAU = "plateau"
    PEAKED = "peaked"
    INSUFFICIENT = "insufficient"


# Order of the integer codes used by the vectorised helper.
STATUS_CODES: tuple[PeakStatus, ...] = (
    PeakStatus.RISING,
    PeakStatus.PLATEAU,
    PeakStatus.PEAKED,
    PeakStatus.INSUFFICIENT,
)
_RISING, _PLATEAU, _PEAKED, _INSUFFICIENT = range(4)


def _fail(zh: str, en: str, field: str) -> PeakError:
    return PeakError(Message(zh=zh, en=en), field=field)


@dataclass(frozen=True, slots=True)
class PeakResult:
    """The peak of one series. Peak and plateau are ``None`` only for an empty series."""

    status: PeakStatus
    peak_year: int | None
    peak_value: float | None
    plateau_start: int | None
    plateau_end: int | None
    observed_peak_year: int | None  # of the raw series, equal to peak_year when not smoothed
    observed_peak_value: float | None
    n_points: int
    smoothed: bool


def _check_parameters(tolerance: float, confirm_years: int, min_points: int) -> None:
    if not 0 <= tolerance < 1:
        raise _fail(
            f"平台期容差应在 [0, 1) 内，得到 {tolerance}",
            f"plateau tolerance must lie in [0, 1), got {tolerance}",
            "tolerance",
        )
    if confirm_years < 1:
        raise _fail(
            f"确认年数至少为 1，得到 {confirm_years}",
            f"confirm_years must be at least 1, got {confirm_years}",
            "confirm_years",
        )
    if min_points < 2:
        raise _fail(
            f"最少观测数至少为 2，得到 {min_points}",
            f"min_points must be at least 2, got {min_points}",
            "min_points",
        )


def _check_years(years: ArrayLike) -> IntArray:
    raw = np.asarray(years)
    if raw.ndim != 1:
        raise _fail("年份应为一维序列", "years must be a 1-D sequence", "years")
    if raw.size and not np.all(np.isfinite(raw.astype(np.float64))):
        raise _fail("年份含有非有限值", "years contain non-finite values", "years")
    as_int = raw.astype(np.int64)
    if raw.size and not np.array_equal(as_int, raw):
        raise _fail("年份必须是整数", "years must be whole numbers", "years")
    if np.any(np.diff(as_int) <= 0):
        raise _fail(
            "年份必须严格递增（不可重复）",
            "years must be strictly increasing (no repeats)",
            "years",
        )
    return as_int


def robust_smooth(values: ArrayLike) -> FloatArray:
    """Running median of three along the last axis, with Tukey's end-point rule.

    Series shorter than four observations are returned unchanged (no room for the end rule).
    """
    y = np.asarray(values, dtype=np.float64)
    n = y.shape[-1]
    if n < 4:
        return y.copy()
    smooth = y.copy()
    smooth[..., 1:-1] = np.median(np.stack([y[..., :-2], y[..., 1:-1], y[..., 2:]]), axis=0)
    first = 3 * smooth[..., 1] - 2 * smooth[..., 2]
    last = 3 * smooth[..., -2] - 2 * smooth[..., -3]
    smooth[..., 0] = np.median(np.stack([y[..., 0], smooth[..., 1], first]), axis=0)
    smooth[..., -1] = np.median(np.stack([y[..., -1], smooth[..., -2], last]), axis=0)
    return smooth


def detect_peak(
    years: ArrayLike,
    values: ArrayLike,
    *,
    tolerance: float = PLATEAU_TOLERANCE,
    confirm_years: int = CONFIRM_YEARS,
    min_points: int = MIN_POINTS,
    smooth: bool = False,
) -> PeakResult:
    """Peak year and value, plateau and status of one yearly series; NaN values are gaps."""
    _check_parameters(tolerance, confirm_years, min_points)
    year_array = _check_years(years)
    value_array = np.asarray(values, dtype=np.float64)
    if value_array.shape != year_array.shape:
        raise _fail(
            f"数值个数 {value_array.size} 与年份个数 {year_array.size} 不一致",
            f"{value_array.size} values for {year_array.size} years",
            "values",
        )
    if np.any(np.isinf(value_array)):
        raise _fail("数值含有无穷值", "values contain infinity", "values")
    present = ~np.isnan(value_array)
    kept_years = [int(y) for y in year_array[present]]
    raw = [float(v) for v in value_array[present]]
    if not raw:
        return PeakResult(PeakStatus.INSUFFICIENT, None, None, None, None, None, None, 0, smooth)
    series = [float(v) for v in robust_smooth(raw)] if smooth else raw

    peak_index = _first_max_index(series)
    observed_index = _first_max_index(raw)
    peak = series[peak_index]
    band = peak - tolerance * abs(peak)
    start_index = peak_index
    while start_index > 0 and series[start_index - 1] >= band:
        start_index -= 1
    end_index = max(i for i in range(peak_index, len(series)) if series[i] >= band)

    last_year = kept_years[-1]
    plateau_start = kept_years[start_index]
    if len(series) < min_points:
        status = PeakStatus.INSUFFICIENT
    elif end_index == len(series) - 1 and last_year - plateau_start >= confirm_years:
        status = PeakStatus.PLATEAU
    elif last_year - kept_years[peak_index] < confirm_years:
        status = PeakStatus.RISING
    else:
        status = PeakStatus.PEAKED
    return PeakResult(
        status=status,
        peak_year=kept_years[peak_index],
        peak_value=peak,
        plateau_start=plateau_start,
        plateau_end=kept_years[end_index],
        observed_peak_year=kept_years[observed_index],
        observed_peak_value=raw[observed_index],
        n_points=len(series),
        smoothed=smooth,
    )


def _first_max_index(series: Sequence[float]) -> int:
    best = 0
    for i, value in enumerate(series):
        if value > series[best]:
            best = i
    return best


@dataclass(frozen=True, slots=True)
class PathPeaks:
    """Peaks of many series over the same years (rows = draws). Arrays have one entry a row."""

    years: IntArray
    status_codes: NDArray[np.int8]  # index into STATUS_CODES
    peak_year: IntArray
    peak_value: FloatArray
    plateau_start: IntArray
    plateau_end: IntArray

    def status(self, row: int) -> PeakStatus:
        return STATUS_CODES[int(self.status_codes[row])]

    def has_peaked(self) -> NDArray[np.bool_]:
        """Rows whose status is peaked or plateau (a level reached and held)."""
        return np.isin(self.status_codes, (_PEAKED, _PLATEAU))

    def probability_peaked_by(self, year: int) -> float:
        """Share of rows that peaked (or hold a plateau) with the peak year at or before year."""
        if self.peak_year.size == 0:
            return 0.0
        return float(np.mean(self.has_peaked() & (self.peak_year <= year)))

    def probability_curve(self) -> FloatArray:
        """``probability_peaked_by`` for every year of the columns, non-decreasing."""
        hits = self.has_peaked()[:, None] & (self.peak_year[:, None] <= self.years[None, :])
        if hits.shape[0] == 0:
            return np.zeros(self.years.shape, dtype=np.float64)
        return np.asarray(hits.mean(axis=0), dtype=np.float64)


def detect_peaks(
    years: ArrayLike,
    paths: ArrayLike,
    *,
    tolerance: float = PLATEAU_TOLERANCE,
    confirm_years: int = CONFIRM_YEARS,
    min_points: int = MIN_POINTS,
    smooth: bool = False,
) -> PathPeaks:
    """``detect_peak`` for every row of ``paths`` (draws × years, finite), vectorised."""
    _check_parameters(tolerance, confirm_years, min_points)
    year_array = _check_years(years)
    matrix = np.asarray(paths, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[1] != year_array.size:
        raise _fail(
            f"路径应为（抽样数，{year_array.size}）的二维数组，实际形状为 {matrix.shape}",
            f"paths must be 2-D (draws, {year_array.size} years); got shape {matrix.shape}",
            "paths",
        )
    if year_array.size == 0:
        raise _fail("至少需要一个年份", "at least one year is needed", "years")
    if not np.all(np.isfinite(matrix)):
        raise _fail(
            "路径含有非有限值（NaN 或无穷）",
            "paths contain non-finite values (NaN or infinity)",
            "paths",
        )
    series = robust_smooth(matrix) if smooth else matrix
    n_years = year_array.size
    index = np.arange(n_years)[None, :]

    peak_index = np.argmax(series, axis=1)  # first occurrence, as in detect_peak
    peak = series[np.arange(series.shape[0]), peak_index]
    band = peak - tolerance * np.abs(peak)
    in_band = series >= band[:, None]
    # Plateau start: one after the last out-of-band year before the peak.
    below_before = ~in_band & (index < peak_index[:, None])
    start_index = np.where(below_before, index, -1).max(axis=1) + 1
    # Plateau end: the last in-band year (never before the peak, which is in band).
    end_index = np.where(in_band, index, -1).max(axis=1)

    last_year = year_array[-1]
    peak_year = year_array[peak_index]
    plateau_start = year_array[start_index]
    codes = np.full(series.shape[0], _PEAKED, dtype=np.int8)
    codes[last_year - peak_year < confirm_years] = _RISING
    holding = (end_index == n_years - 1) & (last_year - plateau_start >= confirm_years)
    codes[holding] = _PLATEAU
    if n_years < min_points:
        codes[:] = _INSUFFICIENT
    return PathPeaks(
        years=year_array,
        status_codes=codes,
        peak_year=peak_year,
        peak_value=peak,
        plateau_start=plateau_start,
        plateau_end=year_array[end_index],
    )
