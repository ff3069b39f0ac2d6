"""Read models of the monitoring dashboards: an enterprise's live load curve with its budgets'
pace, the park energy map, the district electricity carbon nowcast, rejected readings.

Every figure comes from the lake (rollups of the stored readings) with the conversion factors
of the lake's factor table (``dims/factors.parquet``, built from the engine's reference data);
each answer carries the factor ids and the method, so a number on a page can be traced.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.compute as pc
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from citycarbon.errors import Message
from citycarbon.monitoring.budgets import check_pace, month_bounds
from citycarbon.monitoring.meters import BASE_UNITS, CARRIER_LABELS, Carrier
from citycarbon.monitoring.quality import CST_OFFSET_S, DAY_S
from citycarbon.service import monitoring_lake as lake
from citycarbon.service.access import (
    ForbiddenError,
    Permission,
    require,
    require_grant,
    visible_regions,
)
from citycarbon.service.actor import Actor
from citycarbon.service.monitoring_alerts import MILLI, list_alerts, month_to_date
from citycarbon.service.monitoring_budgets import (
    core_budget,
    local_month,
    monitored_enterprise,
    monitored_enterprises,
)
from citycarbon.service.roles import Role
from citycarbon.store.models import Enterprise, Region
from citycarbon.store.models_monitoring import (
    EnergyBudget,
    MeterRecord,
    Park,
    ParkMember,
    RejectedReading,
)

HOUR_S = 3600
NOWCAST_METHOD = Message(
    zh="本月至今计量用电量 × 电网排放因子；月末预测 = 至今排放 ÷ 本月已过时间占比（线性外推）。",
    en="Month-to-date metered electricity × the grid emission factor; month-end projection = "
    "emissions so far ÷ the elapsed share of the month (linear extrapolation).",
)


def _carrier_label(carrier: str) -> dict[str, str]:
    try:
        label = CARRIER_LABELS[Carrier(carrier)]
    except ValueError:
        return {"zh": carrier, "en": carrier}
    return {"zh": label.zh, "en": label.en}


def local_day_start(now: int) -> int:
    return (now + CST_OFFSET_S) // DAY_S * DAY_S - CST_OFFSET_S


def _firm(firm: Enterprise) -> dict[str, Any]:
    return {
        "id": firm.id,
        "credit_code": firm.credit_code,
        "name_zh": firm.name_zh,
        "name_en": firm.name_en or firm.name_zh,
        "region_code": firm.region_code,
        "lon": firm.lon,
        "lat": firm.lat,
    }


def load_curve(
    session: Session, root: Path, actor: Actor, credit_code: str, now: int, *, hours: int = 24
) -> dict[str, Any]:
    """The last ``hours`` of electricity demand in kW (all the enterprise's electricity
    meters summed per timestamp; kW = kWh of the interval × 3600 / interval), today's use of
    every carrier, and the month's budgets with their pace and the enterprise's alerts."""
    firm = monitored_enterprise(session, actor, credit_code)
    meters = list(session.scalars(select(MeterRecord).where(MeterRecord.enterprise_id == firm.id)))
    power = [m for m in meters if m.carrier == Carrier.ELECTRICITY.value]
    series = lake.meter_series(root, [m.id for m in power], now - hours * HOUR_S + 1, now + 1)
    series = series.filter(pc.is_valid(series.column("qty_milli")))
    interval = {m.id: m.interval_s for m in power}
    kw: dict[int, float] = defaultdict(float)
    for meter_id, ts, qty in zip(
        series.column("meter_id").to_pylist(),
        series.column("ts").to_pylist(),
        series.column("qty_milli").to_pylist(),
        strict=True,
    ):
        kw[ts] += qty / MILLI * HOUR_S / interval[meter_id]
    points = [[ts * 1000, round(kw[ts], 3)] for ts in sorted(kw)]
    day_start = local_day_start(now)
    today = lake.rollup(root, "day", "enterprise", start=day_start + 1, end=now + 1, keys=[firm.id])
    return {
        "enterprise": _firm(firm),
        "now": now,
        "hours": hours,
        "meters": [
            {
                "id": m.id,
                "code": m.code,
                "carrier": m.carrier,
                "label": _carrier_label(m.carrier),
                "facility": m.facility,
                "interval_s": m.interval_s,
                "active": m.active,
            }
            for m in meters
        ],
        "points": points,
        "last_ts": max(kw) if kw else None,
        "today": [
            {
                "carrier": row["carrier"],
                "label": _carrier_label(row["carrier"]),
                "quantity": row["qty_milli"] / MILLI,
                "unit": row["base_unit"],
                "tce": None if row["tce_milli"] is None else row["tce_milli"] / MILLI,
                "tco2": None if row["tco2_milli"] is None else row["tco2_milli"] / MILLI,
                "readings": row["readings"],
            }
            for row in today.to_pylist()
        ],
        "today_factors": lake.factor_trace(today),  # what today's tce and CO2 came from
        "pace": budget_pace(session, root, firm, now),
        "alerts": list_alerts(session, actor, state="all", enterprise_ids=[firm.id], limit=20),
    }


def budget_pace(session: Session, root: Path, firm: Enterprise, now: int) -> list[dict[str, Any]]:
    """This month's budgets of the enterprise with actual so far, the pace and the projected
    month end (core :func:`check_pace`)."""
    year, month = local_month(now)
    rows = session.scalars(
        select(EnergyBudget)
        .where(
            EnergyBudget.enterprise_id == firm.id,
            EnergyBudget.year == year,
            EnergyBudget.month == month,
        )
        .order_by(EnergyBudget.kind)
    ).all()
    if not rows:
        return []
    start, _ = month_bounds(year, month)
    used = month_to_date(root, [firm.id], start, now)
    out = []
    for row in rows:
        budget = core_budget(row, firm)
        check = check_pace(budget, used.used(firm.id, budget.base_unit), now)
        out.append(
            {
                "kind": budget.kind.value,
                "year": year,
                "month": month,
                "budget": budget.amount_base,
                "unit": budget.base_unit,
                "actual": check.actual,
                "budget_so_far": check.budget_so_far,
                "elapsed_share": check.elapsed_share,
                "projected": None if np.isnan(check.projected) else check.projected,
                "pace_ratio": None if np.isinf(check.pace_ratio) else check.pace_ratio,
                "flagged": check.flagged,
                "message_zh": check.message().zh,
                "message_en": check.message().en,
                "factor_ids": used.factor_ids(budget.base_unit),
                "factor_sets": used.factor_sets(),
            }
        )
    return out


def monitored_list(session: Session, actor: Actor) -> list[dict[str, Any]]:
    """Enterprises the actor may monitor that have meters, with their meter count."""
    stmt = monitored_enterprises(
        actor,
        select(Enterprise, func.count(MeterRecord.id))
        .join(MeterRecord, MeterRecord.enterprise_id == Enterprise.id)
        .group_by(Enterprise.id)
        .order_by(Enterprise.credit_code),
    )
    return [_firm(firm) | {"meters": n} for firm, n in session.execute(stmt)]


def park_map(session: Session, root: Path, actor: Actor, now: int) -> dict[str, Any]:
    """Parks and their member enterprises with month-to-date tce (the enterprises the actor
    may monitor; a park's total is the sum of those)."""
    stmt = monitored_enterprises(
        actor,
        select(Enterprise, Park)
        .join(ParkMember, ParkMember.enterprise_id == Enterprise.id)
        .join(Park, Park.code == ParkMember.park_code)
        .order_by(Park.code, Enterprise.credit_code),
    )
    pairs = list(session.execute(stmt))
    year, month = local_month(now)
    start, _ = month_bounds(year, month)
    used = month_to_date(root, sorted({firm.id for firm, _ in pairs}), start, now)
    parks: dict[str, dict[str, Any]] = {}
    for firm, park in pairs:
        region = session.get(Region, park.region_code)
        entry = parks.setdefault(
            park.code,
            {
                "code": park.code,
                "name_zh": park.name_zh,
                "name_en": park.name_en or park.name_zh,
                "region_code": park.region_code,
                "region_zh": region.name_zh if region else park.region_code,
                "region_en": (region.name_en or region.name_zh) if region else park.region_code,
                "lon": park.lon,
                "lat": park.lat,
                "tce": 0.0,
                "tco2": 0.0,
                "enterprises": [],
            },
        )
        tce, tco2 = used.used(firm.id, "tce"), used.used(firm.id, "t")
        entry["tce"] += tce
        entry["tco2"] += tco2
        entry["enterprises"].append(_firm(firm) | {"tce": tce, "tco2": tco2, "park": park.code})
    return {
        "year": year,
        "month": month,
        "now": now,
        "parks": list(parks.values()),
        "factors": used.factors,
    }


def _dim_rows(root: Path) -> list[dict[str, Any]]:
    factors = lake.dim(root, "factors")
    return [] if factors is None else factors.to_pylist()


def _grid_factor(factor_rows: list[dict[str, Any]], year: int) -> dict[str, Any] | None:
    """The electricity row for ``year`` (else the nearest earlier year, else the earliest)
    among factor rows: those a rollup used, or the lake's factor table."""
    rows = [r for r in factor_rows if r["carrier"] == Carrier.ELECTRICITY.value]
    if not rows:
        return None
    earlier = [r for r in rows if r["year"] <= year]
    chosen = (
        max(earlier, key=lambda r: r["year"]) if earlier else min(rows, key=lambda r: r["year"])
    )
    return {
        "year": chosen["year"],
        "tco2_per_kwh": chosen["tco2_per_unit"],
        "factor_id": chosen["co2_factor_id"],
        "factor_set": chosen["factor_set"],
        "source": chosen.get("source", ""),
        "unit": f"t CO2/{chosen['base_unit']}",
    }


def district_nowcast(session: Session, root: Path, actor: Actor, now: int) -> dict[str, Any]:
    """Month-to-date metered electricity per district × the grid factor, with the projection
    to the month end by elapsed share and the coverage (enterprises with electricity meters,
    and how many of them reported this month)."""
    require_grant(actor, Permission.READ_MONITORING)
    if actor.role in (Role.ENTERPRISE, Role.VERIFIER):
        raise ForbiddenError(
            Message(
                zh="区县用电碳排放实时估算仅对市、区县管理人员开放",
                en="the district nowcast is for city and district officials",
            )
        )
    year, month = local_month(now)
    start, end = month_bounds(year, month)
    share = min(max((now - start) / (end - start), 0.0), 1.0)
    regions = session.scalars(
        visible_regions(actor, select(Region).where(Region.level == "county").order_by(Region.code))
    ).all()
    codes = [r.code for r in regions]
    sums = lake.rollup(
        root,
        "month",
        "district",
        start=start + 1,
        end=now + 1,
        keys=codes,
        carriers=["electricity"],
    )
    by_region: dict[str, dict[str, float]] = defaultdict(lambda: {"kwh": 0.0, "tco2": 0.0})
    for row in sums.to_pylist():
        by_region[row["key"]]["kwh"] += row["qty_milli"] / MILLI
        by_region[row["key"]]["tco2"] += (row["tco2_milli"] or 0) / MILLI
    used = lake.factor_trace(sums)  # the factor rows the rollup converted with
    metered = _metered_enterprises(root)
    reporting = _reporting_enterprises(root, start, now)
    grid = _grid_factor(used, year) or _grid_factor(_dim_rows(root), year)
    rows: list[dict[str, Any]] = []
    for region in regions:
        figures = by_region.get(region.code, {"kwh": 0.0, "tco2": 0.0})
        kwh = figures["kwh"]
        tco2 = figures["tco2"] if grid else None  # the rollup's own conversion, exact integers
        rows.append(
            {
                "code": region.code,
                "name_zh": region.name_zh,
                "name_en": region.name_en or region.name_zh,
                "kwh": kwh,
                "tco2": tco2,
                "projected_tco2": tco2 / share if tco2 is not None and share > 0 else None,
                "metered_enterprises": int(metered.get(region.code, 0)),
                "reporting_enterprises": reporting.get(region.code, 0),
            }
        )
    total = float(sum(r["tco2"] or 0.0 for r in rows))
    return {
        "year": year,
        "month": month,
        "now": now,
        "elapsed_share": share,
        "base_unit": BASE_UNITS[Carrier.ELECTRICITY],
        "grid_factor": grid,
        "factors_used": used,
        "factor_ids_used": sorted({str(r["co2_factor_id"]) for r in used if r["co2_factor_id"]}),
        "method": {"zh": NOWCAST_METHOD.zh, "en": NOWCAST_METHOD.en},
        "districts": rows,
        "total_tco2": total,
        "total_projected_tco2": total / share if share > 0 else None,
    }


def _metered_enterprises(root: Path) -> dict[str, int]:
    """Per district (as the lake's meter table places it): enterprises with an electricity
    meter."""
    meters = lake.dim(root, "meters")
    if meters is None:
        return {}
    firms: dict[str, set[int]] = defaultdict(set)
    for row in meters.select(["enterprise_id", "region_code", "carrier"]).to_pylist():
        if row["carrier"] == Carrier.ELECTRICITY.value and row["region_code"]:
            firms[row["region_code"]].add(row["enterprise_id"])
    return {region: len(ids) for region, ids in firms.items()}


def _reporting_enterprises(root: Path, start: int, now: int) -> dict[str, int]:
    """Per district: enterprises with at least one electricity reading this month."""
    meters = lake.dim(root, "meters")
    per_firm = lake.rollup(
        root, "month", "enterprise", start=start + 1, end=now + 1, carriers=["electricity"]
    )
    if meters is None or per_firm.num_rows == 0:
        return {}
    region_of = dict(
        zip(
            meters.column("enterprise_id").to_pylist(),
            meters.column("region_code").to_pylist(),
            strict=True,
        )
    )
    counts: dict[str, int] = defaultdict(int)
    for key in set(per_firm.column("key").to_pylist()):
        region = region_of.get(int(key))
        if region:
            counts[region] += 1
    return dict(counts)


def rejected_readings(
    session: Session, actor: Actor, *, code: str | None = None, limit: int = 200
) -> list[dict[str, Any]]:
    """The newest rejected readings with their reason in zh and en (``monitoring.manage``)."""
    require(actor, Permission.MANAGE_MONITORING)
    stmt = select(RejectedReading).order_by(RejectedReading.id.desc()).limit(limit)
    if code:
        stmt = stmt.where(RejectedReading.code == code)
    return [
        {
            "id": r.id,
            "received_at": r.received_at.isoformat(),
            "source": r.source,
            "meter_code": r.meter_code,
            "ts": r.ts,
            "value": r.value,
            "unit": r.unit,
            "code": r.code,
            "reason_zh": r.reason_zh,
            "reason_en": r.reason_en,
            "item": r.item,
        }
        for r in session.scalars(stmt)
    ]
