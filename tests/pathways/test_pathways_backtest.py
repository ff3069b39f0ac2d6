"""Back-test of projections: exact methods on constructed series, errors by hand, refusals,
the peak census, and the packaged CEADs table."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from citycarbon.pathways.backtest import (
    DAMPING,
    GROWTH_YEARS,
    BacktestError,
    BacktestWindow,
    ProjectionMethod,
    YearlySeries,
    backtest_many,
    backtest_series,
    peak_census,
    project,
    series_from_rows,
    summarise,
)
from citycarbon.pathways.peak import PeakStatus

HAS_CJK = re.compile(r"[\u4e00-\u9fff]")
FIT = list(range(2005, 2015))  # the default fit window
TEST = list(range(2015, 2020))  # the default test years
ALL = FIT + TEST
METHODS = list(ProjectionMethod)


def test_defaults_are_the_documented_ones() -> None:
    window = BacktestWindow()
    assert (window.fit_start, window.fit_end, window.test_end) == (2005, 2014, 2019)
    assert (window.growth_years, window.damping) == (GROWTH_YEARS, DAMPING) == (5, 0.8)


# --- methods that must be exact -------------------------------------------------------------


def test_five_percent_a_year_is_projected_exactly_by_compound_growth() -> None:
    values = [100 * 1.05**i for i in range(len(ALL))]
    result = backtest_series(ALL, values).errors[ProjectionMethod.COMPOUND_GROWTH]
    assert result.mape_pct == pytest.approx(0, abs=1e-9)
    assert result.bias_pct == pytest.approx(0, abs=1e-9)
    assert result.final_error == pytest.approx(0, abs=1e-9)
    assert result.projected[-1] == pytest.approx(100 * 1.05**14)


@settings(max_examples=40, deadline=None)
@given(
    rate=st.floats(-0.10, 0.20),
    base=st.floats(1.0, 1000.0),
    early=st.lists(st.floats(0.1, 5000.0), min_size=4, max_size=4),
)
def test_compound_growth_uses_only_the_last_n_years(
    rate: float, base: float, early: list[float]
) -> None:
    # 2009..2019 grow at a constant rate; 2005..2008 are anything: compound growth over the
    # last 5 fit years (2009 → 2014) is exact whatever came before.
    tail = [base * (1 + rate) ** i for i in range(11)]
    result = backtest_series(ALL, early + tail).errors[ProjectionMethod.COMPOUND_GROWTH]
    assert result.mape_pct == pytest.approx(0, abs=1e-7)
    assert result.final_error_pct == pytest.approx(0, abs=1e-7)


@settings(max_examples=40, deadline=None)
@given(
    slope=st.floats(-0.10, 0.15),
    log_base=st.floats(0.0, 6.0),
    wiggle=st.floats(0.01, 0.3),
)
def test_log_linear_recovers_the_line_through_noise_that_cancels(
    slope: float, log_base: float, wiggle: float
) -> None:
    # ln v = a + b (t − 2005), plus residuals +δ, −δ, −δ, +δ in 2005, 2006, 2013, 2014: they sum
    # to zero and Σ (t − 2009.5) r = −4.5δ + 3.5δ − 3.5δ + 4.5δ = 0, so least squares returns
    # the line itself. The test years lie on the line: log-linear is exact; compound growth,
    # which starts from the perturbed 2014 value, is off by e^δ − 1 at least.
    residual = dict.fromkeys(ALL, 0.0) | {2005: wiggle, 2006: -wiggle, 2013: -wiggle, 2014: wiggle}
    values = [math.exp(log_base + slope * (t - 2005) + residual[t]) for t in ALL]
    errors = backtest_series(ALL, values).errors
    assert errors[ProjectionMethod.LOG_LINEAR].mape_pct == pytest.approx(0, abs=1e-7)
    assert errors[ProjectionMethod.COMPOUND_GROWTH].mape_pct > 100 * (math.exp(wiggle) - 1) - 1e-9


def test_undamped_trend_continues_the_slope_from_the_last_value() -> None:
    # φ = 1: v̂(T+h) = v_T e^{bh}. Fit 10, 20, 40, 80, 160 (b = ln 2): 320, 640 next.
    years = list(range(2000, 2005))
    projected = project(
        ProjectionMethod.DAMPED_TREND, years, [10, 20, 40, 80, 160], [2005, 2006], damping=1.0
    )
    assert projected == pytest.approx([320, 640])


# --- errors by hand -------------------------------------------------------------------------


def test_errors_by_hand_with_a_gap_in_the_test_years() -> None:
    # A flat window (10 every year) gives every method the projection 10 (growth 0, slope 0).
    # Actual 8, 10, 12.5, (2018 missing), 12.5: percentage errors 100 (10 − v) / v =
    # +25, 0, −20, −20. MAPE = 65/4 = 16.25; bias = −15/4 = −3.75; 2019: 10 − 12.5 = −2.5 Mt.
    years = [*FIT, 2015, 2016, 2017, 2019]
    values = [10.0] * 10 + [8.0, 10.0, 12.5, 12.5]
    result = backtest_series(years, values)
    assert not result.complete
    for method in METHODS:
        errors = result.errors[method]
        assert errors.years == (2015, 2016, 2017, 2019)
        assert errors.projected == pytest.approx((10, 10, 10, 10))
        assert errors.mape_pct == pytest.approx(16.25)
        assert errors.bias_pct == pytest.approx(-3.75)
        assert errors.final_error == pytest.approx(-2.5)
        assert errors.final_error_pct == pytest.approx(-20)


def test_final_year_missing_gives_no_final_error_but_a_projection() -> None:
    # 2019 not observed: the last-year error is unknown, the projection for 2019 is still 10.
    result = backtest_series([*FIT, 2015], [10.0] * 10 + [8.0])
    errors = result.errors[ProjectionMethod.NO_CHANGE]
    assert (errors.final_error, errors.final_error_pct) == (None, None)
    assert errors.final_projected == pytest.approx(10)
    assert errors.mape_pct == pytest.approx(25)


def test_damped_trend_by_hand() -> None:
    # Fit 100 e^{0.1 k}, k = 0..9 (2005..2014): slope b = 0.1, v_T = 100 e^{0.9}. φ = 0.5:
    # h = 1 → Σφ^i = 0.5, v̂ = 100 e^{0.95}; h = 2 → 0.75, v̂ = 100 e^{0.975}. Actual on the
    # line: 100 e^{1.0}, 100 e^{1.1}. Errors e^{−0.05} − 1 = −4.877 %, e^{−0.125} − 1 = −11.750 %.
    window = BacktestWindow(test_end=2016, damping=0.5)
    years = list(range(2005, 2017))
    values = [100 * math.exp(0.1 * k) for k in range(12)]
    errors = backtest_series(years, values, window).errors[ProjectionMethod.DAMPED_TREND]
    assert errors.projected == pytest.approx((100 * math.exp(0.95), 100 * math.exp(0.975)))
    first, second = 100 * (math.exp(-0.05) - 1), 100 * (math.exp(-0.125) - 1)
    assert (first, second) == pytest.approx((-4.877, -11.750), abs=1e-3)
    assert errors.mape_pct == pytest.approx((abs(first) + abs(second)) / 2)
    assert errors.bias_pct == pytest.approx((first + second) / 2)
    assert errors.final_error == pytest.approx(100 * (math.exp(0.975) - math.exp(1.1)))
    # log-linear keeps the full slope: exact here
    assert backtest_series(years, values, window).errors[
        ProjectionMethod.LOG_LINEAR
    ].mape_pct == pytest.approx(0, abs=1e-9)


def test_compound_growth_by_hand() -> None:
    # growth over 2 years: 100 (2012) → 121 (2014) is 10 %/yr; 2015 projected 133.1, actual 121
    # → error +10 %.
    window = BacktestWindow(fit_start=2010, fit_end=2014, test_end=2015, growth_years=2)
    result = backtest_series(range(2010, 2016), [50, 60, 100, 110, 121, 121], window)
    errors = result.errors[ProjectionMethod.COMPOUND_GROWTH]
    assert errors.projected == pytest.approx((133.1,))
    assert errors.mape_pct == pytest.approx(10)
    assert result.complete


def test_summary_medians_and_means_by_hand() -> None:
    # Three flat windows at 10 (projection 10 for every method), one test year 2010 with
    # actual 8, 12.5, 10: errors +25, −20, 0 %. MAPE 25, 20, 0 → median 20, mean 15; bias
    # median 0, mean 5/3. Every method ties on every series, so each is "best" three times.
    window = BacktestWindow(fit_start=2005, fit_end=2009, test_end=2010, growth_years=1)
    years = list(range(2005, 2011))
    results = [backtest_series(years, [10.0] * 5 + [a], window) for a in (8.0, 12.5, 10.0)]
    for summary in summarise(results):
        assert summary.n_series == 3
        assert summary.median_mape_pct == pytest.approx(20)
        assert summary.mean_mape_pct == pytest.approx(15)
        assert summary.median_bias_pct == pytest.approx(0)
        assert summary.mean_bias_pct == pytest.approx(5 / 3)
        assert summary.n_final == 3
        assert summary.median_final_error_pct == pytest.approx(0)
        assert summary.n_best == 3


def test_best_method_is_counted_on_its_own() -> None:
    # 5 %/yr: compound growth and log-linear are exact (a tie, up to round-off), so each is best
    # once; the damped trend (φ = 0.8) falls short, and no-change more so (lower bias).
    values = [100 * 1.05**i for i in range(len(ALL))]
    summaries = {s.method: s for s in summarise([backtest_series(ALL, values)])}
    assert summaries[ProjectionMethod.COMPOUND_GROWTH].n_best == 1
    assert summaries[ProjectionMethod.LOG_LINEAR].n_best == 1
    assert summaries[ProjectionMethod.DAMPED_TREND].n_best == 0
    assert summaries[ProjectionMethod.NO_CHANGE].n_best == 0
    assert summaries[ProjectionMethod.NO_CHANGE].median_bias_pct < (
        summaries[ProjectionMethod.DAMPED_TREND].median_bias_pct
    )


@settings(max_examples=40, deadline=None)
@given(values=st.lists(st.floats(0.5, 500.0), min_size=15, max_size=15))
def test_mape_bounds_the_bias_and_the_projection_is_positive(values: list[float]) -> None:
    result = backtest_series(ALL, values)
    assert result.complete
    for errors in result.errors.values():
        assert errors.mape_pct >= abs(errors.bias_pct) - 1e-9
        assert all(p > 0 for p in errors.projected)
        assert errors.final_error == pytest.approx(errors.projected[-1] - values[-1])


# --- refusals -------------------------------------------------------------------------------


def _refused(call: object, field: str, *words: str) -> BacktestError:
    assert callable(call)
    with pytest.raises(BacktestError) as caught:
        call()
    error = caught.value
    assert error.field == field
    assert HAS_CJK.search(error.message.zh)
    for word in words:
        assert word in error.message.en
        assert word in error.message.zh
    return error


def test_too_short_series_is_refused_naming_the_missing_years() -> None:
    # starts in 2008: 2005, 2006, 2007 of the fit window are missing
    years = list(range(2008, 2020))
    error = _refused(
        lambda: backtest_series(years, [1.0] * len(years), name="X"), "years", "2005", "2007"
    )
    assert "too short" in error.message.en
    assert error.message.en.startswith("X: ")


def test_a_gap_in_the_fit_window_is_refused_also_as_nan() -> None:
    values = [10.0] * len(ALL)
    values[3] = math.nan  # 2008
    _refused(lambda: backtest_series(ALL, values), "years", "2008")


def test_no_test_year_is_refused() -> None:
    _refused(lambda: backtest_series(FIT, [10.0] * 10), "years", "2015")


def test_non_positive_values_are_refused() -> None:
    values = [10.0] * len(ALL)
    values[-1] = 0.0
    _refused(lambda: backtest_series(ALL, values), "values")


def test_malformed_input_is_refused() -> None:
    _refused(lambda: backtest_series(ALL, [1.0] * 3), "values")
    _refused(lambda: backtest_series([2005.5, 2006], [1.0, 1.0]), "years")
    _refused(lambda: backtest_series([2005, 2005], [1.0, 1.0]), "years")
    _refused(lambda: backtest_series(ALL, [math.inf] * len(ALL)), "values")


def test_bad_windows_are_refused() -> None:
    _refused(lambda: BacktestWindow(fit_start=2011, fit_end=2014), "fit_start", "4")
    _refused(lambda: BacktestWindow(test_end=2014), "test_end", "2014")
    _refused(lambda: BacktestWindow(growth_years=10), "growth_years", "10")
    _refused(lambda: BacktestWindow(growth_years=0), "growth_years")
    _refused(lambda: BacktestWindow(damping=0.0), "damping")
    _refused(lambda: BacktestWindow(damping=1.5), "damping")
    _refused(lambda: summarise([]), "backtests")


def test_many_series_keep_the_refused_ones_with_their_reason() -> None:
    series = {
        "good": YearlySeries(tuple(ALL), tuple(10.0 for _ in ALL)),
        "short": YearlySeries((2015, 2016), (1.0, 2.0)),
    }
    run = backtest_many(series)
    assert [r.name for r in run.results] == ["good"]
    assert list(run.skipped) == ["short"]
    assert run.skipped["short"].field == "years"
    assert run.complete() == run.results


# --- peak census and rows -------------------------------------------------------------------


def test_peak_census_by_hand() -> None:
    rising = YearlySeries(tuple(ALL), tuple(float(i + 1) for i in range(len(ALL))))
    # max 20 in 2010, then 10 for nine years: peaked by 2019 (9 years ≥ 5), rising as of 2012
    peaked = YearlySeries(tuple(ALL), tuple([15.0] * 5 + [20.0] + [10.0] * 9))
    short = YearlySeries((2017, 2018, 2019), (1.0, 2.0, 3.0))
    series = {"a": rising, "b": peaked, "c": short}
    census = peak_census(series)
    assert dict(census.counts) == {
        PeakStatus.RISING: 1,
        PeakStatus.PLATEAU: 0,
        PeakStatus.PEAKED: 1,
        PeakStatus.INSUFFICIENT: 1,
    }
    assert census.results["b"].peak_year == 2010
    early = peak_census(series, as_of=2012)
    assert early.results["b"].status is PeakStatus.RISING
    assert early.results["c"].n_points == 0
    assert sum(early.counts.values()) == 3


@settings(max_examples=30, deadline=None)
@given(
    st.dictionaries(
        st.text("abc", min_size=1, max_size=3),
        st.lists(st.floats(0.1, 100.0), min_size=0, max_size=15),
        max_size=8,
    )
)
def test_census_counts_add_up_to_the_series(data: dict[str, list[float]]) -> None:
    series = {k: YearlySeries(tuple(ALL[: len(v)]), tuple(v)) for k, v in data.items()}
    census = peak_census(series, smooth=True)
    assert sum(census.counts.values()) == len(series)
    assert list(census.counts) == [
        PeakStatus.RISING,
        PeakStatus.PLATEAU,
        PeakStatus.PEAKED,
        PeakStatus.INSUFFICIENT,
    ]


def test_series_from_long_rows() -> None:
    rows = [
        {"city_zh": "乙", "year": "2002", "co2_mt": "2.5"},
        {"city_zh": "甲", "year": "2001", "co2_mt": "1"},
        {"city_zh": "乙", "year": "2001", "co2_mt": "2"},
        {"city_zh": "乙", "year": "2003", "co2_mt": ""},  # a gap
    ]
    series = series_from_rows(rows)
    assert list(series) == ["乙", "甲"]
    assert series["乙"] == YearlySeries((2001, 2002), (2.0, 2.5))
    _refused(lambda: series_from_rows([*rows, rows[0]]), "year", "2002")
    _refused(lambda: series_from_rows([{"city_zh": "甲", "year": "x", "co2_mt": "1"}]), "co2_mt")


# --- the packaged CEADs table ---------------------------------------------------------------


def test_packaged_ceads_table_and_census() -> None:
    from citycarbon.refdata.loader import load_codelist, table_infos

    info = table_infos()["ceads_city_co2"]
    for text in (info.document, info.licence):
        assert "Shan" in text
        assert "10.1016/j.scib.2022.08.024" in text
        assert "Scientific Data 6" in text
    series = series_from_rows(load_codelist("ceads_city_co2"))
    assert len(series) == 290
    zhenjiang = dict(zip(series["江苏镇江"].years, series["江苏镇江"].values, strict=True))
    assert zhenjiang[2017] == pytest.approx(52.795, abs=5e-4)
    assert zhenjiang[2019] == pytest.approx(53.286, abs=5e-4)
    # the Jiangsu table (low-carbon index) is cut from the same source
    jiangsu = next(r for r in load_codelist("ceads_jiangsu_city_co2") if r["code"] == "321100")
    assert all(float(jiangsu[f"co2_{y}"]) == zhenjiang[y] for y in range(2005, 2020))

    census = peak_census(series, as_of=2019)
    assert sum(census.counts.values()) == 290
    assert census.results["江苏镇江"].status is PeakStatus.RISING  # its maximum is 2019 itself
    run = backtest_many(series)
    assert len(run.results) + len(run.skipped) == 290
    assert "江苏镇江" in {r.name for r in run.complete()}
    assert np.isfinite([s.median_mape_pct for s in summarise(run.complete())]).all()
