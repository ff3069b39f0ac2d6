"""Alert evaluation and the alert list (table ``monitoring_alert``).

:func:`evaluate_alerts` observes, at a moment ``now`` it is given:

* ``pace_above_budget`` for every budget of the current local month: month-to-date tce (energy
  budgets) or t CO2 (carbon budgets) of the enterprise from the lake's month rollup, against the
  budget's elapsed share (core :func:`~citycarbon.monitoring.budgets.check_pace`);
* ``meter_silent`` for every active meter of the registry from its last stored reading;
* ``abnormal_spike`` for every active meter from its readings of the last day (the latest
  reading against the robust z of the window).

Then the core state machine (:func:`~citycarbon.monitoring.budgets.step_alerts`) runs against
the stored open alerts, and opens, refreshes and clears are written. Running it twice at the
same ``now`` writes nothing the second time. An open alert whose subject is no longer observed
(the budget's month is over, the meter was retired) is cleared.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.compute as pc
from sqlalchemy import select
from sqlalchemy.orm import Session

from citycarbon.monitoring.budgets import (
    ALERT_LABELS,
    SILENT_INTERVALS,
    Alert,
    AlertKind,
    Observation,
    check_pace,
    month_bounds,
    pace_observation,
    silent_observation,
    spike_observation,
    step_alerts,
)
from citycarbon.monitoring.quality import SPIKE_WINDOW
from citycarbon.service import monitoring_lake as lake
from citycarbon.service.actor import Actor
from citycarbon.service.monitoring_budgets import (
    budgets_of_month,
    core_budget,
    local_month,
    monitored_enterprises,
)
from citycarbon.store.models import Enterprise
from citycarbon.store.models_monitoring import MeterRecord, MonitoringAlert

MILLI = 1000.0
# How far ahead of the clock an evaluation may be asked for (the readings' clock-skew
# allowance): one in the future would make every later real evaluation stale for its alerts.
MAX_AHEAD_S = 300
RECENT_CLEARED_DAYS = 7


def when(epoch: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, dt.UTC)


def epoch(moment: dt.datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return int(moment.timestamp())


@dataclass(frozen=True, slots=True)
class Evaluation:
    """What one evaluation did: how many alerts it opened, refreshed and cleared."""

    now: int
    observations: int
    opened: int
    refreshed: int
    cleared: int

    def as_dict(self) -> dict[str, int]:
        return {
            "now": self.now,
            "observations": self.observations,
            "opened": self.opened,
            "refreshed": self.refreshed,
            "cleared": self.cleared,
        }


@dataclass(frozen=True, slots=True)
class _Subject:
    enterprise_id: int | None
    meter_id: int | None
    figures: dict[str, Any]


@dataclass(frozen=True, slots=True)
class MonthToDate:
    """Per enterprise: ``{"tce": …, "t": …}`` so far this month, and the factor rows (ids,
    set, per-unit values, source) the rollup converted with."""

    by_enterprise: dict[int, dict[str, float]]
    factors: list[dict[str, Any]]

    def used(self, enterprise_id: int, unit: str) -> float:
        return self.by_enterprise.get(enterprise_id, {}).get(unit, 0.0)

    def factor_ids(self, unit: str) -> list[str]:
        """The ids of the factors behind amounts in ``unit`` (tce or t CO2)."""
        column = "tce_factor_id" if unit == "tce" else "co2_factor_id"
        return sorted({str(r[column]) for r in self.factors if r.get(column)})

    def factor_sets(self) -> list[str]:
        return sorted({str(r["factor_set"]) for r in self.factors if r.get("factor_set")})


def month_to_date(root: Path, enterprise_ids: Sequence[int], start: int, now: int) -> MonthToDate:
    """tce and t CO2 per enterprise from the month's ``start`` to ``now`` (inclusive)."""
    table = lake.rollup(
        root, "month", "enterprise", start=start + 1, end=now + 1, keys=list(enterprise_ids)
    )
    out: dict[int, dict[str, float]] = {}
    for row in table.to_pylist():
        item = out.setdefault(int(row["key"]), {"tce": 0.0, "t": 0.0})
        item["tce"] += (row["tce_milli"] or 0) / MILLI
        item["t"] += (row["tco2_milli"] or 0) / MILLI
    return MonthToDate(out, lake.factor_trace(table))


