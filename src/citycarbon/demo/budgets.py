"""Demo budgets: an energy (tce) and a carbon (t CO2) budget for the current month for each
key energy user that has meters, from its typical month of the metered carriers.

Typical month: the mean of the enterprise's current monthly reports of the latest year it
reported, counting only the lines of carriers it has meters for (electricity, natural gas,
heat), converted with the lake's factor rows (the engine's reference data) — so the budget
compares like with like: metered carriers against metered carriers. ``headroom`` scales it
(1.05: a month like the typical one stays on pace; the simulator's noise and spikes, or a
lowered budget, make the pace alert fire).

Called by the demo after the meters are seeded (:mod:`citycarbon.demo.meters`)::

    from citycarbon.demo.budgets import seed_budgets
    seed_budgets(session, now=int(time.time()))
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from citycarbon.errors import UnitError
from citycarbon.ingest.simulator import DEFAULT_MONTH
from citycarbon.lake.factors import build_factors
from citycarbon.monitoring.meters import BASE_UNITS, Carrier
from citycarbon.service.actor import LOCAL_ADMIN, Actor
from citycarbon.service.monitoring_budgets import local_month, set_budget
from citycarbon.service.monitoring_reconcile import ACTIVITY_CARRIERS
from citycarbon.service.users import actor_for_username
from citycarbon.store.models import Enterprise, Report, ReportLine, User
from citycarbon.store.models_monitoring import MeterRecord
from citycarbon.units import factor

HEADROOM = 1.05


def _city_office(session: Session) -> Actor:
    """The demo's city office user (its name in the audit log), else the local operator."""
    if session.scalar(select(User.id).where(User.username == "city")) is not None:
        return actor_for_username(session, "city")
    return LOCAL_ADMIN


def typical_month(session: Session, enterprise_id: int, carriers: set[Carrier]) -> dict[str, float]:
    """Mean monthly quantity (carrier base unit) per metered carrier of the latest reported
    year; an empty dict when the enterprise never reported a month."""
    year = session.scalar(
        select(func.max(Report.year)).where(
            Report.enterprise_id == enterprise_id, Report.month >= 1, Report.is_current.is_(True)
        )
    )
    if year is None:
        return {}
    months = session.scalar(
        select(func.count(Report.id)).where(
            Report.enterprise_id == enterprise_id, Report.year == year, Report.month >= 1,
            Report.is_current.is_(True),
        )
    )  # fmt: skip
    lines = session.execute(
        select(ReportLine.activity, ReportLine.quantity, ReportLine.unit)
        .join(Report, Report.id == ReportLine.report_id)
        .where(
            Report.enterprise_id == enterprise_id, Report.year == year, Report.month >= 1,
            Report.is_current.is_(True), ReportLine.activity.in_(list(ACTIVITY_CARRIERS)),
        )
    )  # fmt: skip
    totals: dict[str, float] = defaultdict(float)
    for activity, quantity, unit in lines:
        carrier = ACTIVITY_CARRIERS[activity]
        if carrier not in carriers:
            continue
        try:
            totals[carrier.value] += quantity * factor(unit, BASE_UNITS[carrier])
        except UnitError:
            continue  # a line in a unit that does not convert is not typical of anything
    return {c: q / max(months or 1, 1) for c, q in totals.items()}


def seed_budgets(session: Session, *, now: int, headroom: float = HEADROOM) -> int:
    """Set this month's budgets of the key energy users with meters; returns how many."""
    year, month = local_month(now)
    rows = {(r["carrier"]): r for r in build_factors([year]).to_pylist()}
    metered: dict[int, set[Carrier]] = defaultdict(set)
    meter_count: dict[tuple[int, Carrier], int] = defaultdict(int)
    for enterprise_id, carrier in session.execute(
        select(MeterRecord.enterprise_id, MeterRecord.carrier)
        .join(Enterprise, Enterprise.id == MeterRecord.enterprise_id)
        .where(Enterprise.is_key_energy_user.is_(True), MeterRecord.active.is_(True))
    ):
        metered[enterprise_id].add(Carrier(carrier))
        meter_count[(enterprise_id, Carrier(carrier))] += 1
    who = _city_office(session)
    made = 0
    for enterprise_id, carriers in sorted(metered.items()):
        typical = typical_month(session, enterprise_id, carriers)
        for carrier in carriers:  # not reported (a plant's own use): the simulator's level
            if carrier.value not in typical and carrier in DEFAULT_MONTH:
                count = meter_count[(enterprise_id, carrier)]
                typical[carrier.value] = DEFAULT_MONTH[carrier] * count
        tce = sum(q * (rows[c]["tce_per_unit"] or 0.0) for c, q in typical.items())
        tco2 = sum(q * (rows[c]["tco2_per_unit"] or 0.0) for c, q in typical.items())
        code = session.scalars(
            select(Enterprise.credit_code).where(Enterprise.id == enterprise_id)
        ).one()
        for kind, amount in (("energy", tce), ("carbon", tco2)):
            if amount > 0:
                set_budget(session, who, code, year, month, kind, round(amount * headroom, 3))
                made += 1
    return made
