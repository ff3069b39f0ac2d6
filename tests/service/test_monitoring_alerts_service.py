"""Budgets and alerts on the real database and a real lake: the pace alert fires from the
month-to-date rollup and clears when the budget is raised; silent and spiking meters alert;
a second evaluation at the same moment changes nothing; every list is scoped."""

from __future__ import annotations

from pathlib import Path

import pytest
from monitoring_fixtures import export_dims, local_epoch, readings, write
from mrv_city import FIRM_A, FIRM_B, City, build_city, report_in_state
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from citycarbon.monitoring.budgets import BudgetError
from citycarbon.service.access import ForbiddenError
from citycarbon.service.monitoring_alerts import evaluate_alerts, list_alerts
from citycarbon.service.monitoring_budgets import list_budgets, set_budget
from citycarbon.store.models import AuditEntry
from citycarbon.store.models_monitoring import MonitoringAlert
from citycarbon.testing.meters import add_meter

NOW = local_epoch(2026, 11, 15, 12)  # 14.5 of 30 days: elapsed share 0.4833
MONTH_START = local_epoch(2026, 11, 1)
KWH = 100.0  # per 15 minutes: 1392 readings to NOW → 139,200 kWh ≈ 17.11 tce


@pytest.fixture
def city(db_sessions: sessionmaker[Session]) -> City:
    return build_city(db_sessions)


@pytest.fixture
def lake(db_sessions: sessionmaker[Session], city: City, tmp_path: Path) -> Path:
    """Firm A: one electricity meter reading 100 kWh every 15 min since the month began.
    Firm B: a meter whose last reading spikes, and a meter that never reported."""
    root = tmp_path / "lake"
    with db_sessions.begin() as session:
        steady = add_meter(session, city.enterprise_ids[FIRM_A], "A-E1")
        spiky = add_meter(session, city.enterprise_ids[FIRM_B], "B-E1")
        add_meter(session, city.enterprise_ids[FIRM_B], "B-E2")
        export_dims(session, root)
    count = (NOW - MONTH_START) // 900
    write(root, readings(steady, MONTH_START + 900, count, KWH))
    write(root, readings(spiky, NOW - 95 * 900, 95, 10.0))
    write(root, readings(spiky, NOW, 1, 5000.0))
    return root


def _alerts(sessions: sessionmaker[Session]) -> list[tuple[str, str, str]]:
    with sessions() as session:
        rows = session.scalars(select(MonitoringAlert).order_by(MonitoringAlert.id))
        return [(r.subject, r.kind, r.state) for r in rows]


def test_budget_is_set_by_the_city_office_audited_and_listed_by_scope(
    db_sessions: sessionmaker[Session], city: City
):
    with db_sessions.begin() as session:
        row = set_budget(session, city.actors["city"], FIRM_A, 2026, 11, "energy", 30.0)
        assert (row["amount"], row["unit"]) == (30.0, "tce")
        changed = set_budget(session, city.actors["city"], FIRM_A, 2026, 11, "energy", 40.0)
        assert changed["id"] == row["id"]
        set_budget(session, city.actors["city"], FIRM_B, 2026, 11, "carbon", 5000.0, "kg")
    with db_sessions() as session:
        audit = session.scalars(
            select(AuditEntry).where(AuditEntry.entity == "energy_budget").order_by(AuditEntry.id)
        ).all()
        assert [a.after["amount"] for a in audit if a.after] == [30.0, 40.0, 5.0]
        assert audit[1].before is not None
        assert audit[1].before["amount"] == 30.0
        seen = {b["credit_code"] for b in list_budgets(session, city.actors["city"])}
        assert seen == {FIRM_A, FIRM_B}
        assert [b["credit_code"] for b in list_budgets(session, city.actors["firm_a"])] == [FIRM_A]
        assert [b["credit_code"] for b in list_budgets(session, city.actors["district"])] == [
            FIRM_A
        ]
        assert list_budgets(session, city.actors["verifier_a"]) == []  # nothing assigned yet
    report_in_state(db_sessions, FIRM_B, "checked")
    with db_sessions() as session:
        assigned = list_budgets(session, city.actors["verifier_a"])
        assert [b["credit_code"] for b in assigned] == [FIRM_B]
        with pytest.raises(ForbiddenError):
            list_budgets(session, city.actors["public"])


@pytest.mark.parametrize("who", ["district", "firm_a", "verifier_a"])
def test_only_the_city_office_sets_budgets(db_sessions: sessionmaker[Session], city: City, who):
    with db_sessions.begin() as session, pytest.raises(ForbiddenError):
        set_budget(session, city.actors[who], FIRM_A, 2026, 11, "energy", 30.0)


