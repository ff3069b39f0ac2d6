"""Meter registry entries and the batch checks: conversion, rejections, duplicates, registers."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from citycarbon.monitoring.meters import (
    Carrier,
    Consumption,
    Meter,
    MeterError,
    MeterKind,
    Rejection,
    check_readings,
    epoch_seconds,
)

HAS_CJK = re.compile(r"[\u4e00-\u9fff]")
CODE = "91110000710925462X"
T0 = 1_772_294_400  # 2026-02-28T16:00:00Z = 2026-03-01 00:00 CST, a multiple of 900
NOW = T0 + 86400


def meter(**changes: object) -> Meter:
    fields: dict[str, object] = {
        "meter_id": "M1",
        "credit_code": CODE,
        "facility": "1号变电站",
        "carrier": Carrier.ELECTRICITY,
        "unit": "kWh",
    }
    fields.update(changes)
    return Meter(**fields)  # type: ignore[arg-type]


def test_mwh_meter_with_multiplier_gives_kwh() -> None:
    m = meter(unit="MWh", multiplier=100)
    result = check_readings(m, [T0 + 900, T0 + 1800], [1.5, 0.25], NOW)
    assert result.values == pytest.approx([150_000.0, 25_000.0])
    assert result.consumption == pytest.approx([150_000.0, 25_000.0])
    assert m.base_unit == "kWh"


def test_gas_meter_in_wan_nm3_converts_to_m3() -> None:
    m = meter(carrier="natural_gas", unit="10^4 Nm3")
    assert m.carrier is Carrier.NATURAL_GAS
    result = check_readings(m, [T0 + 900], [0.2], NOW)
    assert result.values == pytest.approx([2000.0])


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"meter_id": "  "}, "meter_id"),
        ({"credit_code": "91110000710925462Y"}, "credit_code"),
        ({"facility": ""}, "facility"),
        ({"carrier": "plutonium"}, "carrier"),
        ({"kind": "sometimes"}, "kind"),
        ({"unit": "t"}, "unit"),
        ({"multiplier": 0.0}, "multiplier"),
        ({"multiplier": float("nan")}, "multiplier"),
        ({"interval_s": 7}, "interval_s"),
        ({"interval_s": 0}, "interval_s"),
        ({"interval_s": 900.5}, "interval_s"),
    ],
)
def test_bad_registry_entry_names_the_field(changes: dict[str, object], field: str) -> None:
    with pytest.raises(MeterError) as caught:
        meter(**changes)
    assert caught.value.field == field
    assert HAS_CJK.search(caught.value.message.zh)
    assert caught.value.message.en
    assert not HAS_CJK.search(caught.value.message.en)


def test_each_rejection_reason_in_both_languages() -> None:
    ts = [T0 + 900, T0 + 1800, NOW + 301, T0 + 2710, T0 + 3600, T0 + 4500]
    values = [1.0, float("nan"), 2.0, 3.0, -4.0, 5.0]
    units = ["kWh", "kWh", "kWh", "kWh", "kWh", "m3"]
    result = check_readings(meter(), ts, values, NOW, units=units)
    assert result.n_accepted == 1
    assert result.accepted_rows.tolist() == [0]
    by_row = {r.row: r for r in result.rejected()}
    assert {row: r.code for row, r in by_row.items()} == {
        1: Rejection.NON_FINITE,
        2: Rejection.FUTURE,
        3: Rejection.MISALIGNED,
        4: Rejection.NEGATIVE,
        5: Rejection.UNIT,
    }
    assert result.rejection_counts() == dict.fromkeys(Rejection, 1)
    for r in by_row.values():
        assert "M1" in r.reason.zh
        assert "M1" in r.reason.en
        assert HAS_CJK.search(r.reason.zh)
        assert not HAS_CJK.search(r.reason.en)
    assert "时钟" in by_row[2].reason.zh
    assert "clock skew" in by_row[2].reason.en
    assert by_row[5].unit == "m3"
    assert by_row[4].value == -4.0


def test_first_failing_check_decides_the_reason() -> None:
    # NaN, in the future and misaligned at once: non_finite is checked first
    result = check_readings(meter(), [NOW + 10_000 + 7], [float("nan")], NOW)
    assert result.rejected()[0].code is Rejection.NON_FINITE


def test_clock_skew_boundary() -> None:
    m = meter(interval_s=60)
    result = check_readings(m, [NOW + 300, NOW + 360], [1.0, 1.0], NOW)
    assert result.timestamps.tolist() == [NOW + 300]
    assert result.rejected()[0].code is Rejection.FUTURE
    wider = check_readings(m, [NOW + 360], [1.0], NOW, max_future=360)
    assert wider.n_accepted == 1


def test_alignment_tolerance_snaps_and_none_switches_off() -> None:
    ts = [T0 + 900 + 20, T0 + 1800 - 25]
    strict = check_readings(meter(), ts, [1.0, 2.0], NOW)
    assert strict.n_accepted == 0
    loose = check_readings(meter(), ts, [1.0, 2.0], NOW, align_tolerance=30)
    assert loose.timestamps.tolist() == [T0 + 900, T0 + 1800]
    off = check_readings(meter(), ts, [1.0, 2.0], NOW, align_tolerance=None)
    assert off.timestamps.tolist() == ts
    with pytest.raises(MeterError) as caught:
        check_readings(meter(), ts, [1.0, 2.0], NOW, align_tolerance=450)
    assert caught.value.field == "align_tolerance"


def test_duplicates_last_wins_and_output_is_sorted() -> None:
    ts = [T0 + 1800, T0 + 900, T0 + 1800, T0 + 2700, T0 + 900]
    result = check_readings(meter(), ts, [1.0, 2.0, 3.0, 4.0, 5.0], NOW)
    assert result.timestamps.tolist() == [T0 + 900, T0 + 1800, T0 + 2700]
    assert result.values.tolist() == [5.0, 3.0, 4.0]
    assert result.accepted_rows.tolist() == [4, 2, 3]
    assert result.duplicates == 2


def test_a_rejected_replay_does_not_replace_a_good_reading() -> None:
    result = check_readings(meter(), [T0 + 900, T0 + 900], [7.0, -1.0], NOW)
    assert result.values.tolist() == [7.0]
    assert result.duplicates == 0
    assert result.n_rejected == 1


def test_export_meter_accepts_negative_values() -> None:
    m = meter(export_allowed=True)
    result = check_readings(m, [T0 + 900], [-12.5], NOW)
    assert result.values.tolist() == [-12.5]


def test_datetime64_timestamps_and_now() -> None:
    ts = np.array(["2026-03-01T00:15:00", "2026-03-01T00:30:00"], dtype="datetime64[s]")
    result = check_readings(meter(), ts, [1.0, 2.0], np.datetime64("2026-03-01T01:00:00"))
    assert result.timestamps.tolist() == epoch_seconds(ts).tolist()
    assert result.n_accepted == 2


def test_malformed_batches_raise_with_field() -> None:
    with pytest.raises(MeterError) as caught:
        check_readings(meter(), [T0, T0 + 900], [1.0], NOW)
    assert caught.value.field == "values"
    with pytest.raises(MeterError) as caught:
        check_readings(meter(), [T0 + 0.5], [1.0], NOW)
    assert caught.value.field == "timestamps"
    with pytest.raises(MeterError) as caught:
        check_readings(meter(), [T0], [1.0], NOW, units=["kWh", "kWh"])
    assert caught.value.field == "units"


def test_cumulative_register_difference() -> None:
    m = meter(kind=MeterKind.CUMULATIVE, unit="kWh", multiplier=10)
    ts = [T0 + 900 * k for k in (1, 2, 3)]
    first = check_readings(m, ts, [100.0, 103.0, 110.0], NOW)
    assert first.values == pytest.approx([1000.0, 1030.0, 1100.0])
    assert np.isnan(first.consumption[0])
    assert first.consumption_flag(0) is Consumption.FIRST
    assert first.consumption[1:] == pytest.approx([30.0, 70.0])
    cont = check_readings(m, ts, [100.0, 103.0, 110.0], NOW, previous_register=990.0)
    assert cont.consumption == pytest.approx([10.0, 30.0, 70.0])
    assert cont.consumption_flag(0) is Consumption.OK


def test_cumulative_rollover_and_reset() -> None:
    m = meter(kind="cumulative")
    ts = [T0 + 900 * k for k in (1, 2, 3, 4)]
    # 99990 → 5 wraps a 5-digit register (max 100000): 10 + 5 = 15; 20 → 3 is a reset
    result = check_readings(m, ts, [99_990.0, 5.0, 20.0, 3.0], NOW, register_max=100_000)
    assert result.consumption[1:3] == pytest.approx([15.0, 15.0])
    assert result.consumption_flag(1) is Consumption.ROLLOVER
    assert np.isnan(result.consumption[3])
    assert result.consumption_flag(3) is Consumption.RESET
    # without a register maximum every drop is a reset
    plain = check_readings(m, ts, [99_990.0, 5.0, 20.0, 3.0], NOW)
    assert plain.consumption_flag(1) is Consumption.RESET


def test_cumulative_export_meter_drop_is_net_export() -> None:
    m = meter(kind="cumulative", export_allowed=True)
    result = check_readings(m, [T0 + 900, T0 + 1800], [50.0, 40.0], NOW)
    assert result.consumption[1] == pytest.approx(-10.0)
    assert result.consumption_flag(1) is Consumption.OK


_rows = st.lists(
    st.tuples(
        st.integers(-3, 200),  # slot number, some after NOW
        st.sampled_from([0, 0, 0, 7]),  # seconds off the grid
        st.one_of(st.floats(-10, 1e6), st.just(float("nan")), st.just(float("inf"))),
    ),
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(rows=_rows, tolerance=st.sampled_from([None, 0, 10]))
def test_every_row_has_exactly_one_outcome_and_checking_is_idempotent(
    rows: list[tuple[int, int, float]], tolerance: int | None
) -> None:
    m = meter()
    now = T0 + 100 * 900
    ts = [T0 + slot * 900 + off for slot, off, _ in rows]
    values = [v for _, _, v in rows]
    result = check_readings(m, ts, values, now, align_tolerance=tolerance)
    assert result.n_accepted + result.n_rejected + result.duplicates == len(rows)
    assert np.all(np.diff(result.timestamps) > 0)
    assert np.all(result.values >= 0)
    assert np.all(np.isfinite(result.values))
    # a replay of the whole batch changes nothing
    again = check_readings(m, ts + ts, values + values, now, align_tolerance=tolerance)
    assert again.timestamps.tolist() == result.timestamps.tolist()
    assert again.values.tolist() == result.values.tolist()
    # checking the accepted rows again gives the same result without duplicates
    kept = result.accepted_rows
    redo = check_readings(
        m, np.asarray(ts)[kept], np.asarray(values)[kept], now, align_tolerance=tolerance
    )
    assert redo.timestamps.tolist() == result.timestamps.tolist()
    assert redo.values.tolist() == result.values.tolist()
    assert redo.duplicates == 0
    assert redo.n_rejected == 0