def _pace_observations(
    session: Session, root: Path, now: int
) -> tuple[list[Observation], dict[str, _Subject]]:
    year, month = local_month(now)
    budgets = budgets_of_month(session, year, month)
    start, _ = month_bounds(year, month)
    used = month_to_date(root, sorted({firm.id for _, firm in budgets}), start, now)
    observations, subjects = [], {}
    for row, firm in budgets:
        budget = core_budget(row, firm)
        check = check_pace(budget, used.used(firm.id, budget.base_unit), now)
        observations.append(pace_observation(check))
        subjects[budget.subject] = _Subject(
            firm.id,
            None,
            {
                "actual": check.actual,
                "budget": budget.amount_base,
                "budget_so_far": check.budget_so_far,
                "projected": None if np.isnan(check.projected) else check.projected,
                "elapsed_share": check.elapsed_share,
                "unit": budget.base_unit,
                "factor_ids": used.factor_ids(budget.base_unit),
                "factor_sets": used.factor_sets(),
            },
        )
    return observations, subjects


def meter_subject(code: str) -> str:
    return f"meter/{code}"


def _meter_observations(
    session: Session, root: Path, now: int
) -> tuple[list[Observation], dict[str, _Subject]]:
    meters = list(session.scalars(select(MeterRecord).where(MeterRecord.active.is_(True))))
    if not meters:
        return [], {}
    ids = [m.id for m in meters]
    longest = max(m.interval_s for m in meters)
    # one read of the recent window serves both rules: the spike window, and the last reading
    # of every meter heard from within it; only meters quiet for the whole window (silent
    # anyway) need the scan of the lake's whole history for their last reading
    series = lake.meter_series(root, ids, now - SPIKE_WINDOW * longest, now + 1)
    heard = series.group_by("meter_id").aggregate([("ts", "max")])
    last_of = dict(
        zip(heard.column("meter_id").to_pylist(), heard.column("ts_max").to_pylist(), strict=True)
    )
    quiet = [i for i in ids if i not in last_of]
    if quiet:
        last = lake.last_readings(root, quiet)
        last_of |= dict(
            zip(
                last.column("meter_id").to_pylist(), last.column("last_ts").to_pylist(), strict=True
            )
        )
    series = series.filter(pc.is_valid(series.column("qty_milli")))
    order = np.lexsort((series.column("ts").to_numpy(), series.column("meter_id").to_numpy()))
    meter_col = series.column("meter_id").to_numpy()[order]
    values = series.column("qty_milli").to_numpy()[order] / MILLI
    bounds = (
        np.searchsorted(meter_col, ids, side="left"),
        np.searchsorted(meter_col, ids, side="right"),
    )
    observations, subjects = [], {}
    for n, meter in enumerate(meters):
        subject = meter_subject(meter.code)
        last_ts = last_of.get(meter.id)
        silent = silent_observation(subject, last_ts, now, meter.interval_s, k=SILENT_INTERVALS)
        recent = values[bounds[0][n] : bounds[1][n]]
        spike = spike_observation(subject, recent, now)
        observations += [silent, spike]
        figures = {"last_ts": last_ts, "readings": int(recent.size), "interval_s": meter.interval_s}
        subjects[subject] = _Subject(meter.enterprise_id, meter.id, figures)
    return observations, subjects


def _stored_open(session: Session) -> dict[tuple[str, AlertKind], MonitoringAlert]:
    rows = session.scalars(select(MonitoringAlert).where(MonitoringAlert.state == "open"))
    return {(row.subject, AlertKind(row.kind)): row for row in rows}


