"""Peak detection on constructed series, the smoothing rule, and the vectorised helper."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from citycarbon.pathways.peak import (
    CONFIRM_YEARS,
    PLATEAU_TOLERANCE,
    STATUS_CODES,
    PeakError,
    PeakStatus,
    detect_peak,
    detect_peaks,
    robust_smooth,
)

HAS_CJK = re.compile(r"[\u4e00-\u9fff]")
YEARS = list(range(2005, 2021))  # 16 years


def test_defaults_are_the_documented_ones() -> None:
    assert (PLATEAU_TOLERANCE, CONFIRM_YEARS) == (0.02, 5)


def test_rising_series() -> None:
    # +5 %/yr: the maximum is the last year; 2019 is 1/1.05 = 95.2 % of it, outside the 2 %
    # band, so the plateau is 2020 alone.
    values = [100 * 1.05**i for i in range(len(YEARS))]
    result = detect_peak(YEARS, values)
    assert result.status is PeakStatus.RISING
    assert (result.peak_year, result.plateau_start, result.plateau_end) == (2020, 2020, 2020)
    assert result.peak_value == pytest.approx(100 * 1.05**15)


def test_plateau_series() -> None:
    # Up 10/yr to 200 in 2012, then 199, 200.5, 198.5, ... within 2 % of the max (200.5,
    # band 196.49) to 2020. Plateau from 2012 (190 in 2011 is outside the band): 8 years >= 5.
    rising = [130.0 + 10 * i for i in range(8)]  # 2005..2012: 130..200
    flat = [199.0, 200.5, 198.5, 199.5, 197.0, 200.0, 198.0, 199.0]  # 2013..2020
    result = detect_peak(YEARS, rising + flat)
    assert result.status is PeakStatus.PLATEAU
    assert (result.peak_year, result.peak_value) == (2014, 200.5)
    assert (result.plateau_start, result.plateau_end) == (2012, 2020)


def test_falling_series_has_peaked() -> None:
    # Up to 200 in 2012, then -3 %/yr: 2013 is 194 < 196 (the band), so the plateau is 2012
    # alone; the maximum is 8 >= 5 years before 2020 and everything since is below the band.
    values = [130.0 + 10 * i for i in range(8)] + [200 * 0.97**i for i in range(1, 9)]
    result = detect_peak(YEARS, values)
    assert result.status is PeakStatus.PEAKED
    assert (result.peak_year, result.plateau_start, result.plateau_end) == (2012, 2012, 2012)


def test_recent_fall_is_not_yet_a_peak() -> None:
    # Maximum in 2017, falling 5 %/yr since: only 3 < 5 years ago, so still "rising".
    values = [100.0 + 5 * i for i in range(13)] + [160 * 0.95**i for i in range(1, 4)]
    assert detect_peak(YEARS, values).status is PeakStatus.RISING


def test_a_single_dip_in_the_last_year_calls_a_peak_only_without_smoothing() -> None:
    # Plateau at 200 from 2012, then 180 in 2020 (one bad year). Raw: the last value is below
    # the band and the max (2012) is 8 years back -> "peaked". Median of three with Tukey's end
    # rule: the end becomes median(180, 200, 3*200 - 2*200) = 200 -> "plateau".
    values = [130.0 + 10 * i for i in range(8)] + [200.0] * 7 + [180.0]
    raw = detect_peak(YEARS, values)
    smooth = detect_peak(YEARS, values, smooth=True)
    assert raw.status is PeakStatus.PEAKED
    assert smooth.status is PeakStatus.PLATEAU
    assert smooth.smoothed
    assert (smooth.observed_peak_year, smooth.observed_peak_value) == (2012, 200.0)


def test_two_low_years_survive_smoothing() -> None:
    # As above but 2019 and 2020 both at 180: the median of three keeps them -> "peaked".
    values = [130.0 + 10 * i for i in range(8)] + [200.0] * 6 + [180.0, 180.0]
    assert detect_peak(YEARS, values, smooth=True).status is PeakStatus.PEAKED


def test_a_single_spike_does_not_make_the_peak_when_smoothed() -> None:
    # A steady rise with one spike (2010: 300) that the raw series would take as its peak.
    values = [100.0 + 5 * i for i in range(16)]
    values[5] = 300.0
    assert detect_peak(YEARS, values).status is PeakStatus.PEAKED
    smooth = detect_peak(YEARS, values, smooth=True)
    assert smooth.status is PeakStatus.RISING
    assert smooth.peak_year == 2020
    assert smooth.observed_peak_year == 2010


def test_robust_smooth_by_hand() -> None:
    # Interior: median of three. Ends: median(y_end, z_next, 3 z_next - 2 z_nextnext).
    # y = [1, 5, 2, 8, 3]: z1 = med(1,5,2) = 2, z2 = med(5,2,8) = 5, z3 = med(2,8,3) = 3;
    # z0 = med(1, 2, 3*2 - 2*5 = -4) = 1; z4 = med(3, 3, 3*3 - 2*5 = -1) = 3.
    assert robust_smooth([1.0, 5.0, 2.0, 8.0, 3.0]).tolist() == [1.0, 2.0, 5.0, 3.0, 3.0]
    assert robust_smooth([3.0, 1.0, 2.0]).tolist() == [3.0, 1.0, 2.0]  # too short: unchanged


def test_too_short_and_empty_series() -> None:
    short = detect_peak([2018, 2019, 2020, 2021], [1.0, 2.0, 3.0, 2.0])
    assert short.status is PeakStatus.INSUFFICIENT
    assert short.peak_year == 2020  # still reported
    empty = detect_peak([2019, 2020], [np.nan, np.nan])
    assert empty.status is PeakStatus.INSUFFICIENT
    assert (empty.peak_year, empty.n_points) == (None, 0)


def test_gaps_count_in_calendar_years() -> None:
    # Observations 2010, 2011, 2012, 2013, 2016 (NaN in 2014, 2015 missing). The maximum (2011)
    # is 5 calendar years before 2016 although only three observations follow it: peaked.
    years = [2010, 2011, 2012, 2013, 2014, 2016]
    values = [90.0, 100.0, 95.0, 92.0, np.nan, 85.0]
    result = detect_peak(years, values)
    assert result.n_points == 5
    assert result.status is PeakStatus.PEAKED
    assert (result.peak_year, result.plateau_end) == (2011, 2011)
    # With the maximum in 2012 instead: 4 years before 2016, not yet confirmed.
    later = detect_peak(years, [90.0, 95.0, 100.0, 92.0, np.nan, 85.0])
    assert later.status is PeakStatus.RISING


def test_dip_and_recovery_keeps_the_plateau_open() -> None:
    # Max 2012 at 200, a dip to 185 in 2014, back in the band (197) in 2016, then falling:
    # the plateau runs 2012..2016 (the last in-band year), and 2016 is 4 years before 2020.
    values = [130.0 + 10 * i for i in range(8)] + [198.0, 185.0, 190.0, 197.0] + [180.0] * 4
    result = detect_peak(YEARS, values)
    assert (result.plateau_start, result.plateau_end) == (2012, 2016)
    assert result.status is PeakStatus.PEAKED


def test_negative_values_use_the_magnitude_of_the_maximum() -> None:
    # Net emissions after sinks, all negative: max -10, band -10 - 0.02*10 = -10.2.
    values = [-20.0, -15.0, -10.0, -10.1, -12.0, -14.0, -16.0, -18.0]
    result = detect_peak(list(range(2013, 2021)), values)
    assert (result.peak_year, result.plateau_end) == (2015, 2016)
    assert result.status is PeakStatus.PEAKED


# --- the vectorised helper ------------------------------------------------------------


@st.composite
def path_matrices(draw: st.DrawFn) -> tuple[np.ndarray, list[int]]:
    n_years = draw(st.integers(1, 14))
    steps = draw(st.lists(st.integers(1, 3), min_size=n_years, max_size=n_years))
    years = list(np.cumsum(steps) + 2000)
    rows = draw(st.integers(1, 8))
    # Small integer steps produce ties, plateaus and dips often.
    moves = draw(hnp.arrays(np.float64, (rows, n_years), elements=st.integers(-4, 4).map(float)))
    return 100.0 + np.cumsum(moves, axis=1), [int(y) for y in years]


@settings(max_examples=80, deadline=None)
@given(
    path_matrices(),
    st.sampled_from([0.0, 0.02, 0.05]),
    st.integers(1, 6),
    st.booleans(),
)
def test_vectorised_agrees_with_scalar_row_by_row(
    data: tuple[np.ndarray, list[int]], tolerance: float, confirm: int, smooth: bool
) -> None:
    paths, years = data
    options = {"tolerance": tolerance, "confirm_years": confirm, "smooth": smooth}
    many = detect_peaks(years, paths, **options)  # type: ignore[arg-type]
    for row, values in enumerate(paths):
        one = detect_peak(years, values, **options)  # type: ignore[arg-type]
        assert many.status(row) is one.status
        assert many.peak_year[row] == one.peak_year
        assert many.peak_value[row] == one.peak_value
        assert many.plateau_start[row] == one.plateau_start
        assert many.plateau_end[row] == one.plateau_end
    curve = many.probability_curve()
    assert np.all(np.diff(curve) >= 0)
    for year, share in zip(years, curve, strict=True):
        assert many.probability_peaked_by(year) == share


def test_probability_of_peaking_by_year() -> None:
    # Four draws over 2020..2040: two fall from 2025, one from 2030, one keeps rising.
    # Peaked by 2024: 0; by 2025: 2/4; by 2030: 3/4; never 1 (the rising draw).
    years = np.arange(2020, 2041)

    def falling_from(peak: int) -> np.ndarray:
        return 100.0 - 5.0 * np.abs(years - peak)

    paths = np.stack([falling_from(2025), falling_from(2025), falling_from(2030), years - 1900.0])
    many = detect_peaks(years, paths)
    assert [many.status(i) for i in range(4)] == [PeakStatus.PEAKED] * 3 + [PeakStatus.RISING]
    curve = dict(zip(years.tolist(), many.probability_curve().tolist(), strict=True))
    assert (curve[2024], curve[2025], curve[2029], curve[2030], curve[2040]) == (
        0.0,
        0.5,
        0.5,
        0.75,
        0.75,
    )
    assert many.probability_peaked_by(2035) == 0.75
    assert STATUS_CODES[int(many.status_codes[3])] is PeakStatus.RISING


def test_short_matrix_is_insufficient() -> None:
    many = detect_peaks([2020, 2021, 2022, 2023], np.ones((3, 4)))
    assert all(many.status(i) is PeakStatus.INSUFFICIENT for i in range(3))
    assert many.probability_curve().tolist() == [0.0] * 4


# --- bad input ------------------------------------------------------------------------


def _raises(field: str, match: str, call: object, *args: object, **kwargs: object) -> None:
    assert callable(call)
    with pytest.raises(PeakError, match=match) as caught:
        call(*args, **kwargs)
    assert caught.value.field == field
    assert HAS_CJK.search(str(caught.value))


def test_bad_inputs_are_refused() -> None:
    _raises("years", "strictly increasing", detect_peak, [2020, 2019], [1.0, 2.0])
    _raises("years", "strictly increasing", detect_peak, [2020, 2020], [1.0, 2.0])
    _raises("years", "whole numbers", detect_peak, [2020.5, 2021], [1.0, 2.0])
    _raises("years", "1-D", detect_peak, [[2020, 2021]], [1.0, 2.0])
    _raises("values", "3 values for 2 years", detect_peak, [2020, 2021], [1.0, 2.0, 3.0])
    _raises("values", "infinity", detect_peak, [2020, 2021], [1.0, np.inf])
    _raises("tolerance", r"\[0, 1\)", detect_peak, [2020], [1.0], tolerance=1.0)
    _raises("confirm_years", "at least 1", detect_peak, [2020], [1.0], confirm_years=0)
    _raises("min_points", "at least 2", detect_peak, [2020], [1.0], min_points=1)
    _raises("paths", "non-finite", detect_peaks, [2020, 2021], [[1.0, np.nan]])
    _raises("paths", "must be 2-D", detect_peaks, [2020, 2021], [1.0, 2.0])
    _raises("paths", "must be 2-D", detect_peaks, [2020, 2021], [[1.0, 2.0, 3.0]])
    _raises("years", "at least one year", detect_peaks, [], np.ones((2, 0)))


def test_the_band_edge_is_inside_the_band() -> None:
    # Tolerance 25 %: max 100 (2014), band edge exactly 75. 2013 (75) and 2016 (75) are in the
    # band, 2012 (74) and 2017 (74) are not: plateau 2013..2016.
    years = list(range(2010, 2021))
    values = [60.0, 70.0, 74.0, 75.0, 100.0, 80.0, 75.0, 74.0, 60.0, 50.0, 40.0]
    result = detect_peak(years, values, tolerance=0.25)
    assert (result.plateau_start, result.plateau_end) == (2013, 2016)
    many = detect_peaks(years, [values], tolerance=0.25)
    assert (many.plateau_start[0], many.plateau_end[0]) == (2013, 2016)
