"""Metered energy against an enterprise's reported monthly energy, for the reviewer's and the
verifier's view of a monthly report.

For each energy carrier the report and the meters share — purchased electricity (activity
``electricity``), natural gas (``natural_gas``), steam (``steam``) and heat (``heat``) — the
month's daily metered totals (the lake's day rollup of the enterprise) are compared with the
report's lines of that activity, converted to the meter's base unit, by the core
:func:`~citycarbon.monitoring.quality.reconcile_month`; the tolerance and the completeness bar
are the packaged ``cn_online_monitoring_rules`` (5 %, 90 %). A carrier reported but not
metered is listed without a flag (nothing to compare); one metered but not reported is flagged.
The completeness shown is that of the carrier's meters over the month's days so far (core
:func:`~citycarbon.monitoring.quality.daily_completeness`): a difference over a month the
meters covered badly is the meters' fault as likely as the report's.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from citycarbon.errors import UnitError
from citycarbon.monitoring.budgets import month_bounds
from citycarbon.monitoring.meters import BASE_UNITS, CARRIER_LABELS, Carrier
from citycarbon.monitoring.quality import (
    MonitoringRules,
    daily_completeness,
    reconcile_month,
    rules_from_rows,
)
from citycarbon.refdata.loader import load_codelist
from citycarbon.service import monitoring_lake as lake
from citycarbon.service.access import Permission
from citycarbon.service.actor import Actor
from citycarbon.service.monitoring_alerts import MILLI
from citycarbon.service.reports import authorised_report
from citycarbon.store.models import ReportLine
from citycarbon.store.models_monitoring import MeterRecord
from citycarbon.units import factor

# Report activity codes (as the reporting rules and the demo reports use them) → carrier.
ACTIVITY_CARRIERS: dict[str, Carrier] = {
    "electricity": Carrier.ELECTRICITY,
    "natural_gas": Carrier.NATURAL_GAS,
    "steam": Carrier.STEAM,
    "heat": Carrier.HEAT,
}
RULES_TABLE = "cn_online_monitoring_rules"


@cache
def monitoring_rules() -> MonitoringRules:
    return rules_from_rows(load_codelist(RULES_TABLE))


def _reported(session: Session, report_id: int) -> dict[Carrier, dict[str, Any]]:
    """Per carrier: the reported total in the carrier's base unit and the lines it came
    from (a line whose unit does not convert is listed, not summed)."""
    out: dict[Carrier, dict[str, Any]] = {}
    lines = session.scalars(
        select(ReportLine).where(
            ReportLine.report_id == report_id,
            ReportLine.activity.in_(list(ACTIVITY_CARRIERS)),
        )
    )
    for line in lines:
        carrier = ACTIVITY_CARRIERS[line.activity]
        entry = out.setdefault(carrier, {"total": 0.0, "lines": [], "unconverted": []})
        try:
            entry["total"] += line.quantity * factor(line.unit, BASE_UNITS[carrier])
            entry["lines"].append(f"{line.category} {line.activity} {line.quantity:g} {line.unit}")
        except UnitError:
            entry["unconverted"].append(f"{line.category} {line.activity} {line.unit}")
    return out


def _completeness(
    root: Path, meters: list[MeterRecord], start: int, end: int, threshold: float
) -> dict[str, Any]:
    """Completeness of the meters' days from the month's start to ``end`` (exclusive)."""
    days = max(1, (end - start + 86399) // 86400)
    first = np.datetime64(int((start + 8 * 3600) // 86400), "D")
    last = first + days - 1
    series = lake.meter_series(root, [m.id for m in meters], start + 1, end + 1)
    ids = series.column("meter_id").to_numpy()
    ts = series.column("ts").to_numpy()
    shares = []
    flagged = 0
    for meter in meters:
        result = daily_completeness(
            ts[ids == meter.id],
            meter.interval_s,
            first_day=first,
            last_day=last,
            threshold=threshold,
        )
        shares.extend(result.completeness.tolist())
        flagged += int(result.flagged.sum())
    return {
        "mean": float(np.mean(shares)) if shares else 0.0,
        "min": float(np.min(shares)) if shares else 0.0,
        "meter_days": len(shares),
        "incomplete_days": flagged,
        "threshold": threshold,
        "complete": flagged == 0 and bool(shares),
    }


def reconcile_report(
    session: Session, root: Path, actor: Actor, report_id: int, *, now: int
) -> dict[str, Any] | None:
    """The metered-vs-reported comparison of a monthly report (None for an annual report or
    an enterprise without meters)."""
    report = authorised_report(session, actor, report_id, Permission.READ_REPORT)
    if not 1 <= report.month <= 12:
        return None
    meters = list(
        session.scalars(
            select(MeterRecord).where(MeterRecord.enterprise_id == report.enterprise_id)
        )
    )
    if not meters:
        return None
    rules = monitoring_rules()
    start, end = month_bounds(report.year, report.month)
    upto = min(end, max(start, now))
    reported = _reported(session, report_id)
    daily = lake.rollup(
        root, "day", "enterprise", start=start + 1, end=end + 1, keys=[report.enterprise_id]
    ).to_pylist()
    rows = []
    metered_carriers = {Carrier(m.carrier) for m in meters if m.carrier in set(Carrier)}
    for carrier in sorted(metered_carriers | set(reported), key=lambda c: c.value):
        days = [r["qty_milli"] / MILLI for r in daily if r["carrier"] == carrier.value]
        entry = reported.get(carrier)
        label = CARRIER_LABELS[carrier]
        row: dict[str, Any] = {
            "carrier": carrier.value,
            "label_zh": label.zh,
            "label_en": label.en,
            "unit": BASE_UNITS[carrier],
            "metered": sum(days) if carrier in metered_carriers else None,
            "reported": entry["total"] if entry else None,
            "lines": entry["lines"] if entry else [],
            "unconverted": entry["unconverted"] if entry else [],
            "difference_pct": None,
            "flagged": False,
            "completeness": None,
        }
        if carrier in metered_carriers:
            carrier_meters = [m for m in meters if m.carrier == carrier.value]
            row["completeness"] = _completeness(
                root, carrier_meters, start, upto, rules.completeness_min
            )
            result = reconcile_month(
                days or [0.0], entry["total"] if entry else 0.0,
                tolerance=rules.daily_monthly_tolerance,
            )  # fmt: skip
            relative = result.relative_difference
            row["difference_pct"] = None if np.isinf(relative) else relative * 100
            row["flagged"] = result.flagged
            row["message_zh"] = result.message(label.zh).zh
            row["message_en"] = result.message(label.en).en
        rows.append(row)
    return {
        "report_id": report.id,
        "year": report.year,
        "month": report.month,
        "tolerance_pct": rules.daily_monthly_tolerance * 100,
        "completeness_min_pct": rules.completeness_min * 100,
        "rules_table": RULES_TABLE,
        "month_complete": now >= end,
        "rows": rows,
        "flagged": any(r["flagged"] for r in rows),
    }
