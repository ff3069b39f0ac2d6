"""Data-quality rules on constructed series with known answers."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from citycarbon.monitoring.quality import (
    MonitoringRules,
    QualityError,
    daily_completeness,
    daily_totals,
    day_slot_range,
    find_gaps,
    find_spikes,
    find_stuck,
    local_day,
    reconcile_month,
    robust_z,
    rules_from_rows,
)
from citycarbon.refdata.loader import load_codelist

HAS_CJK = re.compile(r"[\u4e00-\u9fff]")
# the packaged national bars: 90 % complete per day, daily vs monthly within 5 %
RULES = rules_from_rows(load_codelist("cn_online_monitoring_rules"))
DAY = "2026-03-01"
T0 = 1_772_294_400  # 2026-03-01 00:00 CST
Q = 900


def day_slots(day: str = DAY) -> np.ndarray:
    first, last = day_slot_range(day, Q)
    return np.arange(first, last + 1, Q)


def test_day_slot_range_is_local_midnight_to_midnight() -> None:
    first, last = day_slot_range(DAY, Q)
    assert (first, last) == (T0 + Q, T0 + 86400)
    # the reading stamped 00:00 on 1 March closes 28 February
    days = local_day([T0, T0 + Q, T0 + 86400], Q)
    assert [str(d) for d in days] == ["2026-02-28", DAY, DAY]


def test_complete_day_is_one() -> None:
    result = daily_completeness(day_slots(), Q, threshold=RULES.completeness_min)
    assert [str(d) for d in result.days] == [DAY]
    assert result.completeness.tolist() == [1.0]
    assert result.readings.tolist() == [96]
    assert result.expected == 96
    assert not result.flagged.any()
    assert result.messages("M1") == []


def test_three_hour_gap() -> None:
    slots = day_slots()
    gap = slots[(slots > T0 + 10 * 3600) & (slots <= T0 + 13 * 3600)]
    assert gap.size == 12
    kept = np.setdiff1d(slots, gap)
    result = daily_completeness(kept, Q, threshold=RULES.completeness_min)
    assert result.completeness[0] == pytest.approx(84 / 96)
    assert result.longest_gap.tolist() == [12]
    assert result.flagged.tolist() == [True]
    (message,) = result.messages("M1")
    assert "87.5%" in message.zh
    assert "90%" in message.en
    assert HAS_CJK.search(message.zh)

    gaps = find_gaps(kept, Q, *day_slot_range(DAY, Q))
    assert gaps.longest == 12
    assert gaps.missing == 12
    assert gaps.starts.tolist() == [T0 + 10 * 3600 + Q]
    assert gaps.ends.tolist() == [T0 + 13 * 3600]
    (text,) = gaps.messages("M1")
    assert "3 h" in text.en
    assert "3 小时" in text.zh


def test_gaps_at_both_ends_and_none() -> None:
    slots = day_slots()
    first, last = day_slot_range(DAY, Q)
    gaps = find_gaps(slots[2:-1], Q, first, last)
    assert gaps.lengths.tolist() == [2, 1]
    assert gaps.starts.tolist() == [first, last]
    assert find_gaps(slots, Q, first, last).longest == 0
    assert find_gaps([], Q, first, last).lengths.tolist() == [96]


def test_days_without_readings_count_as_zero_and_duplicates_once() -> None:
    slots = day_slots()
    twice = np.concatenate([slots[:48], slots[:48]])
    result = daily_completeness(
        twice, Q, first_day="2026-02-28", last_day="2026-03-02", threshold=RULES.completeness_min
    )
    assert [str(d) for d in result.days] == ["2026-02-28", DAY, "2026-03-02"]
    assert result.completeness.tolist() == [0.0, 0.5, 0.0]
    assert result.longest_gap.tolist() == [96, 48, 96]
    only_start = daily_completeness([], Q, first_day=DAY, threshold=RULES.completeness_min)
    assert [str(d) for d in only_start.days] == [DAY]
    assert only_start.longest_gap.tolist() == [96]
    assert result.flagged.tolist() == [True, True, True]


def test_completeness_parameters_are_checked() -> None:
    with pytest.raises(QualityError) as caught:
        daily_completeness(day_slots(), 7, threshold=RULES.completeness_min)
    assert caught.value.field == "interval_s"
    with pytest.raises(QualityError) as caught:
        daily_completeness(day_slots(), Q, threshold=0)
    assert caught.value.field == "threshold"
    with pytest.raises(QualityError) as caught:
        daily_completeness(day_slots(), Q, first_day="1 March", threshold=RULES.completeness_min)
    assert caught.value.field == "day"


def test_stuck_run() -> None:
    ts = day_slots()[:30]
    values = np.arange(30, dtype=float) + 1.0
    values[5:15] = 42.0  # ten readings in a row
    values[20:27] = 7.0  # seven: below the default run of eight
    runs = find_stuck(ts, values, Q)
    assert runs.lengths.tolist() == [10]
    assert runs.starts.tolist() == [ts[5]]
    assert runs.ends.tolist() == [ts[14]]
    assert runs.values.tolist() == [42.0]
    assert "卡表" in runs.messages("M1")[0].zh
    assert find_stuck(ts, values, Q, min_run=7).lengths.tolist() == [10, 7]


def test_zero_runs_and_runs_across_a_gap_are_not_stuck() -> None:
    ts = day_slots()[:20]
    assert find_stuck(ts, np.zeros(20), Q).lengths.size == 0  # a plant switched off
    holey = np.delete(ts, 6)  # 6 + 13 equal readings, broken by a missing slot
    assert find_stuck(holey, np.full(19, 3.0), Q).lengths.tolist() == [13]


def test_one_spike_among_noise() -> None:
    rng = np.random.default_rng(7)
    values = 100 + rng.normal(0, 2, 500)
    values[321] = 160.0
    spikes = find_spikes(values)
    assert spikes.rows.tolist() == [321]
    assert spikes.z[321] > 6
    whole = find_spikes(values, window=None)
    assert whole.rows.tolist() == [321]
    (message,) = spikes.messages("M1", day_slots(DAY)[:1].repeat(500))
    assert "robust z" in message.en
    assert "稳健" in message.zh


def test_pure_noise_has_no_spike_and_flat_series_fall_back() -> None:
    rng = np.random.default_rng(11)
    assert find_spikes(100 + rng.normal(0, 2, 2000)).rows.size == 0
    flat = np.full(50, 5.0)
    assert find_spikes(flat).rows.size == 0
    flat[10] = 5.5  # MAD 0: the mean absolute deviation takes over
    assert find_spikes(flat).rows.tolist() == [10]
    z = robust_z([1.0, np.nan, 1.0, 1.0])
    assert np.isnan(z[1])
    assert z[0] == 0.0


def test_reconciliation_month_six_percent_off() -> None:
    daily = np.full(31, 100.0)  # Σ = 3100
    off = reconcile_month(daily, 3100 / 1.06, tolerance=RULES.daily_monthly_tolerance)
    assert off.relative_difference == pytest.approx(0.06)
    assert off.flagged
    assert "+6.0%" in off.message("E1 2026-03").en
    assert "±5%" in off.message("E1").zh
    near = reconcile_month(daily, 3100 / 0.96, tolerance=RULES.daily_monthly_tolerance)
    assert near.relative_difference == pytest.approx(-0.04)
    assert not near.flagged
    below = reconcile_month(daily, 3100 / 0.94, tolerance=RULES.daily_monthly_tolerance)
    assert below.flagged
    assert below.relative_difference == pytest.approx(-0.06)
    assert (
        reconcile_month([0.0], 0.0, tolerance=RULES.daily_monthly_tolerance).relative_difference
        == 0.0
    )
    assert reconcile_month([1.0], 0.0, tolerance=RULES.daily_monthly_tolerance).flagged
    with pytest.raises(QualityError) as caught:
        reconcile_month([1.0, float("nan")], 2.0, tolerance=RULES.daily_monthly_tolerance)
    assert caught.value.field == "daily"


def test_daily_totals_feed_the_reconciliation() -> None:
    ts = np.concatenate([day_slots(DAY), day_slots("2026-03-02")])
    consumption = np.ones(ts.size)
    consumption[3] = np.nan
    days, sums = daily_totals(ts, consumption, Q)
    assert [str(d) for d in days] == [DAY, "2026-03-02"]
    assert sums.tolist() == [95.0, 96.0]


@settings(max_examples=150, deadline=None)
@given(
    offsets=st.lists(st.integers(-86400, 3 * 86400), max_size=400),
    interval=st.sampled_from([60, 300, 900, 3600]),
)
def test_completeness_lies_in_unit_interval_and_gaps_add_up(
    offsets: list[int], interval: int
) -> None:
    ts = np.asarray([T0 + o for o in offsets], dtype=np.int64)
    result = daily_completeness(
        ts,
        interval,
        first_day="2026-02-28",
        last_day="2026-03-04",
        threshold=RULES.completeness_min,
    )
    assert np.all((result.completeness >= 0) & (result.completeness <= 1))
    first, last = day_slot_range(DAY, interval)
    gaps = find_gaps(ts, interval, first, last)
    day_index = 1  # 2026-03-01 in the range above
    assert gaps.missing + result.readings[day_index] == 86400 // interval
    assert gaps.longest == result.longest_gap[day_index]


def test_spike_within_daily_groups() -> None:
    rng = np.random.default_rng(5)
    ts = np.concatenate([day_slots(DAY), day_slots("2026-03-02")])
    # the second day runs at twice the load: a whole-series window would see two levels
    values = np.concatenate([100 + rng.normal(0, 2, 96), 200 + rng.normal(0, 2, 96)])
    values[150] = 260.0
    spikes = find_spikes(values, groups=local_day(ts, Q))
    assert spikes.rows.tolist() == [150]
    values[10] = np.nan
    with_gap = find_spikes(values, groups=local_day(ts, Q))
    assert with_gap.rows.tolist() == [150]
    assert np.isnan(with_gap.z[10])
    with pytest.raises(QualityError) as caught:
        find_spikes(values, groups=local_day(ts[:-1], Q))
    assert caught.value.field == "groups"


@settings(max_examples=100, deadline=None)
@given(
    values=st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=60),
    labels=st.lists(st.integers(0, 3), min_size=60, max_size=60),
)
def test_grouped_z_equals_whole_series_z_of_each_group(
    values: list[float], labels: list[int]
) -> None:
    x = np.asarray(values)
    groups = np.asarray(labels[: x.size])
    grouped = robust_z(x, groups=groups)
    for label in np.unique(groups):
        inside = groups == label
        expected = robust_z(x[inside], None)
        assert grouped[inside] == pytest.approx(expected, nan_ok=True)


def test_robust_z_by_hand() -> None:
    # median 3, absolute deviations 2, 1, 0, 1, 97: MAD 1, σ estimate 1.4826
    z = robust_z([1.0, 2.0, 3.0, 4.0, 100.0], None)
    assert z == pytest.approx([-2 / 1.4826, -1 / 1.4826, 0.0, 1 / 1.4826, 97 / 1.4826])


def test_completeness_threshold_is_inclusive() -> None:
    minutes = day_slot_range(DAY, 60)[0] + 60 * np.arange(1440)
    exactly = daily_completeness(
        minutes[:1296], 60, threshold=RULES.completeness_min
    )  # 1296 / 1440 = 0.90
    assert exactly.completeness[0] == pytest.approx(0.9)
    assert not exactly.flagged[0]
    assert daily_completeness(minutes[:1295], 60, threshold=RULES.completeness_min).flagged[0]


def test_the_packaged_bars_and_bad_rule_rows() -> None:
    assert (RULES.completeness_min, RULES.daily_monthly_tolerance) == (0.90, 0.05)
    assert isinstance(RULES, MonitoringRules)
    with pytest.raises(QualityError) as caught:
        rules_from_rows([{"code": "completeness_min", "value": "90"}])
    assert caught.value.field == "value"
    assert "(0, 1]" in caught.value.message.en
    with pytest.raises(QualityError, match="daily_monthly_tolerance"):
        rules_from_rows([{"code": "completeness_min", "value": "0.9"}])
