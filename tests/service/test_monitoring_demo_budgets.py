"""The demo's budgets: this month's energy and carbon budgets of a key energy user with
meters, from its typical reported month of the metered carriers only; a metered carrier it
never reports (a power plant's own use) at the level the simulator publishes."""

from __future__ import annotations

import pytest
from monitoring_fixtures import local_epoch
from mrv_city import FIRM_A, FIRM_B, build_city
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from citycarbon.demo.budgets import seed_budgets
from citycarbon.ingest.simulator import DEFAULT_MONTH
from citycarbon.lake.factors import build_factors
from citycarbon.monitoring.meters import Carrier
from citycarbon.service import report_contents, reports
from citycarbon.service.actor import LOCAL_ADMIN
from citycarbon.service.reports import LineInput
from citycarbon.store.models import Enterprise
from citycarbon.store.models_monitoring import EnergyBudget
from citycarbon.testing.meters import add_meter


def test_budgets_follow_the_typical_month_of_metered_carriers(
    db_sessions: sessionmaker[Session],
):
    city = build_city(db_sessions)
    lines = [
        LineInput(category="IND.1", activity="electricity", quantity=100.0, unit="MWh"),
        LineInput(category="1.A.2", activity="raw_coal", quantity=1000.0, unit="t"),  # no meter
    ]
    with db_sessions.begin() as session:
        session.execute(update(Enterprise).values(is_key_energy_user=True))
        for month in (9, 10):
            report = reports.open_report(session, LOCAL_ADMIN, FIRM_A, 2026, month)
            report_contents.put_lines(session, LOCAL_ADMIN, report.id, lines)
        add_meter(session, city.enterprise_ids[FIRM_A], "A-E1")
        add_meter(session, city.enterprise_ids[FIRM_B], "B-E1")  # never reported
    with db_sessions.begin() as session:
        made = seed_budgets(session, now=local_epoch(2026, 11, 3))
    assert made == 4
    grid = {r["carrier"]: r for r in build_factors([2026]).to_pylist()}["electricity"]
    with db_sessions() as session:
        of_b = {
            b.kind: b.amount
            for b in session.scalars(
                select(EnergyBudget).where(
                    EnergyBudget.enterprise_id == city.enterprise_ids[FIRM_B]
                )
            )
        }
        budgets = {
            b.kind: b
            for b in session.scalars(
                select(EnergyBudget).where(
                    EnergyBudget.month == 11,
                    EnergyBudget.enterprise_id == city.enterprise_ids[FIRM_A],
                )
            )
        }
    level = DEFAULT_MONTH[Carrier.ELECTRICITY]
    assert of_b["energy"] == pytest.approx(level * grid["tce_per_unit"] * 1.05, abs=1e-3)
    assert budgets["energy"].amount == pytest.approx(
        100_000 * grid["tce_per_unit"] * 1.05, abs=1e-3
    )
    assert budgets["carbon"].amount == pytest.approx(
        100_000 * grid["tco2_per_unit"] * 1.05, abs=1e-3
    )
    assert budgets["energy"].unit == "tce"
    assert budgets["carbon"].unit == "t"