@pytest.mark.parametrize(
    ("kind", "amount", "unit", "field"),
    [
        ("water", 1.0, None, "kind"),
        ("energy", -1.0, None, "amount"),
        ("energy", float("nan"), None, "amount"),
        ("energy", 1.0, "t", "unit"),
        ("carbon", 1.0, "tce", "unit"),
    ],
)
def test_a_bad_budget_names_its_field(
    db_sessions: sessionmaker[Session], city: City, kind, amount, unit, field
):
    with db_sessions.begin() as session, pytest.raises(BudgetError) as caught:
        set_budget(session, city.actors["city"], FIRM_A, 2026, 11, kind, amount, unit)
    assert caught.value.field == field
    assert caught.value.message.zh
    assert caught.value.message.en


def test_pace_alert_fires_is_idempotent_and_clears_when_the_budget_is_raised(
    db_sessions: sessionmaker[Session], city: City, lake: Path
):
    with db_sessions.begin() as session:
        set_budget(session, city.actors["city"], FIRM_A, 2026, 11, "energy", 30.0)
    with db_sessions.begin() as session:
        first = evaluate_alerts(session, lake, NOW)
    assert first.opened == 3  # pace of firm A, the spike and the silent meter of firm B
    opened = _alerts(db_sessions)
    assert (f"{FIRM_A}/2026-11/energy", "pace_above_budget", "open") in opened
    assert ("meter/B-E1", "abnormal_spike", "open") in opened
    assert ("meter/B-E2", "meter_silent", "open") in opened
    assert all(kind != "meter_silent" or subject == "meter/B-E2" for subject, kind, _ in opened)
    with db_sessions() as session:
        pace = session.scalars(
            select(MonitoringAlert).where(MonitoringAlert.kind == "pace_above_budget")
        ).one()
        assert pace.detail is not None
        assert pace.detail["actual"] == pytest.approx(139_200 * 0.0001229, abs=1e-3)  # kgce
        assert pace.detail["budget_so_far"] == pytest.approx(30.0 * 14.5 / 30)
        assert pace.detail["factor_ids"] == ["cn_gbt2589_energy:tce_coefficient:electricity"]
        assert pace.detail["factor_sets"] == ["cn-city@2026.1"]
        assert "tce" in pace.detail["zh"]
        assert "tce" in pace.detail["en"]

    with db_sessions.begin() as session:  # the same moment again: nothing changes
        again = evaluate_alerts(session, lake, NOW)
    assert (again.opened, again.refreshed, again.cleared) == (0, 0, 0)
    assert _alerts(db_sessions) == opened

    with db_sessions.begin() as session:
        set_budget(session, city.actors["city"], FIRM_A, 2026, 11, "energy", 40.0)
    with db_sessions.begin() as session:
        raised = evaluate_alerts(session, lake, NOW + 60)
    assert raised.cleared == 1
    assert (f"{FIRM_A}/2026-11/energy", "pace_above_budget", "cleared") in _alerts(db_sessions)
    with db_sessions() as session:  # the cleared row says why: the pace under the new budget
        done = session.scalars(
            select(MonitoringAlert).where(MonitoringAlert.kind == "pace_above_budget")
        ).one()
        assert done.detail is not None
        assert done.detail["budget"] == 40.0
        assert "40 tce" in done.detail["en"]

    with db_sessions.begin() as session:  # an older moment cannot reopen what was cleared
        stale = evaluate_alerts(session, lake, NOW)
    assert stale.opened == 0
    with db_sessions() as session:
        firm_a = list_alerts(session, city.actors["firm_a"], state="all")
        assert {a["kind"] for a in firm_a} == {"pace_above_budget"}
        assert firm_a[0]["state"] == "cleared"
        assert firm_a[0]["label_zh"]
        assert firm_a[0]["label_en"]
        open_for_city = list_alerts(session, city.actors["city"], state="open")
        assert {a["subject"] for a in open_for_city} == {"meter/B-E1", "meter/B-E2"}
        assert list_alerts(session, city.actors["district"], state="open") == []  # B: 润州区


def test_silent_meter_clears_when_readings_arrive_and_month_end_closes_pace(
    db_sessions: sessionmaker[Session], city: City, lake: Path
):
    with db_sessions.begin() as session:
        set_budget(session, city.actors["city"], FIRM_A, 2026, 11, "energy", 30.0)
        evaluate_alerts(session, lake, NOW)
    with db_sessions() as session:
        silent_id = session.scalars(select(MonitoringAlert.meter_id).where(
            MonitoringAlert.subject == "meter/B-E2")).one()  # fmt: skip
    write(lake, readings(silent_id, NOW - 900, 2, 10.0))
    later = local_epoch(2026, 12, 1, 0, 15)  # next month: November's budget is no longer observed
    with db_sessions.begin() as session:
        result = evaluate_alerts(session, lake, later)
    states = {(s, k): st for s, k, st in _alerts(db_sessions)}
    assert states[(f"{FIRM_A}/2026-11/energy", "pace_above_budget")] == "cleared"
    # B-E2 reported at NOW, then fell silent again for two weeks: still (again) silent
    assert states[("meter/B-E2", "meter_silent")] == "open"
    assert result.cleared >= 1
