"""Measure projects and the three lists (目标清单、措施清单、责任清单), with overdue warnings.

A measure project carries out one of the nine actions (code list citycarbon_nine_actions) in
a region: responsible department, schedule (start and due date), status, completion (0–1)
and the indicators it serves. The lists:

* target list — each region's plan targets with this year's light (from the assessment);
* measure list — projects grouped by the nine actions;
* responsibility list — projects grouped by responsible department.

Overdue (judged on a given ``today``): past the due date and not done; or behind the
straight-line schedule — the completion the schedule expects by today (elapsed share of
start → due) exceeds the completion reached by more than ``margin`` (default 0.15).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from citycarbon.errors import CitycarbonError, Message
from citycarbon.refdata.loader import load_codelist
from citycarbon.service.access import (
    ForbiddenError,
    Permission,
    Target,
    may,
    require,
    require_grant,
)
from citycarbon.service.actor import Actor
from citycarbon.service.audit import record, snapshot
from citycarbon.service.indicator_values import indicator_by_code
from citycarbon.service.ledger import not_found, region_by_code
from citycarbon.store.models import MeasureProject, Region, utcnow

STATUSES: dict[str, Message] = {
    "planned": Message(zh="计划", en="planned"),
    "in_progress": Message(zh="实施中", en="in progress"),
    "done": Message(zh="已完成", en="done"),
    "suspended": Message(zh="暂停", en="suspended"),
}
DEFAULT_MARGIN = 0.15
EDITABLE = (
    "action",
    "name_zh",
    "name_en",
    "department",
    "start_date",
    "due_date",
    "status",
    "completion",
    "indicators",
    "investment_10k_cny",
    "expected_reduction_t",
    "note",
)
PROGRESS_FIELDS = ("status", "completion", "note")  # what a district reports


class MeasureError(CitycarbonError):
    """A measure project's fields do not hold together."""


def _fail(zh: str, en: str, field: str) -> MeasureError:
    return MeasureError(Message(zh=zh, en=en), field=field)


@cache
def nine_actions() -> dict[str, dict[str, str]]:
    return {r["code"]: dict(r) for r in load_codelist("citycarbon_nine_actions")}


def _check(values: Mapping[str, Any]) -> None:
    if values["action"] not in nine_actions():
        raise _fail(
            f"行动 {values['action']!r} 不在九大行动中，可选：{', '.join(nine_actions())}",
            f"action {values['action']!r} is not one of the nine actions: "
            f"{', '.join(nine_actions())}",
            "action",
        )
    if values["status"] not in STATUSES:
        raise _fail(
            f"状态 {values['status']!r} 无效，可选：{', '.join(STATUSES)}",
            f"status {values['status']!r} is not one of: {', '.join(STATUSES)}",
            "status",
        )
    completion = values["completion"]
    if not math.isfinite(completion) or not 0 <= completion <= 1:
        raise _fail(
            f"完成度应在 0 到 1 之间，实际为 {completion!r}",
            f"completion must lie between 0 and 1, got {completion!r}",
            "completion",
        )
    for name in ("investment_10k_cny", "expected_reduction_t"):
        amount = values.get(name)
        if amount is not None and (not math.isfinite(amount) or amount < 0):
            raise _fail(
                f"{name} 必须是非负有限数，实际为 {amount!r}",
                f"{name} must be a finite non-negative number, got {amount!r}",
                name,
            )
    if values["due_date"] < values["start_date"]:
        raise _fail("完成期限早于开始日期", "the due date is before the start date", "due_date")
    for name in ("name_zh", "department"):
        if not str(values[name]).strip():
            raise _fail(f"{name} 不能为空", f"{name} must not be empty", name)
    for code in values["indicators"]:
        indicator_by_code(code)


def create_measure(session: Session, actor: Actor, values: Mapping[str, Any]) -> MeasureProject:
    region = region_by_code(session, str(values["region_code"]))
    require(actor, Permission.MANAGE_TARGETS, Target(region_path=region.path))
    full = {
        "status": "planned",
        "completion": 0.0,
        "indicators": [],
        "name_en": "",
        "note": "",
        "investment_10k_cny": None,
        "expected_reduction_t": None,
        **values,
    }
    _check(full)
    row = MeasureProject(**{k: full[k] for k in ("region_code", *EDITABLE)})
    session.add(row)
    session.flush()
    record(session, actor, "measure.create", "measure_project", row.id, after=snapshot(row))
    return row


def update_measure(
    session: Session, actor: Actor, measure_id: int, changes: Mapping[str, Any]
) -> MeasureProject:
    row = session.get(MeasureProject, measure_id)
    if row is None:
        raise not_found("措施项目", "measure project", measure_id)
    region = region_by_code(session, row.region_code)
    where = Target(region_path=region.path)
    if not may(actor, Permission.MANAGE_TARGETS, where):
        # the region's own officials report progress; the plan itself stays the city's
        require(actor, Permission.REPORT_MEASURES, where)
        planned = sorted(set(changes) - set(PROGRESS_FIELDS))
        if planned:
            raise ForbiddenError(
                Message(
                    zh=f"只能填报进度（状态、完成度、备注），不能修改 {', '.join(planned)}",
                    en=f"only progress (status, completion, note) may be reported, not "
                    f"{', '.join(planned)}",
                )
            )
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise _fail(
            f"不能修改字段 {', '.join(unknown)}",
            f"fields {', '.join(unknown)} cannot be changed",
            unknown[0],
        )
    before = snapshot(row)
    merged = {k: getattr(row, k) for k in EDITABLE} | dict(changes)
    _check(merged)
    for key, value in changes.items():
        setattr(row, key, value)
    if row.status == "done":
        row.completion = 1.0
    row.updated_at = utcnow()
    session.flush()
    record(
        session,
        actor,
        "measure.update",
        "measure_project",
        row.id,
        before=before,
        after=snapshot(row),
    )
    return row


