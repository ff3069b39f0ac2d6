"""Back-test simple projections on the CEADs city series and count the cities that have peaked.

Reads the packaged table ``ceads_city_co2`` (290 cities, 1997–2019), fits every method of
``citycarbon.pathways.backtest`` on 2005–2014 and projects 2015–2019 for every city whose fit
window is complete, then runs peak detection with the default parameters on all 290 series
as of 2019. Prints per method the median and mean MAPE, the count of cities by peak status,
and the demo city's own figures (Zhenjiang, 江苏镇江).

    python scripts/pathways_backtest.py [--city 江苏镇江]

Source: CEADs; cite Shan et al. (2022) Science Bulletin 67(18) 1910-1920 and Shan et al.
(2019) Scientific Data 6, 1-10 with any figure this prints.
"""

from __future__ import annotations

import argparse

from citycarbon.pathways.backtest import (
    BacktestWindow,
    PeakCensus,
    SeriesBacktest,
    backtest_many,
    peak_census,
    series_from_rows,
    summarise,
)
from citycarbon.pathways.peak import CONFIRM_YEARS, MIN_POINTS, PLATEAU_TOLERANCE
from citycarbon.refdata.loader import load_codelist, table_infos

TABLE = "ceads_city_co2"
AS_OF = 2019


def _pct(value: float | None) -> str:
    return "   n/a" if value is None else f"{value:+6.1f}"


def _method_table(title: str, results: tuple[SeriesBacktest, ...], final_year: int) -> list[str]:
    header = (
        f"  method            n  MAPE median  MAPE mean  bias median  {final_year} err median  best"
    )
    return [f"{title}: {len(results)} cities", header] + [
        f"  {summary.method:<16}{summary.n_series:>3}  {summary.median_mape_pct:10.1f}%"
        f"  {summary.mean_mape_pct:8.1f}%  {_pct(summary.median_bias_pct):>10}%"
        f"  {_pct(summary.median_final_error_pct):>14}%  {summary.n_best:>4}"
        for summary in summarise(results)
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--city", default="江苏镇江", help="CEADs name of the city to detail")
    args = parser.parse_args()
    series = series_from_rows(load_codelist(TABLE))
    window = BacktestWindow()
    run = backtest_many(series, window)
    complete = run.complete()

    print(f"CEADs city CO2 ({table_infos()[TABLE].edition}): {len(series)} city series")
    print(
        f"Back-test: fit {window.fit_start}-{window.fit_end}, project "
        f"{window.fit_end + 1}-{window.test_end}; compound growth over {window.growth_years} "
        f"years, damping {window.damping}"
    )
    print(
        f"  {len(run.results)} cities with a complete fit window, {len(run.skipped)} refused "
        "(fit-window gaps or no test year)"
    )
    title = f"Complete {window.fit_start}-{window.test_end}"
    print("\n".join(_method_table(title, complete, window.test_end)))
    if len(complete) != len(run.results):
        title = "Complete fit window, test years as observed"
        print("\n".join(_method_table(title, run.results, window.test_end)))

    census = peak_census(series, as_of=AS_OF)
    counts = ", ".join(f"{status} {n}" for status, n in census.counts.items())
    print(
        f"Peak status at {AS_OF} (tolerance {PLATEAU_TOLERANCE:.0%}, confirm {CONFIRM_YEARS} "
        f"years, min {MIN_POINTS} points), all {len(census.results)} cities: {counts}"
    )
    current = {name: one for name, one in series.items() if one.years and one.years[-1] == AS_OF}
    print(
        f"  {len(series) - len(current)} of these series end before {AS_OF} (status as of their "
        f"last year); the {len(current)} observed in {AS_OF}: "
        + ", ".join(f"{s} {n}" for s, n in peak_census(current, as_of=AS_OF).counts.items())
    )
    smoothed = peak_census(series, as_of=AS_OF, smooth=True)
    print(
        "  with median-of-3 smoothing: "
        + ", ".join(f"{status} {n}" for status, n in smoothed.counts.items())
    )

    _print_city(args.city, run.results, census)
    print(f"Source: {table_infos()[TABLE].licence}")
    return 0


def _print_city(city: str, results: tuple[SeriesBacktest, ...], census: PeakCensus) -> None:
    peak = census.results.get(city)
    if peak is None:
        print(f"{city}: not in the table")
        return
    print(
        f"{city}: peak status {peak.status}, peak {peak.peak_year} at {peak.peak_value:.3f} Mt, "
        f"plateau {peak.plateau_start}-{peak.plateau_end}, {peak.n_points} points"
    )
    backtest = next((r for r in results if r.name == city), None)
    if backtest is None:
        print(f"  {city}: no back-test (incomplete fit window)")
        return
    for errors in backtest.errors.values():
        actual = errors.actual[-1] if errors.final_error is not None else None
        print(
            f"  {errors.method:<16} MAPE {errors.mape_pct:5.1f}%  bias {errors.bias_pct:+6.1f}%"
            f"  2019 projected {errors.final_projected:6.2f} Mt vs actual "
            + ("n/a" if actual is None else f"{actual:.2f} Mt ({_pct(errors.final_error_pct)}%)")
        )


if __name__ == "__main__":
    raise SystemExit(main())