def evaluate_alerts(session: Session, lake_root: Path, now: int) -> Evaluation:
    """Observe every rule at ``now`` and write the alerts' changes in the caller's
    transaction (the caller commits)."""
    pace, pace_subjects = _pace_observations(session, lake_root, now)
    meters, meter_subjects = _meter_observations(session, lake_root, now)
    subjects = pace_subjects | meter_subjects
    stored = _stored_open(session)
    observed = {(o.subject, o.kind) for o in [*pace, *meters]}
    # an observation earlier than the alert's last one is stale (an evaluation at an older
    # moment): it must not reopen or clear what a later one decided
    fresh = [
        o
        for o in [*pace, *meters]
        if (o.subject, o.kind) not in stored or o.at >= epoch(stored[(o.subject, o.kind)].last_seen)
    ]
    orphans = [
        Observation(max(now, epoch(row.last_seen)), key[0], key[1], False, None)
        for key, row in stored.items()
        if key not in observed
    ]
    current = {
        key: Alert(key[0], key[1], epoch(row.opened_at), epoch(row.last_seen))
        for key, row in stored.items()
    }
    step = step_alerts(current, [*fresh, *orphans])
    opened = refreshed = 0
    for key, alert in step.open.items():
        subject = subjects.get(key[0])
        detail = _detail(alert, subject)
        row = stored.get(key)
        if row is None:
            session.add(
                MonitoringAlert(
                    subject=key[0],
                    kind=key[1].value,
                    enterprise_id=subject.enterprise_id if subject else None,
                    meter_id=subject.meter_id if subject else None,
                    state="open",
                    opened_at=when(alert.opened_at),
                    last_seen=when(alert.last_seen),
                    detail=detail,
                )
            )
            opened += 1
        elif epoch(row.last_seen) != alert.last_seen or row.detail != detail:
            row.last_seen = when(alert.last_seen)
            row.detail = detail
            refreshed += 1
    # a cleared alert keeps the figures of the observation that cleared it (the pace back
    # under the budget, the meter heard from again), so its row says why it cleared
    clearing = {(e.subject, e.kind): e.message for e in step.events if e.state == "cleared"}
    for alert in step.cleared:
        row = stored[alert.key]
        message = clearing.get(alert.key)
        if message is not None:
            row.detail = _detail(replace(alert, message=message), subjects.get(alert.key[0]))
        row.state = "cleared"
        row.last_seen = when(alert.last_seen)
        row.cleared_at = when(alert.cleared_at or alert.last_seen)
    session.flush()
    return Evaluation(now, len(pace) + len(meters), opened, refreshed, len(step.cleared))


def _detail(alert: Alert, subject: _Subject | None) -> dict[str, Any]:
    detail: dict[str, Any] = dict(subject.figures) if subject else {}
    if alert.message is not None:
        detail["zh"] = alert.message.zh
        detail["en"] = alert.message.en
    return detail


def alert_dict(row: MonitoringAlert, firm: Enterprise | None) -> dict[str, Any]:
    kind = AlertKind(row.kind)
    detail = row.detail or {}
    return {
        "id": row.id,
        "subject": row.subject,
        "kind": kind.value,
        "label_zh": ALERT_LABELS[kind].zh,
        "label_en": ALERT_LABELS[kind].en,
        "state": row.state,
        "credit_code": firm.credit_code if firm else None,
        "enterprise_zh": firm.name_zh if firm else None,
        "enterprise_en": (firm.name_en or firm.name_zh) if firm else None,
        "opened_at": row.opened_at.isoformat(),
        "last_seen": row.last_seen.isoformat(),
        "cleared_at": row.cleared_at.isoformat() if row.cleared_at else None,
        "opened_ts": epoch(row.opened_at),
        "last_ts": epoch(row.last_seen),
        "cleared_ts": epoch(row.cleared_at) if row.cleared_at else None,
        "message_zh": detail.get("zh", ""),
        "message_en": detail.get("en", ""),
        "detail": detail,
    }


def list_alerts(
    session: Session,
    actor: Actor,
    *,
    state: str = "open",
    enterprise_ids: Sequence[int] | None = None,
    now: int | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    """Alerts of the enterprises the actor may monitor: ``open``, ``cleared`` (the last
    seven days before ``now``) or ``all``; newest first."""
    stmt = monitored_enterprises(
        actor,
        select(MonitoringAlert, Enterprise).join(
            Enterprise, Enterprise.id == MonitoringAlert.enterprise_id
        ),
    )
    if state in ("open", "cleared"):
        stmt = stmt.where(MonitoringAlert.state == state)
    if state == "cleared" and now is not None:
        since = when(now) - dt.timedelta(days=RECENT_CLEARED_DAYS)
        stmt = stmt.where(MonitoringAlert.cleared_at >= since)
    if enterprise_ids is not None:
        stmt = stmt.where(MonitoringAlert.enterprise_id.in_(list(enterprise_ids)))
    stmt = stmt.order_by(MonitoringAlert.last_seen.desc(), MonitoringAlert.id.desc()).limit(limit)
    return [alert_dict(row, firm) for row, firm in session.execute(stmt)]