def schedule_share(row: MeasureProject, today: dt.date) -> float:
    """Completion the straight-line schedule expects by ``today`` (0 before the start)."""
    span = (row.due_date - row.start_date).days
    if span <= 0:
        return 1.0 if today >= row.due_date else 0.0
    return min(1.0, max(0.0, (today - row.start_date).days / span))


def overdue_of(
    row: MeasureProject, today: dt.date, margin: float = DEFAULT_MARGIN
) -> dict[str, Any] | None:
    """Why the project is overdue on ``today``, or None."""
    if row.status in ("done", "suspended"):
        return None
    if today > row.due_date:
        days = (today - row.due_date).days
        return {
            "kind": "past_due",
            "days": days,
            "zh": f"已超过完成期限 {days} 天，完成度 {row.completion:.0%}",
            "en": f"{days} days past the due date at {row.completion:.0%} complete",
        }
    expected = schedule_share(row, today)
    if expected - row.completion > margin:
        return {
            "kind": "behind_schedule",
            "expected": expected,
            "zh": f"进度落后：按计划应完成 {expected:.0%}，实际 {row.completion:.0%}",
            "en": f"behind schedule: {expected:.0%} expected by now, {row.completion:.0%} reached",
        }
    return None


def measure_dict(
    row: MeasureProject, region: Region | None, today: dt.date, margin: float = DEFAULT_MARGIN
) -> dict[str, Any]:
    action = nine_actions().get(row.action, {})
    status = STATUSES.get(row.status)
    return {
        "id": row.id,
        "region_code": row.region_code,
        "region_zh": region.name_zh if region else None,
        "region_en": region.name_en if region else None,
        "action": row.action,
        "action_zh": action.get("name_zh"),
        "action_en": action.get("name_en"),
        "name_zh": row.name_zh,
        "name_en": row.name_en,
        "department": row.department,
        "start_date": row.start_date.isoformat(),
        "due_date": row.due_date.isoformat(),
        "status": row.status,
        "status_zh": status.zh if status else row.status,
        "status_en": status.en if status else row.status,
        "completion": row.completion,
        "schedule": schedule_share(row, today),
        "indicators": list(row.indicators or []),
        "investment_10k_cny": row.investment_10k_cny,
        "expected_reduction_t": row.expected_reduction_t,
        "note": row.note,
        "overdue": overdue_of(row, today, margin),
    }


def list_measures(
    session: Session,
    actor: Actor,
    today: dt.date,
    *,
    region_code: str | None = None,
    overdue_only: bool = False,
    margin: float = DEFAULT_MARGIN,
) -> list[dict[str, Any]]:
    """Measure projects the actor may see (a regional role: its region and below)."""
    require_grant(actor, Permission.READ_TARGETS)
    stmt = select(MeasureProject, Region).join(Region, Region.code == MeasureProject.region_code)
    if actor.region_path is not None:
        stmt = stmt.where(Region.path.startswith(actor.region_path, autoescape=True))
    if region_code:
        scope = region_by_code(session, region_code)
        stmt = stmt.where(Region.path.startswith(scope.path, autoescape=True))
    stmt = stmt.order_by(MeasureProject.region_code, MeasureProject.action, MeasureProject.id)
    out = [measure_dict(m, r, today, margin) for m, r in session.execute(stmt)]
    return [m for m in out if m["overdue"]] if overdue_only else out


def grouped(measures: Sequence[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """Projects grouped by ``action`` (measure list) or ``department`` (responsibility list),
    with counts, investment, expected reduction and overdue counts per group."""
    order = list(nine_actions()) if key == "action" else sorted({m[key] for m in measures})
    groups: list[dict[str, Any]] = []
    for value in order:
        members = [m for m in measures if m[key] == value]
        if not members and key != "action":
            continue
        head: dict[str, Any] = {key: value}
        if key == "action":
            head.update(
                name_zh=nine_actions()[value]["name_zh"], name_en=nine_actions()[value]["name_en"]
            )
        groups.append(
            {
                **head,
                "projects": members,
                "count": len(members),
                "overdue": sum(1 for m in members if m["overdue"]),
                "done": sum(1 for m in members if m["status"] == "done"),
                "investment_10k_cny": math.fsum(m["investment_10k_cny"] or 0 for m in members),
                "expected_reduction_t": math.fsum(m["expected_reduction_t"] or 0 for m in members),
                "mean_completion": (
                    math.fsum(m["completion"] for m in members) / len(members) if members else None
                ),
            }
        )
    return groups
