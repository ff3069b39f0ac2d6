"""Budgets, the pace check, alert rules and the alert state machine."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from citycarbon.monitoring.budgets import (
    AlertKind,
    AlertState,
    Budget,
    BudgetError,
    BudgetKind,
    Observation,
    check_pace,
    month_bounds,
    pace_observation,
    replay_alerts,
    silent_observation,
    spike_observation,
    step_alerts,
)

HAS_CJK = re.compile(r"[\u4e00-\u9fff]")
CODE = "91110000710925462X"
T0 = 1_772_294_400  # 2026-03-01 00:00 CST
DAY = 86400


def budget(**changes: object) -> Budget:
    fields: dict[str, object] = {
        "credit_code": CODE,
        "year": 2026,
        "month": 3,
        "kind": BudgetKind.ENERGY,
        "amount": 3100.0,
        "unit": "tce",
    }
    fields.update(changes)
    return Budget(**fields)  # type: ignore[arg-type]


def test_month_bounds_in_china_time() -> None:
    assert month_bounds(2026, 3) == (T0, T0 + 31 * DAY)
    start, end = month_bounds(2024, 2, utc_offset_s=0)
    assert (end - start) == 29 * DAY  # leap year
    assert month_bounds(2026, 12)[1] - month_bounds(2026, 12)[0] == 31 * DAY
    with pytest.raises(BudgetError) as caught:
        month_bounds(2026, 13)
    assert caught.value.field == "month"


def test_pace_by_hand() -> None:
    b = budget()
    now = T0 + 10 * DAY  # 10 of 31 days: 1000 tce allowed so far
    on_pace = check_pace(b, 1000.0, now)
    assert on_pace.elapsed_share == pytest.approx(10 / 31)
    assert on_pace.budget_so_far == pytest.approx(1000.0)
    assert on_pace.pace_ratio == pytest.approx(1.0)
    assert not on_pace.flagged
    assert not check_pace(b, 1049.0, now).flagged  # within the 5 % tolerance
    ahead = check_pace(b, 1051.0, now)
    assert ahead.flagged
    assert ahead.projected == pytest.approx(1051.0 * 3.1)
    text = ahead.message()
    assert "能耗预算" in text.zh
    assert "energy budget" in text.en
    assert "3258" in text.en


def test_pace_converts_units_and_clips_the_share() -> None:
    b = budget(amount=31.0, unit="万tce")  # 310,000 tce
    assert b.amount_base == pytest.approx(310_000.0)
    check = check_pace(b, 29.3076 * 120_000, T0 + 10 * DAY, unit="GJ")  # 1 tce = 29.3076 GJ
    assert check.actual == pytest.approx(120_000.0)
    assert check.flagged
    before = check_pace(b, 0.0, T0 - 1)
    assert before.elapsed_share == 0.0
    assert np.isnan(before.projected)
    assert not before.flagged
    after = check_pace(b, 300_000.0, T0 + 40 * DAY, unit="tce")  # default: the budget unit
    assert after.elapsed_share == 1.0
    assert not after.flagged
    assert after.projected == pytest.approx(300_000.0)


def test_grace_period_and_carbon_budget() -> None:
    b = budget(kind="carbon", amount=500.0, unit="t")
    assert b.kind is BudgetKind.CARBON
    assert b.base_unit == "t"
    early = T0 + 3600
    assert check_pace(b, 10.0, early).flagged
    assert not check_pace(b, 10.0, early, grace_s=DAY).flagged
    assert "碳排放预算" in check_pace(b, 10.0, early).message().zh


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"credit_code": "123"}, "credit_code"),
        ({"month": 0}, "month"),
        ({"kind": "water"}, "kind"),
        ({"amount": -1.0}, "amount"),
        ({"amount": float("inf")}, "amount"),
        ({"unit": "kWh", "kind": "carbon"}, "unit"),
        ({"unit": "t"}, "unit"),
    ],
)
def test_bad_budget_names_the_field(changes: dict[str, object], field: str) -> None:
    with pytest.raises(BudgetError) as caught:
        budget(**changes)
    assert caught.value.field == field
    assert HAS_CJK.search(caught.value.message.zh)
    assert not HAS_CJK.search(caught.value.message.en)


def test_bad_pace_input() -> None:
    with pytest.raises(BudgetError) as caught:
        check_pace(budget(), -1.0, T0)
    assert caught.value.field == "actual"
    with pytest.raises(BudgetError) as caught:
        check_pace(budget(), 1.0, T0, unit="m3")
    assert caught.value.field == "unit"


def test_budget_alert_fires_and_clears() -> None:
    b = budget()
    # daily actuals: on pace, then a burst, then back under the pace line
    actuals = {5: 480.0, 10: 1200.0, 12: 1300.0, 20: 1900.0}
    observations = [pace_observation(check_pace(b, a, T0 + d * DAY)) for d, a in actuals.items()]
    step = step_alerts({}, observations)
    assert [(e.at, e.state) for e in step.events] == [
        (T0 + 10 * DAY, AlertState.OPEN),
        (T0 + 20 * DAY, AlertState.CLEARED),
    ]
    (alert,) = replay_alerts(observations)
    assert alert.kind is AlertKind.PACE_ABOVE_BUDGET
    assert (alert.opened_at, alert.cleared_at) == (T0 + 10 * DAY, T0 + 20 * DAY)
    assert alert.state is AlertState.CLEARED
    assert alert.message is not None
    assert "1300" in alert.message.en
    assert step.open == {}


def test_alert_state_carries_over_steps_and_refuses_old_observations() -> None:
    first = step_alerts({}, [Observation(100, "M1", AlertKind.METER_SILENT, True)])
    assert list(first.open) == [("M1", AlertKind.METER_SILENT)]
    second = step_alerts(
        first.open, [Observation(200, "M1", AlertKind.METER_SILENT, True)], last_at=first.last_at
    )
    assert second.events == []
    assert second.open[("M1", AlertKind.METER_SILENT)].last_seen == 200
    with pytest.raises(BudgetError) as caught:
        step_alerts(second.open, [Observation(150, "M1", AlertKind.METER_SILENT, False)])
    assert caught.value.field == "at"
    third = step_alerts(second.open, [Observation(300, "M1", AlertKind.METER_SILENT, False)])
    assert third.open == {}
    assert third.cleared[0].cleared_at == 300
    # other subjects and kinds are independent
    other = step_alerts(second.open, [Observation(50, "M2", AlertKind.ABNORMAL_SPIKE, True)])
    assert len(other.open) == 2


def test_silent_meter_rule() -> None:
    assert not silent_observation("M1", T0, T0 + 4 * 900, 900).active
    late = silent_observation("M1", T0, T0 + 4 * 900 + 1, 900)
    assert late.active
    assert late.kind is AlertKind.METER_SILENT
    assert late.at == T0 + 3601
    never = silent_observation("M1", None, T0, 900)
    assert never.active
    assert never.message is not None
    assert "从未上报" in never.message.zh
    assert silent_observation("M1", T0, T0 + 3 * 3600, 3600, k=4).active is False


def test_spike_rule_looks_at_the_latest_reading() -> None:
    rng = np.random.default_rng(3)
    values = list(100 + rng.normal(0, 2, 96))
    assert not spike_observation("M1", values, T0).active
    spiked = spike_observation("M1", [*values, 180.0], T0)
    assert spiked.active
    assert spiked.kind is AlertKind.ABNORMAL_SPIKE
    # an earlier spike does not hold the alert open
    assert not spike_observation("M1", [*values, 180.0, 100.5], T0).active
    assert not spike_observation("M1", [], T0).active


@settings(max_examples=150, deadline=None)
@given(flags=st.lists(st.booleans(), max_size=40))
def test_alerts_open_on_rising_edges_and_end_open_iff_last_active(flags: list[bool]) -> None:
    observations = [
        Observation(10 * i, "E1", AlertKind.PACE_ABOVE_BUDGET, flag) for i, flag in enumerate(flags)
    ]
    step = step_alerts({}, observations)
    rising = sum(1 for i, f in enumerate(flags) if f and (i == 0 or not flags[i - 1]))
    opened = [e for e in step.events if e.state is AlertState.OPEN]
    assert len(opened) == rising
    assert len(step.cleared) == rising - len(step.open)
    assert bool(step.open) == (bool(flags) and flags[-1])
    # splitting the observations over two steps gives the same alerts
    half = len(observations) // 2
    a = step_alerts({}, observations[:half])
    b = step_alerts(a.open, observations[half:], last_at=a.last_at)
    assert [*a.cleared, *b.cleared] == step.cleared
    assert b.open == step.open
